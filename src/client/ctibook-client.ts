import { readFileSync } from 'node:fs';
import type {
  Book,
  BookInfo,
  BooksAnswer,
  Contact,
  ContactInput,
  LookupAnswer,
  Note,
  SearchAnswer,
  ServerEvent,
} from './api-types.js';
import type { SyncOptions, SyncReport } from './cache-sync.js';
import { fetchBooks, syncOfflineCopies } from './cache-sync.js';
import { ClientError, ContactConflictError, NoteConflictError } from './client-errors.js';
import { EventStream } from './event-stream.js';
import { ApiError, HttpClient, ServerUnreachableError, segment } from './http-client.js';
import type { OfflineCacheOptions } from './offline-cache.js';
import { OfflineCache } from './offline-cache.js';
import { readSession, removeSession, writeSession } from './session-file.js';

export interface CtibookClientOptions {
  /** Server base URL, e.g. `https://cti.example.com:8640`. */
  server: string;
  username: string;
  /** Kept in memory only, to log in again when the session expires; never written. */
  password?: string | undefined;
  /** A session token from an earlier login (else the one saved in `workdir`, if any). */
  token?: string | undefined;
  /** PEM file of the CA that signed an HTTPS server's certificate. */
  caFile?: string | undefined;
  /**
   * Working directory of this client: the saved session (`session.json`, mode 0600) and
   * the offline copies (`offline.sqlite`). Without it nothing is written to disk.
   */
  workdir?: string | undefined;
  cache?: OfflineCacheOptions;
}

/** What {@link CtibookClient.watch} reports. */
export type ClientEvent =
  | ServerEvent
  | { type: 'books'; books: BookInfo[] }
  | { type: 'synced'; report: SyncReport }
  | { type: 'connection'; connected: boolean }
  | { type: 'sync-error'; error: unknown };

/**
 * After the server was found unreachable, reading calls answer from the offline copy at
 * once for this long instead of trying the server each time (a refused connection alone
 * costs a millisecond or more; a timeout much more), then try the server again.
 */
const OFFLINE_RETRY_MS = 3000;

/** How often a client that only reads re-checks its rights (drops withdrawn copies). */
const RIGHTS_CHECK_MS = 60_000;

/**
 * The ctibook client: the server's API with typed answers, an offline copy of every book
 * the user has the offline right on, and live updates.
 *
 * @example
 * ```ts
 * import { CtibookClient, NoteConflictError } from 'ctibook/client';
 *
 * const client = CtibookClient.open({
 *   server: 'https://cti.example.com:8640',
 *   caFile: '/etc/ssl/our-ca.pem',
 *   username: 'otto',
 *   password: process.env.CTIBOOK_PASSWORD,
 *   workdir: '/home/otto/.ctibook',
 * });
 * await client.login();
 * await client.sync();                          // offline copies up to date
 * client.watch((event) => console.log(event.type)); // live: new books, changed contacts
 * const who = await client.lookup('089 1234567');
 * console.log(who.matches[0]?.displayName, who.offline ? '(offline copy)' : '');
 * ```
 */
export class CtibookClient {
  readonly server: string;
  readonly username: string;
  readonly #http: HttpClient;
  readonly #password: string | undefined;
  readonly #workdir: string | undefined;
  readonly #cache: OfflineCache | undefined;
  #stream: EventStream | undefined;
  #books: BookInfo[] = [];
  #rightsCheckedAt = 0;
  #syncing: Promise<unknown> = Promise.resolve();
  #syncQueued: Promise<SyncReport> | undefined;
  #relogin: Promise<boolean> | undefined;
  /** Until this time (ms), reading calls go straight to the offline copy. */
  #offlineUntil = 0;

