import type { Logger } from 'pino';
import type { EventBus } from '../directory/events.js';
import type { LocationService } from '../directory/location-service.js';
import type { SourceFileRules } from '../sources/source-file.js';
import type { Home } from '../store/home.js';
import type { PhonebookRecord, PhonebookStore } from '../store/phonebook-store.js';
import type { SyncHistoryStore } from '../store/sync-history.js';
import { HISTORY_LENGTH } from '../store/sync-history.js';
import type { CacheTarget } from './cache-target.js';
import { DEFAULT_CACHE, backoffMs, nextSyncAt } from './schedule.js';
import type { SyncJob } from './sync-job.js';
import type { SyncHistoryEntry, SyncReport } from './sync-report.js';
import { SyncWorkers } from './sync-workers.js';

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
  /** Where each book's syncs are kept across restarts. */
  history: SyncHistoryStore;
  /** Called after a rebuild replaced a book's copy (its id changed): drop cached rights. */
  onRebuilt?: () => void;
  /**
   * Called after a successful sync with the version of the source it read (a CSV file's
   * hash, see `SourceConnector.version`), also kept as `SourceVersion=` in folder_cfg.ini.
   */
  onSynced?: (book: PhonebookRecord, version: string | undefined) => void;
  /** The store's `synchronous` setting, for the sync workers' own connections. */
  synchronous?: 'FULL' | 'NORMAL';
  /** Which files a file source may open, handed to each sync's worker. */
  files?: SourceFileRules;
  /** A sync that reads nothing for this long is stopped as hung (default 5 minutes). */
  idleMs?: number;
}

const CHECK_EVERY_MS = 30_000;

interface BookState {
  /** The book this state is of (a rebuild gives it a new id; see `#remember`). */
  bookId: number;
  running?: Promise<SyncReport>;
  failures: number;
  lastFailureAt?: number;
  error: string | null;
  report?: SyncReport;
  /** The last syncs, newest first (as kept in the store). */
  history: SyncHistoryEntry[];
}

/**
 * Keeps the copies of external books current: on the schedule of each book's cache
 * settings, at start-up for books whose `LastSync=` is empty or due, and on demand
 * ("Update"). A failed sync keeps the old copy, records the error and retries with back-off.
 * The heavy work of each sync runs on a worker thread, or in a child process for ODBC kinds
 * (see {@link SyncWorkers}); the main thread keeps the schedule, the states, progress events
 * and the quick final steps.
 */
export class SyncEngine {
  readonly #d: SyncEngineDeps;
  /** By book name (lower case): a rebuild gives the book a new id, not a new history. */
  readonly #states = new Map<string, BookState>();
  readonly #workers: SyncWorkers;
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;

  constructor(deps: SyncEngineDeps) {
    this.#d = deps;
    this.#workers = new SyncWorkers(deps.idleMs);
  }

  /** Starts the schedule; the first check runs at once (start-up syncs). */
  start(): void {
    this.#timer = setInterval(() => this.checkSchedule(), CHECK_EVERY_MS);
    this.#timer.unref();
    this.checkSchedule();
  }

