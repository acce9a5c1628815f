import { randomUUID } from 'node:crypto';
import type { Principal } from '../access/access-service.js';
import type { Contact, ContactData } from '../domain/contact.js';
import { CtibookError } from '../domain/errors.js';
import { foldedWords } from '../domain/search-text.js';
import type { ContactSearch } from '../store/contact-search.js';
import type { ContactStore, StoredContact } from '../store/contact-store.js';
import type { PreparedContact } from '../store/contact-rows.js';
import { prepareContact } from '../store/contact-rows.js';
import type { PhonebookRecord } from '../store/phonebook-store.js';
import { checkContactId, checkEtag, checkPhoneNumbers } from './contact-checks.js';
import type { EventBus } from './events.js';
import type { ExternalContacts } from './external-contacts.js';
import type { LocationService } from './location-service.js';
import type { PhonebookService } from './phonebook-service.js';

/**
 * A contact as the API returns it, with the canonical form of each number; `stale` when
 * the source of an external book did not answer and this is the cached copy.
 */
export type ContactView = Contact & { normalized: Record<string, string>; stale?: true };

export interface ContactServiceDeps {
  books: PhonebookService;
  contacts: ContactStore;
  search: ContactSearch;
  location: LocationService;
  events: EventBus;
  now: () => Date;
  /** Live reads and writes of external books; without it they are served from the cache. */
  external?: ExternalContacts;
}

/** What a bulk write does with a contact whose id the book has already. */
export type OnExisting = 'skip' | 'replace' | 'new-id';

/** The outcome for one contact of a bulk write, in the order they were sent. */
export type BulkResult =
  | { id: string; status: 'added' | 'replaced' | 'new-id' }
  | { id?: string; status: 'skipped'; code: string; message: string; field?: string };

/** Contacts prepared between turns of the event loop, so lookups wait at most a few ms. */
const PREPARE_SLICE = 200;

/** Most words of a query that are used; the rest are ignored. */
export const MAX_QUERY_WORDS = 8;

/**
 * Contacts of one book: read, search, and writes. Builtin books are written in the store;
 * external books read one record live and write back through their source.
 */
export class ContactService {
  readonly #d: ContactServiceDeps;

  constructor(deps: ContactServiceDeps) {
    this.#d = deps;
  }

  view(book: PhonebookRecord, stored: StoredContact): ContactView {
    return {
      id: stored.id,
      ...stored.data,
      displayName: stored.displayName,
      phonebook: book.name,
      etag: stored.etag,
      updatedAt: stored.updatedAt,
      normalized: this.#d.contacts.normalizedNumbers(stored.rowid),
    };
  }

  list(
    principal: Principal,
    bookName: string,
    q: string | undefined,
    limit: number,
    offset: number,
  ): { items: ContactView[]; total: number } {
    const book = this.#d.books.readable(principal, bookName);
    const words = foldedWords(q ?? '').slice(0, MAX_QUERY_WORDS);
    if (words.length === 0) {
      const page = this.#d.contacts.list(book.id, limit, offset);
      return { items: page.items.map((c) => this.view(book, c)), total: page.total };
    }
    const page = this.#d.search.search(words, [book.id], limit, offset);
    const items = this.#d.contacts.getByRowids(page.rowids).map((c) => this.view(book, c));
    return { items, total: page.total };
  }

