import type { AccessService, Principal } from '../access/access-service.js';
import { PHONE_FIELDS } from '../domain/contact.js';
import { foldedWords } from '../domain/search-text.js';
import type { ContactSearch } from '../store/contact-search.js';
import type { ContactStore } from '../store/contact-store.js';
import type { PhonebookStore } from '../store/phonebook-store.js';
import { MAX_QUERY_WORDS } from './contact-service.js';

/** One hit of the search over all readable books. */
export type SearchItem = { phonebook: string; id: string; displayName: string } & Record<
  string,
  string | null
>;

const SUMMARY_FIELDS = [
  'company',
  'firstName',
  'lastName',
  'department',
  'email',
  'city',
  ...PHONE_FIELDS,
] as const;

/** Search-as-you-type across every book the caller may read. */
export class SearchService {
  readonly #search: ContactSearch;
  readonly #contacts: ContactStore;
  readonly #books: PhonebookStore;
  readonly #access: AccessService;

  constructor(
    search: ContactSearch,
    contacts: ContactStore,
    books: PhonebookStore,
    access: AccessService,
  ) {
    this.#search = search;
    this.#contacts = contacts;
    this.#books = books;
    this.#access = access;
  }

  search(
    principal: Principal,
    q: string,
    limit: number,
    offset: number,
  ): { items: SearchItem[]; total: number } {
    const words = foldedWords(q).slice(0, MAX_QUERY_WORDS);
    const page = this.#search.search(
      words,
      this.#books.visibleScope(this.#access.readableBooks(principal)),
      limit,
      offset,
    );
    const items = this.#contacts.getByRowids(page.rowids).map((c) => {
      const item: SearchItem = {
        phonebook: this.#books.nameOf(c.bookId) ?? '',
        id: c.id,
        displayName: c.displayName,
        company: null,
      };
      for (const field of SUMMARY_FIELDS) {
        const value = c.data[field];
        if (value !== undefined) item[field] = value;
      }
      return item;
    });
    return { items, total: page.total };
  }
}
