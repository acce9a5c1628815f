import { randomUUID } from 'node:crypto';
import type { ContactData } from '../domain/contact.js';
import { CtibookError, invalidField } from '../domain/errors.js';
import { memoColumnOf } from '../domain/notes-mode.js';
import type { SourceConnector, SourceRow } from '../sources/source-connector.js';
import { createWriteBackMapping } from '../sources/write-back-mapping.js';
import type { ContactStore, StoredContact } from '../store/contact-store.js';
import type { PhonebookRecord } from '../store/phonebook-store.js';
import { createRowPreparer } from '../sync/pull.js';
import { checkEtag, checkPhoneNumbers } from './contact-checks.js';
import type { EventBus } from './events.js';
import type { LocationService } from './location-service.js';
import type { PhonebookService } from './phonebook-service.js';
import type { SourceConnections } from './source-connections.js';

/** How long `GET …/contacts/{id}` waits for a source before answering the cached copy. */
export const LIVE_READ_TIMEOUT_MS = 2000;

/** What {@link ExternalContacts} works with; `liveReadTimeoutMs` defaults to 2 s. */
export interface ExternalContactsDeps {
  books: PhonebookService;
  contacts: ContactStore;
  location: LocationService;
  events: EventBus;
  connections: SourceConnections;
  now: () => Date;
  /** Starts a sync of the book (its CSV file changed on disk under a write). */
  resync: (book: PhonebookRecord) => void;
  liveReadTimeoutMs?: number;
}

/** A record read for `GET …/contacts/{id}`; `stale` when the source did not answer. */
export interface LiveRead {
  stored: StoredContact | undefined;
  stale: boolean;
}

/** What a PUT or PATCH changes. */
export interface WriteBackChange {
  /** PUT: mapped fields missing from the changes are cleared in the source. */
  replace: boolean;
  ifMatch: string | undefined;
}

/**
 * The contacts of external books where they meet their source: one record read live
 * (falling back to the cached copy), and writes sent to the source through the book's
 * mapping, whose stored row then replaces the cached copy, mapped and prepared exactly as
 * a sync would.
 */
export class ExternalContacts {
  readonly #d: ExternalContactsDeps;

  constructor(deps: ExternalContactsDeps) {
    this.#d = deps;
  }

