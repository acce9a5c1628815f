import { CtibookError } from '../domain/errors.js';
import { IdList } from '../domain/id-list.js';
import { memoColumnOf } from '../domain/notes-mode.js';
import type { LocationSettings } from '../domain/phone-number.js';
import { createNumberNormalizer } from '../domain/phone-number.js';
import { KnownRecords, RecordListBuilder } from '../sources/known-records.js';
import { loadConnector } from '../sources/load-connector.js';
import type { KnownRow, SkippedRow, SourceConnector } from '../sources/source-connector.js';
import type { SourceFileRules } from '../sources/source-file.js';
import type { ContactStore } from '../store/contact-store.js';
import type { PreparedContact } from '../store/contact-rows.js';
import type { PhonebookRecord } from '../store/phonebook-store.js';
import type { PullOptions, PulledRecord, UnchangedRow } from './pull.js';
import { pullChanges, pullContacts, pullRecords, recordContext } from './pull.js';
import { DEFAULT_CACHE } from './schedule.js';
import type { DiffWriter } from './diff-writer.js';
import { DiffSink } from './diff-writer.js';
import type { StagingWriter } from './staging-writer.js';
import type { SyncReport } from './sync-report.js';
import { MAX_LISTED_SKIPS, emptyReport } from './sync-report.js';

