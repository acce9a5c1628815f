import type { Principal } from '../access/access-service.js';
import { CtibookError } from '../domain/errors.js';
import type { PhonebookService } from '../directory/phonebook-service.js';
import type { LocationService } from '../directory/location-service.js';
import type { ContactStore } from '../store/contact-store.js';
import type { PhonebookRecord } from '../store/phonebook-store.js';
import type { Note, NoteStore, NoteVersion } from './note-store.js';
import { noteEtag, toNote } from './note-store.js';

/** Longest note text, in characters (a memo column holds at least as much). */
export const MAX_NOTE_LENGTH = 2 * 1024 * 1024;

export interface NoteServiceDeps {
  books: PhonebookService;
  contacts: ContactStore;
  notes: NoteStore;
  location: LocationService;
  now: () => Date;
}

/**
 * Shared notes. As in the seed, everyone who may read a book reads and writes its
 * contacts' notes. A save must name the version it replaces (`If-Match`) once a note
 * exists, so nobody overwrites a note they have not seen.
 */
export class NoteService {
  readonly #d: NoteServiceDeps;

  constructor(deps: NoteServiceDeps) {
    this.#d = deps;
  }

  contactNote(principal: Principal, bookName: string, id: string): Note {
    const book = this.#noteBook(principal, bookName, id);
    return toNote(this.#d.notes.current(book.id, id));
  }

  contactNoteHistory(principal: Principal, bookName: string, id: string): NoteVersion[] {
    const book = this.#noteBook(principal, bookName, id);
    return this.#d.notes.history(book.id, id);
  }

  saveContactNote(
    principal: Principal,
    bookName: string,
    id: string,
    text: string,
    ifMatch: string | undefined,
  ): Note {
    const book = this.#noteBook(principal, bookName, id);
    const current = this.#d.notes.current(book.id, id);
    const expected = expectedVersion(current, ifMatch);
    const saved = this.#d.notes.save(
      book.id,
      id,
      expected,
      checkText(text),
      principal.username,
      this.#now(),
    );
    if (!saved) throw staleNote(this.#d.notes.current(book.id, id));
    return toNote(saved);
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
    if (!saved) throw staleNote(this.#d.notes.currentNumberNote(canonical));
    return { number: canonical, ...toNote(saved) };
  }

  #noteBook(principal: Principal, bookName: string, id: string): PhonebookRecord {
    const book = this.#d.books.readable(principal, bookName);
    if (book.config.notes !== 'builtin') {
      throw new CtibookError(
        'CONFLICT',
        `Phone book ${book.name} keeps no notes (notes mode ${JSON.stringify(book.config.notes)})`,
        {
          phonebook: book.name,
        },
      );
    }
    if (!this.#d.contacts.get(book.id, id)) {
      throw new CtibookError('CONTACT_NOT_FOUND', undefined, { phonebook: book.name, id });
    }
    return book;
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

/**
 * The version a save replaces, from `If-Match` (one tag, a list, or `*`); a missing header
 * is fine only for a first note.
 */
function expectedVersion(current: NoteVersion | undefined, ifMatch: string | undefined): number {
  if (ifMatch === undefined) {
    if (current) {
      throw new CtibookError(
        'PRECONDITION_REQUIRED',
        'This note exists: send If-Match with its ETag',
        {
          etag: noteEtag(current.version),
        },
      );
    }
    return 0;
  }
  const tags = ifMatch.split(',').map((tag) => tag.trim());
  if (tags.includes('*')) return current?.version ?? -1;
  const versions = tags.flatMap((tag) => {
    const match = /^(?:W\/)?"v(\d+)"$/.exec(tag);
    return match ? [Number(match[1])] : [];
  });
  const [first] = versions;
  if (first === undefined) throw staleNote(current);
  // One of several tags is enough when it names the current version.
  return current && versions.includes(current.version) ? current.version : first;
}

function staleNote(current: NoteVersion | undefined): CtibookError {
  return new CtibookError(
    'STALE_ETAG',
    'Someone else saved this note first; reload it and merge your text',
    {
      current: toNote(current),
    },
  );
}

function checkText(text: string): string {
  if (text.length > MAX_NOTE_LENGTH) {
    throw new CtibookError('VALIDATION_FAILED', `text: at most ${MAX_NOTE_LENGTH} characters`, {
      field: 'text',
    });
  }
  return text;
}