  /**
   * The record from the source when it answers within the time limit (the cached copy
   * refreshed, or dropped when the source has it no more: `stored` undefined), else the
   * cached copy marked stale. Sources that cannot read one record (CSV) answer from the
   * cache. A late answer still refreshes the cache.
   * @throws the source's error when it fails and nothing is cached.
   */
  async read(book: PhonebookRecord, id: string): Promise<LiveRead> {
    const cached = this.#d.contacts.get(book.id, id);
    if (!this.#d.connections.peek(book).capabilities.readOne) {
      return { stored: cached, stale: false };
    }
    const live = this.#readLive(book, id);
    const outcome = await withDeadline(live, this.#d.liveReadTimeoutMs ?? LIVE_READ_TIMEOUT_MS);
    if ('value' in outcome) return { stored: outcome.value, stale: false };
    if (cached) return { stored: cached, stale: true };
    throw 'error' in outcome
      ? outcome.error
      : new CtibookError(
          'SOURCE_UNAVAILABLE',
          `The source of ${book.name} did not answer in time and record ${id} is not cached`,
          { phonebook: book.name, id },
        );
  }

  /** Inserts a record into the source and caches the row it stored. */
  async insert(
    book: PhonebookRecord,
    input: ContactData & { id?: string },
  ): Promise<StoredContact> {
    const { id, ...data } = input;
    checkPhoneNumbers(data, this.#d.location.normalizer);
    return this.#d.connections.write(book, async (connector) => {
      if (id !== undefined && this.#d.contacts.get(this.#bookId(book), id)) {
        throw new CtibookError('ALREADY_EXISTS', `A contact with id ${id} already exists`, { id });
      }
      const columns = await this.#columns(book, connector);
      const values = createWriteBackMapping(book.config.mapping ?? {}, columns).values(data);
      const idColumn = idColumnOf(book);
      const newId = id ?? (book.kind === 'csv' && idColumn ? randomUUID() : undefined);
      if (newId !== undefined) {
        if (idColumn === undefined) throw invalidField('id', 'this source gives its records ids');
        Object.defineProperty(values, idColumn, {
          value: newId,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      const insert = requireWrite(book, connector.insert?.bind(connector));
      const row = await this.#call(book, undefined, () => insert(values));
      return this.#put(book, row, columns);
    });
  }

  /** Changes a record in the source (If-Match against the cached copy) and caches it. */
  async update(
    book: PhonebookRecord,
    id: string,
    changes: ContactData,
    change: WriteBackChange,
  ): Promise<StoredContact> {
    checkPhoneNumbers(changes, this.#d.location.normalizer);
    return this.#d.connections.write(book, async (connector) => {
      const current = this.#require(book, id);
      checkEtag(current, change.ifMatch);
      const columns = await this.#columns(book, connector);
      const values = createWriteBackMapping(book.config.mapping ?? {}, columns).values(changes, {
        current: { ...current.data, displayName: current.displayName },
        clearMissing: change.replace,
      });
      const update = requireWrite(book, connector.update?.bind(connector));
      const row = await this.#call(book, id, () => update(id, values));
      return this.#put(book, row, columns, id);
    });
  }

  /** Deletes a record in the source (If-Match against the cached copy) and in the cache. */
  async delete(book: PhonebookRecord, id: string, ifMatch: string | undefined): Promise<void> {
    await this.#d.connections.write(book, async (connector) => {
      checkEtag(this.#require(book, id), ifMatch);
      const remove = requireWrite(book, connector.delete?.bind(connector));
      await this.#call(book, id, () => remove(id));
      this.#drop(book, id);
    });
  }

  /**
   * Puts a row the source returned into the cache (a live read, a write, a note saved in
   * a memo column), mapped as a sync maps it, and tells clients. Returns the cached copy.
   */
  cacheRow(
    book: PhonebookRecord,
    row: SourceRow,
    columns?: readonly string[],
    replacedId?: string,
  ): StoredContact {
    return this.#put(book, row, columns, replacedId);
  }

  async #readLive(book: PhonebookRecord, id: string): Promise<StoredContact | undefined> {
    const row = await this.#d.connections.read(book, async (connector) =>
      connector.readOne ? connector.readOne(id) : undefined,
    );
    if (row) return this.#put(book, row, undefined);
    this.#drop(book, id);
    return undefined;
  }

  #put(
    book: PhonebookRecord,
    row: SourceRow,
    columns: readonly string[] | undefined,
    replacedId?: string,
  ): StoredContact {
    const omitColumn = memoColumnOf(book.config.notes);
    const prepared = createRowPreparer({
      mapping: book.config.mapping ?? {},
      normalizer: this.#d.location.normalizer,
      ...(columns ? { columns } : {}),
      ...(omitColumn !== undefined ? { omitColumn } : {}),
    })(row);
    if ('reason' in prepared) {
      throw new CtibookError(
        'SOURCE_REJECTED',
        `The source answered a record with ${prepared.reason}`,
      );
    }
    const bookId = this.#bookId(book);
    const deletes = replacedId !== undefined && replacedId !== prepared.id ? [replacedId] : [];
    const cached = this.#d.contacts.get(bookId, prepared.id);
    // An unchanged record keeps its ETag: a read must not make other clients' tags stale.
    if (cached && deletes.length === 0 && JSON.stringify(cached.data) === prepared.json) {
      return cached;
    }
    this.#d.contacts.applyDiff(bookId, [prepared], deletes, this.#d.now().toISOString());
    this.#changed(book, [prepared.id, ...deletes]);
    return this.#d.contacts.get(bookId, prepared.id) as StoredContact;
  }

  #drop(book: PhonebookRecord, id: string): void {
    const bookId = this.#bookId(book);
    if (!this.#d.contacts.get(bookId, id)) return;
    this.#d.contacts.applyDiff(bookId, [], [id], this.#d.now().toISOString());
    this.#changed(book, [id]);
  }

  #changed(book: PhonebookRecord, ids: string[]): void {
    this.#d.events.publish({
      type: 'contacts-changed',
      bookId: this.#bookId(book),
      phonebook: book.name,
      ids,
    });
  }

  /** Runs a source call; a record the source lost leaves the cache, a moved file re-syncs. */
  async #call<T>(
    book: PhonebookRecord,
    id: string | undefined,
    call: () => Promise<T>,
  ): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof CtibookError && error.code === 'CONTACT_NOT_FOUND' && id) {
        this.#drop(book, id);
      }
      if (error instanceof CtibookError && error.details?.['reason'] === 'FILE_CHANGED') {
        this.#d.resync(this.#d.books.require(book.name));
      }
      throw error;
    }
  }

  async #columns(book: PhonebookRecord, connector: SourceConnector): Promise<string[]> {
    const memo = memoColumnOf(book.config.notes)?.toLowerCase();
    return (await connector.columns()).filter((column) => column.toLowerCase() !== memo);
  }

  #require(book: PhonebookRecord, id: string): StoredContact {
    const stored = this.#d.contacts.get(this.#bookId(book), id);
    if (!stored) {
      throw new CtibookError('CONTACT_NOT_FOUND', undefined, { phonebook: book.name, id });
    }
    return stored;
  }

  /** The book's id now: a rebuild during a source call gives the book a new one. */
  #bookId(book: PhonebookRecord): number {
    try {
      return this.#d.books.require(book.name).id;
    } catch {
      return book.id;
    }
  }
}

function idColumnOf(book: PhonebookRecord): string | undefined {
  const column = book.config.source?.['idColumn'];
  if (typeof column === 'string' && column !== '') return column;
  return book.config.mapping?.['id'];
}

function requireWrite<F>(book: PhonebookRecord, write: F | undefined): F {
  if (write === undefined) {
    throw new CtibookError('PHONEBOOK_READ_ONLY', `${book.kind} books take no writes`, {
      phonebook: book.name,
    });
  }
  return write;
}

type Outcome<T> = { value: T } | { error: unknown } | { timedOut: true };

/** The promise's outcome, or `timedOut` after `ms`; never rejects. */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ timedOut: true }), ms);
  });
  const settled = promise.then(
    (value): Outcome<T> => ({ value }),
    (error: unknown): Outcome<T> => ({ error }),
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
