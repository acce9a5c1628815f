import type { PhonebookConfig, PhonebookKind } from '../domain/phonebook.js';
import type { SqliteDatabase } from './database.js';

export interface PhonebookRecord {
  id: number;
  name: string;
  kind: PhonebookKind;
  config: PhonebookConfig;
  seq: number;
  resetSeq: number;
  createdAt: string;
}

interface PhonebookRow {
  id: number;
  name: string;
  kind: string;
  config: string;
  seq: number;
  reset_seq: number;
  created_at: string;
}

function toRecord(row: PhonebookRow): PhonebookRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as PhonebookKind,
    config: JSON.parse(row.config) as PhonebookConfig,
    seq: row.seq,
    resetSeq: row.reset_seq,
    createdAt: row.created_at,
  };
}

/** Settings key of the highest book id ever given out. */
const LAST_ID_KEY = 'phonebooks.lastId';
const NON_ASCII = /[^\p{ASCII}]/u;

/** The registry of phone books in the store. Names are unique regardless of case. */
export class PhonebookStore {
  readonly #db: SqliteDatabase;
  #names: Map<number, string> | undefined;
  #hasHidden: boolean | undefined;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  /** The books users see: not the hidden staging and retired copies of a sync. */
  list(): PhonebookRecord[] {
    return (
      this.#db
        .prepare("SELECT * FROM phonebooks WHERE state = 'active' ORDER BY name")
        .all() as PhonebookRow[]
    ).map(toRecord);
  }

  /** Ids of hidden copies (a rebuild's staging book, a replaced copy being dropped). */
  hiddenIds(): { staging: number[]; retired: number[] } {
    const rows = this.#db
      .prepare("SELECT id, state FROM phonebooks WHERE state != 'active'")
      .all() as { id: number; state: string }[];
    return {
      staging: rows.filter((r) => r.state === 'staging').map((r) => r.id),
      retired: rows.filter((r) => r.state === 'retired').map((r) => r.id),
    };
  }

  /**
   * A search or lookup scope without hidden copies: `all` stays `all` while there are
   * none (the common case, and the fastest query), else becomes the list of visible ids.
   */
  visibleScope(scope: 'all' | number[]): 'all' | number[] {
    if (scope !== 'all') return scope;
    this.#hasHidden ??=
      this.#db.prepare("SELECT 1 FROM phonebooks WHERE state != 'active' LIMIT 1").get() !==
      undefined;
    return this.#hasHidden ? this.list().map((book) => book.id) : 'all';
  }

  /** Adds the hidden copy a rebuild fills; it gets a fresh id and a name no user can type. */
  insertStaging(of: PhonebookRecord, now: string): number {
    const staging = this.insert(`\u0000staging ${of.id} ${now}`, of.kind, of.config, now);
    this.#db.prepare("UPDATE phonebooks SET state = 'staging' WHERE id = ?").run(staging.id);
    this.#changed();
    return staging.id;
  }

  /**
   * Makes a staging copy the book, in one transaction: it takes the book's name, settings,
   * group rights and notes, and the old copy is hidden as retired (to be dropped).
   */
  promote(bookId: number, stagingId: number): void {
    this.#db
      .transaction(() => {
        const book = this.byId(bookId);
        if (!book) throw new Error(`promote: no book ${bookId}`);
        this.#db
          .prepare("UPDATE phonebooks SET name = ?, state = 'retired' WHERE id = ?")
          .run(`\u0000retired ${bookId}`, bookId);
        this.#db
          .prepare(
            "UPDATE phonebooks SET name = ?, config = ?, created_at = ?, state = 'active' WHERE id = ?",
          )
          .run(book.name, JSON.stringify(book.config), book.createdAt, stagingId);
        this.#db
          .prepare('UPDATE group_resources SET book_id = ? WHERE book_id = ?')
          .run(stagingId, bookId);
        this.#db.prepare('UPDATE notes SET book_id = ? WHERE book_id = ?').run(stagingId, bookId);
        this.#db
          .prepare('UPDATE sync_history SET book_id = ? WHERE book_id = ?')
          .run(stagingId, bookId);
      })
      .immediate();
    this.#changed();
  }

