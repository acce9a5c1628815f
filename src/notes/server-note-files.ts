import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CtibookError } from '../domain/errors.js';
import { writeFileAtomic } from '../store/folder-config.js';
import type { PhonebookRecord } from '../store/phonebook-store.js';
import type { ContactNoteBackend } from './contact-note-backend.js';
import { expectedVersion, staleNote } from './contact-note-backend.js';
import type { Note, NoteVersion } from './note-store.js';
import { toNote } from './note-store.js';

/** What one note file holds: the record id it belongs to and every version, oldest first. */
interface NoteFile {
  id: string;
  versions: NoteVersion[];
}

const READABLE_LENGTH = 40;
/** Longer encodings give way to a hash, so a name stays well under 255 bytes. */
const MAX_ENCODED_LENGTH = 120;

/**
 * The file name of a record's note: a readable prefix of the id (letters, digits, `_`,
 * `-` only), `~`, then `b` and the id in base64url, or for long ids `h` and the SHA-256
 * of the id in base64url. Never `..`, never a `/`, at most 167 characters; two ids never
 * share a name (the hash aside, and the file names its id, so a clash reads as no note).
 */
export function noteFileName(id: string): string {
  const readable = id
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .slice(0, READABLE_LENGTH);
  const encoded = Buffer.from(id, 'utf8').toString('base64url');
  const key =
    encoded.length <= MAX_ENCODED_LENGTH
      ? `b${encoded}`
      : `h${createHash('sha256').update(id, 'utf8').digest('base64url')}`;
  return `${readable}~${key}.json`;
}

/**
 * Notes mode `server` (the seed's SharedNotesOnCtiSrv): one JSON file per record id in
 * the book's `notes/` folder, holding every version, each save written atomically (temp
 * file, fsync, rename). The files move with the book's folder (rename, trash, restore).
 * Saves are synchronous after the check, so two requests never interleave.
 */
export class ServerNoteFiles implements ContactNoteBackend {
  readonly #notesDir: (book: PhonebookRecord) => string;

  /** @param notesDir - the `notes/` folder of a book (`Home.notesDir`) */
  constructor(notesDir: (book: PhonebookRecord) => string) {
    this.#notesDir = notesDir;
  }

  async current(book: PhonebookRecord, id: string): Promise<Note> {
    return toNote(this.#read(book, id).at(-1));
  }

  async history(book: PhonebookRecord, id: string): Promise<NoteVersion[]> {
    return [...this.#read(book, id)].reverse();
  }

  async save(
    book: PhonebookRecord,
    id: string,
    text: string,
    ifMatch: string | undefined,
    by: string,
    now: string,
  ): Promise<Note> {
    const versions = this.#read(book, id);
    const current = versions.at(-1);
    const expected = expectedVersion(current, ifMatch);
    if ((current?.version ?? 0) !== expected) throw staleNote(toNote(current));
    const next: NoteVersion = { version: expected + 1, text, updatedAt: now, updatedBy: by };
    const dir = this.#notesDir(book);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file: NoteFile = { id, versions: [...versions, next] };
    writeFileAtomic(join(dir, noteFileName(id)), `${JSON.stringify(file)}\n`, 0o600);
    return toNote(next);
  }

  #read(book: PhonebookRecord, id: string): NoteVersion[] {
    const name = noteFileName(id);
    const path = join(this.#notesDir(book), name);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const file = parseNoteFile(text, `${book.name}/notes/${name}`);
    return file.id === id ? file.versions : [];
  }
}

function parseNoteFile(text: string, where: string): NoteFile {
  try {
    const parsed = JSON.parse(text) as Partial<NoteFile>;
    if (typeof parsed.id === 'string' && Array.isArray(parsed.versions)) {
      return { id: parsed.id, versions: parsed.versions };
    }
  } catch {
    // reported below
  }
  throw new CtibookError('CONFLICT', `The note file ${where} is damaged; fix or remove it`, {
    file: where,
  });
}
