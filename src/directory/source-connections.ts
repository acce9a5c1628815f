import { existsSync } from 'node:fs';
import { CtibookError } from '../domain/errors.js';
import { memoColumnOf } from '../domain/notes-mode.js';
import { createConnector } from '../sources/registry.js';
import type { SourceConnector } from '../sources/source-connector.js';
import type { SourceFileRules } from '../sources/source-file.js';
import type { Home } from '../store/home.js';
import type { PhonebookRecord } from '../store/phonebook-store.js';

/** `home` holds each book's `SourceVersion=`; `create` lets tests hand in a stand-in. */
export interface SourceConnectionsDeps {
  home: Home;
  /** Makes a book's connector (does no I/O); default: the registry's connector. */
  create?: (book: PhonebookRecord) => SourceConnector;
  /** Which files the registry's connectors may open (see `openSourceFile`). */
  files?: SourceFileRules;
}

interface Entry {
  /** The settings the connector was made from: a change makes a new connector. */
  fingerprint: string;
  connector: SourceConnector;
  opening: Promise<void> | undefined;
  /** The tail of the book's writes, which run one after another. */
  queue: Promise<unknown>;
}

/**
 * One open connector per external book, for live reads and writes: opening an ODBC or
 * LDAP connection is slow, so it is kept and shared. A book's writes run one at a time
 * (a CSV rewrite is read, check, write). The connector is closed when the book's settings
 * change or the book is deleted ({@link release}) and when the server stops
 * ({@link closeAll}). Syncs use connectors of their own.
 */
export class SourceConnections {
  readonly #d: SourceConnectionsDeps;
  /** By book name in lower case: a rebuild gives a book a new id, not new settings. */
  readonly #entries = new Map<string, Entry>();
  #closed = false;

  constructor(deps: SourceConnectionsDeps) {
    this.#d = deps;
  }

  /** The book's connector, not necessarily open yet: for its capabilities. */
  peek(book: PhonebookRecord): SourceConnector {
    return this.#entry(book).connector;
  }

  /**
   * Runs `work` on the book's open connector, alongside other reads.
   * @throws whatever opening the source throws (SOURCE_UNAVAILABLE, …), or `work` throws.
   */
  async read<T>(
    book: PhonebookRecord,
    work: (connector: SourceConnector) => Promise<T>,
  ): Promise<T> {
    const entry = this.#entry(book);
    await this.#open(book, entry);
    return this.#watch(book, entry, work(entry.connector));
  }

  /**
   * Runs `work` on the book's open connector after every earlier write of the book ended,
   * so a check and the write that relies on it are never interleaved with another write.
   */
  write<T>(book: PhonebookRecord, work: (connector: SourceConnector) => Promise<T>): Promise<T> {
    const entry = this.#entry(book);
    const run = entry.queue.then(async () => {
      await this.#open(book, entry);
      const result = await this.#watch(book, entry, work(entry.connector));
      this.#keepVersion(book, entry.connector);
      return result;
    });
    entry.queue = run.catch(() => undefined);
    return run;
  }

  /** Called after a sync: the cache now holds this version of the source. */
  synced(book: PhonebookRecord, version: string | undefined): void {
    const entry = this.#entries.get(key(book.name));
    if (version && entry) entry.connector.assumeVersion?.(version);
  }

  /**
   * Keeps the version a write left (a CSV file ctibook rewrote) in folder_cfg.ini, so that
   * after a restart ctibook's own write does not look like someone else's.
   */
  #keepVersion(book: PhonebookRecord, connector: SourceConnector): void {
    const version = connector.version?.();
    const { home } = this.#d;
    if (!version || !existsSync(home.configFile(book.name))) return;
    if (home.readBookSetting(book.name, 'SourceVersion') === version) return;
    home.writeBookSettings(book.name, { SourceVersion: version });
  }

  /** Closes a book's connector (its settings changed, it was renamed or deleted). */
  async release(name: string): Promise<void> {
    const entry = this.#entries.get(key(name));
    if (!entry) return;
    this.#entries.delete(key(name));
    await this.#close(entry);
  }

  /** Closes every connector; later calls fail. Safe twice. */
  async closeAll(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((entry) => this.#close(entry)));
  }

  /** How many connectors are kept (for tests and the admin's view). */
  get size(): number {
    return this.#entries.size;
  }

  #entry(book: PhonebookRecord): Entry {
    if (this.#closed) throw new CtibookError('SOURCE_UNAVAILABLE', 'The server is stopping');
    // Notes in a memo column are written by readers, write protection or not.
    const writable = !book.config.readOnly || memoColumnOf(book.config.notes) !== undefined;
    const fingerprint = JSON.stringify([book.kind, book.config.source, writable]);
    const existing = this.#entries.get(key(book.name));
    if (existing?.fingerprint === fingerprint) return existing;
    if (existing) void this.#close(existing);
    const connector = this.#d.create
      ? this.#d.create(book)
      : createConnector(book.kind, book.config.source, writable, this.#d.files);
    const version = this.#d.home.readBookSetting(book.name, 'SourceVersion');
    if (version) connector.assumeVersion?.(version);
    const entry: Entry = { fingerprint, connector, opening: undefined, queue: Promise.resolve() };
    this.#entries.set(key(book.name), entry);
    return entry;
  }

  async #open(book: PhonebookRecord, entry: Entry): Promise<void> {
    entry.opening ??= entry.connector.open().catch((error: unknown) => {
      this.#forget(book, entry);
      throw error;
    });
    await entry.opening;
  }

  /** A source that stopped answering gets a fresh connector next time. */
  async #watch<T>(book: PhonebookRecord, entry: Entry, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      if (error instanceof CtibookError && error.code === 'SOURCE_UNAVAILABLE') {
        this.#forget(book, entry);
      }
      throw error;
    }
  }

  #forget(book: PhonebookRecord, entry: Entry): void {
    if (this.#entries.get(key(book.name)) !== entry) return;
    this.#entries.delete(key(book.name));
    void this.#close(entry);
  }

  /** Closes once the book's writes ended; a failing close is of no interest. */
  async #close(entry: Entry): Promise<void> {
    await entry.queue;
    await entry.connector.close().catch(() => undefined);
  }
}

function key(name: string): string {
  return name.toLowerCase();
}
