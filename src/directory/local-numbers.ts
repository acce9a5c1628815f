import type { UserRecord } from '../access/access-store.js';
import type { ContactData } from '../domain/contact.js';
import { GLOBAL_LOCAL_NUMBERS } from '../domain/phonebook.js';
import type { ContactStore } from '../store/contact-store.js';
import type { PreparedContact } from '../store/contact-rows.js';
import { prepareContact } from '../store/contact-rows.js';
import type { PhonebookStore } from '../store/phonebook-store.js';
import type { EventBus } from './events.js';
import type { LocationService } from './location-service.js';

/** The Global.LocalNumbers entries of one user: one per extension or number. */
export function localNumberEntries(user: UserRecord): { id: string; data: ContactData }[] {
  return user.extensions.map((extension, index) => ({
    id: `${user.username}.${index + 1}`,
    data: {
      displayName: user.displayName || user.username,
      businessPhone: extension,
      ...(user.email ? { email: user.email } : {}),
      ...(user.department ? { department: user.department } : {}),
      extra: { username: user.username },
    },
  }));
}

/**
 * Brings Global.LocalNumbers in step with the users: adds, changes and removes only the
 * entries that differ, so client caches receive a small delta.
 */
export function syncLocalNumbers(
  users: readonly UserRecord[],
  deps: {
    books: PhonebookStore;
    contacts: ContactStore;
    location: LocationService;
    events: EventBus;
    now: () => Date;
  },
): { changed: string[] } {
  const book = deps.books.byName(GLOBAL_LOCAL_NUMBERS);
  if (!book) return { changed: [] };
  const wanted = new Map<string, PreparedContact>();
  for (const user of users) {
    for (const { id, data } of localNumberEntries(user)) {
      const prepared = prepareContact(id, data, deps.location.normalizer);
      if (prepared.phones.length > 0) wanted.set(id, prepared);
    }
  }
  const changed: string[] = [];
  const stale: string[] = [];
  for (const existing of deps.contacts.iterateBook(book.id)) {
    const next = wanted.get(existing.id);
    if (!next) stale.push(existing.id);
    else if (next.json === JSON.stringify(existing.data)) wanted.delete(existing.id);
  }
  for (const id of stale) {
    deps.contacts.delete(book.id, id);
    changed.push(id);
  }
  deps.contacts.putMany(book.id, wanted.values(), deps.now().toISOString());
  changed.push(...wanted.keys());
  if (changed.length > 0) {
    deps.events.publish({
      type: 'contacts-changed',
      bookId: book.id,
      phonebook: book.name,
      ids: changed,
    });
  }
  return { changed };
}
