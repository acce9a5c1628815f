import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerProcess } from './support/server-process.js';
import { httpLogin, startServer } from './support/server-process.js';

const PASSWORD = 'crash-test-1';

describe('killing the server mid-write', () => {
  let home = '';
  let server: ServerProcess | undefined;
  afterEach(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('loses no acknowledged write and leaves a store that opens', async () => {
    home = mkdtempSync(join(tmpdir(), 'ctibook-crash-'));
    server = await startServer(['--home', home], { CTIBOOK_ADMIN_PASSWORD: PASSWORD });
    const token = await httpLogin(server.url, 'admin', PASSWORD);
    const acknowledged: string[] = [];
    let stop = false;
    const writer = async (worker: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        try {
          const response = await fetch(
            `${server?.url}/api/v1/phonebooks/Global.Phonebook/contacts`,
            {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify({
                lastName: `Crash ${worker}-${i}`,
                businessPhone: `089 ${1000000 + worker * 10000 + i}`,
              }),
            },
          );
          if (response.status === 201)
            acknowledged.push(((await response.json()) as { id: string }).id);
        } catch {
          return; // the server is gone
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    server.child.kill('SIGKILL');
    await server.exited;
    stop = true;
    await Promise.all(writers);
    expect(acknowledged.length).toBeGreaterThan(20);

    const db = new Database(join(home, 'ctibook.db'));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();

    server = await startServer(['--home', home], { CTIBOOK_ADMIN_PASSWORD: PASSWORD });
    const again = await httpLogin(server.url, 'admin', PASSWORD);
    for (const id of acknowledged) {
      const response = await fetch(
        `${server.url}/api/v1/phonebooks/Global.Phonebook/contacts/${id}`,
        {
          headers: { authorization: `Bearer ${again}` },
        },
      );
      expect(response.status, `acknowledged contact ${id}`).toBe(200);
    }
    const lookup = await fetch(`${server.url}/api/v1/lookup?number=0891000000`, {
      headers: { authorization: `Bearer ${again}` },
    });
    expect(((await lookup.json()) as { matches: unknown[] }).matches).toHaveLength(1);
  });
});
