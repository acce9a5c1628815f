/**
 * The main thread's side of where a sync puts a book's copy. The sync's worker writes the
 * rows on its own connection (a diff in one transaction, a rebuild into a hidden staging
 * book); the steps here change what readers see, so they run where the in-memory state
 * of the store lives: a staging book is created, promoted in one small transaction, and
 * a hidden copy dropped.
 */
export interface CacheTarget {
  /** A hidden book to fill; nothing of it is visible until promoted. */
  createStaging(bookId: number, now: string): number;
  /** The staging copy becomes the book, all at once; the old copy is hidden, to be discarded. */
  promote(bookId: number, stagingId: number): void;
  /** Drops a hidden copy: a failed rebuild's staging copy, or a promoted one's old copy. */
  discard(hiddenId: number): Promise<void>;
  /** No checkpoints on the main thread's connection until `until` settles (see `SyncCache`). */
  holdCheckpoints(until: Promise<unknown>): void;
  /** Runs a sync's writes in bulk mode (see `SyncCache.bulk`); sections may overlap. */
  bulk<T>(work: () => Promise<T>): Promise<T>;
}
