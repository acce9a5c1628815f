import type { Book } from './api-types.js';
import { BookListSchema, LocationSchema } from './api-types.js';
import type { FetchedPage } from './change-pages.js';
import { fetchFirstPage, fetchPage, parseAnswer } from './change-pages.js';
import type { HttpClient } from './http-client.js';
import { ApiError } from './http-client.js';
import type { OfflineCache } from './offline-cache.js';
import type { ReadyPage } from './page-reader.js';
import { PageReader, ReaderThreadError } from './page-reader.js';
import { SnapshotCopies } from './snapshot-copy.js';

/** Progress of one book's sync, reported after every page. */
export interface SyncProgress {
  phonebook: string;
  /** `full`: a complete copy is being fetched; `delta`: only changes. */
  phase: 'full' | 'delta';
  /** Contacts received so far in this sync. */
  done: number;
  /** Contacts the book holds (for a full copy: what `done` goes up to). */
  total: number;
}

/** What one book's sync did. */
export interface BookSyncReport {
  phonebook: string;
  full: boolean;
  /** The full copy came as one book snapshot (then `pages` counts it as one). */
  snapshot: boolean;
  upserts: number;
  deletes: number;
  pages: number;
  bytes: number;
  /** Milliseconds spent waiting for pages (server, network, JSON parsing, checking). */
  waitMs: number;
  /** Milliseconds spent storing pages (normalising numbers, indexing, writing). */
  applyMs: number;
}

export interface SyncReport {
  books: BookSyncReport[];
  /** Copies deleted because the book is gone or the read or offline right was withdrawn. */
  dropped: string[];
  bytes: number;
}

export interface SyncOptions {
  /** Contacts asked for per page (server maximum 50,000). */
  pageSize?: number;
  /** Only these books (still subject to the rights); default all with the offline right. */
  only?: readonly string[];
  onProgress?: (progress: SyncProgress) => void;
  /**
   * A full copy of a book of at least this many contacts has its pages fetched and made
   * ready on a thread of its own while this one stores them (default
   * {@link READER_THREAD_FROM}).
   */
  readerThreadFrom?: number;
  /**
   * A full copy of a book of at least this many contacts is fetched as one snapshot file
   * when the server gives one (default {@link SNAPSHOT_FROM}; Infinity: pages only).
   */
  snapshotFrom?: number;
}

/**
 * From this many contacts a full copy comes as a book snapshot: an SQLite file the store
 * copies with a few statements, instead of pages of JSON parsed, checked and stored row by
 * row (at 1,000,000 contacts about 60 % of the time and 40 % of the CPU of both sides;
 * see BENCHMARKS.md). Below it, pages cost less than the file's set-up.
 */
export const SNAPSHOT_FROM = 50_000;

/** Below this many contacts a full copy is read on the calling thread (a thread's start costs). */
export const READER_THREAD_FROM = 50_000;

/**
 * Contacts asked for per page. Each page is one transaction, and a full copy's inserts
 * touch nearly every leaf page of the copy's five random-order indexes: every commit
 * writes them to the write-ahead log and back, so fewer, bigger pages write less. At
 * 1,000,000 contacts, 10,000 / 20,000 / 50,000 a page took 45.5 / 39.5 / 37–42 s of
 * client CPU, with the server's peak memory at 341 / 597 / 1,230 MB (BENCHMARKS.md):
 * 10,000, so a server with a million contacts stays well inside its 600 MB even while a
 * client copies a book. Delta syncs are small pages anyway.
 */
export const DEFAULT_PAGE_SIZE = 10_000;

/**
 * Most contacts in complete copies with which full copies are still filled without the
 * random-key indexes. Meanwhile another process reads those copies without the indexes
 * (slower, still right), and a failed build (disk full) leaves them so: fine for the few
 * entries of Global.LocalNumbers, not for big copies a laptop relies on offline.
 */
