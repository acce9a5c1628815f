import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PhonebookRecord } from '../store/phonebook-store.js';
import type { TestApp } from '../test-support/test-app.js';
import { createTestApp } from '../test-support/test-app.js';
import { SyncWorkers } from './sync-workers.js';
import { parseSourceConfig } from '../sources/registry.js';
import { createContactsTable, createTestDatabase } from '../test-support/databases.js';

const ROWS = 50_000;
const ODBC_ROWS = 3000;
const ADMIN = { username: 'admin', admin: true };

function people(count: number, lastName: string): string {
  let text = 'Kundennr;Vorname;Nachname;Firma;Telefon geschäftlich;Ort\r\n';
  for (let i = 1; i <= count; i++) {
    text += `K${i};Hans;${lastName}${i};Firma ${i % 7};089 ${4000000 + i};München\r\n`;
  }
  return text;
}

/** This process's children that run a sync process (Linux: /proc). */
function syncProcesses(): number[] {
  const children = readdirSync('/proc/self/task').flatMap((task) =>
    readFileSync(`/proc/self/task/${task}/children`, 'utf8').split(' ').filter(Boolean),
  );
  return children.map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sync-process');
    } catch {
      return false; // ended meanwhile
    }
  });
}

/** Waits up to 5 s for the processes to end; returns those still running. */
async function stillRunning(pids: Iterable<number>): Promise<number[]> {
  const alive = (): number[] => [...pids].filter((pid) => existsSync(`/proc/${pid}`));
  for (let i = 0; i < 100 && alive().length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return alive();
}

describe('syncs off the main thread', () => {
  let t: TestApp;
  let dir: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-sync-worker-'));
    t = await createTestApp({ schedule: false });
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Adds a read-only external book whose source never answers straight to the store (the
   * API would ask the source first), its settings validated as the API does (so the
   * connector gets its defaults), with the folder the engine writes its settings to.
   */
  const unanswered = (
    name: string,
    kind: 'odbc' | 'ldap',
    source: Record<string, unknown>,
  ): PhonebookRecord => {
    const book = t.app.stores.books.insert(
      name,
      kind,
      {
        readOnly: true,
        notes: 'none',
        source: parseSourceConfig(kind, source) as Record<string, unknown>,
      },
      new Date().toISOString(),
    );
    mkdirSync(join(t.home, 'folders', name, 'cfg'), { recursive: true });
    return book;
  };

  /** Runs `work` while a 5 ms timer measures its own lateness and reads the book. */
  async function watched<T>(work: () => Promise<T>, read: () => void): Promise<[T, number]> {
    let longest = 0;
    let due = performance.now() + 5;
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - due);
      due = now + 5;
      read();
    }, 5);
    try {
      return [await work(), longest];
    } finally {
      clearInterval(timer);
    }
  }

  it('keeps the main thread responsive, and readers on the old copy until the new one is complete', async () => {
    const csv = join(dir, 'kunden.csv');
    writeFileSync(csv, people(ROWS, 'Alt'));
    const created = await t.call('POST', '/api/v1/phonebooks', {
      body: {
        name: 'Kunden',
        kind: 'csv',
        source: { path: csv, idColumn: 'Kundennr' },
        cache: { mode: 'changed', everyHours: 24, at: 'startup' },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const book = (): PhonebookRecord => t.app.stores.books.byName('Kunden') as PhonebookRecord;
    // What readers saw, each change once: the old copy, then (at once) the new one.
    let names: string[] = [];
    let counts: number[] = [];
    const saw = <T>(list: T[], value: T): void => {
      if (list.at(-1) !== value) list.push(value);
    };
    const read = (): void => {
      const { matches } = t.app.lookup.lookup(ADMIN, '089 4000007');
      saw(names, matches.map((m) => m.displayName).join() || 'none');
      const listed = t.app.phonebooks.list(ADMIN).find((b) => b.name === 'Kunden');
      saw(counts, listed?.contactCount ?? -1);
    };

    // A first sync fills a staging copy: nothing of it is visible until it is promoted.
    const [first, firstLate] = await watched(() => t.app.sync.sync(book()), read);
    expect(first).toMatchObject({ added: ROWS, skipped: 0 });
    expect(firstLate).toBeLessThan(500);
    expect(['none', 'none,Hans Alt7']).toContain(names.join());
    expect(['0', `0,${ROWS}`]).toContain(counts.join());

    // A changed-only sync applies its diff in one transaction of the worker's connection.
    names = [];
    counts = [];
    writeFileSync(csv, people(ROWS, 'Neu'));
    const before = book();
    const [second, secondLate] = await watched(() => t.app.sync.sync(before), read);
    expect(second).toMatchObject({ mode: 'changed', updated: ROWS, deleted: 0 });
    expect(secondLate).toBeLessThan(500);
    expect(['Hans Alt7', 'Hans Alt7,Hans Neu7']).toContain(names.join());
    expect(counts).toEqual([ROWS]);
    expect(t.app.lookup.lookup(ADMIN, '089 4000007').matches[0]?.displayName).toBe('Hans Neu7');
    // Every changed contact took the next change sequence number of the book.
    expect(book()).toMatchObject({ id: before.id, seq: before.seq + ROWS });
  }, 180_000);

  it('syncs an ODBC table in a process of its own, which ends with the sync or the server', async () => {
    const db = await createTestDatabase('sqlite');
    try {
      await createContactsTable(db, 'leute');
      const rows = Array.from(
        { length: ODBC_ROWS },
        (_, i) => `('Hans', 'Odbc${i}', '089 ${5000000 + i}', 'Firma', '2020-01-01 00:00:00')`,
      );
      await db.exec(
        `INSERT INTO leute (first, last, phone, company, modified) VALUES ${rows.join(', ')}`,
      );
      const created = await t.call('POST', '/api/v1/phonebooks', {
        body: {
          name: 'Leute',
          kind: 'odbc',
          source: { connectionString: db.connectionString, table: 'leute', idColumn: 'id' },
          mapping: { id: 'id', firstName: 'first', lastName: 'last', businessPhone: 'phone' },
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      const leute = t.app.stores.books.byName('Leute') as PhonebookRecord;
      const seen = new Set<number>();
      const [report, late] = await watched(
        () => t.app.sync.sync(leute),
        () => syncProcesses().forEach((pid) => seen.add(pid)),
      );
      expect(report).toMatchObject({ added: ODBC_ROWS, skipped: 0 });
      expect(late).toBeLessThan(500);
      expect(t.app.lookup.lookup(ADMIN, '089 5000007').matches[0]?.displayName).toBe('Hans Odbc7');
      // One process did the sync, and it ended with it.
      expect(seen.size).toBe(1);
      expect(await stillRunning(seen)).toEqual([]);
    } finally {
      await db.drop();
    }

    // A sync that hangs in its driver (a server that never answers) ends with the server.
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const stuck = unanswered('Stuck', 'odbc', {
        connectionString: `Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=${port};Database=x;Uid=x;Pwd=x;`,
        table: 'contacts',
        idColumn: 'id',
      });
      const running = t.app.sync.sync(stuck);
      let pids: number[] = [];
      for (let i = 0; i < 200 && pids.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        pids = syncProcesses();
      }
      expect(pids).toHaveLength(1);
      await t.app.close();
      await expect(running).rejects.toMatchObject({ code: 'SOURCE_UNAVAILABLE' });
      expect(await stillRunning(pids)).toEqual([]);
    } finally {
      silent.close();
    }
  }, 180_000);

  it('stops a sync whose source hangs, keeps the old copy, and closes while one runs', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const book = unanswered('Still', 'ldap', {
        url: `ldap://127.0.0.1:${port}`,
        baseDn: 'dc=example,dc=org',
      });
      const workers = new SyncWorkers(1000);
      const job = {
        storeFile: t.app.home.storeFile,
        synchronous: 'NORMAL' as const,
        book,
        location: { ...t.app.location.normalizer.location },
        lastSync: undefined,
        now: new Date().toISOString(),
        mode: 'diff' as const,
      };
      await expect(workers.run(job, { progress: () => undefined })).rejects.toMatchObject({
        code: 'SOURCE_UNAVAILABLE',
        message: expect.stringContaining('delivered nothing for 1 s') as string,
      });

      const running = t.app.sync.sync(book);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = performance.now();
      await t.app.close();
      expect(performance.now() - started).toBeLessThan(5000);
      await expect(running).rejects.toMatchObject({ code: 'SOURCE_UNAVAILABLE' });
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
