import { existsSync } from 'node:fs';
import type { Principal } from '../access/access-service.js';
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
import type { PhonebookRecord } from '../store/phonebook-store.js';
import { iniSettings } from './book-settings.js';
import type { BookTrashDeps } from './book-trash.js';
import { BookTrash } from './book-trash.js';

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

/** The trash's dependencies, plus the sync engine's view of external books. */
export interface PhonebookServiceDeps extends BookTrashDeps {
  /** The sync state of an external book (the sync engine's view). */
  syncStatus?: (book: PhonebookRecord) => SyncStatus;
}

const NO_SYNC: SyncStatus = Object.freeze({ lastSync: null, status: 'none', error: null });

/** Phone books: the registry, their folders in the home directory, trash and restore. */
export class PhonebookService {
  readonly #d: PhonebookServiceDeps;
  readonly #trash: BookTrash;

  constructor(deps: PhonebookServiceDeps) {
    this.#d = deps;
    this.#trash = new BookTrash(deps);
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
   * Deletes a book: its records, notes and group rights are written into its folder, the
   * folder moves to `trash/folders/`, then the store forgets the book. Returns the trash entry.
   * @throws CtibookError PHONEBOOK_PROTECTED for Global.* books
   */
  delete(name: string): { trashEntry: string } {
    return this.#trash.delete(this.require(name));
  }

  trash(): { entry: string; name: string; kind: string; deletedAt: string }[] {
    return this.#trash.list();
  }

  /** Brings a trashed book back, under its old name or `as`, with its groups' rights. */
  restore(entry: string, as?: string): Promise<PhonebookRecord> {
    return this.#trash.restore(entry, as, (name) => this.#assertFree(name));
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
