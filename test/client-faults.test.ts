import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import {
  ClientError,
  CtibookClient,
  OfflineCache,
  ServerUnreachableError,
} from '../src/client/index.js';
import type { ClientFixture } from './client-fixture.js';
import { MUNICH, OTTO_PASSWORD, startFixture } from './client-fixture.js';
import { FILL_COMMIT_PAGES } from '../src/client/offline-cache.js';
import { OFFLINE_BOOK, fakeServer } from '../src/test-support/fake-server.js';
import { CLI } from './support/server-process.js';

const BIG = 3000;

/** A CSV book of `count` contacts, synced into the server's store. */
async function addCsvBook(f: ClientFixture, name: string, count: number): Promise<void> {
  const rows = ['id;firstName;lastName;company;businessPhone'];
  for (let i = 0; i < count; i++) {
    rows.push(`c${i};Vorname${i};Nachname${i};Firma ${i % 50};+49 89 ${String(2_000_000 + i)}`);
  }
  // Outside the home: the server opens no source file inside it.
  const dir = mkdtempSync(join(tmpdir(), 'ctibook-client-csv-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, `${name}.csv`);
  writeFileSync(path, `${rows.join('\n')}\n`);
  await f.api('POST', '/api/v1/phonebooks', {
    name,
    kind: 'csv',
    source: { path, delimiter: ';', idColumn: 'id' },
  });
  await f.api('POST', `/api/v1/phonebooks/${name}/sync?wait=true`);
  await f.api('PUT', '/api/v1/groups/field/resources', [
    { phonebook: 'Sales', read: true, write: false, offline: true },
    { phonebook: name, read: true, write: false, offline: true },
  ]);
}

/** Generous: these start real processes and copy thousands of contacts on a shared machine. */
const SLOW = 180_000;

describe('client faults against a real server', () => {
  let f: ClientFixture;
  const open = (): CtibookClient =>
    CtibookClient.open({
      server: f.server.url,
      username: 'otto',
      password: OTTO_PASSWORD,
      workdir: f.workdir,
    });

  beforeEach(async () => {
    f = await startFixture();
    await f.addContact('Sales', { lastName: 'Kern', businessPhone: '089 111222' });
  });
  afterEach(async () => {
    await f.close();
  }, SLOW);

  it(
    'a client killed mid-sync restarts consistent and finishes the copy',
    async () => {
      await addCsvBook(f, 'Big', BIG);
      // A full copy commits every FILL_COMMIT_PAGES pages: killed before its first commit
      // and after its second.
      for (const killAfterPages of [3, 2 * FILL_COMMIT_PAGES + 5]) {
        const child = spawn(
          process.execPath,
          [
            CLI,
            'client',
            'sync',
            '--server',
            f.server.url,
            '--user',
            'otto',
            '--workdir',
            f.workdir,
            '--page-size',
            '50',
          ],
          {
            env: { ...process.env, CTIBOOK_PASSWORD: OTTO_PASSWORD },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let pages = 0;
        const killed = new Promise<void>((resolve, reject) => {
          child.stderr.on('data', (chunk: Buffer) => {
            pages += (chunk.toString().match(/^Big /gm) ?? []).length;
            if (pages >= killAfterPages) {
              child.kill('SIGKILL');
              resolve();
            }
          });
          child.once('exit', (code) => reject(new Error(`sync ended (${code}) before the kill`)));
        });
        try {
          await killed;
        } finally {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGKILL');
            await new Promise((resolve) => child.once('exit', resolve));
          }
        }

        const cache = OfflineCache.open(f.workdir);
        expect(cache.integrity()).toBe('ok');
        // The full copy fills beside the book and appears only once complete.
        const big = cache.books().find((b) => b.name === 'Big');
        expect(big?.contactCount ?? 0).toBe(0);
        expect(big?.syncedAt ?? null).toBeNull();
        expect(cache.lookup('089 2000001').matches).toEqual([]);
        // Committed pages are kept, with the token to go on from.
        if (killAfterPages > 2 * FILL_COMMIT_PAGES) expect(cache.since('Big')).toBeDefined();
        cache.close();
      }
      const client = open();
      const report = await client.sync({ pageSize: 500 });
      // Went on from where the killed process stopped: not everything again.
      const big = report.books.find((b) => b.phonebook === 'Big');
      expect(big?.upserts).toBeLessThan(BIG);
      expect(big?.upserts).toBeGreaterThan(0);
      await f.stop();
      expect((await client.books()).books.find((b) => b.name === 'Big')?.contactCount).toBe(BIG);
      expect((await client.lookup('+49 89 2000999')).matches).toMatchObject([{ id: 'c999' }]);
      expect((await client.search('nachname2999')).items).toMatchObject([{ id: 'c2999' }]);
      await client.close();
    },
    SLOW,
  );

  it.each([
    ['read on this thread', undefined],
    ['read on a reader thread', 0],
  ])(
    'a server stopped mid-sync leaves the previous copy usable, and the next sync goes on (%s)',
    async (_, readerThreadFrom) => {
      const client = open();
      await client.sync();
      await addCsvBook(f, 'Big', BIG);
      let pages = 0;
      const failed = await client
        .sync({
          pageSize: 100,
          readerThreadFrom,
          onProgress: () => {
            if (++pages === 3) f.server.child.kill('SIGKILL');
          },
        })
        .catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(ServerUnreachableError);
      const offline = await client.lookup('089 111222');
      expect(offline).toMatchObject({ offline: true, matches: [{ displayName: 'Kern' }] });
      await f.restart();
      const report = await client.sync();
      expect(report.books.find((b) => b.phonebook === 'Big')?.full).toBe(true);
      expect((await client.books()).books.find((b) => b.name === 'Big')?.contactCount).toBe(BIG);
      await client.close();
    },
    SLOW,
  );

  it(
    'a change feed that sends garbage is refused and the copy stays as it was',
    async () => {
      const client = open();
      await client.sync();
      await client.close();
      const fake = await fakeServer({
        '/api/v1/phonebooks': { body: [OFFLINE_BOOK] },
        '/api/v1/settings/location': { body: MUNICH },
        '/api/v1/phonebooks/Sales/changes': {
          body: { token: '1.9', reset: true, more: false, upserts: [{ lastName: 'x' }] },
        },
      });
      try {
        const confused = CtibookClient.open({
          server: fake.url,
          username: 'otto',
          token: 'whatever',
          workdir: f.workdir,
        });
        await expect(confused.sync()).rejects.toMatchObject({ code: 'CHANGE_FEED_INVALID' });
        await confused.close();
      } finally {
        fake.close();
      }
      const cache = OfflineCache.open(f.workdir);
      expect(cache.lookup('089 111222').matches).toMatchObject([{ displayName: 'Kern' }]);
      cache.close();
    },
    SLOW,
  );

  it.each([
    ['read on this thread', {}],
    ['read on a reader thread', { readerThreadFrom: 0 }],
    ['copied from a snapshot', { snapshotFrom: 1 }],
  ])(
    'a full working directory is a clear error; the previous copy stays usable (%s)',
    async (_, options) => {
      const client = open();
      await client.sync();
      await client.close();
      await addCsvBook(f, 'Big', BIG);
      const limited = CtibookClient.open({
        server: f.server.url,
        username: 'otto',
        password: OTTO_PASSWORD,
        workdir: f.workdir,
        cache: { maxBytes: 600_000 },
      });
      const error = await limited.sync({ pageSize: 1000, ...options }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClientError);
      expect(error).toMatchObject({ code: 'CACHE_WRITE_FAILED' });
      expect(String((error as Error).message)).toMatch(/full/);
      await f.stop();
      expect(await limited.lookup('089 111222')).toMatchObject({
        offline: true,
        matches: [{ displayName: 'Kern' }],
      });
      await limited.close();
    },
    SLOW,
  );
});
