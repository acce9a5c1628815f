import Database from 'better-sqlite3';
import { PHONE_FIELDS } from '../domain/contact.js';
import type { LocationSettings } from '../domain/phone-number.js';
import { feedToken } from './change-feed.js';
import { bookToken } from './contact-rows.js';
import type { SqliteDatabase } from './database.js';

/**
 * A book snapshot: one book's contacts, phone rows and search text at one point of its
 * change sequence, as an SQLite file a client copies into its offline store with a few
 * `INSERT … SELECT`s instead of parsing and storing a million JSON rows one by one
 * (measured at 1,000,000 contacts: see BENCHMARKS.md, "Client sync"). It carries the
 * change-feed token it was taken at: the client goes on with `changes?since=` from there.
 *
 * The tables are STRICT, so a client that checked the schema knows every value's type.
 * A client asks for its {@link SNAPSHOT_FORMAT}; a server that writes another refuses the
 * request (400) and the client reads pages. (Format 1, never released, had no company
 * columns in `phones`.)
 */
export const SNAPSHOT_FORMAT = '2';

/** The snapshot's tables, one statement each, as `sqlite_master` keeps them. */
export const SNAPSHOT_TABLES: readonly string[] = [
  'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT',
  `CREATE TABLE contacts (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, data TEXT NOT NULL,
    hash INTEGER NOT NULL, updated_at TEXT NOT NULL, display_name TEXT NOT NULL,
    company TEXT, name_key TEXT NOT NULL, names TEXT NOT NULL, other TEXT NOT NULL) STRICT`,
  `CREATE TABLE phones (contact_rowid INTEGER NOT NULL, field TEXT NOT NULL, raw TEXT NOT NULL,
    canonical TEXT NOT NULL, base TEXT, company TEXT, company_rank INTEGER) STRICT`,
];

/** The highest contact rowid a snapshot may have (a change sequence, never near this). */
const MAX_SNAPSHOT_ROWID = 2 ** 40;

/** What a snapshot's `meta` table says. */
export interface SnapshotMeta {
  format: string;
  /** The change-feed token of the book at the snapshot. */
  token: string;
  contacts: number;
  /** The location settings its number keys were made with. */
  location: LocationSettings;
}

/**
 * Writes the snapshot of book `bookId` of the store file `storeFile` to the new file
 * `target`, all of it read in one read transaction of the store (writers go on meanwhile).
 * Contacts keep their store rowids (the phone rows refer to them); phone rows keep the
 * company and rank the store gave them (see `markCompanyNumbers`).
 * Returns undefined when a contact has no kept search text (stored by a version before
 * the store kept it): the change feed derives it, a snapshot cannot.
 * @throws when the book does not exist (any more).
 */
export function writeBookSnapshot(
  storeFile: string,
  bookId: number,
  location: LocationSettings,
  target: string,
): SnapshotMeta | undefined {
  const db = new Database(target);
  try {
    // A file written once and sent once: nothing to recover should this process die.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('busy_timeout = 5000');
    for (const sql of SNAPSHOT_TABLES) db.exec(sql);
    db.prepare('ATTACH ? AS store').run(storeFile);
    return db.transaction((): SnapshotMeta | undefined => {
      // A rebuild's old copy (retired, being dropped) is no book to copy any more.
      const seq = db
        .prepare("SELECT seq FROM store.phonebooks WHERE id = ? AND state = 'active'")
        .pluck()
        .get(bookId);
      if (typeof seq !== 'number') throw new Error(`No phone book ${bookId} in the store`);
      const total = db
        .prepare('SELECT count(*) FROM store.contacts WHERE book_id = ?')
        .pluck()
        .get(bookId) as number;
      const copied = db
        .prepare(
          `INSERT INTO contacts
           SELECT c.rowid, c.id, c.data, c.hash, c.updated_at, c.display_name, c.company,
                  c.name_key, t.names, t.other
             FROM store.contacts c JOIN store.contact_text t ON t.rowid = c.rowid
            WHERE c.book_id = ? ORDER BY c.rowid`,
        )
        .run(bookId).changes;
      if (copied !== total) return undefined;
      db.prepare(
        `INSERT INTO phones
         SELECT contact_rowid, field, raw, canonical, base, company, company_rank FROM store.phones
          WHERE book_id = ? ORDER BY rowid`,
      ).run(bookId);
      const meta: SnapshotMeta = {
        format: SNAPSHOT_FORMAT,
        token: feedToken(bookId, seq),
        contacts: total,
        location,
      };
      const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      put.run('format', meta.format);
      put.run('token', meta.token);
      put.run('contacts', String(meta.contacts));
      put.run('location', JSON.stringify(meta.location));
      return meta;
    })();
  } finally {
    db.close();
  }
}

/**
 * What is wrong with the snapshot attached to `db` as `snapshot`, or its meta when it is
 * usable: the schema exactly as {@link SNAPSHOT_TABLES} (no views, triggers or indexes of
 * its own), a meta of this format, and rows the store can take (contact data a JSON object
 * of strings and `extra`, known phone fields, no empty ids or numbers). Duplicate ids are
 * refused by the store's key when copied.
 */
