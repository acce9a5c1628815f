import type { Logger } from 'pino';
import type { EventBus } from '../directory/events.js';
import type { LocationService } from '../directory/location-service.js';
import { CtibookError } from '../domain/errors.js';
import { memoColumnOf } from '../domain/notes-mode.js';
import type { CacheSettings } from '../domain/phonebook.js';
import { createConnector } from '../sources/registry.js';
import type { SkippedRow } from '../sources/source-connector.js';
import type { PreparedContact } from '../store/contact-rows.js';
import type { Home } from '../store/home.js';
import type { PhonebookRecord, PhonebookStore } from '../store/phonebook-store.js';
import type { CacheTarget } from './cache-target.js';
import type { UnchangedRow } from './pull.js';
import { pullChanges, pullContacts } from './pull.js';
import { Pacer, WriteChunks } from './pacer.js';
import { DEFAULT_CACHE, backoffMs, nextSyncAt } from './schedule.js';
import type { SyncReport } from './sync-report.js';
import { MAX_LISTED_SKIPS, emptyReport } from './sync-report.js';

/** The sync state `GET /api/v1/phonebooks` shows. */
export interface SyncStatus {
  lastSync: string | null;
  status: 'none' | 'idle' | 'running' | 'ok' | 'failed';
  error: string | null;
  nextSync?: string | null;
  report?: SyncReport;
}

export interface SyncEngineDeps {
  home: Home;
  books: PhonebookStore;
  cache: CacheTarget;
  location: LocationService;
  events: EventBus;
  logger: Logger;
  now: () => Date;
  /** Called after a rebuild replaced a book's copy (its id changed): drop cached rights. */
  onRebuilt?: () => void;
  /**
   * Called after a successful sync with the version of the source it read (a CSV file's
   * hash, see `SourceConnector.version`), also kept as `SourceVersion=` in folder_cfg.ini.
   */
  onSynced?: (book: PhonebookRecord, version: string | undefined) => void;
}

/** Rows between progress events. */
const CHUNK = 5000;
/** Above this many changes a changed-only sync rebuilds instead of patching in place. */
const MAX_DIFF = 100_000;
const CHECK_EVERY_MS = 30_000;

interface BookState {
  running?: Promise<SyncReport>;
  failures: number;
  lastFailureAt?: number;
  error: string | null;
  report?: SyncReport;
}

/**
 * Keeps the copies of external books current: on the schedule of each book's cache
 * settings, at start-up for books whose `LastSync=` is empty or due, and on demand
 * ("Update"). A failed sync keeps the old copy, records the error and retries with back-off.
 */
