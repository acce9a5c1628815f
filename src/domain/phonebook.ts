import { CtibookError } from './errors.js';

export const PHONEBOOK_KINDS = [
  'builtin',
  'csv',
  'odbc',
  'odbc-query',
  'oledb',
  'ldap',
  'access',
  'local-numbers',
] as const;
export type PhonebookKind = (typeof PHONEBOOK_KINDS)[number];

export const GLOBAL_PHONEBOOK = 'Global.Phonebook';
export const GLOBAL_LOCAL_NUMBERS = 'Global.LocalNumbers';

export type NotesMode = 'none' | 'builtin' | 'server' | { memoColumn: string };

export interface CacheSettings {
  mode: 'full' | 'changed';
  everyHours: number;
  at: 'startup' | string;
}

/** A phone book's settings, as kept in the store and in its `folder_cfg.ini`. */
export interface PhonebookConfig {
  readOnly: boolean;
  notes: NotesMode;
  source?: Record<string, unknown>;
  mapping?: Record<string, string>;
  cache?: CacheSettings;
}

const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}/\\:*?"<>|]/u;

/**
 * Checks a phone book name, which becomes a folder name under `folders/`: 1–64
 * characters, no path separators, control characters or characters Windows forbids, no
 * leading dot, no leading or trailing space, no trailing dot.
 * @throws CtibookError INVALID_NAME naming the problem.
 */
export function validatePhonebookName(name: unknown): string {
  const fail = (problem: string): never => {
    throw new CtibookError('INVALID_NAME', `Phone book name ${problem}`, {
      field: 'name',
      problem,
    });
  };
  if (typeof name !== 'string') return fail('must be a string');
  const normalized = name.normalize('NFC');
  if (normalized.length === 0 || normalized.length > 64) fail('must have 1 to 64 characters');
  if (FORBIDDEN.test(normalized)) fail('must not contain / \\ : * ? " < > | or control characters');
  if (normalized.startsWith('.')) fail('must not start with a dot');
  if (normalized.endsWith('.')) fail('must not end with a dot');
  if (normalized.trim() !== normalized) fail('must not start or end with a space');
  return normalized;
}

/** `Global.*` books are created by the server and cannot be deleted or renamed. */
export function isGlobalPhonebook(name: string): boolean {
  return name.toLowerCase().startsWith('global.');
}

/** Kinds whose source can take writes at all; the rest are forced read-only. */
export function kindCanWrite(kind: PhonebookKind): boolean {
  return kind === 'builtin' || kind === 'csv' || kind === 'odbc';
}
