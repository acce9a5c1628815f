import { chmodSync, closeSync, openSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';

export type { SqliteDatabase };

/**
 * Schema migrations, applied in order; `user_version` records how many ran. Never edit a
 * released step: add a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  CREATE TABLE phonebooks (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    kind TEXT NOT NULL,
    config TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    contact_count INTEGER NOT NULL DEFAULT 0,
    reset_seq INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
  );

  CREATE TABLE contacts (
    rowid INTEGER PRIMARY KEY,
    book_id INTEGER NOT NULL REFERENCES phonebooks(id),
    id TEXT NOT NULL,
    data TEXT NOT NULL,
    display_name TEXT NOT NULL,
    company TEXT,
    name_key TEXT NOT NULL,
    etag TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    seq INTEGER NOT NULL,
    UNIQUE (book_id, id)
  );
  CREATE INDEX contacts_name_key ON contacts (name_key);
  CREATE INDEX contacts_book_seq ON contacts (book_id, seq);
  CREATE INDEX contacts_book_name ON contacts (book_id, name_key);

  CREATE TABLE phones (
    contact_rowid INTEGER NOT NULL,
    book_id INTEGER NOT NULL,
    field TEXT NOT NULL,
    raw TEXT NOT NULL,
    canonical TEXT NOT NULL,
    base TEXT
  );
  CREATE INDEX phones_canonical ON phones (canonical);
  CREATE INDEX phones_base ON phones (base) WHERE base IS NOT NULL;
  CREATE INDEX phones_contact ON phones (contact_rowid);

  CREATE VIRTUAL TABLE contact_fts USING fts5 (
    names, other, book,
    content = '', contentless_delete = 1, detail = column,
    prefix = '1 2 3', tokenize = 'unicode61 remove_diacritics 0'
  );

  CREATE TABLE tombstones (
    book_id INTEGER NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (book_id, id)
  );
  CREATE INDEX tombstones_seq ON tombstones (book_id, seq);

  CREATE TABLE notes (
    book_id INTEGER NOT NULL,
    contact_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    text TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (book_id, contact_id, version)
  );

  CREATE TABLE number_notes (
    canonical TEXT NOT NULL,
    version INTEGER NOT NULL,
    raw TEXT NOT NULL,
    text TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (canonical, version)
  );

  CREATE TABLE users (
    username TEXT PRIMARY KEY COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    display_name TEXT,
    email TEXT,
    department TEXT,
    extensions TEXT NOT NULL DEFAULT '[]',
    admin INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
  );

  CREATE TABLE groups (name TEXT PRIMARY KEY COLLATE NOCASE, created_at TEXT NOT NULL);
  CREATE TABLE group_members (
    group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE ON UPDATE CASCADE,
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE ON UPDATE CASCADE,
    PRIMARY KEY (group_name, username)
  );
  CREATE TABLE group_resources (
    group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE ON UPDATE CASCADE,
    book_id INTEGER NOT NULL REFERENCES phonebooks(id) ON DELETE CASCADE,
    read INTEGER NOT NULL,
    write INTEGER NOT NULL,
    offline INTEGER NOT NULL,
    PRIMARY KEY (group_name, book_id)
  );

  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE ON UPDATE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  `,
  // External books: a content hash per contact tells a sync what changed, and a book's
  // state hides the staging copy a rebuild fills until it is promoted.
  `
  ALTER TABLE contacts ADD COLUMN hash INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE phonebooks ADD COLUMN state TEXT NOT NULL DEFAULT 'active';
  `,
  // Company hits read one index instead of every employee's contact row: a business number
  // of a contact with a company carries that company and how well it names it (0: the
  // company's "-0" main number, 1: the company's own entry, 2: an employee), so the best
  // entry of each company under a base number is found from the index alone.
  `
  ALTER TABLE phones ADD COLUMN company TEXT;
  ALTER TABLE phones ADD COLUMN company_rank INTEGER;
  UPDATE phones SET
    company = c.company,
    company_rank = CASE
      WHEN phones.base IS NOT NULL AND phones.canonical = phones.base || '0' THEN 0
      WHEN c.display_name = c.company THEN 1
      ELSE 2 END
  FROM contacts c
  WHERE c.rowid = phones.contact_rowid AND c.company IS NOT NULL
    AND phones.field NOT IN ('mobilePhone', 'homePhone');
  DROP INDEX phones_base;
  CREATE INDEX phones_company_base ON phones (base, book_id, company, company_rank, contact_rowid)
    WHERE base IS NOT NULL AND company IS NOT NULL;
  `,
  // A file source's records as the last sync left them (raw-byte hashes, content hashes
  // and ids in record order), so a changed-only sync decodes only the records that changed.
  // \`seq\` is the book's change sequence the list describes: any later write makes it stale.
  // The ids have a row of their own: they rarely change, and a row is rewritten whole.
  `
  CREATE TABLE source_records (
    book_id INTEGER PRIMARY KEY REFERENCES phonebooks(id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hashes BLOB NOT NULL
  );
  CREATE TABLE source_record_ids (
    book_id INTEGER PRIMARY KEY REFERENCES phonebooks(id) ON DELETE CASCADE,
    ids TEXT NOT NULL
  );
  `,
  // Each contact's search text as the index took it (the index keeps no text): the change
  // feed sends it to clients as it is, instead of deriving it again for every page. Rows
  // written before this step have none; the feed derives theirs.
  `
  CREATE TABLE contact_text (
    rowid INTEGER PRIMARY KEY,
    names TEXT NOT NULL,
    other TEXT NOT NULL
  );
  `,
  // Each external book's last syncs (the status page's history), with the whole report of
  // the newest successful one: a restart keeps the last error, the back-off and the report.
  `
  CREATE TABLE sync_history (
    id INTEGER PRIMARY KEY,
    book_id INTEGER NOT NULL REFERENCES phonebooks(id) ON DELETE CASCADE,
    started_at TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    status TEXT NOT NULL,
    added INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    error TEXT,
    report TEXT
  );
  CREATE INDEX sync_history_book ON sync_history (book_id, id);
  `,
];

/** The WAL file's size kept after a checkpoint let it start over (bytes). */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

export interface OpenDatabaseOptions {
  /** `FULL` makes every acknowledged write survive a power cut, at one fsync a commit. */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * Opens the file in the journal mode it has when another connection is writing it in
   * rollback mode (a client cache during a first copy, see `OfflineCache`), instead of
   * failing to switch it to WAL; the writer switches it back when done.
   */
  journalMayWait?: boolean;
}

/**
 * The mode of a store file and its `-wal` and `-shm`: it holds password hashes, source
 * passwords and every contact, for its owner's eyes only.
 */
export const STORE_FILE_MODE = 0o600;

/**
 * Opens (creating when missing, mode {@link STORE_FILE_MODE}) the store file and brings its
 * schema up to date. WAL mode lets readers go on while a writer commits; a process killed
 * mid-write leaves a file that opens with every committed transaction in it.
 * @throws when the file is readable by others and its mode cannot be changed.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  makePrivate(file);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
  } catch (error) {
    if (!options.journalMayWait || (error as { code?: unknown }).code !== 'SQLITE_BUSY') {
      db.close();
      throw error;
    }
  }
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  // A WAL grown large (a sync's writer checkpoints spaced) shrinks back once it restarts.
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  migrate(db);
  return db;
}

/**
 * Creates the file 0600, or takes group and others' access away from an existing one and
 * its `-wal` and `-shm` (SQLite gives the `-wal` and `-shm` it creates the main file's mode).
 * An existing store is never opened here, only changed by path: closing any descriptor of
 * it would drop the locks this process's other connections hold on it (see `flush` in
 * `sync-job-host.ts`).
 */
function makePrivate(file: string): void {
  if (file === '' || file === ':memory:') return;
  try {
    closeSync(openSync(file, 'wx', STORE_FILE_MODE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    let mode: number;
    try {
      mode = statSync(path).mode & 0o777;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if ((mode & 0o077) !== 0) chmodSync(path, STORE_FILE_MODE);
  }
}

function migrate(db: SqliteDatabase): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let step = current; step < MIGRATIONS.length; step++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[step] ?? '');
      db.pragma(`user_version = ${step + 1}`);
    })();
  }
}
