import type { Statement } from 'better-sqlite3';
import type { NumberNormalizer } from '../domain/phone-number.js';
import type { ContactData, PhoneField } from '../domain/contact.js';
import { PHONE_FIELDS } from '../domain/contact.js';
import type { SqliteDatabase } from './database.js';
import type { StoredContact } from './contact-store.js';
import { toStored } from './contact-store.js';
import type { ContactRow } from './contact-store.js';
import type { PhoneRow, PreparedContact } from './contact-rows.js';
import { prepareContact, prepareStored } from './contact-rows.js';

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

/**
 * A changed contact as the prepared feed sends it, positional to keep pages small:
 * `[id, data (the stored JSON text), hash, updatedAt, displayName, company, nameKey,
 * names, other, phones: [field, raw, canonical, base][]]` — what a client's store writes,
 * so the client derives nothing again.
 */
export type PreparedRow = [
  id: string,
  data: string,
  hash: number,
  updatedAt: string,
  displayName: string,
  company: string | null,
  nameKey: string,
  names: string,
  other: string,
  phones: [field: string, raw: string, canonical: string, base: string | null][],
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

interface PhoneOfRow extends PhoneRow {
  rowid: number;
}

/** A contact row with the search text kept for it (null: written before it was kept). */
interface TextedRow extends ContactRow {
  company: string | null;
  name_key: string;
  text_names: string | null;
  text_other: string | null;
}

/** Phone rows in the order {@link prepareStored} gives them (by field). */
const byField = (a: PhoneRow, b: PhoneRow): number =>
  PHONE_FIELDS.indexOf(a.field) - PHONE_FIELDS.indexOf(b.field);

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
    this.#textedUpserts = db.prepare(
      `SELECT c.*, t.names AS text_names, t.other AS text_other
         FROM contacts c LEFT JOIN contact_text t ON t.rowid = c.rowid
        WHERE c.book_id = ? AND c.seq > ? ORDER BY c.seq LIMIT ?`,
    );
    this.#phones = db.prepare(
      `SELECT p.contact_rowid AS rowid, p.field, p.raw, p.canonical, p.base
         FROM contacts c JOIN phones p ON p.contact_rowid = c.rowid
        WHERE c.book_id = ? AND c.seq > ? AND c.seq <= ?`,
    );
    this.#deletes = db.prepare(
      'SELECT id FROM tombstones WHERE book_id = ? AND seq > ? ORDER BY seq',
    );
    this.#deletesUpTo = db.prepare(
      'SELECT id FROM tombstones WHERE book_id = ? AND seq > ? AND seq <= ? ORDER BY seq',
    );
    this.#seq = db.prepare('SELECT seq FROM phonebooks WHERE id = ?').pluck();
  }

  /** Changes of a book after `since` (absent or foreign: everything, with reset). */
  changes(bookId: number, since: string | undefined, limit: number): ChangePage {
    const { token, reset, more, upserts, deletes } = this.#page(bookId, since, limit);
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
      const page = this.#page(bookId, since, limit, this.#textedUpserts);
      const phones = this.#phonesOf(bookId, page.from, page.upTo);
      const upserts = (page.upserts as TextedRow[]).map((row): PreparedRow => {
        const stored = phones.get(row.rowid) ?? [];
        if (keysCurrent && row.text_names !== null && row.text_other !== null) {
          return [
            row.id,
            row.data,
            row.hash,
            row.updated_at,
            row.display_name,
            row.company,
            row.name_key,
            row.text_names,
            row.text_other,
            stored.sort(byField).map((p) => [p.field, p.raw, p.canonical, p.base]),
          ];
        }
        const cleaned = {
          id: row.id,
          data: JSON.parse(row.data) as ContactData,
          json: row.data,
          hash: row.hash,
        };
        const prepared = keysCurrent
          ? prepareStored(cleaned, stored, numbers)
          : prepareContact(row.id, cleaned.data, numbers);
        return toPreparedRow(prepared, row.updated_at);
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
  #phonesOf(bookId: number, from: number, upTo: number): Map<number, PhoneRow[]> {
    const byRowid = new Map<number, PhoneRow[]>();
    for (const row of this.#phones.all(bookId, from, upTo) as PhoneOfRow[]) {
      const phone: PhoneRow = {
        field: row.field as PhoneField,
        raw: row.raw,
        canonical: row.canonical,
        base: row.base,
        // Set from the contact's data with its search text (see markCompanyNumbers).
        company: null,
        companyRank: null,
      };
      const list = byRowid.get(row.rowid);
      if (list) list.push(phone);
      else byRowid.set(row.rowid, [phone]);
    }
    return byRowid;
  }

  #page(
    bookId: number,
    since: string | undefined,
    limit: number,
    upsertsAfter = this.#upserts,
  ): ChangePage<ContactRow> & { from: number; upTo: number } {
    const current = (this.#seq.get(bookId) as number | undefined) ?? 0;
    const parsed = /^(\d+)\.(\d+)$/.exec(since ?? '');
    const sameBook =
      parsed !== null && Number(parsed[1]) === bookId && Number(parsed[2]) <= current;
    const from = sameBook ? Number(parsed[2]) : 0;
    const reset = !sameBook;
    const rows = upsertsAfter.all(bookId, from, limit + 1) as ContactRow[];
    const more = rows.length > limit;
    const upserts = rows.slice(0, limit);
    const upTo = more ? (upserts.at(-1)?.seq ?? from) : current;
    const deletes = reset
      ? []
      : (
          (more ? this.#deletesUpTo.all(bookId, from, upTo) : this.#deletes.all(bookId, from)) as {
            id: string;
          }[]
        ).map((r) => r.id);
    return { token: `${bookId}.${upTo}`, reset, upserts, deletes, more, from, upTo };
  }
}
