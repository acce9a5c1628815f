import { CtibookError } from '../domain/errors.js';
import { memoColumnOf } from '../domain/notes-mode.js';
import type { LocationSettings } from '../domain/phone-number.js';
import { createNumberNormalizer } from '../domain/phone-number.js';
import { createConnector } from '../sources/registry.js';
import type { SkippedRow, SourceConnector } from '../sources/source-connector.js';
import type { ContactStore } from '../store/contact-store.js';
import type { PreparedContact } from '../store/contact-rows.js';
import type { PhonebookRecord } from '../store/phonebook-store.js';
import type { PullOptions, UnchangedRow } from './pull.js';
import { pullChanges, pullContacts } from './pull.js';
import type { StagingWriter } from './staging-writer.js';
import { StagingHere } from './staging-writer.js';
import type { SyncReport } from './sync-report.js';
import { MAX_LISTED_SKIPS, emptyReport } from './sync-report.js';

/** What the main thread hands a sync worker: plain data only (it is cloned). */
export interface SyncJob {
  storeFile: string;
  synchronous: 'FULL' | 'NORMAL';
  book: PhonebookRecord;
  /** The location settings of the main thread's normaliser. */
  location: LocationSettings;
  /** `LastSync=` of the book: a changed-only read starts from it. */
  lastSync: string | undefined;
  /** Time of the sync's start, ISO: the copy's `updatedAt`. */
  now: string;
  /**
   * `diff`: read what changed and patch the copy in one transaction (or give up when the
   * changes are too many). `rebuild`: fill the staging book `stagingId` (created by the
   * main thread), continuing `report` (a diff pass's skipped rows).
   */
  mode: 'diff' | 'rebuild';
  stagingId?: number;
  report?: SyncReport;
}

/** The worker's result; `tooMany`: a diff gave up, nothing applied, rebuild instead. */
export interface SyncJobResult {
  report: SyncReport;
  version?: string;
  tooMany?: boolean;
}

/** How {@link runSyncJob} lets other work in and where a rebuild writes. */
export interface SyncJobOptions {
  /** Lets the event loop in between rows when the job runs on the main thread. */
  pace?: () => Promise<void>;
  /** Where a rebuild's rows go; default: written on this thread ({@link StagingHere}). */
  staging?: (job: SyncJob, stagingId: number) => StagingWriter;
}

/** Rows between progress reports. */
export const PROGRESS_EVERY = 5000;
/** Above this many changes a changed-only sync rebuilds instead of patching in place. */
const MAX_DIFF = 100_000;

/**
 * Runs the heavy part of one sync against the worker's own store connection: opens the
 * source, reads, maps, prepares and hashes every row, and applies a diff or fills a
 * staging copy. Promoting that copy is left to the main thread (it owns in-memory state).
 */
export async function runSyncJob(
  job: SyncJob,
  contacts: ContactStore,
  progress: (done: number, phase: string) => void,
  options: SyncJobOptions = {},
): Promise<SyncJobResult> {
  const { book } = job;
  const pace = options.pace ?? (async () => undefined);
  const report =
    job.report ?? emptyReport(job.mode === 'diff' ? 'changed' : 'full', new Date(job.now));
  const skip = (row: SkippedRow): void => {
    report.skipped++;
    if (report.errors.length < MAX_LISTED_SKIPS) report.errors.push(row);
  };
  const connector = createConnector(book.kind, book.config.source, !book.config.readOnly);
  const old = await contacts.hashesInSlices(book.id);
  const omitColumn = memoColumnOf(book.config.notes);
  const pull: PullOptions = {
    connector,
    mapping: book.config.mapping ?? {},
    normalizer: createNumberNormalizer(job.location),
    // A changed-only pass already reported the skipped rows of this read.
    skip: job.report ? () => undefined : skip,
    ...(omitColumn === undefined ? {} : { omitColumn }),
  };
  await connector.open();
  try {
    if (job.mode === 'diff') {
      const since =
        connector.capabilities.changedSince && job.lastSync
          ? new Date(new Date(job.lastSync).getTime() - 1000)
          : undefined;
      const rows = pullChanges({ ...pull, ...(since ? { since } : {}) }, old);
      const partial = since ? connector : undefined;
      const applied = await applyDiff(job, contacts, rows, old, report, partial, progress, pace);
      if (!applied) {
        report.added = report.updated = report.unchanged = 0;
        return { report, tooMany: true };
      }
    } else {
      const { stagingId } = job;
      if (stagingId === undefined) throw new Error('rebuild without a staging book');
      const staging =
        options.staging?.(job, stagingId) ?? new StagingHere(contacts, stagingId, job.now);
      await fillStaging(staging, pullContacts(pull), old, report, progress, pace);
    }
    const version = connector.version?.();
    return { report, ...(version === undefined ? {} : { version }) };
  } finally {
    await connector.close();
  }
}

