import type { Worker } from 'node:worker_threads';
import { CtibookError } from '../domain/errors.js';
import type { ContactStore } from '../store/contact-store.js';
import { Pacer } from './pacer.js';
import { startWorker } from './start-worker.js';
import type { SyncJob, SyncJobResult } from './sync-job.js';
import { runSyncJob } from './sync-job.js';
import type { FromMain, FromWorker } from './worker-messages.js';
import { deserializeError } from './worker-messages.js';

/**
 * Kinds whose sources use the `odbc` addon (2.6.0): it keeps its classes in process-wide
 * statics, so using it in a worker while the main thread uses it too (live reads) crashes
 * the process (v8 "Cannot create a handle without a HandleScope"). Their syncs run on the
 * main thread, paced, as before.
 */
const MAIN_THREAD_KINDS: ReadonlySet<string> = new Set(['odbc', 'odbc-query', 'oledb']);

/** How long a sync may go without reading a row before it is stopped as hung. */
export const DEFAULT_IDLE_MS = 5 * 60_000;

export interface SyncWorkerHooks {
  progress(done: number, phase: string): void;
  /**
   * A rebuild's staging copy is complete: promote it now (on the main thread, which owns
   * the in-memory state). Throwing abandons the copy and fails the sync.
   */
  staged?(result: SyncJobResult): void;
}

/** How a worker ended; `dropped` false: a promoted rebuild's old copy is still to drop. */
export interface SyncWorkerOutcome {
  result: SyncJobResult;
  dropped: boolean;
}

/**
 * Runs each sync's heavy work on a worker thread with its own store connection (see
 * `sync-worker.ts`) and translates what the worker says: progress, a complete staging
 * copy, its result, or its error as the same `CtibookError`. A worker that crashes, or
 * reads nothing for `idleMs` (a source that hangs), fails the sync; the old copy stays.
 */
export class SyncWorkers {
  readonly #contacts: ContactStore;
  readonly #idleMs: number;
  readonly #running = new Set<Worker>();
  #closed = false;

  /** `contacts`: the main thread's store, for the kinds that cannot sync on a worker. */
  constructor(contacts: ContactStore, idleMs = DEFAULT_IDLE_MS) {
    this.#contacts = contacts;
    this.#idleMs = idleMs;
  }

  run(job: SyncJob, hooks: SyncWorkerHooks): Promise<SyncWorkerOutcome> {
    if (this.#closed) return Promise.reject(stopping());
    if (MAIN_THREAD_KINDS.has(job.book.kind)) return this.#runHere(job, hooks);
    const worker = startWorker('sync-worker', { job });
    this.#running.add(worker);
    return new Promise((resolve, reject) => {
      let promoted: SyncJobResult | undefined;
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const settle = (end: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#running.delete(worker);
        end();
      };
      const fail = (error: Error): void => {
        void worker.terminate();
        // After a promote the sync is done; only dropping the old copy failed.
        if (promoted) settle(() => resolve({ result: promoted as SyncJobResult, dropped: false }));
        else settle(() => reject(error));
      };
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => fail(hung(this.#idleMs)), this.#idleMs);
        timer.unref();
      };
      worker.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'progress':
            arm();
            return hooks.progress(message.done, message.phase);
          case 'done':
            return settle(() => resolve({ result: message.result, dropped: true }));
          case 'staged':
            clearTimeout(timer);
            try {
              hooks.staged?.(message.result);
            } catch (error) {
              answer(worker, { type: 'abandoned' });
              return fail(error instanceof Error ? error : new Error(String(error)));
            }
            promoted = message.result;
            return answer(worker, { type: 'promoted' });
          case 'dropped':
            return settle(() => resolve({ result: promoted as SyncJobResult, dropped: true }));
          case 'failed':
            return fail(deserializeError(message.error));
        }
      });
      worker.on('error', (error) => fail(crashed(error.message)));
      worker.on('exit', (code) => fail(this.#closed ? stopping() : crashed(`exit code ${code}`)));
      arm();
    });
  }

  async #runHere(job: SyncJob, hooks: SyncWorkerHooks): Promise<SyncWorkerOutcome> {
    const pacer = new Pacer();
    const result = await runSyncJob(job, this.#contacts, hooks.progress, {
      pace: () => pacer.pause(),
    });
    if (job.mode === 'rebuild' && !result.tooMany) hooks.staged?.(result);
    return { result, dropped: false };
  }

  /** Stops every running sync worker (closing the app); their syncs fail, old copies stay. */
  async terminateAll(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#running].map((worker) => worker.terminate()));
  }
}

function answer(worker: Worker, message: FromMain): void {
  worker.postMessage(message);
}

function crashed(reason: string): CtibookError {
  return new CtibookError(
    'INTERNAL',
    `The sync stopped unexpectedly (${reason}); the old copy is kept`,
  );
}

function hung(idleMs: number): CtibookError {
  return new CtibookError(
    'SOURCE_UNAVAILABLE',
    `The source delivered nothing for ${Math.round(idleMs / 1000)} s; the sync was stopped and the old copy is kept`,
  );
}

function stopping(): CtibookError {
  return new CtibookError('SOURCE_UNAVAILABLE', 'The server is stopping; the sync was cancelled');
}
