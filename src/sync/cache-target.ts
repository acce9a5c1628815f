import type { PreparedContact } from '../store/contact-rows.js';

/**
 * Where a sync puts a book's copy. Readers never see a half-applied sync: a diff is applied
 * in one transaction, and a rebuild fills a hidden staging book in chunks and is then
 * promoted in one small transaction.
 */
export interface CacheTarget {
  /** Content hash of each cached contact of a book, by id (read in slices between other work). */
  hashes(bookId: number): Promise<Map<string, number>>;
  /** Upserts and deletes in one transaction. */
  applyDiff(
    bookId: number,
    upserts: readonly PreparedContact[],
    deletes: readonly string[],
    now: string,
  ): void;
  /** A hidden book to fill; nothing of it is visible until promoted. */
  createStaging(bookId: number, now: string): number;
  writeStaging(stagingId: number, contacts: readonly PreparedContact[], now: string): void;
  /** The staging copy becomes the book, all at once; the old copy is hidden, to be discarded. */
  promote(bookId: number, stagingId: number): void;
  /** Drops a hidden copy: a failed rebuild's staging copy, or a promoted one's old copy. */
  discard(hiddenId: number): Promise<void>;
  /** Runs a sync's writes in bulk mode (see `SyncCache.bulk`); sections may overlap. */
  bulk<T>(work: () => Promise<T>): Promise<T>;
}
