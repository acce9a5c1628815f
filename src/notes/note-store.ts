import type { SqliteDatabase } from '../store/database.js';

/** One version of a note. */
export interface NoteVersion {
  version: number;
  text: string;
  updatedAt: string;
  updatedBy: string;
}

/** The current note as the API shows it; `etag` is null while no note was ever saved. */
export interface Note {
  text: string;
  etag: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

export const EMPTY_NOTE: Note = Object.freeze({
  text: '',
  etag: null,
  updatedAt: null,
  updatedBy: null,
});

export function noteEtag(version: number): string {
  return `"v${version}"`;
}

export function toNote(version: NoteVersion | undefined): Note {
  if (!version) return EMPTY_NOTE;
  return {
    text: version.text,
    etag: noteEtag(version.version),
    updatedAt: version.updatedAt,
    updatedBy: version.updatedBy,
  };
}

const COLUMNS = 'version, text, updated_at AS updatedAt, updated_by AS updatedBy';

/**
 * Shared notes with every earlier version kept: contact notes of builtin books, keyed by
 * book and contact id, and number notes keyed by a number's canonical form.
 */
export class NoteStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  current(bookId: number, contactId: string): NoteVersion | undefined {
    return this.#db
      .prepare(
        `SELECT ${COLUMNS} FROM notes WHERE book_id = ? AND contact_id = ? ORDER BY version DESC LIMIT 1`,
      )
      .get(bookId, contactId) as NoteVersion | undefined;
  }

  history(bookId: number, contactId: string): NoteVersion[] {
    return this.#db
      .prepare(
        `SELECT ${COLUMNS} FROM notes WHERE book_id = ? AND contact_id = ? ORDER BY version DESC`,
      )
      .all(bookId, contactId) as NoteVersion[];
  }

  /**
   * Saves a new version when the current one is still `expectedVersion` (0: no note yet).
   * Returns the new version, or undefined when someone else saved first.
   */
  save(
    bookId: number,
    contactId: string,
    expectedVersion: number,
    text: string,
    by: string,
    now: string,
  ): NoteVersion | undefined {
    return this.#db
      .transaction(() => {
        const version = this.current(bookId, contactId)?.version ?? 0;
        if (version !== expectedVersion) return undefined;
        const next = { version: version + 1, text, updatedAt: now, updatedBy: by };
        this.#db
          .prepare(
            'INSERT INTO notes (book_id, contact_id, version, text, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(bookId, contactId, next.version, text, now, by);
        return next;
      })
      .immediate();
  }

  /** Every note version of a book, for export to its folder before deletion. */
  *iterateBook(bookId: number): Generator<NoteVersion & { contactId: string }> {
    const rows = this.#db
      .prepare(
        `SELECT contact_id AS contactId, ${COLUMNS} FROM notes WHERE book_id = ? ORDER BY contact_id, version`,
      )
      .iterate(bookId) as Iterable<NoteVersion & { contactId: string }>;
    yield* rows;
  }

  importVersions(bookId: number, versions: Iterable<NoteVersion & { contactId: string }>): void {
    const insert = this.#db.prepare(
      'INSERT OR REPLACE INTO notes (book_id, contact_id, version, text, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#db
      .transaction(() => {
        for (const v of versions)
          insert.run(bookId, v.contactId, v.version, v.text, v.updatedAt, v.updatedBy);
      })
      .immediate();
  }

  deleteBook(bookId: number): void {
    this.#db.prepare('DELETE FROM notes WHERE book_id = ?').run(bookId);
  }

  currentNumberNote(canonical: string): NoteVersion | undefined {
    return this.#db
      .prepare(
        `SELECT ${COLUMNS} FROM number_notes WHERE canonical = ? ORDER BY version DESC LIMIT 1`,
      )
      .get(canonical) as NoteVersion | undefined;
  }

  numberNoteHistory(canonical: string): NoteVersion[] {
    return this.#db
      .prepare(`SELECT ${COLUMNS} FROM number_notes WHERE canonical = ? ORDER BY version DESC`)
      .all(canonical) as NoteVersion[];
  }

  saveNumberNote(
    canonical: string,
    raw: string,
    expectedVersion: number,
    text: string,
    by: string,
    now: string,
  ): NoteVersion | undefined {
    return this.#db
      .transaction(() => {
        const version = this.currentNumberNote(canonical)?.version ?? 0;
        if (version !== expectedVersion) return undefined;
        this.#db
          .prepare(
            'INSERT INTO number_notes (canonical, version, raw, text, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(canonical, version + 1, raw, text, now, by);
        return { version: version + 1, text, updatedAt: now, updatedBy: by };
      })
      .immediate();
  }

  /**
   * Re-keys number notes after the location settings changed, from the number as it was
   * first written, so no note is lost when canonical forms move. Versions of two notes
   * that now share a key are kept, in time order.
   */
  rekeyNumberNotes(canonicalOf: (raw: string) => string | undefined): number {
    return this.#db
      .transaction(() => {
        const rows = this.#db
          .prepare(
            'SELECT canonical, version, raw, text, updated_at, updated_by FROM number_notes ORDER BY updated_at, version',
          )
          .all() as {
          canonical: string;
          version: number;
          raw: string;
          text: string;
          updated_at: string;
          updated_by: string;
        }[];
        const firstRaw = new Map<string, string>();
        for (const row of rows)
          if (!firstRaw.has(row.canonical)) firstRaw.set(row.canonical, row.raw);
        const target = (canonical: string): string =>
          canonicalOf(firstRaw.get(canonical) ?? '') ?? canonical;
        if (rows.every((row) => target(row.canonical) === row.canonical)) return 0;
        this.#db.prepare('DELETE FROM number_notes').run();
        const insert = this.#db.prepare(
          'INSERT INTO number_notes (canonical, version, raw, text, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)',
        );
        const versions = new Map<string, number>();
        let moved = 0;
        for (const row of rows) {
          const key = target(row.canonical);
          if (key !== row.canonical) moved++;
          const version = (versions.get(key) ?? 0) + 1;
          versions.set(key, version);
          insert.run(key, version, row.raw, row.text, row.updated_at, row.updated_by);
        }
        return moved;
      })
      .immediate();
  }
}