export function checkSnapshot(db: SqliteDatabase): { meta: SnapshotMeta } | { problem: string } {
  const schema = db
    .prepare('SELECT type, name, sql FROM snapshot.sqlite_master ORDER BY rowid')
    .all() as { type: string; name: string; sql: string | null }[];
  const tables = schema.filter((entry) => entry.type === 'table').map((entry) => entry.sql);
  const others = schema.filter((entry) => entry.type !== 'table');
  const sameTables =
    tables.length === SNAPSHOT_TABLES.length &&
    tables.every((sql, i) => sql === SNAPSHOT_TABLES[i]);
  if (!sameTables || others.some((entry) => entry.sql !== null)) {
    return { problem: 'its tables are not those of a book snapshot' };
  }
  const values = new Map(
    (db.prepare('SELECT key, value FROM snapshot.meta').raw().all() as [string, string][]).map(
      ([key, value]) => [key, value],
    ),
  );
  if (values.get('format') !== SNAPSHOT_FORMAT) {
    return {
      problem: `its format is ${values.get('format') ?? 'missing'}, not ${SNAPSHOT_FORMAT}`,
    };
  }
  const token = values.get('token') ?? '';
  const contacts = Number(values.get('contacts'));
  let location: unknown;
  try {
    location = JSON.parse(values.get('location') ?? '');
  } catch {
    location = undefined;
  }
  if (!/^\d+\.\d+$/.test(token) || !Number.isSafeInteger(contacts) || !isLocation(location)) {
    return { problem: 'its meta table has no usable token, contact count or location' };
  }
  const [count, lowest, highest] = db
    .prepare('SELECT count(*), min(rowid), max(rowid) FROM snapshot.contacts')
    .raw()
    .get() as [number, number | null, number | null];
  if (count !== contacts) return { problem: `it holds ${count} contacts, not ${contacts}` };
  // Rowids are change sequences: positive, and far from overflowing past the store's.
  if ((lowest ?? 1) < 1 || (highest ?? 1) > MAX_SNAPSHOT_ROWID) {
    return { problem: 'its contacts are numbered out of range' };
  }
  const badContact = db
    .prepare(
      `SELECT rowid FROM snapshot.contacts
        WHERE id = '' OR CASE WHEN json_valid(data) THEN
                json_type(data) != 'object' OR EXISTS
                (SELECT 1 FROM json_each(data) f
                  WHERE CASE f.key WHEN 'extra'
                        THEN f.type != 'object' OR EXISTS
                             (SELECT 1 FROM json_each(f.value) x WHERE x.type != 'text')
                        ELSE f.type != 'text' END)
              ELSE 1 END
        LIMIT 1`,
    )
    .pluck()
    .get() as number | undefined;
  if (badContact !== undefined) return { problem: `its contact ${badContact} has unusable data` };
  const badPhone = db
    .prepare(
      `SELECT contact_rowid FROM snapshot.phones
        WHERE canonical = '' OR field NOT IN (${PHONE_FIELDS.map(() => '?').join(', ')})
           OR (company IS NULL) != (company_rank IS NULL) OR company_rank NOT IN (0, 1, 2)
        LIMIT 1`,
    )
    .pluck()
    .get(...PHONE_FIELDS) as number | undefined;
  if (badPhone !== undefined) return { problem: `a number of its contact ${badPhone} is unusable` };
  return { meta: { format: SNAPSHOT_FORMAT, token, contacts, location } };
}

/**
 * Copies the checked snapshot attached to `db` as `snapshot` into book `bookId` of the
 * store (inside the caller's transaction): contact rows with rowids past the store's, their
 * phone rows, and their search index rows (for a store that keeps no search text beside
 * them: the client's). Each contact's rowid in the snapshot serves as its change sequence.
 * @returns the book's change sequence after the copy.
 */
export function copySnapshot(db: SqliteDatabase, bookId: number): number {
  const offset = db.prepare('SELECT coalesce(max(rowid), 0) FROM contacts').pluck().get() as number;
  const book = { book: bookId, offset, token: bookToken(bookId) };
  db.prepare(
    `INSERT INTO contacts (rowid, book_id, id, data, display_name, company, name_key, etag,
                           updated_at, seq, hash)
     SELECT rowid + @offset, @book, id, data, display_name, company, name_key,
            '"' || @book || '-' || rowid || '"', updated_at, rowid, hash
       FROM snapshot.contacts ORDER BY rowid`,
  ).run(book);
  db.prepare(
    `INSERT INTO phones (contact_rowid, book_id, field, raw, canonical, base, company, company_rank)
     SELECT contact_rowid + @offset, @book, field, raw, canonical, base, company, company_rank
       FROM snapshot.phones ORDER BY rowid`,
  ).run(book);
  db.prepare(
    `INSERT INTO contact_fts (rowid, names, other, book)
     SELECT rowid + @offset, names, other, @token FROM snapshot.contacts ORDER BY rowid`,
  ).run(book);
  return db
    .prepare('SELECT coalesce(max(rowid), 0) FROM snapshot.contacts')
    .pluck()
    .get() as number;
}

function isLocation(value: unknown): value is LocationSettings {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
