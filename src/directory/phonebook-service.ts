import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Principal } from '../access/access-service.js';
import type { AccessService } from '../access/access-service.js';
import type { Rights } from '../access/rights.js';
import { CtibookError } from '../domain/errors.js';
import { checkNotesMode } from '../domain/notes-mode.js';
import type {
  CacheSettings,
  NotesMode,
  PhonebookConfig,
  PhonebookKind,
} from '../domain/phonebook.js';
import type { SyncStatus } from '../sync/sync-engine.js';
import {
  GLOBAL_LOCAL_NUMBERS,
  GLOBAL_PHONEBOOK,
  isGlobalPhonebook,
  kindCanWrite,
  validatePhonebookName,
} from '../domain/phonebook.js';
import type { NoteStore } from '../notes/note-store.js';
import type { ContactStore } from '../store/contact-store.js';
import { FolderConfig } from '../store/folder-config.js';
import type { PreparedContact } from '../store/contact-rows.js';
import { prepareContact } from '../store/contact-rows.js';
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
import type { EventBus } from './events.js';
import type { LocationService } from './location-service.js';

/** A phone book as `GET /api/v1/phonebooks` shows it. */
export interface PhonebookView {
  name: string;
  kind: PhonebookKind;
  readOnly: boolean;
  notes: NotesMode;
  contactCount: number;
  rights: Rights;
  sync: SyncStatus;
}

export interface PhonebookInput {
  name: string;
  kind: PhonebookKind;
  readOnly?: boolean;
  notes?: NotesMode;
  /** External kinds: settings already validated for the kind (see ExternalBooks). */
  source?: Record<string, unknown>;
  mapping?: Record<string, string>;
  cache?: CacheSettings;
}

export interface PhonebookPatch {
  name?: string;
  readOnly?: boolean;
  notes?: NotesMode;
  source?: Record<string, unknown>;
  mapping?: Record<string, string>;
  cache?: CacheSettings;
}

export interface PhonebookServiceDeps {
  home: Home;
  books: PhonebookStore;
  contacts: ContactStore;
  notes: NoteStore;
  access: AccessService;
  events: EventBus;
  location: LocationService;
  now: () => Date;
  /** The sync state of an external book (the sync engine's view). */
  syncStatus?: (book: PhonebookRecord) => SyncStatus;
  /** Called when a book's settings changed or it was deleted (to close its source). */
  onBookChanged?: (name: string) => void;
}

const NO_SYNC: SyncStatus = Object.freeze({ lastSync: null, status: 'none', error: null });

const RESTORE_BATCH = 5000;

/** Phone books: the registry, their folders in the home directory, trash and restore. */
export class PhonebookService {
  readonly #d: PhonebookServiceDeps;

  constructor(deps: PhonebookServiceDeps) {
    this.#d = deps;
  }

  /**
   * Creates Global.Phonebook and Global.LocalNumbers when missing, and the folder of any
   * book whose folder went missing (a crash between trash move and store update).
   */
  ensureGlobals(): void {
    const { books, home } = this.#d;
    home.ensureLayout();
    if (!books.byName(GLOBAL_PHONEBOOK))
      this.#insert(GLOBAL_PHONEBOOK, 'builtin', { readOnly: false, notes: 'builtin' });
    if (!books.byName(GLOBAL_LOCAL_NUMBERS)) {
      this.#insert(GLOBAL_LOCAL_NUMBERS, 'local-numbers', { readOnly: true, notes: 'none' });
    }
    for (const book of books.list()) {
      if (!existsSync(home.configFile(book.name)))
        home.createBookFolder(book.name, iniSettings(book));
    }
  }

