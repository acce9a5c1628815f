import type { ParseArgsConfig } from 'node:util';
import type { HttpClient } from '../client/http-client.js';
import { segment } from '../client/http-client.js';
import { help, print, required } from './admin-commands.js';
import type { Io } from './cli-context.js';
import { CONNECTION_HELP, UsageError, parse, table, withClient } from './cli-context.js';
import { EXISTING, IMPORT_HELP, importCommand } from './import-command.js';
import type { BookView } from './phonebook-api.js';
import { PREVIEW_HELP, SETTINGS_HELP, previewCommand, settingsCommand } from './phonebook-views.js';
import { SOURCE_HELP, SOURCE_OPTIONS, mappingFromFlag, sourceFromFlags } from './source-options.js';
import { UPDATE_HELP, updateCommand } from './update-command.js';

/** `ctibook phonebook --help`: every action in short. */
export const PHONEBOOK_HELP = `Usage: ctibook phonebook <action> ...   (ctibook phonebook <action> --help for more)
  phonebook list                 books with kind, contacts, access and sync state
  phonebook create NAME [--kind KIND] [source flags] [--mapping JSON] [cache flags]
                                 a builtin book, or one kept in sync with a CSV file, an
                                 ODBC/OLE DB database, an LDAP directory or an Access file
  phonebook preview --kind KIND [source flags] [--mapping JSON] [--limit N]
                                 test a source: columns, proposed mapping, first records
  phonebook update NAME          sync an external book now ("Update"), with progress and report
  phonebook settings NAME        kind, source (passwords masked), mapping and cache of a book
  phonebook import FILE --into BOOK [--table T] [--id-column C] [--mapping JSON]
                 [--existing new-id|skip|replace]
                                 copy an Access or CSV phone book into a builtin book
                                 (FILE must be readable by the server, on its machine)
  phonebook delete NAME          moves its folder, records and notes to trash/folders/
  phonebook trash                list deleted books
  phonebook restore ENTRY [--as NAME]
                                 bring a deleted book back (ENTRY from "phonebook trash")

${CONNECTION_HELP}`;

