import type { ChildProcess } from 'node:child_process';
import type { Worker } from 'node:worker_threads';
import { CtibookError } from '../domain/errors.js';
import { startProcess, startWorker } from './start-worker.js';
import type { SyncJob, SyncJobResult } from './sync-job.js';
import type { ToSyncProcess } from './sync-process.js';
import type { FromMain, FromWorker } from './worker-messages.js';
import { deserializeError } from './worker-messages.js';

/**
 * Kinds whose sources use the `odbc` addon (2.6.0): it keeps its classes in process-wide
 * statics, so using it in a worker thread while the main thread uses it too (live reads)
 * crashes the process (v8 "Cannot create a handle without a HandleScope"). Their syncs run
 * in a child process instead, with the addon of its own (and a driver that crashes takes
 * only the sync with it).
 */
const PROCESS_KINDS: ReadonlySet<string> = new Set(['odbc', 'odbc-query', 'oledb']);

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
  /** Resolves once the worker is gone (after its result, it may still checkpoint). */
  gone: Promise<void>;
}

/** A sync's worker thread or child process, as {@link SyncWorkers} talks to it. */
interface SyncRunner {
  send(message: FromMain): void;
  /** Its messages, and its end: an error, or an exit before the sync said it was done. */
  listen(onMessage: (message: FromWorker) => void, onEnd: (reason: string) => void): void;
  /** Stops it at once; resolves when it is gone. */
  stop(): Promise<void>;
  /** Resolves when it is gone, however it ended. */
  gone: Promise<void>;
}

/**
 * Runs each sync's heavy work off the main thread, with its own store connection (see
 * `sync-job-host.ts`): on a worker thread, or for ODBC kinds in a child process. Translates
 * what the worker says: progress, a complete staging copy, its result, or its error as the
 * same `CtibookError`. A worker that crashes, or reads nothing for `idleMs` (a source that
 * hangs), fails the sync; the old copy stays.
 */
export class SyncWorkers {
  readonly #idleMs: number;
  readonly #running = new Set<SyncRunner>();
  #closed = false;

  constructor(idleMs = DEFAULT_IDLE_MS) {
    this.#idleMs = idleMs;
  }

  run(job: SyncJob, hooks: SyncWorkerHooks): Promise<SyncWorkerOutcome> {
    if (this.#closed) return Promise.reject(stopping());
    const worker = PROCESS_KINDS.has(job.book.kind) ? childProcess(job) : workerThread(job);
    this.#running.add(worker);
    const { gone } = worker;
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
        void worker.stop();
        // After a promote the sync is done; only dropping the old copy failed.
        if (promoted) {
          settle(() => resolve({ result: promoted as SyncJobResult, dropped: false, gone }));
        } else settle(() => reject(error));
      };
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => fail(hung(this.#idleMs)), this.#idleMs);
        timer.unref();
      };
      worker.listen(
        (message) => {
          switch (message.type) {
            case 'progress':
              arm();
              return hooks.progress(message.done, message.phase);
            case 'done':
              return settle(() => resolve({ result: message.result, dropped: true, gone }));
            case 'staged':
              clearTimeout(timer);
              try {
                hooks.staged?.(message.result);
              } catch (error) {
                worker.send({ type: 'abandoned' });
                return fail(error instanceof Error ? error : new Error(String(error)));
              }
              promoted = message.result;
              return worker.send({ type: 'promoted' });
            case 'dropped':
              return settle(() =>
                resolve({ result: promoted as SyncJobResult, dropped: true, gone }),
              );
            case 'failed':
              return fail(deserializeError(message.error));
          }
        },
        (reason) => fail(this.#closed ? stopping() : crashed(reason)),
      );
      arm();
    });
  }

  /** Stops every running sync worker (closing the app); their syncs fail, old copies stay. */
  async terminateAll(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#running].map((worker) => worker.stop()));
  }
}

function workerThread(job: SyncJob): SyncRunner {
  const worker: Worker = startWorker('sync-worker', { job });
  const gone = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    gone,
    send: (message) => worker.postMessage(message),
    listen(onMessage, onEnd) {
      worker.on('message', onMessage);
      worker.on('error', (error) => onEnd(error.message));
      worker.on('exit', (code) => onEnd(`exit code ${code}`));
    },
    stop: async () => {
      await worker.terminate();
    },
  };
}

function childProcess(job: SyncJob): SyncRunner {
  const child: ChildProcess = startProcess('sync-process');
  // 'close': the process ended and its channel is read to the end (its last message may
  // still be in the channel at 'exit').
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const send = (message: ToSyncProcess | FromMain): void => {
    // A process that is gone says so through its exit.
    if (child.connected) child.send(message, () => undefined);
  };
  send({ type: 'job', job });
  return {
    gone: closed,
    send,
    listen(onMessage, onEnd) {
      child.on('message', (message: FromWorker) => onMessage(message));
      child.on('error', (error) => onEnd(error.message));
      child.on('close', (code, signal) => onEnd(signal ? `signal ${signal}` : `exit code ${code}`));
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await closed;
    },
  };
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
