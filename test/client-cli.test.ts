import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientFixture } from './client-fixture.js';
import { OTTO_PASSWORD, startFixture } from './client-fixture.js';
import { CLI, runCli } from './support/server-process.js';

/** Each CLI run starts a Node process; generous on a shared machine. */
const SLOW = 120_000;

describe('ctibook client (CLI) against a real server', () => {
  let f: ClientFixture;
  let id: string;
  const cli = (...args: string[]) =>
    runCli(['client', ...args, '--workdir', f.workdir], { CTIBOOK_PASSWORD: '' });

  beforeAll(async () => {
    f = await startFixture();
    await f.grant({ read: true, write: true, offline: true });
    ({ id } = await f.addContact('Sales', {
      firstName: 'Jürgen',
      lastName: 'Müller',
      company: 'Müller Bau',
      businessPhone: '089 4711-23',
    }));
    await f.api('PUT', `/api/v1/phonebooks/Sales/contacts/${id}/note`, { text: 'VIP customer' });
    await f.api('PUT', '/api/v1/numbers/+49894711-23/note', { text: 'calls on Mondays' });
  });
  afterAll(async () => {
    await f.close();
  }, SLOW);

  it(
    'logs in and keeps only the token, readable by the owner alone',
    async () => {
      const login = await runCli([
        'client',
        'login',
        '--server',
        f.server.url,
        '--user',
        'otto',
        '--password',
        OTTO_PASSWORD,
        '--workdir',
        f.workdir,
      ]);
      expect(login.code, login.stderr).toBe(0);
      const file = join(f.workdir, 'session.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const saved = readFileSync(file, 'utf8');
      expect(saved).not.toContain(OTTO_PASSWORD);
      expect(JSON.parse(saved)).toMatchObject({ server: f.server.url, username: 'otto' });
    },
    SLOW,
  );

  it(
    'has help on every command',
    async () => {
      for (const command of [
        'login',
        'books',
        'search',
        'lookup',
        'show',
        'note',
        'sync',
        'call',
      ]) {
        const result = await runCli(['client', command, '--help']);
        expect(result.code).toBe(0);
        expect(result.stdout).toContain(`ctibook client ${command}`);
      }
    },
    SLOW,
  );

  it(
    'lists books, syncs, looks up, shows and prints an incoming call',
    async () => {
      const books = await cli('books');
      expect(books.code, books.stderr).toBe(0);
      expect(books.stdout).toMatch(/Sales\s+builtin\s+1\s+read write offline/);
      const sync = await cli('sync');
      expect(sync.code, sync.stderr).toBe(0);
      expect(sync.stdout).toContain('Sales: full copy, 1 updated');
      const lookup = await cli('lookup', '+49 89 4711 23', '--json');
      expect(JSON.parse(lookup.stdout)).toMatchObject({
        normalized: '+49894711 23'.replace(' ', ''),
        offline: false,
        matches: [{ displayName: 'Jürgen Müller', field: 'businessPhone', match: 'exact' }],
      });
      const show = await cli('show', 'Sales', id);
      expect(show.stdout).toMatch(/company\s+Müller Bau/);
      const call = await cli('call', '0894711-23');
      expect(call.code, call.stderr).toBe(0);
      expect(call.stdout).toContain('Caller:   Jürgen Müller');
      expect(call.stdout).toContain('Company:  Müller Bau');
      expect(call.stdout).toContain('Book:     Sales (businessPhone 089 4711-23, exact match)');
      expect(call.stdout).toContain('Note:     VIP customer');
      expect(call.stdout).toContain('Number note: calls on Mondays');
    },
    SLOW,
  );

  it(
    'saves notes and reports a conflict without losing the text',
    async () => {
      const note = await cli('note', 'Sales', id, '--json');
      const { etag } = JSON.parse(note.stdout) as { etag: string };
      const saved = await cli('note', 'Sales', id, '--set', 'mine', '--etag', etag);
      expect(saved.code, saved.stderr).toBe(0);
      const stale = await cli('note', 'Sales', id, '--set', 'too late', '--etag', etag);
      expect(stale.code).toBe(3);
      expect(stale.stderr).toContain('someone else changed the note first');
      expect(stale.stderr).toContain('mine');
    },
    SLOW,
  );

  it(
    'looks up a number typed with spaces, and exits 1 for an unknown caller with --json too',
    async () => {
      const spaced = await cli('lookup', '089', '4711-23');
      expect(spaced.code, spaced.stderr).toBe(0);
      expect(spaced.stdout).toContain('089 4711-23 (+4989471123):');
      expect(spaced.stdout).toContain('Jürgen Müller');
      const lookup = await cli('lookup', '030', '999', '--json');
      expect(lookup.code).toBe(1);
      expect(JSON.parse(lookup.stdout)).toMatchObject({ input: '030 999', matches: [] });
      const call = await cli('call', '030', '999', '--json');
      expect(call.code).toBe(1);
      expect(JSON.parse(call.stdout)).toMatchObject({ input: '030 999', caller: null });
      expect((await cli('call', '089', '4711-23', '--json')).code).toBe(0);
    },
    SLOW,
  );

  it(
    'prints JSON under --json for each change sync --watch applies, and for logout',
    async () => {
      const workdir = mkdtempSync(join(tmpdir(), 'ctibook-client-json-'));
      const as = ['--server', f.server.url, '--user', 'otto', '--workdir', workdir];
      try {
        const login = await runCli(['client', 'login', ...as, '--password', OTTO_PASSWORD]);
        expect(login.code, login.stderr).toBe(0);
        const watch = spawn(process.execPath, [CLI, 'client', 'sync', '--watch', '--json', ...as], {
          env: { ...process.env, CTIBOOK_PASSWORD: '' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        // One JSON document per report, each starting with "{" on a line of its own.
        const reports = (): string[] => out.split(/\n(?=\{)/).filter(Boolean);
        watch.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        watch.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
        const exited = new Promise((resolve) => watch.once('exit', resolve));
        try {
          await until(() => err.includes('Watching for changes'));
          await f.addContact('Sales', { lastName: 'Neu', businessPhone: '089 4711-99' });
          // The first report is the copy made at start; a later one brings the new contact.
          await until(() =>
            reports()
              .slice(1)
              .some((text) => text.includes('"upserts": 1')),
          );
        } finally {
          watch.kill('SIGTERM');
          await exited;
        }
        const parsed = reports().map((text) => JSON.parse(text) as unknown);
        expect(parsed.slice(1)).toContainEqual(
          expect.objectContaining({
            books: [expect.objectContaining({ phonebook: 'Sales', upserts: 1 })],
          }),
        );

        const logout = await runCli(['client', 'logout', ...as, '--json']);
        expect(logout.code, logout.stderr).toBe(0);
        expect(JSON.parse(logout.stdout)).toEqual({ loggedOut: true });
      } finally {
        rmSync(workdir, { recursive: true, force: true });
      }
    },
    SLOW,
  );

  it(
    'answers reading commands from the offline copy when the server is down',
    async () => {
      await f.stop();
      const lookup = await cli('lookup', '089 4711-23', '--json');
      expect(lookup.code, lookup.stderr).toBe(0);
      expect(JSON.parse(lookup.stdout)).toMatchObject({
        offline: true,
        matches: [{ displayName: 'Jürgen Müller', match: 'exact' }],
      });
      const search = await cli('search', 'mueller');
      expect(search.stdout).toContain('Jürgen Müller');
      expect(search.stdout).toContain('offline copy');
      const call = await cli('call', '089 4711-23');
      expect(call.stdout).toContain('Caller:   Jürgen Müller');
      expect(call.stdout).toContain('offline copy');
      const books = await cli('books');
      expect(books.stdout).toContain('offline copy');
      const sync = await cli('sync');
      expect(sync.code).toBe(1);
      expect(sync.stderr).toContain('Cannot reach the ctibook server');
    },
    SLOW,
  );
});

/** Waits until `done` holds, checking every 50 ms, for at most 30 s. */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
