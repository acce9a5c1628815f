import { existsSync } from 'node:fs';
import { CtibookError } from '../domain/errors.js';
import type { CacheSettings, NotesMode, PhonebookConfig } from '../domain/phonebook.js';
import { FolderConfig } from '../store/folder-config.js';
import type { PhonebookRecord } from '../store/phonebook-store.js';

/** The `[Phonebook]` keys of a book's `folder_cfg.ini`. */
export function iniSettings(book: PhonebookRecord): Record<string, string> {
  return {
    Name: book.name,
    Kind: book.kind,
    ReadOnly: book.config.readOnly ? '1' : '0',
    Notes:
      typeof book.config.notes === 'string'
        ? book.config.notes
        : `memo:${book.config.notes.memoColumn}`,
    // The file is mode 0600: source settings may hold a password.
    ...(book.config.source ? { Source: JSON.stringify(book.config.source) } : {}),
    ...(book.config.mapping ? { Mapping: JSON.stringify(book.config.mapping) } : {}),
    ...(book.config.cache ? { Cache: JSON.stringify(book.config.cache) } : {}),
  };
}

/**
 * A book's settings as its `folder_cfg.ini` keeps them (a trashed book's, before restore).
 * @throws CtibookError TRASH_NOT_FOUND without the file, CONFLICT for a broken JSON value
 */
export function readBookSettings(file: string): PhonebookConfig & { name: string; kind: string } {
  if (!existsSync(file))
    throw new CtibookError('TRASH_NOT_FOUND', `The trash entry has no ${file}`);
  const config = FolderConfig.read(file);
  const notes = config.get('Phonebook', 'Notes') ?? 'builtin';
  return {
    name: config.get('Phonebook', 'Name') ?? '',
    kind: config.get('Phonebook', 'Kind') ?? 'builtin',
    readOnly: config.get('Phonebook', 'ReadOnly') === '1',
    notes: notes.startsWith('memo:') ? { memoColumn: notes.slice(5) } : (notes as NotesMode),
    ...jsonSetting<Record<string, unknown>>(config, 'Source', 'source', file),
    ...jsonSetting<Record<string, string>>(config, 'Mapping', 'mapping', file),
    ...jsonSetting<CacheSettings>(config, 'Cache', 'cache', file),
  };
}

function jsonSetting<T>(
  config: FolderConfig,
  key: string,
  as: string,
  file: string,
): Record<string, T> {
  const text = config.get('Phonebook', key);
  if (!text) return {};
  try {
    return { [as]: JSON.parse(text) as T };
  } catch (error) {
    throw new CtibookError(
      'CONFLICT',
      `${file}: ${key}= is not valid JSON`,
      { file, key },
      { cause: error },
    );
  }
}
