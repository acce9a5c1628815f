import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { HttpClient } from '../client/http-client.js';

/** Options every command that talks to a server takes. */
export const CONNECTION_OPTIONS = {
  server: { type: 'string' },
  user: { type: 'string' },
  password: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const CONNECTION_HELP = `Connection (every command but serve):
  --server URL      server to talk to (env CTIBOOK_URL, default http://127.0.0.1:8640)
  --user NAME       user to log in as (env CTIBOOK_USER, default admin)
  --password PW     password (env CTIBOOK_PASSWORD)
  --json            print JSON instead of text`;

/** Output streams, so tests can capture them. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Writes to stderr as is (no newline), for a progress line redrawn in place. */
  progress?(text: string): void;
  /** stderr is a terminal: progress bars instead of progress lines. */
  tty?: boolean;
}

/** A command-line mistake: printed with the command's help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
) {
  try {
    return parseArgs({
      args,
      options: { ...CONNECTION_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Logs in with the connection options; the caller logs out when done. */
export async function connect(
  values: { server?: string | undefined; user?: string | undefined; password?: string | undefined },
  io: Io,
): Promise<HttpClient> {
  const client = new HttpClient(values.server ?? io.env.CTIBOOK_URL ?? 'http://127.0.0.1:8640');
  const password = values.password ?? io.env.CTIBOOK_PASSWORD;
  if (!password) throw new UsageError('No password: pass --password or set CTIBOOK_PASSWORD');
  await client.login(values.user ?? io.env.CTIBOOK_USER ?? 'admin', password);
  return client;
}

/** Runs `work` logged in, and logs out afterwards whatever happens. */
export async function withClient<T>(
  values: { server?: string | undefined; user?: string | undefined; password?: string | undefined },
  io: Io,
  work: (client: HttpClient) => Promise<T>,
): Promise<T> {
  const client = await connect(values, io);
  try {
    return await work(client);
  } finally {
    await client.logout();
  }
}

/** Control characters but tab and line feed: C0, DEL and C1. */
// eslint-disable-next-line no-control-regex -- matching them is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/**
 * `text` safe to print on a terminal: control characters (ESC of an escape sequence, a
 * carriage return that overwrites the line) as `\uXXXX`. Contact data comes from anyone
 * who may write a book, and from external sources; JSON stays valid, as that is how JSON
 * writes them too.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The details that name what an error is about: a book, a contact id, a trash entry. */
const SUBJECTS = ['phonebook', 'id', 'entry'] as const;

/**
 * An error of the server (or one the CLI refuses with the server's code) as the CLI prints
 * it: `Error CODE: message`, followed by the book, contact id or trash entry it is about
 * when the message does not name them (`No such phone book: Kunden`).
 */
export function errorText(error: {
  code: string;
  message: string;
  details?: Record<string, unknown> | undefined;
}): string {
  const unnamed = SUBJECTS.map((key) => error.details?.[key]).filter(
    (name): name is string =>
      typeof name === 'string' && name !== '' && !names(error.message, name),
  );
  if (unnamed.length === 0) return `Error ${error.code}: ${error.message}`;
  return `Error ${error.code}: ${error.message.replace(/\.$/, '')}: ${unnamed.join(' ')}`;
}

/** The message has `name` as a word of its own (not as part of another word). */
function names(message: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|\\s)${escaped}(?=$|[\\s.,:;)])`).test(message);
}

/** Prints rows as aligned columns. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