const BOOK_OPTIONS = {
  'cache-mode': { type: 'string' },
  'cache-every': { type: 'string' },
  'cache-at': { type: 'string' },
  'read-only': { type: 'boolean' },
  writable: { type: 'boolean' },
  notes: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** `ctibook phonebook create --help`. */
export const CREATE_HELP = `Usage: ctibook phonebook create NAME [--kind KIND] [source flags] [options]
  Creates a phone book. Without a kind or source it is a builtin book, kept by ctibook.
  With a source, the server checks that it answers, proposes the field mapping unless
  --mapping is given, and starts the first sync at once: "ctibook phonebook update NAME"
  waits for it and prints its report.

${SOURCE_HELP}

Cache, write protection, notes:
  --cache-mode full|changed   full: re-read everything; changed: only changed and new
                          records (the default)
  --cache-every HOURS     time between syncs: hours (24 by default), or days as 2d
  --cache-at startup|HH:MM    startup: the first start of the day (default); or a time of day
  --read-only | --writable    write protection; external books are read-only by default
                          (csv and odbc books can be made writable)
  --notes none|builtin|server|memo:COLUMN
                          notes kept by ctibook (builtin; server: files per record id) or
                          in a text column of an odbc table (memo:COLUMN)

Examples:
  ctibook phonebook create Kunden --csv /srv/export/kunden.csv --delimiter ';' --id-column Nr
  CTIBOOK_SOURCE_PASSWORD=… ctibook phonebook create Mitarbeiter --ldap-url ldaps://dc1
      --base-dn ou=Staff,dc=example,dc=org --bind-dn cn=reader,dc=example,dc=org
  ctibook phonebook create CRM --odbc 'DSN=crm;UID=ctibook' --password-env CRM_PW
      --table contacts --id-column id --modified-column changed_at --cache-every 1

${CONNECTION_HELP}`;

const ACTION_OPTIONS = {
  list: {},
  trash: {},
  delete: {},
  update: {},
  settings: {},
  create: { ...SOURCE_OPTIONS, ...BOOK_OPTIONS },
  preview: { ...SOURCE_OPTIONS, limit: { type: 'string' } },
  import: {
    into: { type: 'string' },
    table: { type: 'string' },
    'id-column': { type: 'string' },
    mapping: { type: 'string' },
    existing: { type: 'string' },
  },
  restore: { as: { type: 'string' } },
} as const satisfies Record<string, ParseArgsConfig['options']>;

type Action = keyof typeof ACTION_OPTIONS;

const ACTION_HELP: Record<Action, string> = {
  list: PHONEBOOK_HELP,
  trash: PHONEBOOK_HELP,
  delete: PHONEBOOK_HELP,
  restore: PHONEBOOK_HELP,
  create: CREATE_HELP,
  preview: PREVIEW_HELP,
  update: UPDATE_HELP,
  settings: SETTINGS_HELP,
  import: IMPORT_HELP,
};

/** `ctibook phonebook …`: the action is read first, then only its own flags are allowed. */
export async function phonebookCommand(args: string[], io: Io): Promise<number> {
  const all = Object.assign({}, ...Object.values(ACTION_OPTIONS)) as ParseArgsConfig['options'];
  const first = parse(args, all ?? {});
  const action = first.positionals[0];
  if (!action) return help(io, PHONEBOOK_HELP);
  if (!Object.hasOwn(ACTION_OPTIONS, action))
    throw new UsageError(`Unknown action "phonebook ${action}"`);
  if (first.values.help) return help(io, ACTION_HELP[action as Action]);
  switch (action as Action) {
    case 'create':
      return create(args, io);
    case 'preview':
      return preview(args, io);
    case 'import':
      return importFile(args, io);
    case 'restore':
      return restore(args, io);
    default:
      return simple(action as Action, args, io);
  }
}

async function simple(action: Action, args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {});
  const name = positionals[1];
  const json = Boolean(values.json);
  return withClient(values, io, async (client) => {
    switch (action) {
      case 'list':
        return list(client, io, json);
      case 'trash':
        return trash(client, io, json);
      case 'update':
        return updateCommand(client, io, required(name, 'phonebook update NAME'), json);
      case 'settings':
        return settingsCommand(client, io, required(name, 'phonebook settings NAME'), json);
      default: {
        const book = required(name, 'phonebook delete NAME');
        const result = await client.send<{ trashEntry: string }>(
          'DELETE',
          `/api/v1/phonebooks/${segment(book)}`,
        );
        return json
          ? print(io, result)
          : (io.out(`Moved ${book} to the trash as ${result.trashEntry}`), 0);
      }
    }
  });
}

async function list(client: HttpClient, io: Io, json: boolean): Promise<number> {
  const books = await client.get<BookView[]>('/api/v1/phonebooks');
  if (json) return print(io, books);
  io.out(
    table([
      ['PHONEBOOK', 'KIND', 'CONTACTS', 'ACCESS', 'SYNC'],
      ...books.map((b) => [
        b.name,
        b.kind,
        String(b.contactCount),
        b.readOnly ? 'read-only' : 'read/write',
        syncText(b.sync),
      ]),
    ]),
  );
  return 0;
}

function syncText(sync: BookView['sync'] | undefined): string {
  if (!sync || sync.status === 'none') return '';
  const last = sync.lastSync ? ` (last ${sync.lastSync.slice(0, 16).replace('T', ' ')} UTC)` : '';
  return `${sync.status}${last}`;
}

async function create(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, ACTION_OPTIONS.create);
  const name = required(positionals[1], 'phonebook create NAME');
  const spec = sourceFromFlags(values, io.env);
  const mapping = mappingFromFlag(values.mapping);
  const cache = cacheFromFlags(values);
  if (values['read-only'] && values.writable) {
    throw new UsageError('Give --read-only or --writable, not both');
  }
  const notes = notesFromFlag(values.notes);
  if (spec.kind === 'builtin' && (mapping || cache)) {
    throw new UsageError('--mapping and the cache flags are for books with a source');
  }
  return withClient(values, io, async (client) => {
    const book = await client.send<BookView>('POST', '/api/v1/phonebooks', {
      name,
      kind: spec.kind,
      ...(spec.kind !== 'builtin' ? { source: spec.source } : {}),
      ...(mapping ? { mapping } : {}),
      ...(cache ? { cache } : {}),
      ...(values['read-only'] ? { readOnly: true } : {}),
      ...(values.writable ? { readOnly: false } : {}),
      ...(notes !== undefined ? { notes } : {}),
    });
    if (values.json) return print(io, book);
    if (book.kind === 'builtin') io.out(`Created phone book ${book.name}`);
    else {
      io.out(
        `Created phone book ${book.name} (${book.kind}); its first sync is running.\n` +
          `"ctibook phonebook update ${book.name}" waits for it and prints the report.`,
      );
    }
    return 0;
  });
}

