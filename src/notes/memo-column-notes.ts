import { createHash } from 'node:crypto';
import { CtibookError } from '../domain/errors.js';
import { memoColumnOf } from '../domain/notes-mode.js';
import type { SourceConnections } from '../directory/source-connections.js';
import type { SourceConnector, SourceRow } from '../sources/source-connector.js';
import type { PhonebookRecord } from '../store/phonebook-store.js';
import type { ContactNoteBackend } from './contact-note-backend.js';
import { staleNote } from './contact-note-backend.js';
import type { Note, NoteVersion } from './note-store.js';
import { EMPTY_NOTE } from './note-store.js';

/** The book connectors to read and write through, and the cache to refresh after a save. */
export interface MemoColumnNotesDeps {
  connections: SourceConnections;
  /** Puts the row a note write returned into the book's cache (its other columns may change). */
  cacheRow?: (book: PhonebookRecord, row: SourceRow) => void;
}

/** The ETag of a memo note: a hash of its text, as the source keeps no versions. */
export function memoEtag(text: string): string {
  return `"m${createHash('sha256').update(text, 'utf8').digest('base64url').slice(0, 27)}"`;
}

function memoNote(text: string): Note {
  if (text === '') return EMPTY_NOTE;
  return { text, etag: memoEtag(text), updatedAt: null, updatedBy: null };
}

/**
 * Notes mode `{memoColumn}` (ODBC table books): the note is that column of the record,
 * read and written live through the book's connector, of any length the column takes.
 * The source keeps no versions, authors or times: the history is the current text only,
 * and the ETag is a hash of the text, so a save over a text someone changed meanwhile
 * (here or in another program) is refused with 412.
 */
export class MemoColumnNotes implements ContactNoteBackend {
  readonly #d: MemoColumnNotesDeps;

  constructor(deps: MemoColumnNotesDeps) {
    this.#d = deps;
  }

  async current(book: PhonebookRecord, id: string): Promise<Note> {
    const row = await this.#d.connections.read(book, (c) => readRow(book, c, id));
    return memoNote(memoText(book, row));
  }

  async history(book: PhonebookRecord, id: string): Promise<NoteVersion[]> {
    const note = await this.current(book, id);
    if (note.etag === null) return [];
    return [{ version: 1, text: note.text, updatedAt: '', updatedBy: '' }];
  }

  async save(
    book: PhonebookRecord,
    id: string,
    text: string,
    ifMatch: string | undefined,
  ): Promise<Note> {
    return this.#d.connections.write(book, async (connector) => {
      const before = memoText(book, await readRow(book, connector, id));
      checkIfMatch(before, ifMatch);
      if (!connector.update) {
        throw new CtibookError('PHONEBOOK_READ_ONLY', `${book.kind} books take no writes`);
      }
      const column = memoColumnOf(book.config.notes) ?? '';
      const row = await connector.update(id, { [column]: text });
      this.#d.cacheRow?.(book, row);
      return memoNote(text);
    });
  }
}

async function readRow(
  book: PhonebookRecord,
  connector: SourceConnector,
  id: string,
): Promise<SourceRow> {
  const row = connector.readOne ? await connector.readOne(id) : undefined;
  if (!row) throw new CtibookError('CONTACT_NOT_FOUND', undefined, { phonebook: book.name, id });
  return row;
}

/** The memo column's value; the source may spell the column in another case. */
function memoText(book: PhonebookRecord, row: SourceRow): string {
  const column = memoColumnOf(book.config.notes)?.toLowerCase();
  const name = Object.keys(row.values).find((key) => key.toLowerCase() === column);
  if (name === undefined) {
    throw new CtibookError(
      'CONFLICT',
      `The memo column ${column ?? ''} of ${book.name} is not in its source`,
      { phonebook: book.name, field: 'notes.memoColumn' },
    );
  }
  return row.values[name] ?? '';
}

/**
 * `If-Match` against the hash of the text now in the column: needed once a note exists.
 * @throws CtibookError PRECONDITION_REQUIRED, STALE_ETAG.
 */
function checkIfMatch(before: string, ifMatch: string | undefined): void {
  const current = memoNote(before);
  if (ifMatch === undefined) {
    if (current.etag === null) return;
    throw new CtibookError(
      'PRECONDITION_REQUIRED',
      'This note exists: send If-Match with its ETag',
      { etag: current.etag },
    );
  }
  const tags = ifMatch.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
  if (current.etag !== null && (tags.includes('*') || tags.includes(current.etag))) return;
  throw staleNote(current);
}
