import type { SkippedRow } from '../sources/source-connector.js';

/** What one sync did; the answer of `POST …/sync?wait=true` and the CLI's summary. */
export interface SyncReport {
  mode: 'full' | 'changed';
  added: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Rows the source could not deliver; the first {@link MAX_LISTED_SKIPS} are listed. */
  skipped: number;
  errors: SkippedRow[];
  /**
   * Rows kept with a phone field that holds no number (no call is matched to it); the
   * first {@link MAX_LISTED_SKIPS} are listed in `numberWarnings`.
   */
  unreadableNumbers: number;
  numberWarnings: SkippedRow[];
  startedAt: string;
  durationMs: number;
}

export const MAX_LISTED_SKIPS = 1000;

/** One past sync of a book, as the status page lists it. */
export interface SyncHistoryEntry {
  startedAt: string;
  durationMs: number;
  status: 'ok' | 'failed';
  added: number;
  updated: number;
  deleted: number;
  skipped: number;
  error: string | null;
}

export function emptyReport(mode: 'full' | 'changed', startedAt: Date): SyncReport {
  return {
    mode,
    added: 0,
    updated: 0,
    deleted: 0,
    unchanged: 0,
    skipped: 0,
    errors: [],
    unreadableNumbers: 0,
    numberWarnings: [],
    startedAt: startedAt.toISOString(),
    durationMs: 0,
  };
}
