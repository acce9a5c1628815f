import { randomBytes } from 'node:crypto';
import { extname, resolve } from 'node:path';
import type { HttpClient } from '../client/http-client.js';
import { ApiError, segment } from '../client/http-client.js';
import { bookPages } from './book-pages.js';
import { CONTACT_FIELDS, deriveDisplayName } from '../domain/contact.js';
import type { ContactData } from '../domain/contact.js';
import { CtibookError } from '../domain/errors.js';
import type { Io } from './cli-context.js';
import { CONNECTION_HELP, UsageError } from './cli-context.js';
import type { BookView, ContactView, Skipped, SyncReport } from './phonebook-api.js';
import { skippedLines } from './phonebook-api.js';
import { ProgressDisplay } from './progress.js';
import { failureText, syncBook } from './update-command.js';

/** `ctibook phonebook import --help`. */
export const IMPORT_HELP = `Usage: ctibook phonebook import FILE --into BOOK [--table T] [--id-column C]
                                [--mapping JSON] [--existing new-id|skip|replace] [--json]
  Copies an Access (.mdb, .accdb) or CSV phone book into an existing builtin book: the
  migration path from the Windows product. FILE is read by the server, so it must be a
  path on the server's machine (a relative path is made absolute against the current
  directory, which is right when the server runs here).

  --into BOOK        the builtin book to copy into (create it with "phonebook create BOOK")
  --table T          the table of an Access file that holds the phone book (required)
  --id-column C      a column with permanent record ids (without one, ids are made from
                     the row's content); ids are kept when BOOK has no contact of that id
  --existing WHAT    when BOOK has a contact of that id already: new-id (default: add the
                     record under a new id), skip (leave it; a repeated import then adds
                     only what is new), replace (overwrite that contact)
  --mapping JSON     contact field → column; without it the server proposes one from the
                     column names. Check it first: ctibook phonebook preview --csv FILE
                     (or --access FILE --table T)

  How: a temporary external book (import-<random>) is created on FILE and synced, its
  contacts are read page by page and added to BOOK 1,000 at a time (POST …/contacts/bulk,
  each batch in one transaction), and the temporary book is
  deleted (it lands in "phonebook trash"). Rows the file could not deliver (with line
  numbers) and contacts BOOK refused (an unreadable number, say) are listed as skipped.

${CONNECTION_HELP}`;

/** Contacts sent in one bulk write (the server takes up to 1,000): a progress line each. */
const BATCH = 1000;

/** The flags of `phonebook import`. */
export interface ImportOptions {
  into: string;
  table?: string | undefined;
  idColumn?: string | undefined;
  mapping?: Record<string, string> | undefined;
  existing?: Existing | undefined;
  json: boolean;
}

/** What to do with a record whose id the target book has already. */
export type Existing = 'new-id' | 'skip' | 'replace';

/** The values `--existing` takes. */
export const EXISTING: readonly Existing[] = ['new-id', 'skip', 'replace'];

interface Summary {
  file: string;
  into: string;
  read: number;
  imported: number;
  newIds: number;
  replaced: number;
  /** Left alone with `--existing skip`: the book has their id already. */
  present: number;
  skipped: number;
  errors: Skipped[];
  temporaryBook: string;
  trashEntry: string | null;
}

/**
 * `ctibook phonebook import FILE --into BOOK`.
 * @throws CtibookError CONFLICT when BOOK is not a builtin book, PHONEBOOK_READ_ONLY when
 * it is write-protected: checked before anything is read.
 */
export async function importCommand(
  client: HttpClient,
  io: Io,
  file: string,
  options: ImportOptions,
): Promise<number> {
  const { kind, source } = importSource(file, options);
  const target = await client.get<BookView>(`/api/v1/phonebooks/${segment(options.into)}`);
  // Refused here, before a temporary book is made, with the codes the bulk write would give.
  if (target.kind !== 'builtin') {
    throw new CtibookError(
      'CONFLICT',
      `${target.name} is a ${target.kind} book: import copies into builtin books`,
      { phonebook: target.name },
    );
  }
  if (target.readOnly) {
    throw new CtibookError(
      'PHONEBOOK_READ_ONLY',
      `${target.name} is write-protected (read-only): nothing can be added`,
      { phonebook: target.name },
    );
  }
  const temporary = `import-${randomBytes(4).toString('hex')}`;
  await client.send('POST', '/api/v1/phonebooks', {
    name: temporary,
    kind,
    source,
    ...(options.mapping ? { mapping: options.mapping } : {}),
    readOnly: true,
    notes: 'none',
    cache: { mode: 'changed', everyHours: 24 * 366, at: 'startup' },
  });
  const summary: Summary = {
    file: source.path,
    into: target.name,
    read: 0,
    imported: 0,
    newIds: 0,
    replaced: 0,
    present: 0,
    skipped: 0,
    errors: [],
    temporaryBook: temporary,
    trashEntry: null,
  };
  const stop = new AbortController();
  const interrupt = (): void => stop.abort();
  process.once('SIGINT', interrupt);
  const display = new ProgressDisplay(io, `Importing into ${target.name}`);
  display.start(`reading ${source.path}`);
  let failure: ApiError | undefined;
  try {
    const report = await syncNow(client, temporary, display).catch((error: unknown) => {
      if (!(error instanceof ApiError)) throw error;
      failure = error;
      return undefined;
    });
    if (report) {
      summary.skipped += report.skipped;
      summary.errors.push(...report.errors);
      const existing = options.existing ?? 'new-id';
      await copy(client, temporary, target.name, existing, summary, display, stop.signal);
    }
  } finally {
    display.stop();
    process.off('SIGINT', interrupt);
    summary.trashEntry = await client
      .send<{ trashEntry: string }>('DELETE', `/api/v1/phonebooks/${temporary}`)
      .then(
        (r) => r.trashEntry,
        (error: unknown) => {
          io.err(`Could not delete the temporary book ${temporary}: ${String(error)}`);
          return null;
        },
      );
  }
  if (failure) {
    io.err(`${source.path} could not be read; nothing was imported.`);
    io.err(failureText(failure));
    return 1;
  }
  if (options.json) {
    io.out(JSON.stringify(summary, null, 2));
  } else {
    io.out(summaryText(summary));
  }
  if (stop.signal.aborted) {
    io.err('Interrupted: the contacts above were copied, the rest were not.');
    return 130;
  }
  return 0;
}

