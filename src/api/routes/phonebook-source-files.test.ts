import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../../test-support/test-app.js';
import { createTestApp } from '../../test-support/test-app.js';

const CSV =
  'id;firstName;lastName;businessPhone\n1;Anna;Alt;089 4000001\n2;Bernd;Berg;089 4000002\n';
const SECRET = 'root:x:0:0:secret-line';

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

describe('file sources and the files they may open', () => {
  let dir: string;
  let root: string;
  let outside: string;
  let t: TestApp | undefined;
  /** Homes given to `open`, which `TestApp.close` leaves. */
  let homes: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-source-files-'));
    root = join(dir, 'exports');
    outside = join(dir, 'elsewhere');
    mkdirSync(root);
    mkdirSync(outside);
    writeFileSync(join(root, 'kunden.csv'), CSV);
    writeFileSync(join(outside, 'kunden.csv'), CSV);
    writeFileSync(join(outside, 'passwd'), `${SECRET}\n`);
    homes = [];
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    for (const home of [dir, ...homes]) rmSync(home, { recursive: true, force: true });
  });

  const open = async (sourceRoots?: string[], home?: string): Promise<TestApp> => {
    t = await createTestApp({
      schedule: false,
      ...(sourceRoots ? { sourceRoots } : {}),
      ...(home ? { home } : {}),
    });
    return t;
  };
  const preview = (app: TestApp, kind: string, source: Record<string, unknown>) =>
    app.call('POST', '/api/v1/phonebooks/preview', { body: { kind, source } });
  const create = (app: TestApp, path: string, extra: Record<string, unknown> = {}) =>
    app.call('POST', '/api/v1/phonebooks', {
      body: { name: 'Kunden', kind: 'csv', source: { path, idColumn: 'id' }, ...extra },
    });
  const sync = (app: TestApp) => app.call('POST', '/api/v1/phonebooks/Kunden/sync?wait=true');
  const refusal = (response: { statusCode: number; body: string }, reason: string): void => {
    expect(response.statusCode, response.body).toBe(400);
    expect((JSON.parse(response.body) as ErrorBody).error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/^source\.path: /),
      details: { field: 'source.path', reason },
    });
    expect(response.body).not.toContain(SECRET);
    expect(response.body).not.toContain('root:x:0');
  };

  describe('with CTIBOOK_SOURCE_ROOTS', () => {
    it('previews a CSV inside a root, and refuses /etc/passwd and files elsewhere', async () => {
      const app = await open([root]);
      const shown = await preview(app, 'csv', { path: join(root, 'kunden.csv'), idColumn: 'id' });
      expect(shown.statusCode, shown.body).toBe(200);
      expect(shown.json()).toMatchObject({ records: [{ id: '1', lastName: 'Alt' }, { id: '2' }] });
      refusal(await preview(app, 'csv', { path: '/etc/passwd' }), 'OUTSIDE_SOURCE_ROOTS');
      refusal(await preview(app, 'csv', { path: join(outside, 'passwd') }), 'OUTSIDE_SOURCE_ROOTS');
      refusal(
        await preview(app, 'access', { path: join(outside, 'fruit.mdb'), table: 'Fruit' }),
        'OUTSIDE_SOURCE_ROOTS',
      );
    });

    it('refuses a link inside a root that leads outside it', async () => {
      const app = await open([root]);
      symlinkSync(join(outside, 'passwd'), join(root, 'link.csv'));
      refusal(await preview(app, 'csv', { path: join(root, 'link.csv') }), 'OUTSIDE_SOURCE_ROOTS');
      refusal(await create(app, join(root, 'link.csv')), 'OUTSIDE_SOURCE_ROOTS');
      expect((await app.call('GET', '/api/v1/phonebooks/Kunden')).statusCode).toBe(404);
    });

    it('creates a book inside a root and refuses to move its source outside', async () => {
      const app = await open([root]);
      expect((await create(app, join(root, 'kunden.csv'))).statusCode).toBe(201);
      expect((await sync(app)).json()).toMatchObject({ added: 2 });
      const moved = await app.call('PATCH', '/api/v1/phonebooks/Kunden', {
        body: { source: { path: join(outside, 'kunden.csv'), idColumn: 'id' } },
      });
      refusal(moved, 'OUTSIDE_SOURCE_ROOTS');
      const settings = await app.call('GET', '/api/v1/phonebooks/Kunden/settings');
      expect(settings.json()).toMatchObject({ source: { path: join(root, 'kunden.csv') } });
      const book = await app.call('GET', '/api/v1/phonebooks/Kunden');
      expect(book.json()).toMatchObject({ contactCount: 2 });
    });
  });

  describe('with or without CTIBOOK_SOURCE_ROOTS', () => {
    it.each([
      ['without roots', undefined],
      ['with a root around the home', [tmpdir()]],
    ])("refuses the home's store and folder configs %s", async (_label, roots) => {
      const app = await open(roots);
      const files = [join(app.home, 'ctibook.db'), join(app.home, 'ctibook.db-wal')];
      files.push(join(app.home, 'folders', 'Global.Phonebook', 'cfg', 'folder_cfg.ini'));
      for (const path of files) {
        refusal(await preview(app, 'csv', { path }), 'INSIDE_HOME');
        refusal(await create(app, path), 'INSIDE_HOME');
      }
      expect((await app.call('GET', '/api/v1/phonebooks/Kunden')).statusCode).toBe(404);
    });

    it('refuses directories, FIFOs, devices and /proc files', async () => {
      const app = await open();
      const fifo = join(outside, 'pipe.csv');
      execFileSync('mkfifo', [fifo]);
      for (const path of [outside, fifo, '/dev/zero', '/proc/self/environ']) {
        refusal(await preview(app, 'csv', { path }), 'NOT_A_FILE');
      }
      refusal(await create(app, fifo), 'NOT_A_FILE');
    });

    it('reads a CSV anywhere else when no roots are set', async () => {
      const app = await open();
      expect((await create(app, join(outside, 'kunden.csv'))).statusCode).toBe(201);
      expect((await sync(app)).json()).toMatchObject({ added: 2 });
    });
  });

  describe('a book created before CTIBOOK_SOURCE_ROOTS was set', () => {
    const before = async (): Promise<TestApp> => {
      const first = await open();
      const created = await create(first, join(outside, 'kunden.csv'), {
        readOnly: false,
        mapping: { firstName: 'firstName', lastName: 'lastName', businessPhone: 'businessPhone' },
      });
      expect(created.statusCode, created.body).toBe(201);
      expect((await sync(first)).json()).toMatchObject({ added: 2 });
      homes.push(first.home);
      await first.server.close();
      await first.app.close();
      t = undefined;
      return open([root], first.home);
    };

    it('is not written back to', async () => {
      const app = await before();
      const write = await app.call('PATCH', '/api/v1/phonebooks/Kunden/contacts/1', {
        body: { lastName: 'Neu' },
      });
      refusal(write, 'OUTSIDE_SOURCE_ROOTS');
      expect(readFileSync(join(outside, 'kunden.csv'), 'utf8')).toBe(CSV);
    });

    it('fails its sync with the refusal and keeps its old copy', async () => {
      const app = await before();
      refusal(await sync(app), 'OUTSIDE_SOURCE_ROOTS');
      const book = (await app.call('GET', '/api/v1/phonebooks/Kunden')).json() as {
        contactCount: number;
        sync: { status: string; error: string };
      };
      expect(book).toMatchObject({
        contactCount: 2,
        sync: { status: 'failed', error: expect.stringContaining('CTIBOOK_SOURCE_ROOTS') },
      });
    });
  });
});