export class SyncEngine {
  readonly #d: SyncEngineDeps;
  /** By book name (lower case): a rebuild gives the book a new id, not a new history. */
  readonly #states = new Map<string, BookState>();
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: SyncEngineDeps) {
    this.#d = deps;
  }

  /** Starts the schedule; the first check runs at once (start-up syncs). */
  start(): void {
    this.#timer = setInterval(() => this.checkSchedule(), CHECK_EVERY_MS);
    this.#timer.unref();
    this.checkSchedule();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.allSettled([...this.#states.values()].map((s) => s.running));
  }

  status(book: PhonebookRecord): SyncStatus {
    const lastSync = this.#d.home.readBookSetting(book.name, 'LastSync') || null;
    if (book.kind === 'builtin' || book.kind === 'local-numbers')
      return { lastSync: null, status: 'none', error: null };
    const state = this.#states.get(key(book));
    const status = state?.running ? 'running' : state?.error ? 'failed' : lastSync ? 'ok' : 'idle';
    return {
      lastSync,
      status,
      error: state?.error ?? null,
      nextSync: this.#nextAttempt(book)?.toISOString() ?? null,
      ...(state?.report ? { report: state.report } : {}),
    };
  }

  /** Runs every book that is due; books already running are left alone. */
  checkSchedule(): void {
    for (const book of this.#d.books.list()) {
      if (book.kind === 'builtin' || book.kind === 'local-numbers') continue;
      const next = this.#nextAttempt(book);
      if (next && next.getTime() <= this.#d.now().getTime()) {
        this.sync(book).catch(() => undefined); // recorded in the book's state
      }
    }
  }

  /** Syncs a book now (the "Update" button); joins a sync that is already running. */
  sync(book: PhonebookRecord): Promise<SyncReport> {
    const state = this.#state(book);
    state.running ??= this.#run(book, state).finally(() => {
      state.running = undefined;
    });
    return state.running;
  }

  #nextAttempt(book: PhonebookRecord): Date | undefined {
    const state = this.#states.get(key(book));
    if (state?.running) return undefined;
    const now = this.#d.now();
    if (this.#d.home.readBookSetting(book.name, 'SyncState') === 'running') return now; // interrupted
    if (state?.lastFailureAt !== undefined)
      return new Date(state.lastFailureAt + backoffMs(state.failures));
    const last = this.#d.home.readBookSetting(book.name, 'LastSync');
    const lastSync = last ? new Date(last) : undefined;
    return nextSyncAt(book.config.cache ?? DEFAULT_CACHE, lastSync, now);
  }

  #state(book: PhonebookRecord): BookState {
    let state = this.#states.get(key(book));
    if (!state) {
      state = { failures: 0, error: null };
      this.#states.set(key(book), state);
    }
    return state;
  }

  async #run(book: PhonebookRecord, state: BookState): Promise<SyncReport> {
    const { home, logger } = this.#d;
    const log = logger.child({ phonebook: book.name });
    const started = this.#d.now();
    home.writeBookSettings(book.name, { SyncState: 'running' });
    try {
      const read: { version?: string } = {};
      const report = await this.#d.cache.bulk(() => this.#pullAndApply(book, started, read));
      home.writeBookSettings(book.name, {
        LastSync: this.#d.now().toISOString(),
        SyncState: '',
        ...(read.version ? { SourceVersion: read.version } : {}),
      });
      this.#d.onSynced?.(book, read.version);
      Object.assign(state, { failures: 0, lastFailureAt: undefined, error: null, report });
      log.info({ code: 'SYNC_DONE', ...summary(report) }, 'sync done');
      this.#d.events.publish({ type: 'phonebooks-changed' });
      return report;
    } catch (error) {
      home.writeBookSettings(book.name, { SyncState: 'failed' });
      state.failures++;
      state.lastFailureAt = this.#d.now().getTime();
      state.error = error instanceof Error ? error.message : String(error);
      log.warn(
        { code: 'SYNC_FAILED', err: error, retryInMs: backoffMs(state.failures) },
        'sync failed; the old copy stays',
      );
      throw error;
    }
  }

  async #pullAndApply(
    book: PhonebookRecord,
    started: Date,
    read: { version?: string },
  ): Promise<SyncReport> {
    const { cache, location } = this.#d;
    const settings: CacheSettings = book.config.cache ?? DEFAULT_CACHE;
    const lastSync = this.#d.home.readBookSetting(book.name, 'LastSync');
    const connector = createConnector(book.kind, book.config.source, !book.config.readOnly);
    const changedOnly = settings.mode === 'changed' && Boolean(lastSync);
    const report = emptyReport(changedOnly ? 'changed' : 'full', started);
    const skip = (row: SkippedRow): void => {
      report.skipped++;
      if (report.errors.length < MAX_LISTED_SKIPS) report.errors.push(row);
    };
    const old = await cache.hashes(book.id);
    const since =
      changedOnly && connector.capabilities.changedSince && lastSync
        ? new Date(new Date(lastSync).getTime() - 1000)
        : undefined;
    const omitColumn = memoColumnOf(book.config.notes);
    const omit = omitColumn === undefined ? {} : { omitColumn };
    await connector.open();
    try {
      const rows = pullChanges(
        {
          connector,
          mapping: book.config.mapping ?? {},
          normalizer: location.normalizer,
          skip,
          ...omit,
          ...(since ? { since } : {}),
        },
        old,
      );
      if (changedOnly) {
        const done = await this.#applyDiff(
          book,
          rows,
          old,
          report,
          since !== undefined,
          connector.readIds?.bind(connector),
        );
        if (done) {
          read.version = connector.version?.();
          return finish(report, started, this.#d.now());
        }
        report.added = report.updated = report.unchanged = 0;
      }
      await this.#rebuild(
        book,
        pullContacts({
          connector,
          mapping: book.config.mapping ?? {},
          normalizer: location.normalizer,
          // A changed-only pass already reported the skipped rows of this read.
          skip: changedOnly ? () => undefined : skip,
          ...omit,
        }),
        old,
        report,
      );
      read.version = connector.version?.();
      return finish(report, started, this.#d.now());
    } finally {
      await connector.close();
    }
  }

  /**
   * Patches the copy in place with what changed. Returns false (nothing applied) when the
   * changes are too many for one transaction; the caller then rebuilds.
   */
  async #applyDiff(
    book: PhonebookRecord,
    rows: AsyncIterable<PreparedContact | UnchangedRow>,
    old: Map<string, number>,
    report: SyncReport,
    partial: boolean,
    readIds: (() => AsyncIterable<string>) | undefined,
  ): Promise<boolean> {
    const upserts: PreparedContact[] = [];
    const seen = new Set<string>();
    const pacer = new Pacer();
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
      if (read % CHUNK === 0) this.#progress(book, read, 'reading');
      await pacer.pause();
    }
    assertMostRowsRead(report, read);
    let ids = seen;
    if (partial) {
      // A changed-only read lists the changed rows; the id list finds deletions.
      if (!readIds) ids = new Set(old.keys());
      else {
        ids = new Set<string>();
        for await (const id of readIds()) ids.add(id);
      }
    }
    const deletes = [...old.keys()].filter((id) => !ids.has(id));
    report.deleted = deletes.length;
    this.#d.cache.applyDiff(book.id, upserts, deletes, this.#d.now().toISOString());
    return true;
  }

  /** Fills a staging copy chunk by chunk and promotes it at once. */
  async #rebuild(
    book: PhonebookRecord,
    rows: AsyncIterable<PreparedContact>,
    old: Map<string, number>,
    report: SyncReport,
  ): Promise<void> {
    const { cache } = this.#d;
    const stagingId = cache.createStaging(book.id, this.#d.now().toISOString());
    try {
      let chunk: PreparedContact[] = [];
      let read = 0;
      const seen = new Set<string>();
      const pacer = new Pacer();
      const chunks = new WriteChunks();
      const write = (): void => {
        chunks.timed(() => cache.writeStaging(stagingId, chunk, this.#d.now().toISOString()));
        chunk = [];
      };
      for await (const contact of rows) {
        read++;
        seen.add(contact.id);
        const before = old.get(contact.id);
        if (before === undefined) report.added++;
        else if (before === contact.hash) report.unchanged++;
        else report.updated++;
        chunk.push(contact);
        if (chunk.length >= chunks.size) {
          write();
          pacer.paused();
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (read % CHUNK === 0) this.#progress(book, read, 'writing');
        await pacer.pause();
      }
      write();
      assertMostRowsRead(report, read);
      report.deleted = [...old.keys()].filter((id) => !seen.has(id)).length;
    } catch (error) {
      await cache.discard(stagingId);
      throw error;
    }
    cache.promote(book.id, stagingId);
    this.#d.onRebuilt?.();
    await cache.discard(book.id);
  }

  #progress(book: PhonebookRecord, done: number, phase: string): void {
    this.#d.events.publish({
      type: 'sync-progress',
      bookId: book.id,
      phonebook: book.name,
      done,
      total: null,
      phase,
    });
  }
}

function key(book: PhonebookRecord): string {
  return book.name.toLowerCase();
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

function finish(report: SyncReport, started: Date, now: Date): SyncReport {
  report.durationMs = now.getTime() - started.getTime();
  return report;
}

function summary(report: SyncReport): Record<string, unknown> {
  const { errors: _errors, ...rest } = report;
  return rest;
}
