import type { Worker } from 'node:worker_threads';
import { CtibookError } from '../domain/errors.js';
import type { PreparedContact } from '../store/contact-rows.js';
import type { StagingBatch } from './staging-batch.js';
import { encodeBatch } from './staging-batch.js';
import { startWorker } from './start-worker.js';
import type { SerializedError } from './worker-messages.js';
import { deserializeError } from './worker-messages.js';

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
  | { type: 'written'; rows: number }
  | { type: 'finished' }
  | { type: 'failed'; error: SerializedError };

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
  readonly #worker: Worker;
  #inFlight = 0;
  #failure: Error | undefined;
  #finished = false;
  #wake: (() => void) | undefined;

  constructor(data: StagingWriterData) {
    this.#worker = startWorker('staging-writer-worker', data);
    this.#worker.on('message', (message: FromStagingWriter) => this.#heard(message));
    this.#worker.on('error', (error) => this.#fail(crashed(error.message)));
    this.#worker.on('exit', (code) => {
      if (!this.#finished) this.#fail(crashed(`exit code ${code}`));
    });
  }

  async write(rows: PreparedContact[]): Promise<void> {
    this.#throwIfFailed();
    if (rows.length === 0) return;
    this.#post({ type: 'rows', batch: encodeBatch(rows) });
    this.#inFlight += rows.length;
    while (this.#inFlight > MAX_ROWS_IN_FLIGHT && !this.#failure) await this.#next();
    this.#throwIfFailed();
  }

  async finish(): Promise<void> {
    this.#throwIfFailed();
    this.#post({ type: 'end' });
    while (!this.#finished && !this.#failure) await this.#next();
    this.#throwIfFailed();
  }

  async abort(): Promise<void> {
    this.#finished = true;
    await this.#worker.terminate();
  }

  #heard(message: FromStagingWriter): void {
    switch (message.type) {
      case 'written':
        this.#inFlight -= message.rows;
        break;
      case 'finished':
        this.#finished = true;
        break;
      case 'failed':
        this.#fail(deserializeError(message.error));
        return;
    }
    this.#wake?.();
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#wake?.();
  }

  #next(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = () => {
        this.#wake = undefined;
        resolve();
      };
    });
  }

  #post(message: ToStagingWriter): void {
    this.#worker.postMessage(message);
  }

  #throwIfFailed(): void {
    if (this.#failure) throw this.#failure;
  }
}

function crashed(reason: string): CtibookError {
  return new CtibookError(
    'INTERNAL',
    `The sync's writer stopped unexpectedly (${reason}); the old copy is kept`,
  );
}
