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

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  list(): PhonebookRecord[] {
    return (this.#db.prepare('SELECT * FROM phonebooks ORDER BY name').all() as PhonebookRow[]).map(
      toRecord,
    );
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
    const row = this.#db.prepare('SELECT * FROM phonebooks WHERE name = ?').get(wanted) as
      PhonebookRow | undefined;
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
    const id = this.#db.transaction(() => {
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
    })();
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
    this.#names = undefined;
  }

  /**
   * Runs `work` in one transaction of the store, so that several stores' writes (a book,
   * its contacts, its notes) happen all or not at all; their own transactions nest.
   */
  transaction<T>(work: () => T): T {
    try {
      return this.#db.transaction(work)();
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
