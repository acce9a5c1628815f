import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerProcess } from './support/server-process.js';
import { httpLogin, startServer } from './support/server-process.js';

describe('ctibook serve (a real process)', () => {
  const homes: string[] = [];
  let server: ServerProcess | undefined;
  const newHome = (): string => {
    const home = mkdtempSync(join(tmpdir(), 'ctibook-serve-'));
    homes.push(home);
    return home;
  };

  afterEach(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    server = undefined;
    for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  });

  it('creates the admin with a random password on first start, printed once and kept 0600', async () => {
    const home = newHome();
    server = await startServer(['--home', home], { CTIBOOK_ADMIN_PASSWORD: '' });
    const file = join(home, 'initial-admin-password');
    const password = readFileSync(file, 'utf8').trim();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(server.stdout()).toContain(password);
    expect(server.stderr()).not.toContain(password);
    const token = await httpLogin(server.url, 'admin', password);
    const books = (await (
      await fetch(`${server.url}/api/v1/phonebooks`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { name: string }[];
    expect(books.map((b) => b.name)).toEqual(['Global.LocalNumbers', 'Global.Phonebook']);
    for (const name of ['Global.Phonebook', 'Global.LocalNumbers']) {
      expect(readFileSync(join(home, 'folders', name, 'cfg', 'folder_cfg.ini'), 'utf8')).toContain(
        `Name=${name}`,
      );
      expect(statSync(join(home, 'folders', name, 'notes')).isDirectory()).toBe(true);
    }
    expect(statSync(join(home, 'trash', 'folders')).isDirectory()).toBe(true);
  });

  it('takes the admin password from CTIBOOK_ADMIN_PASSWORD, and home/host from the environment', async () => {
    const home = newHome();
    server = await startServer([], {
      CTIBOOK_HOME: home,
      CTIBOOK_HOST: '127.0.0.1',
      CTIBOOK_ADMIN_PASSWORD: 'from-the-env-1',
    });
    await httpLogin(server.url, 'admin', 'from-the-env-1');
    expect(server.stdout()).not.toContain('from-the-env-1');
    expect(statSync(join(home, 'ctibook.db')).isFile()).toBe(true);
  });

  it('stops cleanly on SIGTERM and SIGINT, and starts again on the same home', async () => {
    const home = newHome();
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      server = await startServer(['--home', home], { CTIBOOK_ADMIN_PASSWORD: 'clean-stop-1' });
      server.child.kill(signal);
      expect(await server.exited).toEqual({ code: 0, signal: null });
      expect(server.stderr()).toContain('"code":"STOPPING"');
    }
  });

  it('stops at once while a request waits for a sync, answering it', async () => {
    const home = newHome();
    // Outside the home: the server opens no source file inside it.
    const csv = join(newHome(), 'big.csv');
    const lines = ['id;lastName;businessPhone'];
    for (let i = 0; i < 100_000; i++) lines.push(`k${i};Name${i};089 ${3_000_000 + i}`);
    writeFileSync(csv, `${lines.join('\n')}\n`);
    server = await startServer(['--home', home], { CTIBOOK_ADMIN_PASSWORD: 'stop-in-sync-1' });
    const token = await httpLogin(server.url, 'admin', 'stop-in-sync-1');
    const headers = { authorization: `Bearer ${token}` };
    const created = await fetch(`${server.url}/api/v1/phonebooks`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Big', kind: 'csv', source: { path: csv, idColumn: 'id' } }),
    });
    expect(created.status).toBe(201);
    // Creating the book started its first sync; this request waits for it.
    const waited = fetch(`${server.url}/api/v1/phonebooks/Big/sync?wait=true`, {
      method: 'POST',
      headers,
    }).then(
      (response) => response.status,
      () => 'closed',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = performance.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    // Not when the sync would have ended, nor at the end of the connection's keep-alive (72 s).
    expect(performance.now() - started).toBeLessThan(15_000);
    expect([503, 'closed']).toContain(await waited);
  });

  it('refuses a bad port with a clear message', async () => {
    const home = newHome();
    await expect(startServer(['--home', home], {}, 70000)).rejects.toThrow(/Port must be a number/);
  });
});
