import { CtibookError } from '../domain/errors.js';
import type { PhonebookRecord } from '../store/phonebook-store.js';
import type { Note, NoteVersion } from './note-store.js';
import { noteEtag, toNote } from './note-store.js';

/**
 * Where the notes of a book's contacts live, by the book's notes mode: the store
 * (`builtin`), files under the book's folder (`server`), or a column of the source record
 * (`{memoColumn}`). The service checks rights and the contact first.
 */
export interface ContactNoteBackend {
  /** The current note; `etag: null` while there is none. */
  current(book: PhonebookRecord, id: string): Promise<Note>;
  /** Saved versions, newest first (where the backend keeps them). */
  history(book: PhonebookRecord, id: string): Promise<NoteVersion[]>;
  /**
   * Saves `text` when `ifMatch` names the current note (absent: only while there is none).
   * @throws CtibookError PRECONDITION_REQUIRED (a note exists, no If-Match), STALE_ETAG.
   */
  save(
    book: PhonebookRecord,
    id: string,
    text: string,
    ifMatch: string | undefined,
    by: string,
    now: string,
  ): Promise<Note>;
}

/**
 * The version a save replaces, from `If-Match` (one tag, a list, or `*`); a missing header
 * is fine only for a first note. Returns -1 for `*` without a note (which never matches).
 * @throws CtibookError PRECONDITION_REQUIRED, STALE_ETAG (no tag names a version).
 */
export function expectedVersion(
  current: NoteVersion | undefined,
  ifMatch: string | undefined,
): number {
  if (ifMatch === undefined) {
    if (current) {
      throw new CtibookError(
        'PRECONDITION_REQUIRED',
        'This note exists: send If-Match with its ETag',
        { etag: noteEtag(current.version) },
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
  if (first === undefined) throw staleNote(toNote(current));
  // One of several tags is enough when it names the current version.
  return current && versions.includes(current.version) ? current.version : first;
}

/** The 412 of a save that lost the race; it carries the note that won. */
export function staleNote(current: Note): CtibookError {
  return new CtibookError(
    'STALE_ETAG',
    'Someone else saved this note first; reload it and merge your text',
    { current },
  );
}
