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

/** A snapshot file ready to send; the sender removes it when sent ({@link BookSnapshots.discard}). */
export interface BuiltSnapshot {
  file: string;
  bytes: number;
  meta: SnapshotMeta;
}

/**
 * Writes book snapshots for clients' first copies, on a thread of their own, one at a
 * time (a morning of new laptops queues instead of taking every core), into `dir` (the
 * home's `tmp/`, emptied at start: what a stopped server left there is of no use).
 */
export class BookSnapshots {
  readonly #storeFile: string;
  readonly #dir: string;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #running = new Set<Worker>();

  constructor(storeFile: string, dir: string) {
    this.#storeFile = storeFile;
    this.#dir = dir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir)) {
      if (name.startsWith('snapshot-')) rmSync(join(dir, name), { force: true });
    }
  }

  /**
   * The snapshot of a book with number keys made with `location`; undefined when the
   * store cannot give one (a contact without kept search text).
   */
  build(bookId: number, location: LocationSettings): Promise<BuiltSnapshot | undefined> {
    const built = this.#queue.then(() => this.#write(bookId, location));
    this.#queue = built.catch(() => undefined);
    return built;
  }

  /** Removes a snapshot file (sent, or not to be sent). */
  discard(snapshot: BuiltSnapshot): void {
    rmSync(snapshot.file, { force: true });
  }

  /** Stops the snapshots being written; their files are removed. */
  async close(): Promise<void> {
    await Promise.all([...this.#running].map((worker) => worker.terminate()));
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
