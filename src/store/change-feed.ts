import type { Statement } from 'better-sqlite3';
import type { NumberNormalizer } from '../domain/phone-number.js';
import type { ContactData, PhoneField } from '../domain/contact.js';
import { PHONE_FIELDS } from '../domain/contact.js';
import type { SqliteDatabase } from './database.js';
import type { StoredContact } from './contact-store.js';
import { toStored } from './contact-store.js';
import type { ContactRow } from './contact-store.js';
import type { PreparedContact } from './contact-rows.js';
import { prepareContact, prepareStored, storedPhoneRow } from './contact-rows.js';

/** One page of a book's changes since a client's token. */
export interface ChangePage<T = StoredContact> {
  /** Pass it back as `since` next time. */
  token: string;
  /** The client must drop its copy first: the book was rebuilt, or the token is not ours. */
  reset: boolean;
  upserts: T[];
  deletes: string[];
  /** More changes wait: ask again at once with the new token. */
  more: boolean;
}

/** The token of a book's change feed at `seq` (see {@link ChangeFeed}). */
export function feedToken(bookId: number, seq: number): string {
  return `${bookId}.${seq}`;
}

/**
 * A changed contact as the prepared feed sends it, positional to keep pages small:
 * `[id, data (the stored JSON text), hash, updatedAt, displayName, company, nameKey,
 * names, other, phones: [field, raw, canonical, base][]]` — what a client's store writes,
 * so the client derives nothing again.
 */
export type PreparedRow = [
  ...PreparedHead,
  names: string,
  other: string,
  phones: [field: string, raw: string, canonical: string, base: string | null][],
];

/** The stored columns a {@link PreparedRow} starts with. */
type PreparedHead = [
  id: string,
  data: string,
  hash: number,
  updatedAt: string,
  displayName: string,
  company: string | null,
  nameKey: string,
];

/** A prepared contact in the positional form of {@link PreparedRow}. */
export function toPreparedRow(contact: PreparedContact, updatedAt: string): PreparedRow {
  return [
    contact.id,
    contact.json,
    contact.hash,
    updatedAt,
    contact.displayName,
    contact.company,
    contact.nameKey,
    contact.names,
    contact.other,
    contact.phones.map((p) => [p.field, p.raw, p.canonical, p.base]),
  ];
}

/** A phone row as the prepared feed sends it. */
type PreparedPhone = PreparedRow[9][number];

/**
 * A changed contact as the prepared feed reads it (raw: arrays cost less than objects at a
 * million rows), with the search text kept for it (null: written before it was kept).
 */
type TextedRow = [
  rowid: number,
  seq: number,
  ...PreparedHead,
  names: string | null,
  other: string | null,
];

/** A stored phone row with its contact's rowid, as the prepared feed reads it. */
type PhoneOfRow = [rowid: number, ...phone: PreparedPhone];

/** Phone rows in the order {@link prepareStored} gives them (by field). */
const byField = (a: PreparedPhone, b: PreparedPhone): number =>
  PHONE_FIELDS.indexOf(a[0] as PhoneField) - PHONE_FIELDS.indexOf(b[0] as PhoneField);

/**
 * The per-book change sequence for client caches: every write bumps the book's `seq`,
 * contacts carry the seq of their last change and deletions leave tombstones. A token is
 * `<book id>.<seq>`; a rebuild gives the book a new id, so old tokens answer `reset`.
 */
