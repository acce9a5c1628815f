import type { CacheTarget } from '../sync/cache-target.js';
import type { ContactStore } from './contact-store.js';
import type { PhonebookStore } from './phonebook-store.js';

/**
 * The main thread's store side of syncs (their rows are written by the sync worker's own
 * connection): staging books created and promoted at once, hidden copies dropped a chunk
 * at a time, index merging paused while syncs write.
 */
export class SyncCache implements CacheTarget {
  readonly #books: PhonebookStore;
  readonly #contacts: ContactStore;
  #bulkSections = 0;
  #checkpointHolds = 0;
  /** Who waits for the last of the checkpoint holds to end. */
  readonly #holdsReleased: (() => void)[] = [];
  #merging: Promise<void> | undefined;

  constructor(books: PhonebookStore, contacts: ContactStore) {
    this.#books = books;
    this.#contacts = contacts;
  }

  /**
   * Runs a sync's writes with the search index's automatic merging paused: FTS5 merges
   * segments after each write transaction, and with a million rows that made each deleted
   * or replaced row cost 1–2 ms (measured), a retired copy's drop half an hour. Afterwards
   * merging resumes and the index is merged in small steps between other work.
   */
  async bulk<T>(work: () => Promise<T>): Promise<T> {
    if (this.#bulkSections++ === 0) this.#contacts.pauseIndexMerging(true);
    try {
      return await work();
    } finally {
      if (--this.#bulkSections === 0) {
        this.#contacts.pauseIndexMerging(false);
        this.#merging ??= this.#mergeInSteps().finally(() => {
          this.#merging = undefined;
        });
      }
    }
  }

  /**
   * Keeps this (the main thread's) connection from checkpointing until `until` settles: a
   * changed-only sync's worker copies its diff's pages from the WAL into the store file
   * after it has posted its result, and a main-thread commit in between (resuming index
   * merging, the sync's history) would otherwise do that copy itself, holding lookups for
   * 0.4–0.5 s after 10,000 changes in 1,000,000 contacts.
   */
  holdCheckpoints(until: Promise<unknown>): void {
    if (this.#checkpointHolds++ === 0) this.#contacts.automaticCheckpoints(false);
    const release = (): void => {
      if (--this.#checkpointHolds > 0) return;
      this.#contacts.automaticCheckpoints(true);
      for (const wake of this.#holdsReleased.splice(0)) wake();
    };
    until.then(release, release);
  }

  /** Resolves once the index merge that follows a sync is done (tests, shutdown). */
  async merged(): Promise<void> {
    await this.#merging;
  }

  async #mergeInSteps(): Promise<void> {
    // Merging writes many pages: not while checkpoints are held (they would pile up in the
    // WAL) and the worker still copies and flushes the diff's pages to the store file.
    while (this.#checkpointHolds > 0) {
      await new Promise<void>((resolve) => this.#holdsReleased.push(resolve));
    }
    while (this.#bulkSections === 0 && this.#contacts.mergeIndexStep()) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  createStaging(bookId: number, now: string): number {
    const book = this.#books.byId(bookId);
    if (!book) throw new Error(`createStaging: no book ${bookId}`);
    return this.#books.insertStaging(book, now);
  }

  promote(bookId: number, stagingId: number): void {
    this.#books.promote(bookId, stagingId);
  }

  async discard(hiddenId: number): Promise<void> {
    await this.#drop(hiddenId);
  }

  /** Drops hidden copies left by a server that stopped mid-sync (called at start-up). */
  async dropHidden(): Promise<void> {
    const { staging, retired } = this.#books.hiddenIds();
    if (staging.length + retired.length === 0) return;
    await this.bulk(async () => {
      for (const id of [...staging, ...retired]) await this.#drop(id);
    });
  }

  async #drop(bookId: number): Promise<void> {
    await this.#contacts.dropInChunks(bookId);
    this.#books.delete(bookId);
  }
}