/** What the main thread hands a sync worker: plain data only (it is cloned). */
export interface SyncJob {
  storeFile: string;
  synchronous: 'FULL' | 'NORMAL';
  book: PhonebookRecord;
  /** The location settings of the main thread's normaliser. */
  location: LocationSettings;
  /** Which files a file source may open (the server's home, `CTIBOOK_SOURCE_ROOTS`). */
  files?: SourceFileRules;
  /** `LastSync=` of the book: a changed-only read starts from it. */
  lastSync: string | undefined;
  /** Time of the sync's start, ISO: the copy's `updatedAt`. */
  now: string;
  /**
   * `diff`: read what changed (changed mode) or everything (full mode), and patch the copy
   * in one transaction (or give up when the changes are too many). `rebuild`: fill the
   * staging book `stagingId` (created by the main thread), continuing `report` (a diff
   * pass's skipped rows).
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

/** Where {@link runSyncJob} writes a rebuild, and a large diff. */
export interface SyncJobOptions {
  /** Where a rebuild's rows go (a writer thread: see `StagingThread`). */
  staging: (job: SyncJob, stagingId: number) => StagingWriter;
  /**
   * Where a changed-only sync of a record source writes its diff once it has found a
   * batch of changes (a writer thread: see `DiffThread`); fewer are written here at the
   * end. `listSeq`: see `ContactStore.openDiff`.
   */
  diff: (job: SyncJob, listSeq: number) => DiffWriter;
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
  options: SyncJobOptions,
): Promise<SyncJobResult> {
  const { book } = job;
  const { mode } = book.config.cache ?? DEFAULT_CACHE;
  const report = job.report ?? emptyReport(job.mode === 'diff' ? mode : 'full', new Date(job.now));
  const skip = (row: SkippedRow): void => {
    report.skipped++;
    if (report.errors.length < MAX_LISTED_SKIPS) report.errors.push(row);
  };
  const warn = (row: SkippedRow): void => {
    report.unreadableNumbers++;
    if (report.numberWarnings.length < MAX_LISTED_SKIPS) report.numberWarnings.push(row);
  };
  const writable = !book.config.readOnly;
  const connector = await loadConnector(book.kind, book.config.source, writable, job.files);
  const omitColumn = memoColumnOf(book.config.notes);
  const pull: PullOptions = {
    connector,
    mapping: book.config.mapping ?? {},
    normalizer: createNumberNormalizer(job.location),
    // A changed-only pass already reported the skipped rows of this read.
    skip: job.report ? () => undefined : skip,
    warn: job.report ? () => undefined : warn,
    ...(omitColumn === undefined ? {} : { omitColumn }),
  };
  // Sources that hash their records' bytes keep a list of them for the next changed sync.
  const records = connector.readRecords !== undefined;
  const listed = records && mode === 'changed';
  await connector.open();
  try {
    if (job.mode === 'diff') {
      // Full mode reads and compares every record: no modified time, no stored byte hashes.
      const applied = records
        ? await applyRecordDiff(job, contacts, pull, report, progress, options, listed)
        : await applyChanges(job, contacts, pull, report, progress, mode === 'changed');
      if (!applied) {
        report.added = report.updated = report.unchanged = 0;
        return { report, tooMany: true };
      }
    } else {
      const { stagingId } = job;
      if (stagingId === undefined) throw new Error('rebuild without a staging book');
      const old = await contacts.hashesInSlices(book.id);
      const staging = options.staging(job, stagingId);
      if (listed) {
        const list = new RecordListBuilder();
        const read = await readRecords(connector, undefined, pull, job);
        const rows = listedContacts(pullRecords(pull, read, undefined), list);
        await fillStaging(staging, rows, old, report, progress);
        // After the writer finished: the list describes the staging copy's final seq.
        contacts.putRecordList(stagingId, list.build(read.fingerprint));
      } else await fillStaging(staging, pullContacts(pull), old, report, progress);
    }
    const version = connector.version?.();
    return { report, ...(version === undefined ? {} : { version }) };
  } finally {
    await connector.close();
  }
}

/**
 * A diff of a source without record hashes: every row read (`sinceLastSync`: only those
 * modified since, where the source can tell) and compared with the copy's content hashes.
 */
async function applyChanges(
  job: SyncJob,
  contacts: ContactStore,
  options: PullOptions,
  report: SyncReport,
  progress: (done: number, phase: string) => void,
  sinceLastSync: boolean,
): Promise<boolean> {
  const { connector } = options;
  const old = await contacts.hashesInSlices(job.book.id);
  const since =
    sinceLastSync && connector.capabilities.changedSince && job.lastSync
      ? new Date(new Date(job.lastSync).getTime() - 1000)
      : undefined;
  const rows = pullChanges({ ...options, ...(since ? { since } : {}) }, old);
  const partial = since ? connector : undefined;
  return applyDiff(job, contacts, rows, old, report, partial, progress);
}

function readRecords(
  connector: SourceConnector,
  known: KnownRecords | undefined,
  options: PullOptions,
  job: SyncJob,
): ReturnType<NonNullable<SourceConnector['readRecords']>> {
  const read = connector.readRecords?.bind(connector);
  if (!read) throw new Error('readRecords: not a record source');
  return read(known, recordContext(options, job.location), options.skip);
}

/** The contacts of a full read, each record added to `list` as it is taken. */
async function* listedContacts(
  records: AsyncIterable<PulledRecord | KnownRow>,
  list: RecordListBuilder,
): AsyncGenerator<PreparedContact> {
  for await (const record of records) {
    // Without a known list every record is decoded and new.
    if ('count' in record || 'unchanged' in record.row) continue;
    list.add(record.rawHash, record.row.hash, record.row.id);
    yield record.row;
  }
}

/**
 * A diff of a source that hashes its records' bytes. With `trustList` (changed mode),
 * against the list the last sync stored (or, when the copy was written since, the copy's
 * ids and content hashes), only records with new bytes are decoded and compared; without
 * it (full mode) every record is decoded and compared with the copy's content hashes. The
 * diff and the new list are stored in one transaction. A large diff goes to a writer
 * thread (`writers.diff`, see `DiffSink`), which writes the changes while this one reads
 * on. Returns false, nothing applied, when the changes are too many for one transaction.
 */
async function applyRecordDiff(
  job: SyncJob,
  contacts: ContactStore,
  options: PullOptions,
  report: SyncReport,
  progress: (done: number, phase: string) => void,
  writers: SyncJobOptions,
  trustList: boolean,
): Promise<boolean> {
  const bookId = job.book.id;
  const stored = trustList ? contacts.recordList(bookId) : undefined;
  const seq = stored?.seq ?? contacts.changeSeq(bookId);
  const known = new KnownRecords(stored?.list ?? (await copyAsList(contacts, bookId)));
  const taken = new Uint8Array(known.size);
  // Ids in the stored order need not be written again; the copy's (by id) are no list's.
  const list = stored ? new RecordListBuilder(known) : new RecordListBuilder();
  const diff = new DiffSink({
    start: () => writers.diff(job, seq),
    local: (upserts, deletes, records) =>
      contacts.applyDiff(bookId, upserts, deletes, job.now, { list: records, seq }),
    records: known.size,
  });
  let count = 0;
  let reported = 0;
  try {
    const read = await readRecords(options.connector, known, options, job);
    for await (const record of pullRecords(options, read, known)) {
      if ('count' in record) {
        taken.fill(1, record.index, record.index + record.count);
        list.addKnown(known, record.index, record.count);
        report.unchanged += record.count;
        count += record.count;
      } else {
        count++;
        const { row, rawHash, knownAt } = record;
        if (knownAt >= 0) taken[knownAt] = 1;
        const before = knownAt >= 0 ? known.contentHashes[knownAt] : undefined;
        if ('unchanged' in row || before === row.hash) report.unchanged++;
        else {
          if (before === undefined) report.added++;
          else report.updated++;
          if (report.added + report.updated > MAX_DIFF) return false;
          await diff.add(row, known.size - count);
        }
        list.add(rawHash, row.hash, row.id);
      }
      if (count - reported >= PROGRESS_EVERY) {
        reported = count;
        progress(count, 'reading');
      }
    }
    assertMostRowsRead(report, count);
    const deletes: string[] = [];
    for (let index = 0; index < known.size; index++) {
      if (taken[index] === 0) deletes.push(known.ids.at(index));
    }
    report.deleted = deletes.length;
    await diff.commit(deletes, list.build(read.fingerprint));
    return true;
  } finally {
    await diff.abort();
  }
}

/** The copy's ids and content hashes as a list without raw hashes (nothing matches by bytes). */
async function copyAsList(
  contacts: ContactStore,
  bookId: number,
): Promise<ConstructorParameters<typeof KnownRecords>[0]> {
  const hashes = await contacts.hashesInSlices(bookId);
  return {
    fingerprint: '',
    rawHashes: new Uint32Array(0),
    contentHashes: Uint32Array.from(hashes.values()),
    ids: IdList.of([...hashes.keys()]),
  };
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
 * Fills the staging copy through `staging` (a writer thread, while this one reads on); a
 * failure stops the writer.
 */
async function fillStaging(
  staging: StagingWriter,
  rows: AsyncIterable<PreparedContact>,
  old: Map<string, number>,
  report: SyncReport,
  progress: (done: number, phase: string) => void,
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
