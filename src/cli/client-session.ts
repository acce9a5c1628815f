import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CtibookClient } from '../client/ctibook-client.js';
import { readSession } from '../client/session-file.js';
import type { Io } from './cli-context.js';
import { UsageError } from './cli-context.js';

/** Options of every `ctibook client` command. */
export const CLIENT_OPTIONS = {
  workdir: { type: 'string' },
  ca: { type: 'string' },
} as const;

export const CLIENT_CONNECTION_HELP = `Connection:
  --server URL      server (env CTIBOOK_URL; else the one of the saved session;
                    default http://127.0.0.1:8640)
  --user NAME       user (env CTIBOOK_USER; else the one of the saved session)
  --password PW     password (env CTIBOOK_PASSWORD; login asks for it on a terminal).
                    Other commands use the session saved by login, and log in again
                    with the password when the session has expired and one is given.
  --ca FILE         PEM file of the CA that signed an HTTPS server's certificate
                    (env CTIBOOK_CA)
  --workdir DIR     working directory: saved session and offline copies
                    (env CTIBOOK_WORKDIR, default ~/.ctibook)
  --json            print JSON instead of text`;

export interface ClientValues {
  server?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  workdir?: string | undefined;
  ca?: string | undefined;
}

export function workdirOf(values: ClientValues, io: Io): string {
  return values.workdir ?? io.env.CTIBOOK_WORKDIR ?? join(homedir(), '.ctibook');
}

/**
 * A client for the command's options: server and user from the options, the environment,
 * or the session saved by `login`; the password from the option or the environment.
 */
export async function openClient(
  values: ClientValues,
  io: Io,
  options: { askPassword?: boolean } = {},
): Promise<CtibookClient> {
  const workdir = workdirOf(values, io);
  const saved = readSession(workdir);
  const server = values.server ?? io.env.CTIBOOK_URL ?? saved?.server ?? 'http://127.0.0.1:8640';
  const username = values.user ?? io.env.CTIBOOK_USER ?? saved?.username;
  if (!username) throw new UsageError('No user: pass --user NAME (or run ctibook client login)');
  let password = values.password ?? io.env.CTIBOOK_PASSWORD;
  if (password === undefined && options.askPassword) password = await promptPassword(io, username);
  return CtibookClient.open({
    server,
    username,
    password,
    workdir,
    caFile: values.ca ?? io.env.CTIBOOK_CA,
  });
}

/** Asks for the password on the terminal without echoing it; undefined without a terminal. */
async function promptPassword(io: Io, username: string): Promise<string | undefined> {
  if (!process.stdin.isTTY) return undefined;
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const answer = new Promise<string>((resolve) =>
      rl.question(`Password for ${username}: `, resolve),
    );
    muted = true;
    const password = await answer;
    io.err('');
    return password;
  } finally {
    rl.close();
  }
}
