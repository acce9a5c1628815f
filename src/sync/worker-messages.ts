import type { ErrorCode } from '../domain/errors.js';
import { CtibookError, ERROR_CATALOGUE } from '../domain/errors.js';
import type { SyncJobResult } from './sync-job.js';

/** What a sync worker tells the main thread. */
export type FromWorker =
  | { type: 'progress'; done: number; phase: string }
  /** A diff applied (or given up: `result.tooMany`). */
  | { type: 'done'; result: SyncJobResult }
  /** A staging copy is complete; the worker waits for `promoted` or `abandoned`. */
  | { type: 'staged'; result: SyncJobResult }
  /** The replaced copy's contacts are dropped; the main thread deletes its book row. */
  | { type: 'dropped' }
  | { type: 'failed'; error: SerializedError };

/** What the main thread answers a `staged` worker. */
export type FromMain = { type: 'promoted' } | { type: 'abandoned' };

/** An error as it crosses threads: the code, message and details a user sees, no more. */
export interface SerializedError {
  code?: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof CtibookError) {
    return {
      code: error.code,
      message: error.message,
      // As JSON: details must survive the structured clone of postMessage.
      ...(error.details === undefined
        ? {}
        : { details: JSON.parse(JSON.stringify(error.details)) as Record<string, unknown> }),
    };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

/** The worker's error as the main thread throws it: the same `CtibookError` as before. */
export function deserializeError(error: SerializedError): Error {
  if (error.code && error.code in ERROR_CATALOGUE) {
    return new CtibookError(error.code, error.message, error.details);
  }
  return new Error(error.message);
}
