/**
 * The shapes of the phone book answers the CLI reads (see `src/api/schemas.ts` and the
 * phone book routes); only what the CLI uses.
 *
 * @module
 */
import type { SyncReport } from '../sync/sync-report.js';

export type { SyncReport };

/** `GET /api/v1/phonebooks[/{name}]`: a book with its sync state. */
export interface BookView {
  name: string;
  kind: string;
  readOnly: boolean;
  contactCount: number;
  rights: { read: boolean; write: boolean; offline: boolean };
  sync: {
    lastSync: string | null;
    status: string;
    error: string | null;
    /** The last successful sync's report (sent, not in the documented schema). */
    report?: SyncReport;
  };
}

/** `GET /api/v1/phonebooks/{name}/settings`. */
export interface BookSettings {
  kind: string;
  readOnly: boolean;
  notes: string | { memoColumn: string };
  source: Record<string, unknown> | null;
  mapping: Record<string, string> | null;
  cache: { mode: string; everyHours: number; at: string } | null;
}

/** A contact as the API returns it: fields, `extra`, and read-only bookkeeping. */
export type ContactView = {
  id: string;
  displayName: string;
  extra?: Record<string, string>;
} & Record<string, unknown>;

/** `POST /api/v1/phonebooks/preview`. */
export interface PreviewView {
  columns: string[];
  mapping: Record<string, string>;
  records: ContactView[];
  skipped: { at: string; reason: string }[];
}

/** A record that was not copied or synced, and why. */
export interface Skipped {
  at: string;
  reason: string;
}

/** How many skipped rows a report lists before "… and N more". */
export const LISTED_SKIPS = 20;

/** The skipped rows as lines: the first {@link LISTED_SKIPS}, then "… and N more". */
export function skippedLines(errors: readonly Skipped[], total: number): string[] {
  const shown = errors.slice(0, LISTED_SKIPS);
  const lines = shown.map((row) => `  ${row.at}: ${row.reason}`);
  if (total > shown.length) lines.push(`  … and ${total - shown.length} more`);
  return lines;
}
