import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import type { StoredContact } from './contact-store.js';
import { toStored } from './contact-store.js';
import type { ContactRow } from './contact-store.js';

/** One page of a book's changes since a client's token. */
export interface ChangePage {
  /** Pass it back as `since` next time. */
  token: string;
  /** The client must drop its copy first: the book was rebuilt, or the token is not ours. */
  reset: boolean;
  upserts: StoredContact[];
  deletes: string[];
  /** More changes wait: ask again at once with the new token. */
  more: boolean;
}

/**
 * The per-book change sequence for client caches: every write bumps the book's `seq`,
 * contacts carry the seq of their last change and deletions leave tombstones. A token is
 * `<book id>.<seq>`; a rebuild gives the book a new id, so old tokens answer `reset`.
 */
export class ChangeFeed {
  readonly #upserts: Statement;
  readonly #deletes: Statement;
  readonly #deletesUpTo: Statement;
  readonly #seq: Statement;

  constructor(db: SqliteDatabase) {
    this.#upserts = db.prepare(
      'SELECT * FROM contacts WHERE book_id = ? AND seq > ? ORDER BY seq LIMIT ?',
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
    const current = (this.#seq.get(bookId) as number | undefined) ?? 0;
    const parsed = /^(\d+)\.(\d+)$/.exec(since ?? '');
    const sameBook =
      parsed !== null && Number(parsed[1]) === bookId && Number(parsed[2]) <= current;
    const from = sameBook ? Number(parsed[2]) : 0;
    const reset = !sameBook;
    const rows = this.#upserts.all(bookId, from, limit + 1) as ContactRow[];
    const more = rows.length > limit;
    const page = rows.slice(0, limit).map(toStored);
    const upTo = more ? (page.at(-1)?.seq ?? from) : current;
    const deletes = reset
      ? []
      : (
          (more ? this.#deletesUpTo.all(bookId, from, upTo) : this.#deletes.all(bookId, from)) as {
            id: string;
          }[]
        ).map((r) => r.id);
    return { token: `${bookId}.${upTo}`, reset, upserts: page, deletes, more };
  }
}
