import type { Worker } from 'node:worker_threads';
import { CtibookError } from '../domain/errors.js';
import { startWorker } from './start-worker.js';
import type { SerializedError } from './worker-messages.js';
import { deserializeError } from './worker-messages.js';

/** What every writer thread may answer besides its own messages. */
export interface WriterFailed {
  type: 'failed';
  error: SerializedError;
}

/**
 * A sync worker's end of a writer thread (a rebuild's staging writer, a changed-only sync's
 * diff writer): starts it, posts to it, hands its messages to `heard`, and turns a failure
 * it reports, or an exit before {@link end}, into the error the next call throws.
 */
export class WriterThread<To, From extends { type: string }> {
  readonly #worker: Worker;
  #failure: Error | undefined;
  #ended = false;
  #wake: (() => void) | undefined;

  /** Starts the worker module `name` of this folder with `data`. */
  constructor(name: string, data: unknown, heard: (message: From) => void) {
    this.#worker = startWorker(name, data);
    this.#worker.on('message', (message: From | WriterFailed) => {
      if (isFailure(message)) this.#fail(deserializeError(message.error));
      else heard(message);
      this.#wake?.();
    });
    this.#worker.on('error', (error) => this.#fail(crashed(error.message)));
    this.#worker.on('exit', (code) => {
      if (!this.#ended) this.#fail(crashed(`exit code ${code}`));
    });
  }

  post(message: To): void {
    this.#worker.postMessage(message);
  }

  /** Waits for the thread's messages until `done()` holds; throws its failure. */
  async until(done: () => boolean): Promise<void> {
    while (!done() && !this.#failure) await this.#next();
    this.throwIfFailed();
  }

  throwIfFailed(): void {
    if (this.#failure) throw this.#failure;
  }

  /** The thread's work is over: its exit from now on is no failure. */
  end(): void {
    this.#ended = true;
  }

  async terminate(): Promise<void> {
    this.#ended = true;
    await this.#worker.terminate();
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
}

function isFailure(message: { type: string }): message is WriterFailed {
  return message.type === 'failed';
}

function crashed(reason: string): CtibookError {
  return new CtibookError(
    'INTERNAL',
    `The sync's writer stopped unexpectedly (${reason}); the old copy is kept`,
  );
}
