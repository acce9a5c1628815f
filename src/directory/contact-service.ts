import { randomUUID } from 'node:crypto';
import type { Principal } from '../access/access-service.js';
import type { Contact, ContactData } from '../domain/contact.js';
import { CtibookError } from '../domain/errors.js';
import { foldedWords } from '../domain/search-text.js';
import type { ContactSearch } from '../store/contact-search.js';
import type { ContactStore, StoredContact } from '../store/contact-store.js';
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
