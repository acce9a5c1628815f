import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientFixture } from './client-fixture.js';
import { OTTO_PASSWORD, startFixture } from './client-fixture.js';
import { runCli } from './support/server-process.js';

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
