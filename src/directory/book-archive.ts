import { createReadStream, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ContactData } from '../domain/contact.js';
import { CtibookError } from '../domain/errors.js';
import type { NoteVersion } from '../notes/note-store.js';
import { writeFileAtomic } from '../store/folder-config.js';

/** One contact as kept in a trashed book's `records.jsonl`. */
export interface ArchivedContact {
  id: string;
  data: ContactData;
  updatedAt: string;
}

export type ArchivedNote = NoteVersion & { contactId: string };

export const RECORDS_FILE = 'records.jsonl';
export const NOTES_FILE = 'builtin-notes.jsonl';

/**
 * Writes a book's records and notes into its own folder, so that moving the folder to the
 * trash takes every piece of the book with it. Each file is written atomically.
 */
export function writeArchive(
  bookDir: string,
  notesDir: string,
  contacts: Iterable<ArchivedContact>,
  notes: Iterable<ArchivedNote>,
): void {
  writeFileAtomic(join(bookDir, RECORDS_FILE), jsonLines(contacts));
  writeFileAtomic(join(notesDir, NOTES_FILE), jsonLines(notes));
}

function jsonLines(items: Iterable<unknown>): string {
  const lines: string[] = [];
  for (const item of items) lines.push(JSON.stringify(item));
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** Reads an archive line by line; a broken line stops with its file and line number. */
export async function* readArchive<T>(file: string): AsyncGenerator<T> {
  if (!existsSync(file)) return;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield JSON.parse(text) as T;
    } catch (error) {
      throw new CtibookError(
        'CONFLICT',
        `${file}:${line}: not a JSON line`,
        { file, line },
        { cause: error },
      );
    }
  }
}

export function removeArchive(bookDir: string, notesDir: string): void {
  rmSync(join(bookDir, RECORDS_FILE), { force: true });
  rmSync(join(notesDir, NOTES_FILE), { force: true });
}
