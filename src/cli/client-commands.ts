import type { LookupAnswer, Note } from '../client/api-types.js';
import type { SyncReport } from '../client/cache-sync.js';
import { DEFAULT_PAGE_SIZE } from '../client/cache-sync.js';
import { ClientError, NoteConflictError } from '../client/client-errors.js';
import type { CtibookClient } from '../client/ctibook-client.js';
import { ApiError, ServerUnreachableError } from '../client/http-client.js';
import { CACHE_FILE } from '../client/offline-cache.js';
import { SESSION_FILE } from '../client/session-file.js';
import { help, print } from './admin-commands.js';
import type { Io } from './cli-context.js';
import { UsageError, parse } from './cli-context.js';
import { printBooks, printCall, printContact, printLookup, printSearch } from './client-views.js';
import { CLIENT_CONNECTION_HELP, CLIENT_OPTIONS, openClient, workdirOf } from './client-session.js';
import { ProgressDisplay } from './progress.js';

export const CLIENT_HELP = `Usage: ctibook client <command> [options]   (ctibook client <command> --help)

The client side: log in once, keep offline copies of the books you have the offline
right on, and look up callers and search with or without the server.

Commands:
  login              log in and save the session in the working directory
  books              the phone books you may read, with your rights
  search TEXT...     search names, companies and numbers
  lookup NUMBER      who is calling (caller identification)
  show BOOK ID       one contact
  note BOOK ID       a contact's shared note (--set TEXT to save it)
  note --number N    the note on a phone number (--set TEXT to save it)
  sync               bring the offline copies up to date (--watch: keep them current)
  call NUMBER        what a CTI client shows on an incoming call
  logout             end the session (the offline copies stay)

Reading commands (books, search, lookup, show, call) answer from the offline copy when
the server cannot be reached, and say so.

${CLIENT_CONNECTION_HELP}`;

interface Sub {
  run: (args: string[], io: Io) => Promise<number>;
  usage: string;
}

const SUBCOMMANDS: Record<string, Sub> = {
  login: {
    run: login,
    usage:
      'login [--user NAME] [--password PW]\n  Logs in and saves the session token (never the password) in <workdir>/session.json, mode 0600.',
  },
  logout: {
    run: logout,
    usage: 'logout\n  Ends the session on the server and removes the saved token.',
  },
  books: {
    run: books,
    usage:
      'books [--json]\n  The books you may read, your rights, and which are kept offline here.',
  },
  search: { run: search, usage: 'search TEXT... [--limit N] [--json]' },
  lookup: {
    run: lookup,
    usage:
      'lookup NUMBER [--json]\n  NUMBER may be typed with spaces. Exit 1 for an unknown caller, with --json too;\n' +
      '  --json prints the server\'s lookup answer plus "offline": true|false.',
  },
  show: { run: show, usage: 'show BOOK ID [--json]' },
  note: {
    run: note,
    usage:
      'note BOOK ID [--set TEXT] [--etag ETAG] [--json]\n  ctibook client note --number NUMBER [--set TEXT] [--etag ETAG]\n' +
      '  Saving over a note someone else changed meanwhile fails (exit 3) and prints their text;\n' +
      '  pass --etag with the ETag you read to save over exactly that version.',
  },
  sync: {
    run: sync,
    usage:
      'sync [--page-size N] [--watch] [--json]\n  Copies the books you have the offline right on into <workdir>/offline.sqlite and\n' +
      '  deletes the copies of books whose right was withdrawn. Only changes travel after the\n' +
      '  first copy. --watch keeps listening to the server and applies changes as they happen.',
  },
  call: {
    run: call,
    usage:
      'call NUMBER [--json]\n  Caller, company, book and field, the contact note and the number note.\n' +
      '  Exit 1 for an unknown caller, with --json too.',
  },
};