/**
 * Patches the copy with what changed, in one transaction (readers on other connections
 * see the old copy until it commits). Returns false, nothing applied, when the changes are
 * too many for one transaction.
 */
async function applyDiff(
  job: SyncJob,
  contacts: ContactStore,
  rows: AsyncIterable<PreparedContact | UnchangedRow>,
  old: Map<string, number>,
  report: SyncReport,
  partial: SourceConnector | undefined,
  progress: (done: number, phase: string) => void,
  pace: () => Promise<void>,
): Promise<boolean> {
  const upserts: PreparedContact[] = [];
  const seen = new Set<string>();
  let read = 0;
  for await (const contact of rows) {
    read++;
    seen.add(contact.id);
    const before = old.get(contact.id);
    if ('unchanged' in contact || before === contact.hash) report.unchanged++;
    else {
      if (before === undefined) report.added++;
      else report.updated++;
      upserts.push(contact);
      if (upserts.length > MAX_DIFF) return false;
    }
    if (read % PROGRESS_EVERY === 0) progress(read, 'reading');
    await pace();
  }
  assertMostRowsRead(report, read);
  let ids = seen;
  if (partial) {
    // A changed-only read lists the changed rows; the id list finds deletions.
    if (!partial.readIds) ids = new Set(old.keys());
    else {
      ids = new Set<string>();
      for await (const id of partial.readIds()) ids.add(id);
    }
  }
  const deletes = [...old.keys()].filter((id) => !ids.has(id));
  report.deleted = deletes.length;
  contacts.applyDiff(job.book.id, upserts, deletes, job.now);
  return true;
}

/**
 * Fills the staging copy through `staging` (on this thread in transactions of about 40 ms,
 * or on a writer thread while this one reads on); a failure stops the writer.
 */
async function fillStaging(
  staging: StagingWriter,
  rows: AsyncIterable<PreparedContact>,
  old: Map<string, number>,
  report: SyncReport,
  progress: (done: number, phase: string) => void,
  pace: () => Promise<void>,
): Promise<void> {
  // Ids are unique (the read drops duplicates): the old ids not read are the old ones
  // less those read, counted rather than kept (a million ids' Set).
  let kept = 0;
  let chunk: PreparedContact[] = [];
  let read = 0;
  const write = async (): Promise<void> => {
    const rows = chunk;
    chunk = [];
    await staging.write(rows);
  };
  try {
    for await (const contact of rows) {
      read++;
      const before = old.get(contact.id);
      if (before === undefined) report.added++;
      else {
        kept++;
        if (before === contact.hash) report.unchanged++;
        else report.updated++;
      }
      chunk.push(contact);
      if (chunk.length >= staging.batchSize) await write();
      if (read % PROGRESS_EVERY === 0) progress(read, 'writing');
      await pace();
    }
    await write();
    await staging.finish();
  } catch (error) {
    await staging.abort();
    throw error;
  }
  assertMostRowsRead(report, read);
  report.deleted = old.size - kept;
}

/** A sync where most rows fail is aborted: the source is probably not what the book expects. */
function assertMostRowsRead(report: SyncReport, read: number): void {
  if (report.skipped > 10 && report.skipped > read) {
    throw new CtibookError(
      'SOURCE_REJECTED',
      `Sync aborted: ${report.skipped} rows could not be read and only ${read} could; the old copy is kept`,
      { skipped: report.skipped, read, errors: report.errors.slice(0, 20) },
    );
  }
}