export class ChangeFeed {
  readonly #db: SqliteDatabase;
  readonly #upserts: Statement;
  readonly #textedUpserts: Statement;
  readonly #phones: Statement;
  readonly #deletes: Statement;
  readonly #deletesUpTo: Statement;
  readonly #seq: Statement;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#upserts = db.prepare(
      'SELECT * FROM contacts WHERE book_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    );
    this.#textedUpserts = db
      .prepare(
        `SELECT c.rowid, c.seq, c.id, c.data, c.hash, c.updated_at, c.display_name, c.company,
                c.name_key, t.names, t.other
           FROM contacts c LEFT JOIN contact_text t ON t.rowid = c.rowid
          WHERE c.book_id = ? AND c.seq > ? ORDER BY c.seq LIMIT ?`,
      )
      .raw();
    this.#phones = db
      .prepare(
        `SELECT p.contact_rowid, p.field, p.raw, p.canonical, p.base
           FROM contacts c JOIN phones p ON p.contact_rowid = c.rowid
          WHERE c.book_id = ? AND c.seq > ? AND c.seq <= ?`,
      )
      .raw();
    this.#deletes = db.prepare(
      'SELECT id FROM tombstones WHERE book_id = ? AND seq > ? ORDER BY seq',
    );
    this.#deletesUpTo = db.prepare(
      'SELECT id FROM tombstones WHERE book_id = ? AND seq > ? AND seq <= ? ORDER BY seq',
    );
    this.#seq = db.prepare('SELECT seq FROM phonebooks WHERE id = ?').pluck();
  }

  /** The book's token now (what a page of its last changes would end with). */
  token(bookId: number): string {
    return feedToken(bookId, (this.#seq.get(bookId) as number | undefined) ?? 0);
  }

  /** Changes of a book after `since` (absent or foreign: everything, with reset). */
  changes(bookId: number, since: string | undefined, limit: number): ChangePage {
    const { token, reset, more, upserts, deletes } = this.#page(
      bookId,
      since,
      limit,
      (from, count) => this.#upserts.all(bookId, from, count) as ContactRow[],
      (row) => row.seq,
    );
    return { token, reset, more, upserts: upserts.map(toStored), deletes };
  }

  /**
   * {@link changes} with each contact prepared as a client's store writes it: number keys
   * from the stored phone rows (keyed with `numbers`' location, which the caller vouches
   * for), name key and search text as stored, so clients need not derive them again.
   * Contacts and phone rows are read in one snapshot. A contact stored without its search
   * text (before the store kept it) has it derived here. With `keysCurrent` false (the
   * location changed and the store is being re-keyed) everything is derived afresh.
   */
  preparedChanges(
    bookId: number,
    since: string | undefined,
    limit: number,
    numbers: NumberNormalizer,
    keysCurrent = true,
  ): ChangePage<PreparedRow> {
    return this.#db.transaction(() => {
      const page = this.#page(
        bookId,
        since,
        limit,
        (from, count) => this.#textedUpserts.all(bookId, from, count) as TextedRow[],
        (row) => row[1],
      );
      const phones = this.#phonesOf(bookId, page.from, page.upTo);
      const upserts = page.upserts.map((row): PreparedRow => {
        const [rowid, , id, data, hash, updatedAt, displayName, company, nameKey, names, other] =
          row;
        const stored = phones.get(rowid) ?? [];
        if (keysCurrent && names !== null && other !== null) {
          return [
            id,
            data,
            hash,
            updatedAt,
            displayName,
            company,
            nameKey,
            names,
            other,
            stored.sort(byField),
          ];
        }
        const cleaned = { id, data: JSON.parse(data) as ContactData, json: data, hash };
        const prepared = keysCurrent
          ? prepareStored(cleaned, stored.map(storedPhoneRow), numbers)
          : prepareContact(id, cleaned.data, numbers);
        return toPreparedRow(prepared, updatedAt);
      });
      return {
        token: page.token,
        reset: page.reset,
        more: page.more,
        upserts,
        deletes: page.deletes,
      };
    })();
  }

  /** The stored phone rows of the contacts changed in `(from, upTo]`, by contact rowid. */
  #phonesOf(bookId: number, from: number, upTo: number): Map<number, PreparedPhone[]> {
    const byRowid = new Map<number, PreparedPhone[]>();
    for (const row of this.#phones.all(bookId, from, upTo) as PhoneOfRow[]) {
      const [rowid, field, raw, canonical, base] = row;
      const phone: PreparedPhone = [field, raw, canonical, base];
      const list = byRowid.get(rowid);
      if (list) list.push(phone);
      else byRowid.set(rowid, [phone]);
    }
    return byRowid;
  }

  /** The rows changed after `since` (`read`: at most `count` after a seq), and the page's frame. */
  #page<R>(
    bookId: number,
    since: string | undefined,
    limit: number,
    read: (from: number, count: number) => R[],
    seqOf: (row: R) => number,
  ): ChangePage<R> & { from: number; upTo: number } {
    const current = (this.#seq.get(bookId) as number | undefined) ?? 0;
    const parsed = /^(\d+)\.(\d+)$/.exec(since ?? '');
    const sameBook =
      parsed !== null && Number(parsed[1]) === bookId && Number(parsed[2]) <= current;
    const from = sameBook ? Number(parsed[2]) : 0;
    const reset = !sameBook;
    const rows = read(from, limit + 1);
    const more = rows.length > limit;
    const upserts = rows.slice(0, limit);
    const last = upserts.at(-1);
    const upTo = !more ? current : last === undefined ? from : seqOf(last);
    const deletes = reset
      ? []
      : (
          (more ? this.#deletesUpTo.all(bookId, from, upTo) : this.#deletes.all(bookId, from)) as {
            id: string;
          }[]
        ).map((r) => r.id);
    return { token: feedToken(bookId, upTo), reset, upserts, deletes, more, from, upTo };
  }
}