/** `ctibook client …` */
export async function clientCommand(args: string[], io: Io): Promise<number> {
  const [name, ...rest] = args;
  if (!name || name === '--help' || name === '-h' || name === 'help') return help(io, CLIENT_HELP);
  const sub = SUBCOMMANDS[name];
  if (!sub) throw new UsageError(`Unknown client command "${name}"`);
  if (rest.includes('--help') || rest.includes('-h')) {
    return help(io, `Usage: ctibook client ${sub.usage}\n\n${CLIENT_CONNECTION_HELP}`);
  }
  try {
    return await sub.run(rest, io);
  } catch (error) {
    return reportClientError(error, io, name);
  }
}

function reportClientError(error: unknown, io: Io, command: string): number {
  if (error instanceof ApiError && error.status === 401 && command !== 'login') {
    io.err(
      `Error ${error.code}: the session has expired or was ended. Run "ctibook client login", ` +
        'or pass --password (or CTIBOOK_PASSWORD) to log in again by itself.',
    );
    return 1;
  }
  if (error instanceof ClientError) {
    io.err(`Error ${error.code}: ${error.message}`);
    return 1;
  }
  if (error instanceof ServerUnreachableError) {
    io.err(`${error.message}. Is it running? (--server or CTIBOOK_URL)`);
    return 1;
  }
  throw error;
}

async function withOpen<T>(
  values: Parameters<typeof openClient>[0],
  io: Io,
  work: (client: CtibookClient) => Promise<T>,
): Promise<T> {
  const client = await openClient(values, io);
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

async function login(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, CLIENT_OPTIONS);
  const client = await openClient(values, io, { askPassword: true });
  try {
    const user = await client.login();
    if (values.json) return print(io, { ...user, server: client.server });
    io.out(
      `Logged in to ${client.server} as ${user.username}${user.admin ? ' (admin)' : ''}; ` +
        `session saved in ${workdirOf(values, io)}/${SESSION_FILE}`,
    );
    return 0;
  } finally {
    await client.close();
  }
}

async function logout(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, CLIENT_OPTIONS);
  return withOpen(values, io, async (client) => {
    await client.logout();
    if (values.json) return print(io, { loggedOut: true });
    io.out('Logged out; the offline copies stay.');
    return 0;
  });
}

async function books(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, CLIENT_OPTIONS);
  return withOpen(values, io, async (client) => {
    const answer = await client.books();
    return values.json ? print(io, answer) : printBooks(io, answer);
  });
}

async function search(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...CLIENT_OPTIONS, limit: { type: 'string' } });
  const q = positionals.join(' ');
  if (!q) throw new UsageError('Missing argument: client search TEXT');
  return withOpen(values, io, async (client) => {
    const answer = await client.search(q, { limit: positiveInt(values.limit ?? '20', '--limit') });
    return values.json ? print(io, answer) : printSearch(io, answer);
  });
}

async function lookup(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, CLIENT_OPTIONS);
  const number = positionals.join(' ');
  if (!number) throw new UsageError('Missing argument: client lookup NUMBER');
  return withOpen(values, io, async (client) => {
    const answer: LookupAnswer = await client.lookup(number);
    if (!values.json) return printLookup(io, answer);
    print(io, answer);
    return answer.matches.length === 0 ? 1 : 0;
  });
}

async function show(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, CLIENT_OPTIONS);
  const [book, id] = positionals;
  if (!book || !id) throw new UsageError('Missing argument: client show BOOK ID');
  return withOpen(values, io, async (client) => {
    const contact = await client.contact(book, id);
    return values.json ? print(io, contact) : printContact(io, contact);
  });
}

