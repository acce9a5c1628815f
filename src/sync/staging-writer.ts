import type { PreparedContact } from '../store/contact-rows.js';
import type { StagingBatch } from './staging-batch.js';
import { encodeBatch } from './staging-batch.js';
import type { WriterFailed } from './writer-thread.js';
import { WriterThread } from './writer-thread.js';

/**
 * Where a rebuild's rows go: into its staging book, with {@link ContactStore.insertNew}
 * (the book is new and the read drops duplicate ids).
 */
export interface StagingWriter {
  /** Rows the writer wants per {@link write}. */
  readonly batchSize: number;
  /** Writes (or queues) the rows; the caller hands them over. Throws a write's failure. */
  write(rows: PreparedContact[]): Promise<void>;
  /** Resolves once every row is committed; throws the first write's failure. */
  finish(): Promise<void>;
  /** Stops writing (the sync failed); what was committed is left for the discard. */
  abort(): Promise<void>;
}

/** What a staging writer thread is started with. */
export interface StagingWriterData {
  storeFile: string;
  synchronous: 'FULL' | 'NORMAL';
  stagingId: number;
  now: string;
}

/** What a sync worker sends its staging writer thread. */
export type ToStagingWriter = { type: 'rows'; batch: StagingBatch } | { type: 'end' };

/** What a staging writer thread answers. */
export type FromStagingWriter =
  { type: 'written'; rows: number } | { type: 'finished' } | WriterFailed;

/** Rows per message to the writer thread. */
const BATCH_ROWS = 1000;
/**
 * Most rows sent and not yet committed: the reader waits beyond it (memory stays bounded
 * when writing is the slower half). Above the writer's largest transaction, or both wait.
 */
export const MAX_ROWS_IN_FLIGHT = 50_000;

/**
 * Hands the rows to a writer thread with its own store connection (see
 * `staging-writer-worker.ts`), so that reading and preparing the next rows (this thread)
 * and writing them (that one) use both cores.
 */
export class StagingThread implements StagingWriter {
  readonly batchSize = BATCH_ROWS;
  readonly #thread: WriterThread<ToStagingWriter, FromStagingWriter>;
  #inFlight = 0;
  #finished = false;

  constructor(data: StagingWriterData) {
    this.#thread = new WriterThread('staging-writer-worker', data, (message) => {
      if (message.type === 'written') this.#inFlight -= message.rows;
      else if (message.type === 'finished') {
        this.#finished = true;
        this.#thread.end();
      }
    });
  }

  async write(rows: PreparedContact[]): Promise<void> {
    this.#thread.throwIfFailed();
    if (rows.length === 0) return;
    this.#thread.post({ type: 'rows', batch: encodeBatch(rows) });
    this.#inFlight += rows.length;
    await this.#thread.until(() => this.#inFlight <= MAX_ROWS_IN_FLIGHT);
  }

  async finish(): Promise<void> {
    this.#thread.throwIfFailed();
    this.#thread.post({ type: 'end' });
    await this.#thread.until(() => this.#finished);
  }

  async abort(): Promise<void> {
    await this.#thread.terminate();
  }
}
