import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { LocationSettings } from '../domain/phone-number.js';
import { startWorker } from '../sync/start-worker.js';
import type { SnapshotMeta } from './book-snapshot.js';

/** What the snapshot thread is given. */
export interface SnapshotJob {
  storeFile: string;
  bookId: number;
  location: LocationSettings;
  target: string;
}

/** What it answers: the snapshot's meta (null: not possible, see `writeBookSnapshot`), or an error. */
export type SnapshotOutcome = { meta: SnapshotMeta | null } | { error: string };

/** A snapshot file ready to send; give it back with {@link BookSnapshots.release} once sent. */
export interface BuiltSnapshot {
  file: string;
  bytes: number;
  meta: SnapshotMeta;
}

/** The latest snapshot of a book: kept for the next client while the book is unchanged. */
interface Kept {
  /** The book's change-feed token and the location settings it was asked for with. */
  key: string;
  ready: Promise<BuiltSnapshot | undefined>;
  /** Requests sending it (or waiting for it). */
  senders: number;
  /** Still the one to give out; once not, removed when its last sender is done. */
  latest: boolean;
  idle?: NodeJS.Timeout;
}

/** How long an unchanged book's snapshot is kept after it was last sent. */
export const KEEP_SNAPSHOT_MS = 10 * 60_000;

/**
 * Writes book snapshots for clients' first copies, on a thread of their own, one at a
 * time (a morning of new laptops queues instead of taking every core), into `dir` (the
 * home's `tmp/`, emptied at start: what a stopped server left there is of no use). The
 * latest snapshot of each book is kept while the book does not change (for at most
 * {@link KEEP_SNAPSHOT_MS} after it was last asked for), so clients making their first
 * copy of a book meanwhile share one file instead of each waiting for its own.
 */
export class BookSnapshots {
  readonly #storeFile: string;
  readonly #dir: string;
  readonly #keepMs: number;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #running = new Set<Worker>();
  readonly #kept = new Map<number, Kept>();
  readonly #byFile = new Map<string, Kept>();

  constructor(storeFile: string, dir: string, keepMs = KEEP_SNAPSHOT_MS) {
    this.#storeFile = storeFile;
    this.#dir = dir;
    this.#keepMs = keepMs;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir)) {
      if (name.startsWith('snapshot-')) rmSync(join(dir, name), { force: true });
    }
  }

  /**
   * The snapshot of `book`, whose change-feed token is `token` now, with number keys made
   * with `location`: the kept one when it was asked for at the same token and settings,
   * else a new one (requests meanwhile wait for the same). Undefined when the store cannot
   * give one (a contact without kept search text). The book's creation time is part of
   * what must match: a book made after another was deleted may get its id.
   */
  async take(
    book: { id: number; createdAt: string },
    token: string,
    location: LocationSettings,
  ): Promise<BuiltSnapshot | undefined> {
    const bookId = book.id;
    const key = `${book.createdAt} ${token} ${JSON.stringify(location)}`;
    let kept = this.#kept.get(bookId);
    if (kept?.key !== key) {
      if (kept) this.#retire(bookId, kept);
      const ready = this.#queue.then(() => this.#write(bookId, location));
      this.#queue = ready.catch(() => undefined);
      kept = { key, ready, senders: 0, latest: true };
      this.#kept.set(bookId, kept);
    }
    const taken = kept;
    taken.senders++;
    clearTimeout(taken.idle);
    let snapshot: BuiltSnapshot | undefined;
    try {
      snapshot = await taken.ready;
    } finally {
      // A failed or impossible snapshot is not kept: the next request tries again.
      if (!snapshot) {
        taken.senders--;
        this.#retire(bookId, taken);
      }
    }
    if (snapshot) this.#byFile.set(snapshot.file, taken);
    return snapshot;
  }

  /** A snapshot is sent (or will not be): removed once no longer latest nor sent. */
  release(snapshot: BuiltSnapshot): void {
    const kept = this.#byFile.get(snapshot.file);
    if (!kept) return;
    kept.senders--;
    if (kept.senders > 0) return;
    if (!kept.latest) {
      this.#remove(snapshot.file);
      return;
    }
    kept.idle = setTimeout(() => {
      for (const [bookId, entry] of this.#kept) if (entry === kept) this.#retire(bookId, kept);
    }, this.#keepMs);
    kept.idle.unref();
  }

  /** Stops the snapshots being written and removes the kept ones (the server stops). */
  async close(): Promise<void> {
    await Promise.all([...this.#running].map((worker) => worker.terminate()));
    const files = [...this.#byFile.keys()];
    for (const [bookId, kept] of this.#kept) this.#retire(bookId, kept);
    for (const file of files) this.#remove(file);
  }

  /** No longer given out; its file goes once its last sender is done. */
  #retire(bookId: number, kept: Kept): void {
    kept.latest = false;
    clearTimeout(kept.idle);
    if (this.#kept.get(bookId) === kept) this.#kept.delete(bookId);
    if (kept.senders > 0) return;
    kept.ready.then(
      (snapshot) => snapshot && this.#remove(snapshot.file),
      () => undefined,
    );
  }

  #remove(file: string): void {
    this.#byFile.delete(file);
    rmSync(file, { force: true });
  }

  #write(bookId: number, location: LocationSettings): Promise<BuiltSnapshot | undefined> {
    const target = join(this.#dir, `snapshot-${randomUUID()}.sqlite`);
    const job: SnapshotJob = { storeFile: this.#storeFile, bookId, location, target };
    const worker = startWorker('snapshot-worker', job, import.meta.url);
    this.#running.add(worker);
    return new Promise<BuiltSnapshot | undefined>((resolve, reject) => {
      let outcome: SnapshotOutcome | undefined;
      worker.once('message', (message: SnapshotOutcome) => (outcome = message));
      worker.once('error', (error) => (outcome = { error: error.message }));
      worker.once('exit', () => {
        this.#running.delete(worker);
        const answer = outcome ?? { error: 'The snapshot thread stopped' };
        if ('meta' in answer && answer.meta !== null) {
          resolve({ file: target, bytes: statSync(target).size, meta: answer.meta });
          return;
        }
        rmSync(target, { force: true });
        if ('error' in answer) reject(new Error(`Cannot write the book snapshot: ${answer.error}`));
        else resolve(undefined);
      });
    });
  }
}