export const DEFER_INDEXES_UP_TO = 10_000;

/** The books the user may read, checked. */
export async function fetchBooks(http: HttpClient): Promise<Book[]> {
  return parseAnswer(BookListSchema, await http.get('/api/v1/phonebooks'), 'book list');
}

/**
 * Brings the offline copies up to date: deletes the copies of books that are gone or
 * whose read or offline right was withdrawn, takes the location settings, then pulls
 * every offline book's changes page by page. Each page is applied with its token in one
 * transaction, so an interruption (server stopped, process killed) loses nothing but the
 * page in flight and the next sync goes on from there.
 * @throws ServerUnreachableError, ApiError, ClientError CHANGE_FEED_INVALID or
 *   CACHE_WRITE_FAILED; the copies stay as they were after the last applied page.
 */
export async function syncOfflineCopies(
  http: HttpClient,
  cache: OfflineCache,
  options: SyncOptions = {},
  books?: Book[],
): Promise<SyncReport> {
  const list = books ?? (await fetchBooks(http));
  const offline = list.filter((b) => b.rights.read && b.rights.offline);
  const dropped = cache.keepOnly(offline.map((b) => b.name));
  const location = parseAnswer(
    LocationSchema,
    await http.get('/api/v1/settings/location'),
    'location settings',
  );
  await cache.setLocation(location);
  const report: SyncReport = { books: [], dropped, bytes: 0 };
  const wanted = offline.filter((book) => !options.only || options.only.includes(book.name));
  // Full copies fill faster with the random-key indexes built once at the end: on a first
  // sync, also one resumed after an interruption (Global.LocalNumbers is complete by then).
  const deferred =
    wanted.some((book) => cache.filling(book.name)) &&
    cache.copiedContacts() <= DEFER_INDEXES_UP_TO;
  if (deferred) cache.deferIndexes();
  const threadFrom = options.readerThreadFrom ?? READER_THREAD_FROM;
  const snapshotFrom = options.snapshotFrom ?? SNAPSHOT_FROM;
  const bigCopy = (book: Book): boolean =>
    cache.filling(book.name) && book.contactCount >= threadFrom;
  const snapshots = new SnapshotCopies(
    http,
    cache,
    wanted.filter((book) => cache.filling(book.name) && book.contactCount >= snapshotFrom),
    options.onProgress,
  );
  // Started for the first big copy that comes in pages.
  let reader: PageReader | undefined;
  try {
    for (const book of wanted) {
      try {
        const fromSnapshot =
          book.contactCount >= snapshotFrom &&
          (cache.filling(book.name) || (await rebuilt(http, cache, book.name)));
        const snapshot = fromSnapshot ? await snapshots.copy(book) : undefined;
        if (bigCopy(book) && !reader) {
          reader = new PageReader({ baseUrl: http.baseUrl, ca: http.ca, location });
        }
        const threaded = reader && !reader.failed && bigCopy(book) ? reader : undefined;
        // After a snapshot only its few later changes come: no progress of their own.
        const { onProgress: _progress, ...quiet } = options;
        const pages = await syncBook(http, cache, book, snapshot ? quiet : options, threaded);
        const done = snapshot ? joinReports(snapshot, pages) : pages;
        report.books.push(done);
        report.bytes += done.bytes;
      } catch (error) {
        // The right was withdrawn or the book deleted between the list and its changes.
        if (error instanceof ApiError && (error.status === 403 || error.status === 404)) {
          cache.drop(book.name);
          report.dropped.push(book.name);
          continue;
        }
        throw error;
      }
    }
  } finally {
    await snapshots.close();
    await reader?.close();
    if (deferred) cache.restoreIndexes();
  }
  return report;
}

/**
 * Whether the server answers the copy's token with `reset` (the book was rebuilt there,
 * as an external book's sync is after `LastSync=` was emptied or with too many changes):
 * one contact is asked for to know.
 */