  /** Stops the schedule and terminates running syncs (their books sync again at the next start). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#stopping = true;
    await this.#workers.terminateAll();
    await Promise.allSettled([...this.#states.values()].map((s) => s.running));
  }

  status(book: PhonebookRecord): SyncStatus {
    const lastSync = this.#d.home.readBookSetting(book.name, 'LastSync') || null;
    if (book.kind === 'builtin' || book.kind === 'local-numbers')
      return { lastSync: null, status: 'none', error: null };
    const state = this.#state(book);
    const status = state.running ? 'running' : state.error ? 'failed' : lastSync ? 'ok' : 'idle';
    return {
      lastSync,
      status,
      error: state.error,
      nextSync: this.#nextAttempt(book)?.toISOString() ?? null,
      ...(state.report ? { report: state.report } : {}),
    };
  }

  /** The book's last syncs, newest first (the status page's history); none for builtins. */
  history(name: string): SyncHistoryEntry[] {
    const book = this.#d.books.byName(name);
    if (!book || book.kind === 'builtin' || book.kind === 'local-numbers') return [];
    return [...this.#state(book).history];
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
    const state = this.#state(book);
    if (state.running) return undefined;
    const now = this.#d.now();
    if (this.#d.home.readBookSetting(book.name, 'SyncState') === 'running') return now; // interrupted
    if (state.lastFailureAt !== undefined)
      return new Date(state.lastFailureAt + backoffMs(state.failures));
    const last = this.#d.home.readBookSetting(book.name, 'LastSync');
    const lastSync = last ? new Date(last) : undefined;
    return nextSyncAt(book.config.cache ?? DEFAULT_CACHE, lastSync, now);
  }

  #state(book: PhonebookRecord): BookState {
    let state = this.#states.get(key(book));
    // Another book of that name (the one before was deleted): its own history, if any.
    if (!state || (state.bookId !== book.id && !state.running)) {
      state = restored(this.#d.history, book.id);
      this.#states.set(key(book), state);
    }
    return state;
  }

  /** Adds a sync to the book's history, in memory and in the store. */
  #remember(
    book: PhonebookRecord,
    state: BookState,
    entry: SyncHistoryEntry,
    report?: SyncReport,
  ): void {
    state.history.unshift(entry);
    state.history.length = Math.min(state.history.length, HISTORY_LENGTH);
    // A rebuild gave the book a new id; a book deleted meanwhile has no history to keep.
    const current = this.#d.books.byName(book.name);
    if (!current) return;
    state.bookId = current.id;
    try {
      this.#d.history.add(current.id, entry, report);
    } catch (error) {
      // The sync itself stands; only a restart would forget it.
      this.#d.logger.warn(
        { code: 'SYNC_HISTORY_NOT_KEPT', phonebook: book.name, err: error },
        'the sync could not be recorded in the store',
      );
    }
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
      this.#remember(book, state, { ...counts(report), status: 'ok', error: null }, report);
      log.info({ code: 'SYNC_DONE', ...summary(report) }, 'sync done');
      this.#d.events.publish({ type: 'phonebooks-changed' });
      return report;
    } catch (error) {
      // Stopped by close(): `SyncState=running` stays, so the next start redoes the sync.
      if (this.#stopping) throw error;
      home.writeBookSettings(book.name, { SyncState: 'failed' });
      state.failures++;
      // One time for both: a restart restores the back-off from the history entry.
      state.lastFailureAt = this.#d.now().getTime();
      state.error = error instanceof Error ? error.message : String(error);
      this.#remember(book, state, {
        startedAt: started.toISOString(),
        durationMs: state.lastFailureAt - started.getTime(),
        status: 'failed',
        added: 0,
        updated: 0,
        deleted: 0,
        skipped: 0,
        error: state.error,
      });
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
    const { cache, home } = this.#d;
    const lastSync = home.readBookSetting(book.name, 'LastSync') || undefined;
    const job: SyncJob = {
      storeFile: home.storeFile,
      synchronous: this.#d.synchronous ?? 'FULL',
      book,
      location: { ...this.#d.location.normalizer.location },
      files: this.#d.files,
      lastSync,
      now: started.toISOString(),
      // Either mode patches an existing copy; only a first sync (or an emptied LastSync)
      // and a diff with too many changes fill a new one.
      mode: lastSync ? 'diff' : 'rebuild',
    };
    const progress = (done: number, phase: string): void => this.#progress(book, done, phase);
    let skipped: SyncReport | undefined;
    if (job.mode === 'diff') {
      const running = this.#workers.run(job, { progress });
      // The worker checkpoints the diff after its result, off this thread.
      cache.holdCheckpoints(
        running.then(
          ({ gone }) => gone,
          () => undefined,
        ),
      );
      const { result } = await running;
      if (!result.tooMany) {
        read.version = result.version;
        return finish(result.report, started, this.#d.now());
      }
      skipped = result.report;
    }
    const stagingId = cache.createStaging(book.id, job.now);
    let promoted = false;
    const rebuild = { ...job, mode: 'rebuild' as const, stagingId };
    const rebuilding = this.#workers
      .run(skipped ? { ...rebuild, report: skipped } : rebuild, {
        progress,
        staged: () => {
          cache.promote(book.id, stagingId);
          promoted = true;
          this.#d.onRebuilt?.();
        },
      })
      .catch(async (error: unknown) => {
        // Stopping: the next start drops the staging copy (`SyncCache.dropHidden`).
        if (!promoted && !this.#stopping) await cache.discard(stagingId);
        throw error;
      });
    // The staging writer checkpoints its commits, spaced (`SpacedCheckpoints`): the WAL
    // grows meanwhile, and a commit of this thread must not copy it all.
    cache.holdCheckpoints(rebuilding.catch(() => undefined));
    const outcome = await rebuilding;
    // The worker dropped the replaced copy's contacts (or, failing, left them to drop here).
    await cache.discard(book.id);
    read.version = outcome.result.version;
    return finish(outcome.result.report, started, this.#d.now());
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

/**
 * A book's state as the store kept it: its history, the report of its last successful sync,
 * and, when its last syncs failed, their error and back-off.
 */
function restored(history: SyncHistoryStore, bookId: number): BookState {
  const entries = history.list(bookId);
  const ok = entries.findIndex((entry) => entry.status === 'ok');
  const failures = ok === -1 ? entries.length : ok;
  const last = entries[0];
  const report = history.lastReport(bookId);
  return {
    bookId,
    failures,
    error: failures > 0 ? (last?.error ?? null) : null,
    history: entries,
    ...(failures > 0 && last
      ? { lastFailureAt: Date.parse(last.startedAt) + last.durationMs }
      : {}),
    ...(report ? { report } : {}),
  };
}

function counts(report: SyncReport): Omit<SyncHistoryEntry, 'status' | 'error'> {
  const { startedAt, durationMs, added, updated, deleted, skipped } = report;
  return { startedAt, durationMs, added, updated, deleted, skipped };
}

function finish(report: SyncReport, started: Date, now: Date): SyncReport {
  report.durationMs = now.getTime() - started.getTime();
  return report;
}

function summary(report: SyncReport): Record<string, unknown> {
  const { errors: _errors, ...rest } = report;
  return rest;
}