  /**
   * One contact. Of an external book whose source reads single records, read live (see
   * {@link ExternalContacts.read}); marked `stale` when the cached copy had to do.
   * @throws CtibookError CONTACT_NOT_FOUND, or the source's error when nothing is cached.
   */
  async get(principal: Principal, bookName: string, id: string): Promise<ContactView> {
    const book = this.#d.books.readable(principal, bookName);
    const external = this.#external(book);
    if (!external) return this.view(book, this.#require(book, id));
    const { stored, stale } = await external.read(book, id);
    if (!stored) {
      throw new CtibookError('CONTACT_NOT_FOUND', undefined, { phonebook: book.name, id });
    }
    const view = this.view(book, stored);
    return stale ? { ...view, stale: true } : view;
  }

  async create(
    principal: Principal,
    bookName: string,
    data: ContactData & { id?: string },
  ): Promise<ContactView> {
    const book = this.#d.books.writable(principal, bookName);
    if (data.id !== undefined) checkContactId(data.id);
    const external = this.#external(book);
    if (external) return this.view(book, await external.insert(book, data));
    const id = data.id ?? randomUUID();
    if (this.#d.contacts.get(book.id, id)) {
      throw new CtibookError('ALREADY_EXISTS', `A contact with id ${id} already exists`, { id });
    }
    const { id: _ignored, ...fields } = data;
    return this.#save(book, id, fields);
  }

  /**
   * Adds many contacts to a builtin book in one transaction: all of them or, on failure,
   * none. A contact whose id or numbers are invalid is skipped with its error, the others
   * are written; a contact whose id the book (or an earlier contact of the same request)
   * has is treated as `onExisting` says. Results come in the order of `items`.
   * @throws CtibookError PHONEBOOK_READ_ONLY / FORBIDDEN, CONFLICT for an external book.
   */
  async createMany(
    principal: Principal,
    bookName: string,
    items: readonly (ContactData & { id?: string })[],
    onExisting: OnExisting,
  ): Promise<BulkResult[]> {
    const book = this.#d.books.writable(principal, bookName);
    if (this.#external(book)) {
      throw new CtibookError(
        'CONFLICT',
        `${book.name} is a ${book.kind} book: bulk writes go to builtin books`,
      );
    }
    const normalizer = this.#d.location.normalizer;
    const results: BulkResult[] = [];
    const prepared: (PreparedContact | undefined)[] = [];
    for (const [index, item] of items.entries()) {
      if (index > 0 && index % PREPARE_SLICE === 0) await new Promise((done) => setImmediate(done));
      const { id, ...fields } = item;
      try {
        if (id !== undefined) checkContactId(id);
        checkPhoneNumbers(fields, normalizer);
        prepared.push(prepareContact(id ?? randomUUID(), fields, normalizer));
        results.push({ id: id ?? '', status: 'added' });
      } catch (error) {
        if (!(error instanceof CtibookError)) throw error;
        prepared.push(undefined);
        results.push(skippedResult(id, error));
      }
    }
    // From here on synchronously: no other write can take an id between check and write.
    // The book (or the caller's right) may have gone meanwhile: checked again. A location
    // change meanwhile re-indexed the store: prepare again with its rules.
    if (this.#d.books.writable(principal, bookName).id !== book.id) {
      throw new CtibookError('PHONEBOOK_NOT_FOUND', undefined, { phonebook: bookName });
    }
    const current = this.#d.location.normalizer;
    const batch = new Map<string, PreparedContact>();
    for (const [index, before] of prepared.entries()) {
      if (!before) continue;
      const contact =
        current === normalizer ? before : prepareContact(before.id, before.data, current);
      const taken = batch.has(contact.id) || this.#d.contacts.exists(book.id, contact.id);
      let result: BulkResult = { id: contact.id, status: 'added' };
      if (taken && onExisting === 'skip') {
        const error = new CtibookError(
          'ALREADY_EXISTS',
          `A contact with id ${contact.id} already exists`,
        );
        result = skippedResult(contact.id, error);
      } else if (taken && onExisting === 'new-id') {
        const renamed = { ...contact, id: randomUUID() };
        batch.set(renamed.id, renamed);
        result = { id: renamed.id, status: 'new-id' };
      } else {
        batch.set(contact.id, contact);
        if (taken) result = { id: contact.id, status: 'replaced' };
      }
      results[index] = result;
    }
    if (batch.size > 0) {
      this.#d.contacts.putMany(book.id, batch.values(), this.#d.now().toISOString());
      this.#d.events.publish({
        type: 'contacts-changed',
        bookId: book.id,
        phonebook: book.name,
        ids: [...batch.keys()],
      });
    }
    return results;
  }

  /** Replaces every field. `ifMatch`, when given, must be the current ETag. */
  async replace(
    principal: Principal,
    bookName: string,
    id: string,
    data: ContactData,
    ifMatch: string | undefined,
  ): Promise<ContactView> {
    const book = this.#d.books.writable(principal, bookName);
    const external = this.#external(book);
    if (external) {
      return this.view(book, await external.update(book, id, data, { replace: true, ifMatch }));
    }
    checkEtag(this.#require(book, id), ifMatch);
    return this.#save(book, id, data);
  }

  /** Changes the given fields; an empty string clears a field. */
  async patch(
    principal: Principal,
    bookName: string,
    id: string,
    changes: ContactData,
    ifMatch: string | undefined,
  ): Promise<ContactView> {
    const book = this.#d.books.writable(principal, bookName);
    const external = this.#external(book);
    if (external) {
      return this.view(book, await external.update(book, id, changes, { replace: false, ifMatch }));
    }
    const current = this.#require(book, id);
    checkEtag(current, ifMatch);
    const merged: ContactData = { ...current.data, ...changes };
    if (changes.extra) merged.extra = { ...current.data.extra, ...changes.extra };
    return this.#save(book, id, merged);
  }

  async delete(
    principal: Principal,
    bookName: string,
    id: string,
    ifMatch: string | undefined,
  ): Promise<void> {
    const book = this.#d.books.writable(principal, bookName);
    const external = this.#external(book);
    if (external) return external.delete(book, id, ifMatch);
    checkEtag(this.#require(book, id), ifMatch);
    this.#d.contacts.delete(book.id, id);
    this.#d.events.publish({
      type: 'contacts-changed',
      bookId: book.id,
      phonebook: book.name,
      ids: [id],
    });
  }

  /** The live side of an external book; undefined for builtin books. */
  #external(book: PhonebookRecord): ExternalContacts | undefined {
    if (book.kind === 'builtin' || book.kind === 'local-numbers') return undefined;
    return this.#d.external;
  }

  #save(book: PhonebookRecord, id: string, data: ContactData): ContactView {
    const normalizer = this.#d.location.normalizer;
    checkPhoneNumbers(data, normalizer);
    const prepared = prepareContact(id, data, normalizer);
    const stored = this.#d.contacts.put(book.id, prepared, this.#d.now().toISOString());
    this.#d.events.publish({
      type: 'contacts-changed',
      bookId: book.id,
      phonebook: book.name,
      ids: [id],
    });
    return this.view(book, stored);
  }

  #require(book: PhonebookRecord, id: string): StoredContact {
    const stored = this.#d.contacts.get(book.id, id);
    if (!stored)
      throw new CtibookError('CONTACT_NOT_FOUND', undefined, { phonebook: book.name, id });
    return stored;
  }
}

/** A skipped contact of a bulk write, with the error that a single write would have given. */
function skippedResult(id: string | undefined, error: CtibookError): BulkResult {
  const field = error.details?.['field'];
  return {
    ...(id === undefined ? {} : { id }),
    status: 'skipped',
    code: error.code,
    message: error.message,
    ...(typeof field === 'string' ? { field } : {}),
  };
}