async function rebuilt(http: HttpClient, cache: OfflineCache, name: string): Promise<boolean> {
  const since = cache.since(name);
  if (since === undefined) return true;
  return (await fetchFirstPage(http, name, since, 1)).page.reset;
}

/** A book's sync from a snapshot and the pages after it, as one. */
function joinReports(snapshot: BookSyncReport, pages: BookSyncReport): BookSyncReport {
  return {
    phonebook: snapshot.phonebook,
    full: true,
    snapshot: true,
    upserts: snapshot.upserts + pages.upserts,
    deletes: pages.deletes,
    pages: snapshot.pages + pages.pages,
    bytes: snapshot.bytes + pages.bytes,
    waitMs: snapshot.waitMs + pages.waitMs,
    applyMs: snapshot.applyMs + pages.applyMs,
  };
}

function emptyReport(phonebook: string, full: boolean): BookSyncReport {
  return {
    phonebook,
    full,
    snapshot: false,
    upserts: 0,
    deletes: 0,
    pages: 0,
    bytes: 0,
    waitMs: 0,
    applyMs: 0,
  };
}

async function syncBook(
  http: HttpClient,
  cache: OfflineCache,
  book: Book,
  options: SyncOptions,
  reader: PageReader | undefined,
): Promise<BookSyncReport> {
  const limit = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const report = emptyReport(book.name, cache.filling(book.name));
  const since = cache.since(book.name);
  let pages = reader
    ? reader.pages(book.name, since, limit, http.token)
    : readHere(http, cache, book.name, since, limit);
  let threaded = reader !== undefined;
  try {
    for (;;) {
      const waited = performance.now();
      let next: IteratorResult<ReadyPage>;
      try {
        next = await pages.next();
      } catch (error) {
        // The session expired while the thread read (this thread logs in again when it is
        // answered 401, see HttpClient), or the thread itself failed: the rest is read
        // here, from the last page stored.
        const expired = error instanceof ApiError && error.status === 401;
        if (!threaded || !(expired || error instanceof ReaderThreadError)) throw error;
        threaded = false;
        pages = readHere(http, cache, book.name, cache.since(book.name), limit);
        continue;
      }
      if (next.done) break;
      const { head, contacts, bytes } = next.value;
      const applied = performance.now();
      report.waitMs += applied - waited;
      cache.applyContacts(book.name, head, contacts);
      report.applyMs += performance.now() - applied;
      report.full ||= head.reset;
      report.pages++;
      report.bytes += bytes;
      report.upserts += contacts.length;
      report.deletes += head.deletes.length;
      options.onProgress?.({
        phonebook: book.name,
        phase: report.full ? 'full' : 'delta',
        done: report.upserts,
        total: book.contactCount,
      });
    }
  } finally {
    await pages.return(undefined);
    // A full copy commits a few pages at a time: what arrived before a failure is kept.
    cache.commit();
  }
  return report;
}

/**
 * A book's pages fetched on this thread, each made ready for the store while the next one
 * is on its way: its request is sent (its token is known) before this page is handed over.
 */
async function* readHere(
  http: HttpClient,
  cache: OfflineCache,
  name: string,
  since: string | undefined,
  limit: number,
): AsyncGenerator<ReadyPage> {
  let next: Promise<FetchedPage> | undefined = fetchFirstPage(http, name, since, limit);
  while (next) {
    const { page, bytes, prepared }: FetchedPage = await next;
    next = page.more ? fetchPage(http, name, page.token, limit, prepared) : undefined;
    // Should storing this page fail, that answer is dropped.
    next?.catch(() => undefined);
    // The request leaves only once this turn yields (fetch sends it from later callbacks):
    // without the yield the server would start on the next page after this one is stored.
    if (next) await new Promise((resolve) => setImmediate(resolve));
    yield { head: page, contacts: cache.contactsOf(page), bytes };
  }
}
