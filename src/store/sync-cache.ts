import type { CacheTarget } from '../sync/cache-target.js';
import type { ContactStore } from './contact-store.js';
import type { PreparedContact } from './contact-rows.js';
import type { PhonebookStore } from './phonebook-store.js';

/**
 * The store side of syncs: diffs applied in one transaction; rebuilds filled into a
 * hidden staging book and promoted at once; replaced copies dropped a chunk at a time.
 */
export class SyncCache implements CacheTarget {
  readonly #books: PhonebookStore;
  readonly #contacts: ContactStore;

  constructor(books: PhonebookStore, contacts: ContactStore) {
    this.#books = books;
    this.#contacts = contacts;
  }

  hashes(bookId: number): Map<string, number> {
    return this.#contacts.hashes(bookId);
  }

  applyDiff(
    bookId: number,
    upserts: readonly PreparedContact[],
    deletes: readonly string[],
    now: string,
  ): void {
    this.#contacts.applyDiff(bookId, upserts, deletes, now);
  }

  createStaging(bookId: number, now: string): number {
    const book = this.#books.byId(bookId);
    if (!book) throw new Error(`createStaging: no book ${bookId}`);
    return this.#books.insertStaging(book, now);
  }

  writeStaging(stagingId: number, contacts: readonly PreparedContact[], now: string): void {
    this.#contacts.putMany(stagingId, contacts, now);
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
    for (const id of [...staging, ...retired]) await this.#drop(id);
  }

  async #drop(bookId: number): Promise<void> {
    await this.#contacts.dropInChunks(bookId);
    this.#books.delete(bookId);
  }
}
