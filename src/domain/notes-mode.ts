import { CtibookError } from './errors.js';
import type { NotesMode, PhonebookKind } from './phonebook.js';

/** The memo column that holds a book's notes, when its notes mode is `{memoColumn}`. */
export function memoColumnOf(notes: NotesMode): string | undefined {
  return typeof notes === 'object' ? notes.memoColumn : undefined;
}

/**
 * Whether a book's records keep their id from one sync to the next, so notes can be
 * filed under it: builtin books, LDAP (its id attribute), and sources with an id column.
 */
export function hasStableIds(
  kind: PhonebookKind,
  source: Record<string, unknown> | undefined,
): boolean {
  if (kind === 'builtin' || kind === 'local-numbers' || kind === 'ldap') return true;
  return typeof source?.['idColumn'] === 'string' && source['idColumn'] !== '';
}

/**
 * Checks a book's notes mode against its kind: a memo column exists only in an ODBC table,
 * and `server` notes are filed by record id, so they need ids that last.
 * @throws CtibookError VALIDATION_FAILED naming `notes`.
 */
export function checkNotesMode(
  kind: PhonebookKind,
  notes: NotesMode,
  source: Record<string, unknown> | undefined,
): void {
  if (typeof notes === 'object' && kind !== 'odbc') {
    throw new CtibookError(
      'VALIDATION_FAILED',
      `notes: a ${kind} book has no memo column (only odbc table books do); use "builtin", "server" or "none"`,
      { field: 'notes' },
    );
  }
  if (notes === 'server' && !hasStableIds(kind, source)) {
    throw new CtibookError(
      'VALIDATION_FAILED',
      `notes: "server" notes are filed by record id; set source.idColumn for this ${kind} book first`,
      { field: 'notes' },
    );
  }
}
