import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TestApp } from '../test-support/test-app.js';
import { createTestApp } from '../test-support/test-app.js';

const HEADER = 'Kundennr;Vorname;Nachname;Firma;Telefon geschäftlich;Mobiltelefon;Ort\r\n';

function people(count: number, changed = new Set<number>()): string {
  let text = HEADER;
  for (let i = 1; i <= count; i++) {
    const last = changed.has(i) ? `Neu${i}` : `Müller${i}`;
    text += `K${i};Hans;${last};Firma ${i % 7};089 ${4000000 + i};0171 ${5000000 + i};München\r\n`;
  }
  return text;
}

describe('external books: a CSV book through the API and the sync engine', () => {
  let t: TestApp;
  let dir: string;
  let csv: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-sync-'));
    csv = join(dir, 'kunden.csv');
    writeFileSync(csv, people(50));
    t = await createTestApp({ schedule: false });
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const create = (extra: Record<string, unknown> = {}) =>
    t.call('POST', '/api/v1/phonebooks', {
      body: { name: 'Kunden', kind: 'csv', source: { path: csv, idColumn: 'Kundennr' }, ...extra },
    });
  const update = async () => {
    const response = await t.call('POST', '/api/v1/phonebooks/Kunden/sync?wait=true');
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as {
      added: number;
      updated: number;
      deleted: number;
      unchanged: number;
      skipped: number;
      errors: { at: string; reason: string }[];
      unreadableNumbers: number;
      numberWarnings: { at: string; reason: string }[];
    };
  };
  const lookup = async (number: string) =>
    (await t.call('GET', `/api/v1/lookup?number=${encodeURIComponent(number)}`)).json() as {
      matches: { displayName: string; phonebook: string }[];
    };

  it("lists each book's syncs on the status page, newest first, failures with their error", async () => {
    expect((await create()).statusCode).toBe(201);
    await update();
    rmSync(csv);
    const failed = await t.call('POST', '/api/v1/phonebooks/Kunden/sync?wait=true');
    expect(failed.statusCode).toBeGreaterThanOrEqual(400);
    const status = (await t.call('GET', '/api/v1/status')).json() as {
      phonebooks: { name: string; syncHistory: Record<string, unknown>[] }[];
    };
    const history = status.phonebooks.find((b) => b.name === 'Kunden')?.syncHistory ?? [];
    expect(history[0]).toMatchObject({ status: 'failed', added: 0, error: expect.any(String) });
    expect(history.slice(1).map((h) => h.status)).toContain('ok');
    expect(history.find((h) => h.status === 'ok')).toMatchObject({ error: null });
    const builtin = status.phonebooks.find((b) => b.name === 'Global.Phonebook');
    expect(builtin?.syncHistory).toEqual([]);
  });

  it('keeps the syncs, the last error, report and back-off across a restart', async () => {
    await create();
    writeFileSync(csv, `${people(3)}K9;"broken;x;y;z;1;2\r\n`);
    await update();
    rmSync(csv);
    expect((await t.call('POST', '/api/v1/phonebooks/Kunden/sync?wait=true')).statusCode).toBe(503);
    const seen = async () => {
      const books = (await t.call('GET', '/api/v1/phonebooks')).json() as {
        name: string;
        sync: Record<string, unknown>;
      }[];
      const status = (await t.call('GET', '/api/v1/status')).json() as {
        phonebooks: { name: string; syncHistory: Record<string, unknown>[] }[];
      };
      return {
        sync: books.find((b) => b.name === 'Kunden')?.sync,
        history: status.phonebooks.find((b) => b.name === 'Kunden')?.syncHistory,
      };
    };
    const before = await seen();
    expect(before.sync).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('kunden.csv'),
      report: { added: 3, skipped: 1, errors: [{ at: expect.stringMatching(/:5$/) }] },
    });
    expect(before.history?.map((h) => h.status)).toEqual(['failed', 'ok']);
    const home = t.home;
    await t.server.close();
    await t.app.close();
    t = await createTestApp({ home, schedule: false });
    // The same error and report, and the retry waits out the same back-off.
    expect(await seen()).toEqual(before);
  });

  it('gives a book created again under a deleted name a history of its own', async () => {
    await create();
    await update();
    expect((await t.call('DELETE', '/api/v1/phonebooks/Kunden')).statusCode).toBe(200);
    await create();
    const status = (await t.call('GET', '/api/v1/status')).json() as {
      phonebooks: { name: string; syncHistory: unknown[] }[];
    };
    expect(status.phonebooks.find((b) => b.name === 'Kunden')?.syncHistory).toEqual([]);
  });

  it('previews columns, the proposed mapping and the first records before saving', async () => {
    const response = await t.call('POST', '/api/v1/phonebooks/preview', {
      body: { kind: 'csv', source: { path: csv, idColumn: 'Kundennr' }, limit: 3 },
    });
    expect(response.statusCode, response.body).toBe(200);
    const preview = response.json() as {
      columns: string[];
      mapping: Record<string, string>;
      records: Record<string, string>[];
    };
    expect(preview.columns).toContain('Telefon geschäftlich');
    expect(preview.mapping).toMatchObject({
      firstName: 'Vorname',
      lastName: 'Nachname',
      businessPhone: 'Telefon geschäftlich',
    });
    expect(preview.records).toHaveLength(3);
    expect(preview.records[0]).toMatchObject({
      id: 'K1',
      displayName: 'Hans Müller1',
      city: 'München',
    });
  });

  it('creates the book read-only, syncs it, and names callers from it', async () => {
    const created = await create();
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ kind: 'csv', readOnly: true });
    await update();
    expect((await lookup('+49 89 4000007')).matches[0]).toMatchObject({
      displayName: 'Hans Müller7',
      phonebook: 'Kunden',
    });
    const ini = readFileSync(join(t.home, 'folders', 'Kunden', 'cfg', 'folder_cfg.ini'), 'utf8');
    expect(ini).toMatch(/^LastSync=\d{4}-\d\d-\d\dT/m);
    expect(ini).toContain('Kind=csv');
    const list = (await t.call('GET', '/api/v1/phonebooks')).json() as {
      name: string;
      contactCount: number;
      sync: { status: string };
    }[];
    expect(list.find((b) => b.name === 'Kunden')).toMatchObject({
      contactCount: 50,
      sync: { status: 'ok' },
    });
    const write = await t.call('POST', '/api/v1/phonebooks/Kunden/contacts', {
      body: { lastName: 'X' },
    });
    expect(write.statusCode).toBe(403);
    expect(write.json()).toMatchObject({ error: { code: 'PHONEBOOK_READ_ONLY' } });
  });

  it('applies only what changed in changed mode, including deletions', async () => {
    await create({ cache: { mode: 'changed', everyHours: 24, at: 'startup' } });
    await update();
    writeFileSync(csv, people(48, new Set([3, 4])));
    const report = await update();
    expect(report).toMatchObject({ added: 0, updated: 2, deleted: 2, unchanged: 46, skipped: 0 });
    expect((await lookup('089 4000050')).matches).toEqual([]);
    expect((await lookup('089 4000003')).matches[0]?.displayName).toBe('Hans Neu3');
  });

  it('re-reads every row in full mode and patches the copy in place', async () => {
    await create({ cache: { mode: 'full', everyHours: 24, at: '03:00' } });
    await update();
    const before = t.app.stores.books.byName('Kunden')?.id;
    writeFileSync(csv, people(60, new Set([7])).replace(/^K2;.*\r\n/m, ''));
    const report = await update();
    expect(report).toMatchObject({ mode: 'full', added: 10, updated: 1, deleted: 1 });
    expect(report).toMatchObject({ unchanged: 48, skipped: 0 });
    // The same book, not a new copy: offline clients fetch only the changes.
    expect(t.app.stores.books.byName('Kunden')?.id).toBe(before);
    expect((await lookup('089 4000007')).matches[0]?.displayName).toBe('Hans Neu7');
    expect((await lookup('089 4000002')).matches).toEqual([]);
    expect((await lookup('089 4000055')).matches[0]?.displayName).toBe('Hans Müller55');
  });

  it('rebuilds when LastSync= is empty, and keeps group rights on the rebuilt book', async () => {
    await create({ cache: { mode: 'full', everyHours: 24, at: '03:00' } });
    await update();
    const before = t.app.stores.books.byName('Kunden')?.id;
    const token = await t.userWith('vera', { Kunden: { read: true } });
    const ini = join(t.home, 'folders', 'Kunden', 'cfg', 'folder_cfg.ini');
    writeFileSync(ini, readFileSync(ini, 'utf8').replace(/^LastSync=.*$/m, 'LastSync='));
    writeFileSync(csv, people(60));
    // The staging writer checkpoints itself, spaced; this thread's commits do not meanwhile.
    const checkpointPages = () => t.app.db.pragma('wal_autocheckpoint', { simple: true });
    const store = t.app.stores.books;
    const promote = store.promote.bind(store);
    const whilePromoted: unknown[] = [];
    vi.spyOn(store, 'promote').mockImplementation((...args) => {
      whilePromoted.push(checkpointPages());
      promote(...args);
    });
    const report = await update();
    expect(whilePromoted).toEqual([0]);
    expect(checkpointPages()).toBe(1000);
    expect(report).toMatchObject({ mode: 'full', added: 10, unchanged: 50, deleted: 0 });
    expect(t.app.stores.books.byName('Kunden')?.id).not.toBe(before);
    const found = (await t.call('GET', '/api/v1/search?q=muller55', { token })).json() as {
      items: { id: string }[];
    };
    expect(found.items.map((i) => i.id)).toEqual(['K55']);
    const books = (await t.call('GET', '/api/v1/phonebooks', { token })).json() as {
      name: string;
      contactCount: number;
    }[];
    expect(books).toEqual([expect.objectContaining({ name: 'Kunden', contactCount: 60 })]);
  });

  it('reports bad lines with line numbers, and keeps the old copy when a sync fails', async () => {
    await create();
    await update();
    writeFileSync(csv, `${people(3)}K9;"broken;x;y;z;1;2\r\nK10;only two\r\n`);
    const report = await update();
    expect(report.errors.map((e) => e.at.split(':').pop())).toEqual(['5', '6']);
    expect(report.deleted).toBe(47);
    rmSync(csv);
    const failed = await t.call('POST', '/api/v1/phonebooks/Kunden/sync?wait=true');
    expect(failed.statusCode).toBe(503);
    expect(failed.json()).toMatchObject({ error: { code: 'SOURCE_UNAVAILABLE' } });
    const list = (await t.call('GET', '/api/v1/phonebooks')).json() as {
      name: string;
      contactCount: number;
      sync: { status: string; error: string };
    }[];
    expect(list.find((b) => b.name === 'Kunden')).toMatchObject({
      contactCount: 3,
      sync: { status: 'failed' },
    });
    expect((await lookup('089 4000002')).matches).toHaveLength(1);
  });

  it('keeps a row whose phone column holds no number, and says so with its line', async () => {
    writeFileSync(csv, `${people(2)}K3;Hans;Schrott;;hello;0171 5000003;Berlin\r\n`);
    await create({ cache: { mode: 'changed', everyHours: 24, at: '03:00' } });
    const first = await update();
    expect(first).toMatchObject({ added: 3, skipped: 0, unreadableNumbers: 1 });
    expect(first.numberWarnings).toEqual([
      {
        at: 'line 4',
        reason:
          'businessPhone "hello" is not a phone number: kept as text, no call is matched to it',
      },
    ]);
    expect((await lookup('0171 5000003')).matches.map((m) => m.displayName)).toEqual([
      'Hans Schrott',
    ]);
    // A changed-only sync tells of the rows it read again, not of every row once more.
    writeFileSync(csv, `${people(2, new Set([1]))}K3;Hans;Schrott;;hello;0171 5000003;Berlin\r\n`);
    expect(await update()).toMatchObject({ updated: 1, unreadableNumbers: 0 });
  });

  it('aborts a sync where most rows fail and keeps the old copy', async () => {
    await create();
    await update();
    writeFileSync(csv, HEADER + 'a;b\r\n'.repeat(40) + 'K1;Hans;Solo;F;089 1;;M\r\n');
    const failed = await t.call('POST', '/api/v1/phonebooks/Kunden/sync?wait=true');
    expect(failed.json()).toMatchObject({ error: { code: 'SOURCE_REJECTED' } });
    expect((await lookup('089 4000020')).matches).toHaveLength(1);
  });

  it('refuses a source that does not answer, with the reason, and creates nothing', async () => {
    const response = await t.call('POST', '/api/v1/phonebooks', {
      body: { name: 'Weg', kind: 'csv', source: { path: join(dir, 'missing.csv') } },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ error: { code: 'SOURCE_UNAVAILABLE' } });
    const unknownKey = await t.call('POST', '/api/v1/phonebooks', {
      body: { name: 'Weg', kind: 'csv', source: { path: csv, bogus: 1 } },
    });
    expect(unknownKey.json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: { field: 'source.bogus' } },
    });
    const badMapping = await create({ mapping: { lastName: 'Nope' } });
    expect(badMapping.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect((await t.call('GET', '/api/v1/phonebooks/Weg')).statusCode).toBe(404);
  });

  it('syncs at the next start when LastSync= was emptied while the server was stopped', async () => {
    await create();
    await update();
    writeFileSync(csv, people(5));
    const home = t.home;
    await t.server.close();
    await t.app.close();
    const ini = join(home, 'folders', 'Kunden', 'cfg', 'folder_cfg.ini');
    writeFileSync(ini, readFileSync(ini, 'utf8').replace(/^LastSync=.*$/m, 'LastSync='));
    t = await createTestApp({ home });
    // The copy is promoted first, LastSync= written after it: wait for both.
    const synced = (): boolean =>
      t.app.stores.contacts.count(t.app.stores.books.byName('Kunden')?.id ?? 0) === 5 &&
      /^LastSync=\d/m.test(readFileSync(ini, 'utf8'));
    for (let i = 0; i < 400 && !synced(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(t.app.stores.contacts.count(t.app.stores.books.byName('Kunden')?.id ?? 0)).toBe(5);
    expect(readFileSync(ini, 'utf8')).toMatch(/^LastSync=\d/m);
  });
});
