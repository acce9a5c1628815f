import { ApiError, ServerUnreachableError } from '../client/http-client.js';
import { isCtibookError } from '../domain/errors.js';
import type { Io } from './cli-context.js';
import { CONNECTION_HELP, UsageError, errorText, parse, printable } from './cli-context.js';
import { GROUP_HELP, USER_HELP, groupCommand, userCommand } from './admin-commands.js';
import { PHONEBOOK_HELP, phonebookCommand } from './phonebook-commands.js';
import { lookupCommand, searchCommand } from './directory-commands.js';
import { CLIENT_HELP, clientCommand } from './client-commands.js';

const HELP = `ctibook: a phone book server for CTI clients

Usage: ctibook <command> [options]   (ctibook <command> --help for more)

Commands:
  serve       start the server
  user        add, list and remove users
  group       add groups, set members, grant phone books (resources)
  phonebook   create, preview, update (sync), import, delete and restore phone books
  lookup      who is calling: caller identification for a number
  search      search the phone books
  client      the client side: login, offline copies, lookup, search, notes, calls

${CONNECTION_HELP}`;

const SERVE_HELP = `Usage: ctibook serve [--home DIR] [--port N] [--host H]
  --home DIR   home directory (env CTIBOOK_HOME, default ./data)
  --port N     port (env CTIBOOK_PORT, default 8640)
  --host H     address to listen on (env CTIBOOK_HOST, default 127.0.0.1)
  CTIBOOK_SOURCE_ROOTS=DIR:DIR limits the files a source may use to those directories.
  On the first start of an empty home, the user "admin" is created with the password in
  CTIBOOK_ADMIN_PASSWORD, or a random one printed once and written to
  <home>/initial-admin-password. Stop with Ctrl-C or SIGTERM.`;

type Command = (args: string[], io: Io) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  serve: { run: serveCommand, help: SERVE_HELP },
  user: { run: userCommand, help: USER_HELP },
  group: { run: groupCommand, help: GROUP_HELP },
  phonebook: { run: phonebookCommand, help: PHONEBOOK_HELP },
  lookup: { run: lookupCommand, help: '' },
  search: { run: searchCommand, help: '' },
  client: { run: clientCommand, help: CLIENT_HELP },
};

const processIo: Io = {
  out: (text) => process.stdout.write(`${printable(text)}\n`),
  err: (text) => process.stderr.write(`${printable(text)}\n`),
  env: process.env,
  progress: (text) => process.stderr.write(text),
  tty: process.stderr.isTTY === true,
};

/** Runs the `ctibook` command line; resolves to the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(HELP);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`Unknown command "${name}".\n\n${HELP}`);
    return 2;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    return report(error, io, command.help);
  }
}

function report(error: unknown, io: Io, help: string): number {
  if (error instanceof UsageError) {
    io.err(`${error.message}${help ? `\n\n${help}` : ''}`);
    return 2;
  }
  // A CtibookError is one the CLI refuses itself, with the code the server would answer.
  if (error instanceof ApiError || isCtibookError(error)) {
    io.err(errorText(error));
    return 1;
  }
  if (error instanceof ServerUnreachableError) {
    io.err(`${error.message}. Is it running? (--server or CTIBOOK_URL)`);
    return 1;
  }
  io.err(error instanceof Error ? error.message : String(error));
  return 1;
}

async function serveCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    home: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
  });
  if (values.help) {
    io.out(SERVE_HELP);
    return 0;
  }
  // Loaded only here, so client commands start fast.
  const { serve, serveOptionsFromEnv } = await import('../server-main.js');
  const options = serveOptionsFromEnv(io.env);
  await serve({
    ...options,
    ...(values.home !== undefined ? { home: values.home } : {}),
    ...(values.port !== undefined ? { port: Number(values.port) } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
  });
  // Keeps running until a signal stops it.
  return new Promise<number>(() => undefined);
}