async function note(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    ...CLIENT_OPTIONS,
    number: { type: 'string' },
    set: { type: 'string' },
    etag: { type: 'string' },
  });
  const [book, id] = positionals;
  if (values.number === undefined && (!book || !id)) {
    throw new UsageError('Missing argument: client note BOOK ID, or client note --number NUMBER');
  }
  return withOpen(values, io, async (client) => {
    const read = (): Promise<Note> =>
      values.number !== undefined
        ? client.numberNote(values.number)
        : client.contactNote(book ?? '', id ?? '');
    if (values.set === undefined) {
      const current = await read();
      if (values.json) return print(io, current);
      io.out(current.text || '(no note)');
      if (current.etag)
        io.err(`ETag ${current.etag}, ${current.updatedBy} at ${current.updatedAt}`);
      return 0;
    }
    // Without --etag: save over the note as it is now (read just before).
    const etag = values.etag ?? (await read()).etag;
    try {
      const saved =
        values.number !== undefined
          ? await client.saveNumberNote(values.number, values.set, etag)
          : await client.saveContactNote(book ?? '', id ?? '', values.set, etag);
      return values.json ? print(io, saved) : (io.out(`Saved (ETag ${saved.etag})`), 0);
    } catch (error) {
      if (!(error instanceof NoteConflictError)) throw error;
      if (values.json)
        print(io, { conflict: true, current: error.current, attempted: error.attempted });
      else {
        io.err('Not saved: someone else changed the note first. Their text:');
        io.err(error.current.text);
        io.err(`Save yours over it with --etag '${error.current.etag ?? ''}'.`);
      }
      return 3;
    }
  });
}

async function sync(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    ...CLIENT_OPTIONS,
    'page-size': { type: 'string' },
    watch: { type: 'boolean' },
  });
  const pageSize = positiveInt(values['page-size'] ?? String(DEFAULT_PAGE_SIZE), '--page-size');
  const client = await openClient(values, io);
  const displays = new Map<string, ProgressDisplay>();
  const started = Date.now();
  let report: SyncReport;
  try {
    report = await client.sync({
      pageSize,
      onProgress: (p) => {
        let display = displays.get(p.phonebook);
        if (!display) {
          display = new ProgressDisplay(
            io,
            `${p.phonebook} (${p.phase === 'full' ? 'full copy' : 'changes'})`,
          );
          displays.set(p.phonebook, display);
          display.start();
        }
        display.update({
          phase: p.phase,
          done: p.done,
          total: p.phase === 'full' ? p.total : null,
        });
      },
    });
  } catch (error) {
    await client.close();
    throw error;
  } finally {
    for (const display of displays.values()) display.stop();
  }
  if (values.json) print(io, { ...report, seconds: (Date.now() - started) / 1000 });
  else printSyncReport(io, report, workdirOf(values, io));
  if (!values.watch) {
    await client.close();
    return 0;
  }
  io.err('Watching for changes (Ctrl-C to stop)…');
  client.watch((event) => {
    if (event.type === 'synced' && values.json) print(io, event.report);
    else if (event.type === 'synced') printSyncReport(io, event.report, undefined);
    else if (event.type === 'connection')
      io.err(event.connected ? 'Connected.' : 'Disconnected; retrying…');
    else if (event.type === 'sync-error') io.err(`Sync failed: ${(event.error as Error).message}`);
  });
  return new Promise<number>(() => undefined);
}

function printSyncReport(io: Io, report: SyncReport, workdir: string | undefined): void {
  for (const name of report.dropped)
    io.out(`${name}: offline copy deleted (no offline right any more)`);
  for (const book of report.books) {
    if (book.upserts === 0 && book.deletes === 0 && !book.full) continue;
    const what = book.snapshot ? 'full copy (snapshot)' : book.full ? 'full copy' : 'changes';
    io.out(
      `${book.phonebook}: ${what}, ${book.upserts} updated, ${book.deletes} deleted (${book.bytes} bytes)`,
    );
  }
  if (workdir) io.out(`Offline copies up to date in ${workdir}/${CACHE_FILE}`);
}

async function call(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, CLIENT_OPTIONS);
  const number = positionals.join(' ');
  if (!number) throw new UsageError('Missing argument: client call NUMBER');
  return withOpen(values, io, async (client) => {
    const answer = await client.lookup(number);
    const best = answer.matches[0];
    const notes = answer.offline
      ? { contactNote: null, numberNote: null }
      : {
          contactNote: best
            ? (await client.contactNote(best.phonebook, best.id).catch(() => null))?.text || null
            : null,
          numberNote: (await client.numberNote(number).catch(() => null))?.text || null,
        };
    const shown = { ...answer, caller: best ?? null, ...notes };
    if (!values.json) return printCall(io, shown);
    print(io, shown);
    return best ? 0 : 1;
  });
}

function positiveInt(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${option} must be a positive whole number`);
  return value;
}
