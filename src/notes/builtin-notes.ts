import type { PhonebookRecord } from '../store/phonebook-store.js';
import type { ContactNoteBackend } from './contact-note-backend.js';
import { expectedVersion, staleNote } from './contact-note-backend.js';
import type { Note, NoteStore, NoteVersion } from './note-store.js';
import { toNote } from './note-store.js';

/** Notes mode `builtin`: every version in the store, keyed by book and contact id. */
export class BuiltinNotes implements ContactNoteBackend {
  readonly #store: NoteStore;

  constructor(store: NoteStore) {
    this.#store = store;
  }

  async current(book: PhonebookRecord, id: string): Promise<Note> {
    return toNote(this.#store.current(book.id, id));
  }

  async history(book: PhonebookRecord, id: string): Promise<NoteVersion[]> {
    return this.#store.history(book.id, id);
  }

  async save(
    book: PhonebookRecord,
    id: string,
    text: string,
    ifMatch: string | undefined,
    by: string,
    now: string,
  ): Promise<Note> {
    const expected = expectedVersion(this.#store.current(book.id, id), ifMatch);
    const saved = this.#store.save(book.id, id, expected, text, by, now);
    if (!saved) throw staleNote(toNote(this.#store.current(book.id, id)));
    return toNote(saved);
  }
}