  private constructor(options: CtibookClientOptions, ca: Buffer | undefined) {
    this.server = options.server.replace(/\/+$/, '');
    this.username = options.username;
    this.#password = options.password;
    this.#workdir = options.workdir;
    const saved = options.workdir ? readSession(options.workdir) : undefined;
    const token =
      options.token ??
      (saved && saved.server === this.server && saved.username === this.username
        ? saved.token
        : undefined);
    this.#http = new HttpClient(this.server, token, {
      ...(ca ? { ca } : {}),
      onUnauthorized: () => this.#loginAgain(),
    });
    this.#cache = options.workdir ? OfflineCache.open(options.workdir, options.cache) : undefined;
  }

  /**
   * Makes a client; no network yet. Opens the offline copies and the saved session of
   * `workdir` when given.
   * @throws ClientError CACHE_WRITE_FAILED when the working directory cannot be used;
   *   an error of `readFileSync` when `caFile` cannot be read.
   */
  static open(options: CtibookClientOptions): CtibookClient {
    const ca = options.caFile ? readFileSync(options.caFile) : undefined;
    return new CtibookClient(options, ca);
  }

  /** The token of the current session, if logged in. */
  get token(): string | undefined {
    return this.#http.token;
  }

  /** Whether an offline copy is kept (a working directory was given). */
  get hasOfflineCopy(): boolean {
    return this.#cache !== undefined;
  }

  /**
   * Logs in with the password and saves the session token (not the password) in the
   * working directory.
   * @throws ApiError INVALID_CREDENTIALS, TOO_MANY_ATTEMPTS; ServerUnreachableError;
   *   ClientError NOT_LOGGED_IN when no password was given.
   */
  async login(): Promise<{ username: string; admin: boolean }> {
    if (this.#password === undefined) {
      throw new ClientError('NOT_LOGGED_IN', 'A password is needed to log in');
    }
    const { token, user } = await this.#http.login(this.username, this.#password);
    if (this.#workdir) {
      writeSession(this.#workdir, { server: this.server, username: this.username, token });
    }
    return user;
  }

  /** Ends the session on the server and forgets the saved token; offline copies stay. */
  async logout(): Promise<void> {
    await this.#http.logout();
    if (this.#workdir) removeSession(this.#workdir);
  }

  /**
   * The books the user may read, with rights. Online, it also deletes the offline copies
   * whose offline or read right was withdrawn. Offline, the books with a copy here.
   */
  async books(): Promise<BooksAnswer> {
    return this.#withFallback<BooksAnswer>(
      async () => ({ books: await this.#refreshBooks(), offline: false }),
      (cache) => ({
        books: cache.books().map((b) => ({
          name: b.name,
          kind: 'offline copy',
          readOnly: true,
          contactCount: b.contactCount,
          rights: { read: true, write: false, offline: true },
          cached: true,
        })),
        offline: true,
      }),
    );
  }

  /** Search-as-you-type over every readable book; offline over the copies. */
  async search(
    q: string,
    options: { limit?: number; offset?: number } = {},
  ): Promise<SearchAnswer> {
    const limit = options.limit ?? 20;
    const offset = options.offset ?? 0;
    return this.#withFallback<SearchAnswer>(
      async () => {
        const query = new URLSearchParams({ q, limit: String(limit), offset: String(offset) });
        const body = await this.#get<Omit<SearchAnswer, 'offline'>>(`/api/v1/search?${query}`);
        return { ...body, offline: false };
      },
      (cache) => cache.search(q, limit, offset),
    );
  }

  /**
   * Who is calling: the number as the PBX delivers it. Offline, the same normalisation and
   * ranking run on the copies, and `offline` is true.
   * @throws ApiError INVALID_NUMBER online, or a CtibookError with that code offline, when
   *   the input holds no phone number.
   */
  async lookup(number: string): Promise<LookupAnswer> {
    return this.#withFallback<LookupAnswer>(
      async () => {
        const path = `/api/v1/lookup?number=${encodeURIComponent(number)}`;
        return { ...(await this.#get<Omit<LookupAnswer, 'offline'>>(path)), offline: false };
      },
      (cache) => cache.lookup(number),
    );
  }

  /** One contact with its ETag; offline from the copy (without ETag). */
  async contact(book: string, id: string): Promise<Contact & { offline: boolean }> {
    return this.#withFallback<Contact & { offline: boolean }>(
      async () => ({ ...(await this.#get<Contact>(contactPath(book, id))), offline: false }),
      (cache) => {
        const contact = cache.contact(book, id);
        if (!contact) {
          throw new ClientError('OFFLINE_UNAVAILABLE', `${book}/${id} is not in the offline copy`);
        }
        return contact;
      },
    );
  }

  /** Adds a contact (write right). @throws ApiError FORBIDDEN, PHONEBOOK_READ_ONLY, … */
  async createContact(book: string, input: ContactInput): Promise<Contact> {
    await this.#ensureToken();
    return this.#http.send<Contact>('POST', `/api/v1/phonebooks/${segment(book)}/contacts`, input);
  }

  /**
   * Changes the given fields of a contact (write right); `etag` from when it was read.
   * @throws ContactConflictError when it changed meanwhile (carries the current contact).
   */
  async updateContact(
    book: string,
    id: string,
    changes: ContactInput,
    etag: string,
  ): Promise<Contact> {
    await this.#ensureToken();
    try {
      const { body } = await this.#http.request<Contact>('PATCH', contactPath(book, id), {
        body: changes,
        headers: { 'if-match': etag },
      });
      return body;
    } catch (error) {
      throw await this.#contactConflict(error, book, id);
    }
  }

  /** Deletes a contact (write right); with `etag`, only if unchanged since. */
  async deleteContact(book: string, id: string, etag?: string): Promise<void> {
    await this.#ensureToken();
    try {
      await this.#http.request('DELETE', contactPath(book, id), {
        headers: etag ? { 'if-match': etag } : {},
      });
    } catch (error) {
      throw await this.#contactConflict(error, book, id);
    }
  }

  /** The shared note of a contact (`etag: null` when empty). */
  async contactNote(book: string, id: string): Promise<Note> {
    return this.#get<Note>(`${contactPath(book, id)}/note`);
  }

  /**
   * Saves a contact's note. Pass the `etag` of the note as read (null when it was empty).
   * @throws NoteConflictError when someone saved first: carries the current note and the
   *   text that was not saved, so nothing typed is lost.
   */
  async saveContactNote(
    book: string,
    id: string,
    text: string,
    etag: string | null,
  ): Promise<Note> {
    return this.#saveNote(`${contactPath(book, id)}/note`, text, etag);
  }

  /** The shared note on a phone number (any spelling of the number finds it). */
  async numberNote(number: string): Promise<Note> {
    return this.#get<Note>(`/api/v1/numbers/${segment(number)}/note`);
  }

  /** Saves the note on a phone number. @throws NoteConflictError as {@link saveContactNote}. */
  async saveNumberNote(number: string, text: string, etag: string | null): Promise<Note> {
    return this.#saveNote(`/api/v1/numbers/${segment(number)}/note`, text, etag);
  }

  /**
   * Brings the offline copies up to date (see `syncOfflineCopies`); syncs never overlap,
   * and a sync asked for while one runs is done once after it.
   * @throws ClientError OFFLINE_UNAVAILABLE without a working directory.
   */
  async sync(options: SyncOptions = {}): Promise<SyncReport> {
    const cache = this.#requireCache();
    if (this.#syncQueued && !options.onProgress && !options.only) return this.#syncQueued;
    const run = this.#syncing.then(async () => {
      if (this.#syncQueued === run) this.#syncQueued = undefined;
      await this.#ensureToken();
      const books = await fetchBooks(this.#http);
      this.#offlineUntil = 0;
      this.#setBooks(books);
      return syncOfflineCopies(this.#http, cache, options, books);
    });
    this.#syncQueued = run;
    this.#syncing = run.catch(() => undefined);
    return run;
  }

  /**
   * Listens to the server's events, reconnecting with back-off. Book list changes (new
   * books, withdrawn rights) are applied at once: the list is fetched again, withdrawn
   * copies deleted, new offline books copied; changed contacts of offline books arrive by
   * delta sync. Returns a function that stops listening.
   */
  watch(listener: (event: ClientEvent) => void = () => undefined): () => void {
    this.#stream?.close();
    const syncNow = (): void => {
      if (!this.#cache) return;
      this.sync().then(
        (report) => listener({ type: 'synced', report }),
        (error: unknown) => listener({ type: 'sync-error', error }),
      );
    };
    const stream = new EventStream({
      server: this.server,
      token: () => this.#http.token,
      ca: this.#http.ca,
      onUnauthorized: () => this.#loginAgain(),
      onConnection: (connected) => {
        listener({ type: 'connection', connected });
        // Whatever happened while disconnected is caught up by one sync.
        if (connected) syncNow();
      },
      onEvent: (event) => {
        listener(event);
        if (event.type === 'phonebooks-changed') {
          if (this.#cache) syncNow();
          else
            this.#refreshBooks().catch((error: unknown) => listener({ type: 'sync-error', error }));
        } else if (event.type === 'contacts-changed') {
          if (this.#cache?.books().some((b) => b.name === event.phonebook)) syncNow();
        }
      },
    });
    this.#stream = stream;
    void this.#ensureToken().then(
      () => stream.start(),
      () => stream.start(),
    );
    const offBooks = this.#onBooks((books) => listener({ type: 'books', books }));
    return () => {
      offBooks();
      stream.close();
      if (this.#stream === stream) this.#stream = undefined;
    };
  }

  /** Stops listening and closes the offline copy. */
  async close(): Promise<void> {
    this.#stream?.close();
    await this.#syncing;
    this.#cache?.close();
  }

  readonly #bookListeners = new Set<(books: BookInfo[]) => void>();

  #onBooks(listener: (books: BookInfo[]) => void): () => void {
    this.#bookListeners.add(listener);
    return () => this.#bookListeners.delete(listener);
  }

  async #refreshBooks(): Promise<BookInfo[]> {
    await this.#ensureToken();
    const books = await fetchBooks(this.#http);
    this.#setBooks(books);
    return this.#books;
  }

  /** Takes a fresh book list: withdrawn copies go at once, listeners hear of changes. */
  #setBooks(books: Book[]): void {
    this.#rightsCheckedAt = Date.now();
    this.#cache?.keepOnly(
      books.filter((b) => b.rights.read && b.rights.offline).map((b) => b.name),
    );
    const cached = new Set(this.#cache?.books().map((b) => b.name) ?? []);
    const next: BookInfo[] = books.map((b) => ({
      name: b.name,
      kind: b.kind,
      readOnly: b.readOnly,
      contactCount: b.contactCount,
      rights: b.rights,
      cached: cached.has(b.name),
    }));
    const changed = JSON.stringify(next) !== JSON.stringify(this.#books);
    this.#books = next;
    if (changed) for (const listener of this.#bookListeners) listener(next);
  }

  async #get<T>(path: string): Promise<T> {
    await this.#ensureToken();
    const body = await this.#http.get<T>(path);
    // The next contact with the server after a while re-checks the rights.
    if (this.#cache && Date.now() - this.#rightsCheckedAt > RIGHTS_CHECK_MS) {
      await this.#refreshBooks().catch(() => undefined);
    }
    return body;
  }

  /** Online first; when the server cannot be reached, the offline copy answers. */
  async #withFallback<T>(
    online: () => Promise<T>,
    offline: (cache: OfflineCache) => T,
  ): Promise<T> {
    const known = this.#cache;
    if (known && Date.now() < this.#offlineUntil && !this.#stream?.connected) {
      if (known.hasCopies()) return offline(known);
    }
    try {
      const answer = await online();
      this.#offlineUntil = 0;
      return answer;
    } catch (error) {
      if (!(error instanceof ServerUnreachableError)) throw error;
      this.#offlineUntil = Date.now() + OFFLINE_RETRY_MS;
      const cache = this.#cache;
      if (!cache?.hasCopies()) {
        throw new ClientError(
          'OFFLINE_UNAVAILABLE',
          `${error.message}, and there is no offline copy to answer from`,
          { cause: error },
        );
      }
      return offline(cache);
    }
  }

  async #ensureToken(): Promise<void> {
    if (this.#http.token) return;
    if (this.#password === undefined) {
      throw new ClientError(
        'NOT_LOGGED_IN',
        'Not logged in: log in with a password first (ctibook client login)',
      );
    }
    await this.login();
  }

  /** Logs in again after a 401, once at a time; false when no password is known. */
  #loginAgain(): Promise<boolean> {
    if (this.#password === undefined) return Promise.resolve(false);
    this.#relogin ??= this.login()
      .then(() => true)
      .catch(() => false)
      .finally(() => (this.#relogin = undefined));
    return this.#relogin;
  }

  async #saveNote(path: string, text: string, etag: string | null): Promise<Note> {
    await this.#ensureToken();
    try {
      const { body } = await this.#http.request<Note>('PUT', path, {
        body: { text },
        headers: etag ? { 'if-match': etag } : {},
      });
      return body;
    } catch (error) {
      if (
        error instanceof ApiError &&
        (error.code === 'STALE_ETAG' || error.code === 'PRECONDITION_REQUIRED')
      ) {
        throw new NoteConflictError(error, await this.#http.get<Note>(path), text);
      }
      throw error;
    }
  }

  async #contactConflict(error: unknown, book: string, id: string): Promise<unknown> {
    if (!(error instanceof ApiError) || error.code !== 'STALE_ETAG') return error;
    const current = await this.#http.get<Contact>(contactPath(book, id)).catch(() => undefined);
    return new ContactConflictError(error, current);
  }

  #requireCache(): OfflineCache {
    if (!this.#cache) {
      throw new ClientError('OFFLINE_UNAVAILABLE', 'No working directory: nothing is kept offline');
    }
    return this.#cache;
  }
}

function contactPath(book: string, id: string): string {
  return `/api/v1/phonebooks/${segment(book)}/contacts/${segment(id)}`;
}
