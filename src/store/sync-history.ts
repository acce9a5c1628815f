import type { Statement } from 'better-sqlite3';
import type { SyncHistoryEntry, SyncReport } from '../sync/sync-report.js';
import type { SqliteDatabase } from './database.js';

/** How many past syncs per book are kept for the status page. */
export const HISTORY_LENGTH = 20;

/**
 * Each external book's last {@link HISTORY_LENGTH} syncs, newest first, and the whole
 * report of its newest successful one, kept in the store: a restarted server still shows
 * the last error and report, and goes on with the back-off of a failing source. The rows
 * follow the book through rebuilds (`PhonebookStore.promote`) and go with it.
 */
export class SyncHistoryStore {
  readonly #db: SqliteDatabase;
  readonly #insert: Statement;
  readonly #clearReports: Statement;
  readonly #trim: Statement;
  readonly #list: Statement;
  readonly #report: Statement;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO sync_history (book_id, started_at, duration_ms, status, added, updated,
         deleted, skipped, error, report)
       VALUES (@bookId, @startedAt, @durationMs, @status, @added, @updated, @deleted,
         @skipped, @error, @report)`,
    );
    this.#clearReports = db.prepare(
      'UPDATE sync_history SET report = NULL WHERE book_id = ? AND report IS NOT NULL',
    );
    this.#trim = db.prepare(
      `DELETE FROM sync_history WHERE book_id = ? AND id NOT IN
         (SELECT id FROM sync_history WHERE book_id = ? ORDER BY id DESC LIMIT ${HISTORY_LENGTH})`,
    );
    this.#list = db.prepare(
      `SELECT started_at AS startedAt, duration_ms AS durationMs, status, added, updated,
         deleted, skipped, error
       FROM sync_history WHERE book_id = ? ORDER BY id DESC LIMIT ${HISTORY_LENGTH}`,
    );
    this.#report = db
      .prepare(
        `SELECT report FROM sync_history WHERE book_id = ? AND report IS NOT NULL
         ORDER BY id DESC LIMIT 1`,
      )
      .pluck();
  }

  /** Records a sync of the book; `report` (a successful sync's) replaces the one kept. */
  add(bookId: number, entry: SyncHistoryEntry, report?: SyncReport): void {
    this.#db.transaction(() => {
      if (report) this.#clearReports.run(bookId);
      this.#insert.run({ bookId, ...entry, report: report ? JSON.stringify(report) : null });
      this.#trim.run(bookId, bookId);
    })();
  }

  /** The book's syncs, newest first. */
  list(bookId: number): SyncHistoryEntry[] {
    return this.#list.all(bookId) as SyncHistoryEntry[];
  }

  /** The report of the book's newest successful sync, if any is kept. */
  lastReport(bookId: number): SyncReport | undefined {
    const json = this.#report.get(bookId) as string | undefined;
    return json === undefined ? undefined : (JSON.parse(json) as SyncReport);
  }
}