function cacheFromFlags(values: {
  'cache-mode'?: string | undefined;
  'cache-every'?: string | undefined;
  'cache-at'?: string | undefined;
}): { mode: string; everyHours: number; at: string } | undefined {
  const { 'cache-mode': mode, 'cache-every': every, 'cache-at': at } = values;
  if (mode === undefined && every === undefined && at === undefined) return undefined;
  if (mode !== undefined && mode !== 'full' && mode !== 'changed') {
    throw new UsageError(`--cache-mode ${mode}: full or changed`);
  }
  let everyHours = 24;
  if (every !== undefined) {
    const match = /^(\d+(?:\.\d+)?)\s*([hd]?)$/i.exec(every);
    everyHours = match ? Number(match[1]) * (match[2]?.toLowerCase() === 'd' ? 24 : 1) : NaN;
    if (!(everyHours > 0))
      throw new UsageError(`--cache-every ${every}: hours (like 12) or days (2d)`);
  }
  if (at !== undefined && at !== 'startup' && !/^([01]\d|2[0-3]):[0-5]\d$/.test(at)) {
    throw new UsageError(`--cache-at ${at}: startup or a time HH:MM`);
  }
  return { mode: mode ?? 'changed', everyHours, at: at ?? 'startup' };
}

function notesFromFlag(text: string | undefined): string | { memoColumn: string } | undefined {
  if (text === undefined) return undefined;
  if (text.startsWith('memo:') && text.length > 5) return { memoColumn: text.slice(5) };
  if (['none', 'builtin', 'server'].includes(text)) return text;
  throw new UsageError(`--notes ${text}: none, builtin, server or memo:COLUMN`);
}

async function preview(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, ACTION_OPTIONS.preview);
  const spec = sourceFromFlags(values, io.env);
  if (spec.kind === 'builtin') {
    throw new UsageError('phonebook preview needs a source: --kind KIND or a source flag');
  }
  const mapping = mappingFromFlag(values.mapping);
  const limit = values.limit === undefined ? 10 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new UsageError(`--limit ${values.limit}: 1 to 100`);
  }
  return withClient(values, io, (client) =>
    previewCommand(client, io, spec, mapping, limit, Boolean(values.json)),
  );
}

async function importFile(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, ACTION_OPTIONS.import);
  const file = required(positionals[1], 'phonebook import FILE --into BOOK');
  const into = required(values.into, 'phonebook import FILE --into BOOK');
  const mapping = mappingFromFlag(values.mapping);
  const existing = EXISTING.find((e) => e === values.existing);
  if (values.existing !== undefined && !existing) {
    throw new UsageError(`--existing ${values.existing}: ${EXISTING.join(', ')}`);
  }
  return withClient(values, io, (client) =>
    importCommand(client, io, file, {
      into,
      table: values.table,
      idColumn: values['id-column'],
      mapping,
      existing,
      json: Boolean(values.json),
    }),
  );
}

async function restore(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, ACTION_OPTIONS.restore);
  const entry = required(positionals[1], 'phonebook restore ENTRY');
  return withClient(values, io, async (client) => {
    const book = await client.send<BookView>(
      'POST',
      `/api/v1/trash/${segment(entry)}/restore`,
      values.as !== undefined ? { name: values.as } : {},
    );
    return values.json
      ? print(io, book)
      : (io.out(`Restored ${book.name} (${book.contactCount} contacts)`), 0);
  });
}

async function trash(client: HttpClient, io: Io, json: boolean): Promise<number> {
  const entries =
    await client.get<{ entry: string; name: string; kind: string; deletedAt: string }[]>(
      '/api/v1/trash',
    );
  if (json) return print(io, entries);
  io.out(
    table([
      ['ENTRY', 'NAME', 'KIND', 'DELETED'],
      ...entries.map((e) => [e.entry, e.name, e.kind, e.deletedAt]),
    ]),
  );
  return 0;
}