  list(principal: Principal): PhonebookView[] {
    return this.#d.books
      .list()
      .filter((book) => this.#d.access.rights(principal, book.id).read)
      .map((book) => this.view(principal, book));
  }

  view(principal: Principal, book: PhonebookRecord): PhonebookView {
    return {
      name: book.name,
      kind: book.kind,
      readOnly: book.config.readOnly,
      notes: book.config.notes,
      contactCount: this.#d.contacts.count(book.id),
      rights: this.#d.access.rights(principal, book.id),
      sync: this.#d.syncStatus?.(book) ?? NO_SYNC,
    };
  }

  /**
   * The book when `principal` may read it. Unknown and unreadable books give the same 404,
   * so a name is never confirmed to someone without the right.
   */
  readable(principal: Principal, name: string): PhonebookRecord {
    const book = this.#d.books.byName(name);
    if (!book || !this.#d.access.rights(principal, book.id).read) {
      throw new CtibookError('PHONEBOOK_NOT_FOUND', 'No such phone book', { phonebook: name });
    }
    return book;
  }

  /** The book when `principal` may write to it and it takes writes. */
  writable(principal: Principal, name: string): PhonebookRecord {
    const book = this.readable(principal, name);
    if (!this.#d.access.rights(principal, book.id).write) {
      throw new CtibookError('FORBIDDEN', 'You have no write right on this phone book', {
        phonebook: book.name,
      });
    }
    if (book.config.readOnly) {
      throw new CtibookError('PHONEBOOK_READ_ONLY', undefined, { phonebook: book.name });
    }
    return book;
  }

  /** Any book by name, for admins. */
  require(name: string): PhonebookRecord {
    const book = this.#d.books.byName(name);
    if (!book)
      throw new CtibookError('PHONEBOOK_NOT_FOUND', 'No such phone book', { phonebook: name });
    return book;
  }

  create(input: PhonebookInput): PhonebookRecord {
    const name = validatePhonebookName(input.name);
    if (isGlobalPhonebook(name)) {
      throw new CtibookError('INVALID_NAME', 'Names starting with "Global." are reserved', {
        field: 'name',
      });
    }
    if (input.notes !== undefined) checkNotesMode(input.kind, input.notes, input.source);
    this.#assertFree(name);
    const external = input.kind !== 'builtin';
    if (external && !input.source) {
      throw new CtibookError(
        'VALIDATION_FAILED',
        `source: a ${input.kind} book needs source settings`,
        {
          field: 'source',
        },
      );
    }
    if (!external && (input.source || input.mapping || input.cache)) {
      throw new CtibookError(
        'VALIDATION_FAILED',
        'source, mapping and cache apply to external books only',
        {
          field: 'source',
        },
      );
    }
    const book = this.#insert(name, input.kind, {
      readOnly: !kindCanWrite(input.kind) || (input.readOnly ?? readOnlyByDefault(input.kind)),
      notes: input.notes ?? (external ? 'none' : 'builtin'),
      ...(input.source ? { source: input.source } : {}),
      ...(input.mapping ? { mapping: input.mapping } : {}),
      ...(input.cache ? { cache: input.cache } : {}),
    });
    this.#d.events.publish({ type: 'phonebooks-changed' });
    return book;
  }

  update(name: string, patch: PhonebookPatch): PhonebookRecord {
    const book = this.require(name);
    const config: PhonebookConfig = { ...book.config };
    if (patch.readOnly !== undefined) {
      if (book.kind === 'local-numbers' && !patch.readOnly) {
        throw new CtibookError('PHONEBOOK_PROTECTED', `${book.name} is always read-only`);
      }
      config.readOnly = patch.readOnly;
    }
    if (patch.notes !== undefined) {
      checkNotesMode(book.kind, patch.notes, patch.source ?? book.config.source);
      config.notes = patch.notes;
    }
    if (patch.readOnly === false && !kindCanWrite(book.kind)) {
      throw new CtibookError(
        'VALIDATION_FAILED',
        `readOnly: ${book.kind} books cannot take writes`,
        {
          field: 'readOnly',
        },
      );
    }
    if (patch.source || patch.mapping || patch.cache) {
      if (book.kind === 'builtin' || book.kind === 'local-numbers') {
        throw new CtibookError(
          'VALIDATION_FAILED',
          'source, mapping and cache apply to external books only',
          {
            field: 'source',
          },
        );
      }
      if (patch.source) config.source = patch.source;
      if (patch.mapping) config.mapping = patch.mapping;
      if (patch.cache) config.cache = patch.cache;
    }
    let newName = book.name;
    if (patch.name !== undefined && patch.name !== book.name) {
      newName = validatePhonebookName(patch.name);
      if (isGlobalPhonebook(book.name) || isGlobalPhonebook(newName)) {
        throw new CtibookError(
          'PHONEBOOK_PROTECTED',
          'Global phone books cannot be renamed, nor others renamed to Global.*',
        );
      }
      if (newName.toLowerCase() !== book.name.toLowerCase()) this.#assertFree(newName);
      this.#d.home.renameBookFolder(book.name, newName);
    }
    this.#d.books.update(book.id, { name: newName, config });
    this.#d.onBookChanged?.(book.name);
    const updated = this.require(newName);
    this.#d.home.writeBookSettings(newName, iniSettings(updated));
    this.#d.events.publish({ type: 'phonebooks-changed' });
    return updated;
  }

  /**
   * Deletes a book: its records and notes are written into its folder, the folder moves to
   * `trash/folders/`, then the store forgets the book. Returns the trash entry.
   */
  delete(name: string): { trashEntry: string } {
    const book = this.require(name);
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

  trash(): { entry: string; name: string; kind: string; deletedAt: string }[] {
    const { home } = this.#d;
    return home.trashEntries().map(({ entry, deletedAt }) => {
      const dir = home.trashEntryDir(entry);
      const config = existsSync(join(dir, 'cfg', 'folder_cfg.ini'))
        ? readTrashConfig(join(dir, 'cfg', 'folder_cfg.ini'))
        : { name: entry.replace(/@[^@]*$/, ''), kind: 'unknown' };
      return { entry, name: config.name, kind: config.kind, deletedAt: deletedAt.toISOString() };
    });
  }

  /** Brings a trashed book back, under its old name or `as`. */
  async restore(entry: string, as?: string): Promise<PhonebookRecord> {
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
    const saved = readTrashConfig(join(dir, 'cfg', 'folder_cfg.ini'));
    const name = validatePhonebookName(as ?? saved.name);
    if (isGlobalPhonebook(name))
      throw new CtibookError('INVALID_NAME', 'Names starting with "Global." are reserved');
    this.#assertFree(name);
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

  #insert(name: string, kind: PhonebookKind, config: PhonebookConfig): PhonebookRecord {
    const book = this.#d.books.insert(name, kind, config, this.#d.now().toISOString());
    this.#d.home.createBookFolder(name, iniSettings(book));
    return book;
  }

  #assertFree(name: string): void {
    if (this.#d.books.byName(name) || existsSync(this.#d.home.bookDir(name))) {
      throw new CtibookError('ALREADY_EXISTS', `A phone book named ${name} already exists`, {
        phonebook: name,
      });
    }
  }
}

