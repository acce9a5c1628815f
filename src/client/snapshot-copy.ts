import { rmSync } from 'node:fs';
import { SNAPSHOT_FORMAT } from '../store/book-snapshot.js';
import type { Book } from './api-types.js';
import type { BookSyncReport, SyncProgress } from './cache-sync.js';
import type { ApiResponse, HttpClient } from './http-client.js';
import { ApiError, segment } from './http-client.js';
import type { OfflineCache } from './offline-cache.js';
import { cacheError } from './offline-cache.js';

/** The snapshot format this client reads, as the route's query asks for it. */
const FORMAT = new URLSearchParams({ format: SNAPSHOT_FORMAT }).toString();

/** One book's snapshot on its way (or refused: undefined). */
interface Download {
  file: string;
  started: number;
  answer: Promise<ApiResponse<undefined> | undefined>;
  stop: AbortController;
  /** Progress is reported once the book's turn has come. */
  current: boolean;
}

/**
 * The first copies of big books as book snapshots (see the server's snapshot route): each
 * an SQLite file downloaded into the working directory and copied into the store in one
 * transaction. While one book's file is copied (which holds this thread), the next book's
 * is already asked for, so the server writes it meanwhile.
 */
export class SnapshotCopies {
  readonly #http: HttpClient;
  readonly #cache: OfflineCache;
  readonly #books: readonly Book[];
  readonly #onProgress: ((progress: SyncProgress) => void) | undefined;
  readonly #downloads = new Map<string, Download>();
  /** Snapshots asked for so far (each downloads into a file of its own). */
  #asked = 0;

  /** `books`: those to copy from snapshots, in the order they are synced. */
  constructor(
    http: HttpClient,
    cache: OfflineCache,
    books: readonly Book[],
    onProgress?: (progress: SyncProgress) => void,
  ) {
    this.#http = http;
    this.#cache = cache;
    this.#books = books;
    this.#onProgress = onProgress;
  }

  /**
   * The book's full copy from its snapshot; undefined when the server has none to give
   * (a server before snapshots, or none now) or keyed its numbers with other location
   * settings than the copy's: its pages then. A book not among `books` (one found rebuilt
   * on the server) is asked for now.
   * @throws what the request throws (unreachable, 403/404 of the book), ClientError
   *   CHANGE_FEED_INVALID (an unusable file) or CACHE_WRITE_FAILED; the copy is unchanged.
   */
  async copy(book: Book): Promise<BookSyncReport | undefined> {
    const at = this.#books.indexOf(book);
    const download = this.#download(book);
    // The wait is counted from the book's turn (it may have been asked for earlier).
    download.started = performance.now();
    download.current = true;
    const next = at < 0 ? undefined : this.#books[at + 1];
    try {
      if (next) {
        this.#download(next);
        // Its request leaves only once this turn yields (fetch sends it from later
        // callbacks): without this, not before this book is copied.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const response = await download.answer;
      if (!response) return undefined;
      const applied = performance.now();
      const copied = this.#cache.importSnapshot(book.name, download.file);
      if (copied === undefined) return undefined;
      this.#onProgress?.({ phonebook: book.name, phase: 'full', done: copied, total: copied });
      return {
        phonebook: book.name,
        full: true,
        snapshot: true,
        upserts: copied,
        deletes: 0,
        pages: 1,
        bytes: response.bytes,
        waitMs: applied - download.started,
        applyMs: performance.now() - applied,
      };
    } finally {
      this.#downloads.delete(book.name);
      rmSync(download.file, { force: true });
    }
  }

  /** Stops the downloads asked for ahead and removes their files. */
  async close(): Promise<void> {
    const left = [...this.#downloads.values()];
    this.#downloads.clear();
    for (const download of left) download.stop.abort();
    await Promise.allSettled(left.map((download) => download.answer));
    for (const download of left) rmSync(download.file, { force: true });
  }

  #download(book: Book): Download {
    const known = this.#downloads.get(book.name);
    if (known) return known;
    const stop = new AbortController();
    let reported = 0;
    const download: Download = {
      file: this.#cache.snapshotFile(this.#asked++),
      started: performance.now(),
      stop,
      current: false,
      answer: Promise.resolve(undefined),
    };
    const onBytes = (received: number, total: number | undefined): void => {
      // Received bytes as contacts, at most every percent. The download counts as the first
      // half: storing the file, which reports nothing until done, is the rest.
      const done = total ? Math.floor((book.contactCount * received) / total / 2) : 0;
      if (!download.current || done - reported < book.contactCount / 100) return;
      reported = done;
      this.#onProgress?.({
        phonebook: book.name,
        phase: 'full',
        done,
        total: book.contactCount,
      });
    };
    download.answer = this.#http
      .request<undefined>('GET', `/api/v1/phonebooks/${segment(book.name)}/snapshot?${FORMAT}`, {
        timeoutMs: 600_000,
        signal: stop.signal,
        saveTo: { file: download.file, onBytes },
      })
      .catch((error: unknown) => {
        // A server before snapshots knows no such route, one of another version refuses the
        // format (400); 409: none now.
        const refused =
          error instanceof ApiError &&
          ((error.status === 404 && error.code !== 'PHONEBOOK_NOT_FOUND') ||
            error.status === 400 ||
            error.status === 409);
        if (refused) return undefined;
        // The working directory refused the download (read-only, full).
        if ((error as { syscall?: unknown }).syscall !== undefined) {
          throw cacheError(error, `Cannot save the snapshot of ${book.name}`);
        }
        throw error;
      });
    // Asked ahead: its failure is reported when its turn comes (or not at all).
    download.answer.catch(() => undefined);
    this.#downloads.set(book.name, download);
    return download;
  }
}
