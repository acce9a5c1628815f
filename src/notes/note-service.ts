import type { Principal } from '../access/access-service.js';
import { CtibookError } from '../domain/errors.js';
import type { PhonebookService } from '../directory/phonebook-service.js';
import type { LocationService } from '../directory/location-service.js';
import type { ContactStore } from '../store/contact-store.js';
import type { PhonebookRecord } from '../store/phonebook-store.js';
import { BuiltinNotes } from './builtin-notes.js';
import type { ContactNoteBackend } from './contact-note-backend.js';
import { expectedVersion, staleNote } from './contact-note-backend.js';
import type { Note, NoteStore, NoteVersion } from './note-store.js';
import { toNote } from './note-store.js';

/** Longest note text, in characters (a memo column holds at least as much). */
export const MAX_NOTE_LENGTH = 2 * 1024 * 1024;

export interface NoteServiceDeps {
  books: PhonebookService;
  contacts: ContactStore;
  notes: NoteStore;
  location: LocationService;
  now: () => Date;
  /** Notes mode `server`: files in the book's folder (without it, such books keep none). */
  server?: ContactNoteBackend;
  /** Notes mode `{memoColumn}`: a column of the source record, read live. */
  memo?: ContactNoteBackend;
}

/**
 * Shared notes. As in the seed, everyone who may read a book reads and writes its
 * contacts' notes. A save must name the version it replaces (`If-Match`) once a note
 * exists, so nobody overwrites a note they have not seen. Where a contact's note lives
 * follows the book's notes mode (see {@link ContactNoteBackend}).
 */
export class NoteService {
  readonly #d: NoteServiceDeps;
  readonly #builtin: BuiltinNotes;

  constructor(deps: NoteServiceDeps) {
    this.#d = deps;
    this.#builtin = new BuiltinNotes(deps.notes);
  }

  async contactNote(principal: Principal, bookName: string, id: string): Promise<Note> {
    const { book, backend } = this.#noteBook(principal, bookName, id);
    return backend.current(book, id);
  }

  async contactNoteHistory(
    principal: Principal,
    bookName: string,
    id: string,
  ): Promise<NoteVersion[]> {
    const { book, backend } = this.#noteBook(principal, bookName, id);
    return backend.history(book, id);
  }

  async saveContactNote(
    principal: Principal,
    bookName: string,
    id: string,
    text: string,
    ifMatch: string | undefined,
  ): Promise<Note> {
    const { book, backend } = this.#noteBook(principal, bookName, id);
    return backend.save(book, id, checkText(text), ifMatch, principal.username, this.#now());
  }

  numberNote(number: string): Note & { number: string } {
    const canonical = this.#canonical(number);
    return { number: canonical, ...toNote(this.#d.notes.currentNumberNote(canonical)) };
  }

  numberNoteHistory(number: string): NoteVersion[] {
    return this.#d.notes.numberNoteHistory(this.#canonical(number));
  }

  saveNumberNote(
    principal: Principal,
    number: string,
    text: string,
    ifMatch: string | undefined,
  ): Note & { number: string } {
    const canonical = this.#canonical(number);
    const current = this.#d.notes.currentNumberNote(canonical);
    const expected = expectedVersion(current, ifMatch);
    const saved = this.#d.notes.saveNumberNote(
      canonical,
      number,
      expected,
      checkText(text),
      principal.username,
      this.#now(),
    );
    if (!saved) throw staleNote(toNote(this.#d.notes.currentNumberNote(canonical)));
    return { number: canonical, ...toNote(saved) };
  }

  /**
   * The book and the backend of its notes mode. Builtin and server notes belong to a
   * cached contact; a memo column's backend asks the source itself.
   */
  #noteBook(
    principal: Principal,
    bookName: string,
    id: string,
  ): { book: PhonebookRecord; backend: ContactNoteBackend } {
    const book = this.#d.books.readable(principal, bookName);
    const mode = book.config.notes;
    const backend =
      mode === 'builtin'
        ? this.#builtin
        : mode === 'server'
          ? this.#d.server
          : typeof mode === 'object'
            ? this.#d.memo
            : undefined;
    if (!backend) {
      throw new CtibookError(
        'CONFLICT',
        `Phone book ${book.name} keeps no notes (notes mode ${JSON.stringify(mode)})`,
        { phonebook: book.name },
      );
    }
    if (typeof mode !== 'object' && !this.#d.contacts.get(book.id, id)) {
      throw new CtibookError('CONTACT_NOT_FOUND', undefined, { phonebook: book.name, id });
    }
    return { book, backend };
  }

  #canonical(number: string): string {
    const normalized = this.#d.location.normalizer.normalize(number);
    if (!normalized) {
      throw new CtibookError('INVALID_NUMBER', `"${number.slice(0, 64)}" is not a phone number`, {
        field: 'number',
      });
    }
    return normalized.canonical;
  }

  #now(): string {
    return this.#d.now().toISOString();
  }
}

function checkText(text: string): string {
  if (text.length > MAX_NOTE_LENGTH) {
    throw new CtibookError('VALIDATION_FAILED', `text: at most ${MAX_NOTE_LENGTH} characters`, {
      field: 'text',
    });
  }
  return text;
}