/**
 * Write protection when the admin sets none (issue 3's table): a CSV file is read-only
 * until an admin removes it; builtin books and ODBC tables take writes (an ODBC table
 * without an id column cannot, see ExternalBooks.create).
 */
function readOnlyByDefault(kind: PhonebookKind): boolean {
  return kind !== 'builtin' && kind !== 'odbc';
}

/** The `[Phonebook]` keys of a book's `folder_cfg.ini`. */
function iniSettings(book: PhonebookRecord): Record<string, string> {
  return {
    Name: book.name,
    Kind: book.kind,
    ReadOnly: book.config.readOnly ? '1' : '0',
    Notes:
      typeof book.config.notes === 'string'
        ? book.config.notes
        : `memo:${book.config.notes.memoColumn}`,
    // The file is mode 0600: source settings may hold a password.
    ...(book.config.source ? { Source: JSON.stringify(book.config.source) } : {}),
    ...(book.config.mapping ? { Mapping: JSON.stringify(book.config.mapping) } : {}),
    ...(book.config.cache ? { Cache: JSON.stringify(book.config.cache) } : {}),
  };
}

function readTrashConfig(file: string): PhonebookConfig & { name: string; kind: string } {
  if (!existsSync(file))
    throw new CtibookError('TRASH_NOT_FOUND', `The trash entry has no ${file}`);
  const config = FolderConfig.read(file);
  const notes = config.get('Phonebook', 'Notes') ?? 'builtin';
  return {
    name: config.get('Phonebook', 'Name') ?? '',
    kind: config.get('Phonebook', 'Kind') ?? 'builtin',
    readOnly: config.get('Phonebook', 'ReadOnly') === '1',
    notes: notes.startsWith('memo:') ? { memoColumn: notes.slice(5) } : (notes as NotesMode),
    ...jsonSetting<Record<string, unknown>>(config, 'Source', 'source', file),
    ...jsonSetting<Record<string, string>>(config, 'Mapping', 'mapping', file),
    ...jsonSetting<CacheSettings>(config, 'Cache', 'cache', file),
  };
}

function jsonSetting<T>(
  config: FolderConfig,
  key: string,
  as: string,
  file: string,
): Record<string, T> {
  const text = config.get('Phonebook', key);
  if (!text) return {};
  try {
    return { [as]: JSON.parse(text) as T };
  } catch (error) {
    throw new CtibookError(
      'CONFLICT',
      `${file}: ${key}= is not valid JSON`,
      { file, key },
      { cause: error },
    );
  }
}
