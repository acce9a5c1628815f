import { randomUUID } from 'node:crypto';
import type { Principal } from '../access/access-service.js';
import type { Contact, ContactData } from '../domain/contact.js';
import { PHONE_FIELDS } from '../domain/contact.js';
import { CtibookError } from '../domain/errors.js';
import { foldedWords } from '../domain/search-text.js';
import type { ContactSearch } from '../store/contact-search.js';
import type { ContactStore, StoredContact } from '../store/contact-store.js';
import { prepareContact } from '../store/contact-rows.js';
import type { PhonebookRecord } from '../store/phonebook-store.js';
import type { EventBus } from './events.js';
import type { LocationService } from './location-service.js';
import type { PhonebookService } from './phonebook-service.js';

/** A contact as the API returns it, with the canonical form of each number. */
export type ContactView = Contact & { normalized: Record<string, string> };

export interface ContactServiceDeps {
  books: PhonebookService;
  contacts: ContactStore;
  search: ContactSearch;
  location: LocationService;
  events: EventBus;
  now: () => Date;
}

/** Most words of a query that are used; the rest are ignored. */
export const MAX_QUERY_WORDS = 8;

const ID = /^[^\p{Cc}/\\]{1,128}$/u;

/** Contacts of one book: read, search, and the writes a builtin book takes. */
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

  get(principal: Principal, bookName: string, id: string): ContactView {
    const book = this.#d.books.readable(principal, bookName);
    return this.view(book, this.#require(book, id));
  }

  create(principal: Principal, bookName: string, data: ContactData & { id?: string }): ContactView {
    const book = this.#d.books.writable(principal, bookName);
    const id = data.id ?? randomUUID();
    if (!ID.test(id)) {
      throw new CtibookError(
        'VALIDATION_FAILED',
        'id: 1 to 128 characters, no slashes or control characters',
        { field: 'id' },
      );
    }
    if (this.#d.contacts.get(book.id, id)) {
      throw new CtibookError('ALREADY_EXISTS', `A contact with id ${id} already exists`, { id });
    }
    const { id: _ignored, ...fields } = data;
    return this.#save(book, id, fields);
  }

  /** Replaces every field. `ifMatch`, when given, must be the current ETag. */
  replace(
    principal: Principal,
    bookName: string,
    id: string,
    data: ContactData,
    ifMatch: string | undefined,
  ): ContactView {
    const book = this.#d.books.writable(principal, bookName);
    checkEtag(this.#require(book, id), ifMatch);
    return this.#save(book, id, data);
  }

  /** Changes the given fields; an empty string clears a field. */
  patch(
    principal: Principal,
    bookName: string,
    id: string,
    changes: ContactData,
    ifMatch: string | undefined,
  ): ContactView {
    const book = this.#d.books.writable(principal, bookName);
    const current = this.#require(book, id);
    checkEtag(current, ifMatch);
    const merged: ContactData = { ...current.data, ...changes };
    if (changes.extra) merged.extra = { ...current.data.extra, ...changes.extra };
    return this.#save(book, id, merged);
  }

  delete(principal: Principal, bookName: string, id: string, ifMatch: string | undefined): void {
    const book = this.#d.books.writable(principal, bookName);
    checkEtag(this.#require(book, id), ifMatch);
    this.#d.contacts.delete(book.id, id);
    this.#d.events.publish({
      type: 'contacts-changed',
      bookId: book.id,
      phonebook: book.name,
      ids: [id],
    });
  }

  #save(book: PhonebookRecord, id: string, data: ContactData): ContactView {
    const normalizer = this.#d.location.normalizer;
    for (const field of PHONE_FIELDS) {
      const raw = data[field]?.trim();
      if (raw && !normalizer.normalize(raw)) {
        throw new CtibookError('INVALID_NUMBER', `${field}: "${raw}" is not a phone number`, {
          field,
          value: raw,
        });
      }
    }
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

function checkEtag(current: StoredContact, ifMatch: string | undefined): void {
  if (ifMatch === undefined || ifMatch === '*') return;
  const tags = ifMatch.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
  if (!tags.includes(current.etag)) {
    throw new CtibookError('STALE_ETAG', undefined, { id: current.id, etag: current.etag });
  }
}
