import type { z } from 'zod';
import type { Book, ChangePage, PreparedChangePage } from './api-types.js';
import {
  BookListSchema,
  ChangePageSchema,
  LocationSchema,
  PreparedChangePageSchema,
} from './api-types.js';
import { ClientError } from './client-errors.js';
import type { HttpClient } from './http-client.js';
import { ApiError, segment } from './http-client.js';
import type { OfflineCache } from './offline-cache.js';

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
}

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

/** Parses a server answer, or says the server sent something the client cannot use. */
export function parseAnswer<S extends z.ZodType>(
  schema: S,
  body: unknown,
  what: string,
): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ClientError(
      'CHANGE_FEED_INVALID',
      `The server sent an unusable ${what} (${issue?.path.join('.') || 'body'}: ${issue?.message}); ` +
        'the offline copy is unchanged',
    );
  }
  return parsed.data as z.infer<S>;
}

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
  // A first sync (no copy here yet) fills faster with the random-key indexes built once at
  // the end; with copies here, a failure to build them (disk full) could leave those
  // unanswerable.
  const deferred = !cache.hasCopies() && wanted.length > 0;
  if (deferred) cache.deferIndexes();
  try {
    for (const book of wanted) {
      try {
        const done = await syncBook(http, cache, book, options);
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
    if (deferred) cache.restoreIndexes();
  }
  return report;
}

async function syncBook(
  http: HttpClient,
  cache: OfflineCache,
  book: Book,
  options: SyncOptions,
): Promise<BookSyncReport> {
  const limit = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const report: BookSyncReport = {
    phonebook: book.name,
    full: cache.filling(book.name),
    upserts: 0,
    deletes: 0,
    pages: 0,
    bytes: 0,
    waitMs: 0,
    applyMs: 0,
  };
  let next: Promise<FetchedPage> | undefined = fetchFirstPage(
    http,
    book.name,
    cache.since(book.name),
    limit,
  );
  try {
    while (next) {
      const waited = performance.now();
      const { page, bytes, prepared }: FetchedPage = await next;
      const applied = performance.now();
      report.waitMs += applied - waited;
      // Asks for the following page while this one is stored (its token is known already);
      // should storing fail, that answer is dropped.
      next = page.more ? fetchPage(http, book.name, page.token, limit, prepared) : undefined;
      next?.catch(() => undefined);
      // The request leaves only once this turn yields (fetch sends it from later callbacks):
      // without the yield the server would start on the next page after this one is stored.
      if (next) await new Promise((resolve) => setImmediate(resolve));
      cache.applyPage(book.name, page);
      report.applyMs += performance.now() - applied;
      report.full ||= page.reset;
      report.pages++;
      report.bytes += bytes;
      report.upserts += page.upserts.length;
      report.deletes += page.deletes.length;
      options.onProgress?.({
        phonebook: book.name,
        phase: report.full ? 'full' : 'delta',
        done: report.upserts,
        total: book.contactCount,
      });
    }
  } finally {
    // A full copy commits a few pages at a time: what arrived before a failure is kept.
    cache.commit();
  }
  return report;
}

interface FetchedPage {
  page: ChangePage | PreparedChangePage;
  bytes: number;
  /** Asked in the prepared form (the server knows it). */
  prepared: boolean;
}

/**
 * The first page of a book, asked in the prepared form; a server that does not know it
 * yet (an older version refuses the parameter) is asked again in the plain form.
 */
async function fetchFirstPage(
  http: HttpClient,
  name: string,
  since: string | undefined,
  limit: number,
): Promise<FetchedPage> {
  try {
    return await fetchPage(http, name, since, limit, true);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 400)) throw error;
    return fetchPage(http, name, since, limit, false);
  }
}

async function fetchPage(
  http: HttpClient,
  name: string,
  since: string | undefined,
  limit: number,
  prepared: boolean,
): Promise<FetchedPage> {
  const query = new URLSearchParams({
    limit: String(limit),
    ...(since ? { since } : {}),
    ...(prepared ? { form: 'prepared' } : {}),
  });
  const response = await http.request<unknown>(
    'GET',
    `/api/v1/phonebooks/${segment(name)}/changes?${query}`,
    { timeoutMs: 120_000 },
  );
  const page = prepared
    ? parseAnswer(PreparedChangePageSchema, response.body, 'change feed page')
    : parseAnswer(ChangePageSchema, response.body, 'change feed page');
  return { page, bytes: response.bytes, prepared };
}
