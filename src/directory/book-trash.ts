import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessService } from '../access/access-service.js';
import { CtibookError } from '../domain/errors.js';
import type { PhonebookKind } from '../domain/phonebook.js';
import { isGlobalPhonebook, validatePhonebookName } from '../domain/phonebook.js';
import type { NoteStore } from '../notes/note-store.js';
import type { PreparedContact } from '../store/contact-rows.js';
import { prepareContact } from '../store/contact-rows.js';
import type { ContactStore } from '../store/contact-store.js';
import type { Home } from '../store/home.js';
import type { PhonebookRecord, PhonebookStore } from '../store/phonebook-store.js';
import type { ArchivedContact, ArchivedGrant, ArchivedNote } from './book-archive.js';
import {
  GRANTS_FILE,
  NOTES_FILE,
  RECORDS_FILE,
  readArchive,
  removeArchive,
  writeArchive,
} from './book-archive.js';
import { iniSettings, readBookSettings } from './book-settings.js';
import type { EventBus } from './events.js';
import type { LocationService } from './location-service.js';

export interface BookTrashDeps {
  home: Home;
  books: PhonebookStore;
  contacts: ContactStore;
  notes: NoteStore;
  access: AccessService;
  events: EventBus;
  location: LocationService;
  now: () => Date;
  /** Called when a book's settings changed or it was deleted (to close its source). */
  onBookChanged?: (name: string) => void;
}

const RESTORE_BATCH = 5000;

/**
 * The trash of `trash/folders/`: deleting a book moves its whole folder there, with its
 * records, notes and group rights written into it; restoring reads them back.
 */
export class BookTrash {
  readonly #d: BookTrashDeps;

  constructor(deps: BookTrashDeps) {
    this.#d = deps;
  }

  /**
   * Deletes a book: its records, notes and group rights are written into its folder, the folder moves to
   * `trash/folders/`, then the store forgets the book. Returns the trash entry.
   */
  delete(book: PhonebookRecord): { trashEntry: string } {
    if (isGlobalPhonebook(book.name)) {
      throw new CtibookError('PHONEBOOK_PROTECTED', `${book.name} cannot be deleted`, {
        phonebook: book.name,
      });
    }
    const { home, contacts, notes, books } = this.#d;
    if (!existsSync(home.configFile(book.name)))
      home.createBookFolder(book.name, iniSettings(book));
    const archived = (function* (): Generator<ArchivedContact> {
      for (const c of contacts.iterateBook(book.id))
        yield { id: c.id, data: c.data, updatedAt: c.updatedAt };
    })();
    writeArchive(
      home.bookDir(book.name),
      home.notesDir(book.name),
      archived,
      notes.iterateBook(book.id),
      this.#d.access.bookGrants(book.id),
    );
    const trashEntry = home.moveToTrash(book.name, this.#d.now());
    try {
      books.transaction(() => {
        contacts.deleteBook(book.id);
        notes.deleteBook(book.id);
        books.delete(book.id);
      });
    } catch (error) {
      // Nothing was forgotten: the folder goes back, without the archive files.
      renameSync(home.trashEntryDir(trashEntry), home.bookDir(book.name));
      removeArchive(home.bookDir(book.name), home.notesDir(book.name));
      throw error;
    }
    this.#d.access.invalidateRights();
    this.#d.onBookChanged?.(book.name);
    this.#d.events.publish({ type: 'phonebooks-changed' });
    return { trashEntry };
  }

  list(): { entry: string; name: string; kind: string; deletedAt: string }[] {
    const { home } = this.#d;
    return home.trashEntries().map(({ entry, deletedAt }) => {
      const dir = home.trashEntryDir(entry);
      const config = existsSync(join(dir, 'cfg', 'folder_cfg.ini'))
        ? readBookSettings(join(dir, 'cfg', 'folder_cfg.ini'))
        : { name: entry.replace(/@[^@]*$/, ''), kind: 'unknown' };
      return { entry, name: config.name, kind: config.kind, deletedAt: deletedAt.toISOString() };
    });
  }

  /** Brings a trashed book back, under its old name or `as`. */
  async restore(
    entry: string,
    as: string | undefined,
    assertFree: (name: string) => void,
  ): Promise<PhonebookRecord> {
    const { home, books, contacts, notes, location } = this.#d;
    if (
      entry.includes('/') ||
      entry.includes('\\') ||
      entry.startsWith('.') ||
      entry.length === 0
    ) {
      throw new CtibookError('TRASH_NOT_FOUND', 'No such entry in the trash', { entry });
    }
    const dir = home.trashEntryDir(entry);
    if (!existsSync(dir))
      throw new CtibookError('TRASH_NOT_FOUND', 'No such entry in the trash', { entry });
    const saved = readBookSettings(join(dir, 'cfg', 'folder_cfg.ini'));
    const name = validatePhonebookName(as ?? saved.name);
    if (isGlobalPhonebook(name))
      throw new CtibookError('INVALID_NAME', 'Names starting with "Global." are reserved');
    assertFree(name);
    if (saved.kind === 'local-numbers') {
      throw new CtibookError('CONFLICT', `Trash entry ${entry} is a Global.LocalNumbers copy`);
    }
    renameSync(dir, home.bookDir(name));
    const restoredAt = this.#d.now().toISOString();
    const { name: _old, kind, ...config } = saved;
    const book = books.insert(name, kind as PhonebookKind, config, restoredAt);
    const grants: ArchivedGrant[] = [];
    try {
      let batch: { contact: PreparedContact; updatedAt: string }[] = [];
      for await (const c of readArchive<ArchivedContact>(join(home.bookDir(name), RECORDS_FILE))) {
        batch.push({
          contact: prepareContact(c.id, c.data, location.normalizer),
          updatedAt: c.updatedAt || restoredAt,
        });
        if (batch.length >= RESTORE_BATCH) {
          contacts.putManyDated(book.id, batch);
          batch = [];
        }
      }
      contacts.putManyDated(book.id, batch);
      const versions: ArchivedNote[] = [];
      for await (const v of readArchive<ArchivedNote>(join(home.notesDir(name), NOTES_FILE)))
        versions.push(v);
      notes.importVersions(book.id, versions);
      for await (const g of readArchive<ArchivedGrant>(join(home.bookDir(name), GRANTS_FILE)))
        grants.push(g);
    } catch (error) {
      // A broken archive restores nothing: the book goes, its folder back to the trash.
      books.transaction(() => {
        contacts.deleteBook(book.id);
        notes.deleteBook(book.id);
        books.delete(book.id);
      });
      renameSync(home.bookDir(name), dir);
      if (error instanceof CtibookError) throw error;
      throw new CtibookError(
        'CONFLICT',
        `Trash entry ${entry} holds a record that cannot be restored: ${String(error)}`,
        { entry },
        { cause: error },
      );
    }
    // Groups deleted since the book was trashed get nothing back.
    this.#d.access.regrant(book.id, grants);
    removeArchive(home.bookDir(name), home.notesDir(name));
    home.writeBookSettings(name, iniSettings(book));
    this.#d.events.publish({ type: 'phonebooks-changed' });
    return book;
  }
}
