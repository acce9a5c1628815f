import {
  closeSync,
  createReadStream,
  existsSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ContactData } from '../domain/contact.js';
import { CtibookError } from '../domain/errors.js';
import type { Rights } from '../access/rights.js';
import type { NoteVersion } from '../notes/note-store.js';

/** One contact as kept in a trashed book's `records.jsonl`. */
export interface ArchivedContact {
  id: string;
  data: ContactData;
  updatedAt: string;
}

export type ArchivedNote = NoteVersion & { contactId: string };

/** One group's rights on a trashed book (the group's "Resources…" entry for it). */
export interface ArchivedGrant {
  group: string;
  rights: Rights;
}

export const RECORDS_FILE = 'records.jsonl';
export const NOTES_FILE = 'builtin-notes.jsonl';
export const GRANTS_FILE = 'resources.jsonl';

/**
 * Writes a book's records, notes and group rights into its own folder, so that moving the
 * folder to the trash takes every piece of the book with it. Each file is written atomically and line
 * by line, so a large book is never held in memory as one string.
 */
export function writeArchive(
  bookDir: string,
  notesDir: string,
  contacts: Iterable<ArchivedContact>,
  notes: Iterable<ArchivedNote>,
  grants: Iterable<ArchivedGrant>,
): void {
  writeJsonLinesAtomic(join(bookDir, RECORDS_FILE), contacts);
  writeJsonLinesAtomic(join(notesDir, NOTES_FILE), notes);
  writeJsonLinesAtomic(join(bookDir, GRANTS_FILE), grants);
}

const FLUSH_BYTES = 1 << 20;

/** Writes one JSON line per item: temp file, fsync, rename; readers never see a torn file. */
function writeJsonLinesAtomic(file: string, items: Iterable<unknown>, mode = 0o600): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', mode);
  try {
    let chunk: string[] = [];
    let size = 0;
    const flush = (): void => {
      if (chunk.length > 0) writeSync(fd, chunk.join(''));
      chunk = [];
      size = 0;
    };
    for (const item of items) {
      const line = `${JSON.stringify(item)}\n`;
      chunk.push(line);
      size += line.length;
      if (size >= FLUSH_BYTES) flush();
    }
    flush();
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, file);
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
  rmSync(join(bookDir, GRANTS_FILE), { force: true });
}
