import type { Worker } from 'node:worker_threads';
import type { LocationSettings } from '../domain/phone-number.js';
import { startWorker } from '../sync/start-worker.js';
import { ClientError, isClientErrorCode } from './client-errors.js';
import { ApiError, ServerUnreachableError } from './http-client.js';
import type { ContactBatch, DatedContact, PageHead } from './page-contacts.js';
import { decodeContacts } from './page-contacts.js';

/** A page of changes ready for the store, with what the sync reports of it. */
export interface ReadyPage {
  head: PageHead;
  contacts: DatedContact[];
  /** Bytes of the answer as received (JSON). */
  bytes: number;
}

/** What a reader thread is started with: where to read, and how the copy keys numbers. */
export interface PageReaderData {
  baseUrl: string;
  ca: string | Buffer | undefined;
  location: LocationSettings;
}

/** An error as it crosses from the reader thread: enough to throw the same class again. */
export type ThreadError =
  | {
      kind: 'api';
      status: number;
      code: string;
      message: string;
      details: Record<string, unknown> | undefined;
    }
  | { kind: 'unreachable'; url: string; cause: string }
  | { kind: 'client'; code: string; message: string }
  | { kind: 'other'; message: string };

/**
 * What the main thread tells a reader thread: read a book's pages (the read before, if
 * any, stops), or it took a page of read `read`, so one more may be read ahead.
 */
export type ToReader =
  | {
      type: 'read';
      read: number;
      book: string;
      since: string | undefined;
      limit: number;
      token: string | undefined;
    }
  | { type: 'took'; read: number };

/** What a reader thread answers, for read `read`. */
export type FromReader =
  | { type: 'page'; read: number; head: PageHead; bytes: number; batch: ContactBatch }
  | { type: 'failed'; read: number; error: ThreadError };

/** Pages a reader thread reads ahead of the one being stored. */
export const PAGES_AHEAD = 2;

/**
 * The reader thread itself failed (it could not start, or it ended), not a page it read:
 * the pages can still be read on the calling thread.
 */
export class ReaderThreadError extends Error {
  constructor(reason: string) {
    super(`The page reader thread failed: ${reason}`);
    this.name = 'ReaderThreadError';
  }
}

/**
 * Reads the pages of full copies on a thread of its own (`page-reader-worker.ts`):
 * fetched, checked and made ready for the store there, while this thread stores the pages
 * before. Receiving, parsing and checking a page is about a sixth of a client's work in a
 * full copy, and the store's writes cannot be split. One thread serves a whole sync, book
 * after book; {@link close} stops it.
 */
export class PageReader {
  readonly #worker: Worker;
  readonly #heard: FromReader[] = [];
  #wake: (() => void) | undefined;
  #reads = 0;
  #closed = false;
  #failure: ReaderThreadError | undefined;

  /** @param module the worker module of this folder to start (tests start others) */
  constructor(data: PageReaderData, module = 'page-reader-worker') {
    this.#worker = startWorker(module, data, import.meta.url);
    this.#worker.on('message', (message: FromReader) => this.#hear(message));
    this.#worker.on('error', (error) => this.#fail(error.message));
    this.#worker.on('exit', (code) => {
      if (!this.#closed) this.#fail(`it ended (exit code ${code})`);
    });
  }

  /** Whether the thread failed: its pages are to be read elsewhere. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /**
   * A book's pages from `since` on, read ahead on the thread.
   * @throws what fetching a page throws here: ApiError, ServerUnreachableError, ClientError;
   *   ReaderThreadError when the thread itself failed
   */
  async *pages(
    book: string,
    since: string | undefined,
    limit: number,
    token: string | undefined,
  ): AsyncGenerator<ReadyPage> {
    const read = ++this.#reads;
    this.#post({ type: 'read', read, book, since, limit, token });
    for (;;) {
      while (this.#heard.length === 0 && !this.#failure) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
      if (this.#failure) throw this.#failure;
      const message = this.#heard.shift() as FromReader;
      // Pages of an earlier read that stopped early (its book failed here).
      if (message.read !== read) continue;
      if (message.type === 'failed') throw fromThread(message.error);
      this.#post({ type: 'took', read });
      yield { head: message.head, contacts: decodeContacts(message.batch), bytes: message.bytes };
      if (!message.head.more) return;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#worker.terminate();
  }

  #hear(message: FromReader): void {
    this.#heard.push(message);
    this.#wake?.();
  }

  #fail(reason: string): void {
    this.#failure ??= new ReaderThreadError(reason);
    this.#wake?.();
  }

  #post(message: ToReader): void {
    if (!this.#failure) this.#worker.postMessage(message);
  }
}

export function toThread(error: unknown): ThreadError {
  if (error instanceof ApiError) {
    return {
      kind: 'api',
      status: error.status,
      code: error.code,
      message: error.message,
      details:
        error.details && (JSON.parse(JSON.stringify(error.details)) as Record<string, unknown>),
    };
  }
  if (error instanceof ServerUnreachableError) {
    const cause = (error.cause as Error | undefined)?.message ?? '';
    return { kind: 'unreachable', url: error.url, cause };
  }
  if (error instanceof ClientError)
    return { kind: 'client', code: error.code, message: error.message };
  return { kind: 'other', message: error instanceof Error ? error.message : String(error) };
}

function fromThread(error: ThreadError): Error {
  switch (error.kind) {
    case 'api':
      return new ApiError(error.status, error.code, error.message, error.details);
    case 'unreachable':
      return new ServerUnreachableError(error.url, { cause: new Error(error.cause) });
    case 'client':
      return isClientErrorCode(error.code)
        ? new ClientError(error.code, error.message)
        : new Error(error.message);
    case 'other':
      return new Error(error.message);
  }
}
