import type { HttpClient } from '../client/http-client.js';
import { ApiError, ServerUnreachableError, segment } from '../client/http-client.js';
import type { Io } from './cli-context.js';
import { CONNECTION_HELP, errorText, table } from './cli-context.js';
import type { BookView, Skipped, SyncReport } from './phonebook-api.js';
import { skippedLines } from './phonebook-api.js';
import { ProgressDisplay, seconds, watchSyncProgress } from './progress.js';

/** `ctibook phonebook update --help`. */
export const UPDATE_HELP = `Usage: ctibook phonebook update NAME [--json]
  The "Update" button: syncs an external book (csv, odbc, odbc-query, oledb, ldap, access)
  with its source now, or joins the sync that is running, and prints the report: added,
  updated, deleted, unchanged, and the skipped rows with where (file:line, record) and why
  (the first 20, then "… and N more"). Exit 1 when the sync failed (the old copy is kept),
  with the error code and message.

  Progress goes to stderr: a bar on a terminal, plain lines otherwise. The state comes from
  polling GET /api/v1/phonebooks/NAME every 500 ms; row counts come from the server's
  sync-progress events. The server sends no total, so the bar shows activity and counts,
  not a percentage.

${CONNECTION_HELP}`;

const POLL_MS = 500;
/** The sync itself may take long; the server answers when it is done. */
const WAIT_MS = 6 * 60 * 60 * 1000;

/** How a sync ended: its report, or the server's error (code, message, details). */
export type SyncOutcome = { ok: true; report: SyncReport } | { ok: false; error: ApiError };

/** `ctibook phonebook update NAME`: sync now, show progress, print the report. */
export async function updateCommand(
  client: HttpClient,
  io: Io,
  name: string,
  json: boolean,
): Promise<number> {
  const before = await client.get<BookView>(`/api/v1/phonebooks/${segment(name)}`);
  const display = new ProgressDisplay(io, `Updating ${before.name}`);
  display.start('sync requested');
  let outcome: SyncOutcome;
  try {
    outcome = await syncBook(client, before, display);
  } finally {
    display.stop();
  }
  if (json) {
    io.out(
      JSON.stringify(outcome.ok ? outcome.report : { error: errorOf(outcome.error) }, null, 2),
    );
    return outcome.ok ? 0 : 1;
  }
  if (!outcome.ok) {
    io.err(`${before.name}: the sync failed; the book keeps its previous copy.`);
    io.err(failureText(outcome.error));
    return 1;
  }
  io.out(reportText(before.name, outcome.report));
  return 0;
}

/** The report as the CLI prints it. */
export function reportText(book: string, report: SyncReport): string {
  const kind = report.mode === 'changed' ? 'changed-only sync' : 'full sync';
  const lines = [
    `${book}: ${kind} done in ${seconds(report.durationMs)}`,
    table([
      ['  added', String(report.added)],
      ['  updated', String(report.updated)],
      ['  deleted', String(report.deleted)],
      ['  unchanged', String(report.unchanged)],
      ['  skipped', String(report.skipped)],
    ]),
  ];
  if (report.skipped > 0) {
    lines.push('Skipped rows:', ...skippedLines(report.errors, report.skipped));
  }
  // Absent in reports of servers before it.
  if (report.unreadableNumbers > 0) {
    lines.push(
      'Numbers kept as text (no call is matched to them):',
      ...skippedLines(report.numberWarnings, report.unreadableNumbers),
    );
  }
  return lines.join('\n');
}

/** A failed sync's error, with the rows it could not read when the server lists them. */
export function failureText(error: ApiError): string {
  const lines = [errorText(error)];
  const rows: unknown = error.details?.errors;
  if (Array.isArray(rows) && rows.length > 0) {
    const skipped = typeof error.details?.skipped === 'number' ? error.details.skipped : 0;
    lines.push('Rows that could not be read:', ...skippedLines(rows as Skipped[], skipped));
  }
  return lines.join('\n');
}

/**
 * Syncs a book now, with `?wait=true` (the answer is the report, or the error with its
 * code), showing progress on `display`: the book's state polled every 500 ms, and row
 * counts from `sync-progress` events. When the waiting
 * request is cut (undici's 5-minute header timeout, a proxy) the polls alone follow the
 * sync to its end.
 */
export async function syncBook(
  client: HttpClient,
  before: BookView,
  display: ProgressDisplay,
): Promise<SyncOutcome> {
  const events = await watchSyncProgress(client, before.name, (p) => display.update(p));
  try {
    return await syncAndWatch(client, before, display);
  } finally {
    events?.close();
  }
}

async function syncAndWatch(
  client: HttpClient,
  before: BookView,
  display: ProgressDisplay,
): Promise<SyncOutcome> {
  const path = `/api/v1/phonebooks/${segment(before.name)}`;
  const waiting: Promise<SyncOutcome | Error> = client
    .request<SyncReport>('POST', `${path}/sync?wait=true`, { timeoutMs: WAIT_MS })
    .then(
      (answer): SyncOutcome => ({ ok: true, report: answer.body }),
      (error: unknown): SyncOutcome | Error => {
        if (error instanceof ApiError) return { ok: false, error };
        return error instanceof Error ? error : new Error(String(error));
      },
    );
  for (;;) {
    const settled = await Promise.race([waiting, sleep(POLL_MS).then(() => undefined)]);
    if (settled instanceof ServerUnreachableError) return pollToEnd(client, path, before, settled);
    if (settled instanceof Error) throw settled;
    if (settled) return settled;
    const now = await client.get<BookView>(path).catch(() => undefined);
    if (now) display.status(now.sync.status === 'running' ? 'sync running' : now.sync.status);
  }
}

async function pollToEnd(
  client: HttpClient,
  path: string,
  before: BookView,
  cut: ServerUnreachableError,
): Promise<SyncOutcome> {
  for (;;) {
    const now = await client.get<BookView>(path);
    if (now.sync.status !== 'running') {
      const report = now.sync.report;
      if (now.sync.status === 'ok' && report && report.startedAt !== before.sync.report?.startedAt)
        return { ok: true, report };
      if (now.sync.status === 'failed' && now.sync.error)
        return { ok: false, error: new ApiError(503, 'SYNC_FAILED', now.sync.error) };
      throw cut; // the request never reached the server: no sync ran
    }
    await sleep(POLL_MS);
  }
}

function errorOf(error: ApiError): Record<string, unknown> {
  return {
    code: error.code,
    message: error.message,
    ...(error.details ? { details: error.details } : {}),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