  #changed(): void {
    this.#names = undefined;
    this.#hasHidden = undefined;
  }

  /** A book's name from its id, from memory (hot path of lookups and search). */
  nameOf(id: number): string | undefined {
    this.#names ??= new Map(this.list().map((book) => [book.id, book.name]));
    return this.#names.get(id);
  }

  /**
   * The book of that name, in any case and Unicode form: the column folds ASCII case only,
   * so other letters (`MÜLLER`, `Müller`) are compared here.
   */
  byName(name: string): PhonebookRecord | undefined {
    const wanted = name.normalize('NFC');
    const row = this.#db
      .prepare("SELECT * FROM phonebooks WHERE name = ? AND state = 'active'")
      .get(wanted) as PhonebookRow | undefined;
    if (row) return toRecord(row);
    if (!NON_ASCII.test(wanted)) return undefined;
    const folded = wanted.toLowerCase();
    return this.list().find((book) => book.name.toLowerCase() === folded);
  }

  byId(id: number): PhonebookRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM phonebooks WHERE id = ?').get(id) as
      PhonebookRow | undefined;
    return row && toRecord(row);
  }

  /**
   * Adds a book under an id never used before, not even by a deleted book: ETags, events
   * and client caches name a book by its id, so a new book must not inherit an old one's.
   */
  insert(name: string, kind: PhonebookKind, config: PhonebookConfig, now: string): PhonebookRecord {
    const id = this.#db
      .transaction(() => {
        const highest = this.#db.prepare('SELECT max(id) FROM phonebooks').pluck().get() as
          number | null;
        const used = this.#db
          .prepare('SELECT value FROM settings WHERE key = ?')
          .pluck()
          .get(LAST_ID_KEY) as string | undefined;
        const next = Math.max(highest ?? 0, used === undefined ? 0 : Number(JSON.parse(used))) + 1;
        this.#db
          .prepare(
            'INSERT INTO phonebooks (id, name, kind, config, created_at) VALUES (?, ?, ?, ?, ?)',
          )
          .run(next, name, kind, JSON.stringify(config), now);
        this.#db
          .prepare(
            'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
          )
          .run(LAST_ID_KEY, JSON.stringify(next));
        return next;
      })
      .immediate();
    this.#names = undefined;
    return this.byId(id) as PhonebookRecord;
  }

  update(id: number, changes: { name?: string; config?: PhonebookConfig }): void {
    if (changes.name !== undefined) {
      this.#db.prepare('UPDATE phonebooks SET name = ? WHERE id = ?').run(changes.name, id);
      this.#names = undefined;
    }
    if (changes.config !== undefined) {
      this.#db
        .prepare('UPDATE phonebooks SET config = ? WHERE id = ?')
        .run(JSON.stringify(changes.config), id);
    }
  }

  delete(id: number): void {
    this.#db.prepare('DELETE FROM phonebooks WHERE id = ?').run(id);
    this.#changed();
  }

  /**
   * Runs `work` in one transaction of the store, so that several stores' writes (a book,
   * its contacts, its notes) happen all or not at all; their own transactions nest.
   */
  transaction<T>(work: () => T): T {
    try {
      return this.#db.transaction(work).immediate();
    } catch (error) {
      this.#names = undefined;
      throw error;
    }
  }
}

/** Small key/value settings (location, server identity), as JSON. */
export class SettingsStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  get<T>(key: string): T | undefined {
    const value = this.#db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(key) as
      string | undefined;
    return value === undefined ? undefined : (JSON.parse(value) as T);
  }

  set(key: string, value: unknown): void {
    this.#db
      .prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, JSON.stringify(value));
  }
}