/**
 * Syncs the temporary book and returns the report with the rows the file could not
 * deliver. A full sync (the first one) does not list them at present, so then a second,
 * changed-only pass over the same file (cheap: nothing changes) is asked for the list.
 * @throws ApiError when the sync fails (the file is not there, most rows are unreadable).
 */
async function syncNow(
  client: HttpClient,
  book: string,
  display: ProgressDisplay,
): Promise<SyncReport> {
  const sync = async (): Promise<SyncReport> => {
    const before = await client.get<BookView>(`/api/v1/phonebooks/${segment(book)}`);
    const outcome = await syncBook(client, before, display);
    if (!outcome.ok) throw outcome.error;
    return outcome.report;
  };
  const first = await sync();
  return first.mode === 'full' && first.skipped === 0 ? sync() : first;
}

function importSource(
  file: string,
  options: ImportOptions,
): { kind: 'csv' | 'access'; source: { path: string } & Record<string, string> } {
  const path = resolve(file);
  const extension = extname(path).toLowerCase();
  const idColumn: Record<string, string> =
    options.idColumn !== undefined ? { idColumn: options.idColumn } : {};
  if (['.mdb', '.accdb', '.mde', '.accde'].includes(extension)) {
    if (options.table === undefined) {
      throw new UsageError(`--table T is needed for an Access file: which table holds the book?`);
    }
    return { kind: 'access', source: { path, table: options.table, ...idColumn } };
  }
  if (['.csv', '.txt', '.tsv', '.tab'].includes(extension)) {
    if (options.table !== undefined) throw new UsageError('--table is for Access files only');
    return { kind: 'csv', source: { path, ...idColumn } };
  }
  throw new UsageError(`${file}: import reads .mdb/.accdb (Access) and .csv/.txt files`);
}

/** Reads every contact of the temporary book and adds it to the target, a batch a request. */
async function copy(
  client: HttpClient,
  from: string,
  into: string,
  existing: Existing,
  summary: Summary,
  display: ProgressDisplay,
  signal: AbortSignal,
): Promise<void> {
  const path = `/api/v1/phonebooks/${segment(into)}/contacts/bulk`;
  for await (const { contacts, total } of bookPages(client, from)) {
    for (let start = 0; start < contacts.length; start += BATCH) {
      if (signal.aborted) return;
      const batch = contacts.slice(start, start + BATCH);
      const body = { contacts: batch.map((c) => ({ ...contactBody(c), id: c.id })), existing };
      const { results } = await client.send<BulkAnswer>('POST', path, body);
      batch.forEach((contact, i) => count(summary, contact, results[i]));
      summary.read += batch.length;
      display.update({ phase: 'copied', done: summary.read, total });
    }
  }
}

/** The server's answer to a bulk write: one result per contact sent, in order. */
interface BulkAnswer {
  results: { id?: string; status: string; code?: string; message?: string }[];
}

/** Counts one contact's result into the summary; a refused one is listed with its reason. */
function count(
  summary: Summary,
  contact: ContactView,
  result: BulkAnswer['results'][number] | undefined,
): void {
  const status = result?.status ?? 'skipped';
  if (status === 'skipped' && result?.code === 'ALREADY_EXISTS') {
    summary.present++;
    return;
  }
  if (status === 'skipped') {
    summary.skipped++;
    const reason = result ? `${result.code ?? 'ERROR'}: ${result.message ?? ''}` : 'no answer';
    summary.errors.push({ at: `${contact.displayName} (id ${contact.id})`, reason });
    return;
  }
  summary.imported++;
  if (status === 'new-id') summary.newIds++;
  if (status === 'replaced') summary.replaced++;
}

/** The writable part of a contact; a display name the server would derive is left out. */
function contactBody(contact: ContactView): ContactData {
  const body: Record<string, unknown> = {};
  for (const field of CONTACT_FIELDS) {
    const value = contact[field];
    if (typeof value === 'string' && value !== '') body[field] = value;
  }
  const data = body as ContactData;
  const { displayName, ...rest } = data;
  if (displayName !== undefined && displayName === deriveDisplayName(rest)) delete data.displayName;
  if (contact.extra && Object.keys(contact.extra).length > 0) data.extra = contact.extra;
  return data;
}

function summaryText(summary: Summary): string {
  const lines = [
    `Imported ${summary.imported} of ${summary.read} contacts from ${summary.file} into ${summary.into}` +
      (summary.newIds > 0 ? `; ${summary.newIds} got a new id, theirs was taken` : '') +
      (summary.replaced > 0 ? `; ${summary.replaced} replaced contacts of the same id` : '') +
      (summary.present > 0 ? `; ${summary.present} were there already (same id), left alone` : '') +
      '.',
  ];
  if (summary.skipped > 0) {
    lines.push(`Skipped ${summary.skipped}:`, ...skippedLines(summary.errors, summary.skipped));
  }
  if (summary.trashEntry) {
    lines.push(
      `The temporary book ${summary.temporaryBook} is in the trash as ${summary.trashEntry}.`,
    );
  }
  return lines.join('\n');
}
