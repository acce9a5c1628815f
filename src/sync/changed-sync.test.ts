import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../test-support/test-app.js';
import { createTestApp } from '../test-support/test-app.js';

const HEADER = 'Kundennr;Vorname;Nachname;Telefon;Ort\r\n';
const line = (i: number, last = `Müller${i}`): string =>
  `K${i};Hans;${last};089 ${4000000 + i};München\r\n`;
const people = (count: number): string[] => Array.from({ length: count }, (_, i) => line(i + 1));

interface Report {
  added: number;
  updated: number;
  deleted: number;
  unchanged: number;
  skipped: number;
  errors: { at: string; reason: string }[];
}

interface Contact {
  id: string;
  etag: string;
  lastName?: string;
  company?: string;
  extra?: Record<string, string>;
}

describe('changed-only syncs of a CSV book: records whose bytes are unchanged are skipped', () => {
  let t: TestApp;
  let dir: string;
  let csv: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-changed-'));
    csv = join(dir, 'kunden.csv');
    t = await createTestApp({ schedule: false });
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (lines: string[], header = HEADER): void =>
    writeFileSync(csv, header + lines.join(''));
  const create = async (extra: Record<string, unknown> = {}): Promise<void> => {
    const response = await t.call('POST', '/api/v1/phonebooks', {
      body: {
        name: 'Kunden',
        kind: 'csv',
        source: { path: csv, idColumn: 'Kundennr' },
        cache: { mode: 'changed', everyHours: 24, at: 'startup' },
        ...extra,
      },
    });
    expect(response.statusCode, response.body).toBe(201);
  };
  const update = async (): Promise<Report> => {
    const response = await t.call('POST', '/api/v1/phonebooks/Kunden/sync?wait=true');
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Report;
  };
  const contact = async (id: string): Promise<Contact> => {
    const response = await t.call('GET', `/api/v1/phonebooks/Kunden/contacts/${id}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Contact;
  };
  const bookId = (): number => t.app.stores.books.byName('Kunden')?.id ?? 0;
  /** The stored list of the book's records, when it is valid for the copy. */
  const stored = (): readonly string[] | undefined =>
    t.app.stores.contacts.recordList(bookId())?.list.ids.toArray();

  const counts = (report: Report): Omit<Report, 'errors'> => {
    const { errors: _errors, ...rest } = report;
    return rest;
  };

  it('stores the list with the first sync and finds nothing changed in an unchanged file', async () => {
    write(people(20));
    await create();
    expect(await update()).toMatchObject({ added: 20 });
    expect(stored()).toHaveLength(20);
    expect(counts(await update())).toEqual({
      mode: 'changed',
      added: 0,
      updated: 0,
      deleted: 0,
      unchanged: 20,
      skipped: 0,
      unreadableNumbers: 0,
      numberWarnings: [],
      startedAt: expect.any(String),
      durationMs: expect.any(Number),
    });
    expect(stored()).toHaveLength(20);
  });

  it('updates one changed line, adds a line inserted at the top, deletes a removed line', async () => {
    const lines = people(20);
    write(lines);
    await create();
    await update();
    lines[4] = line(5, 'Neu5');
    write(lines);
    expect(await update()).toMatchObject({ added: 0, updated: 1, deleted: 0, unchanged: 19 });
    expect((await contact('K5')).lastName).toBe('Neu5');

    lines.unshift(line(100));
    write(lines);
    expect(await update()).toMatchObject({ added: 1, updated: 0, deleted: 0, unchanged: 20 });
    expect((await contact('K100')).lastName).toBe('Müller100');

    lines.splice(10, 1); // K10
    write(lines);
    expect(await update()).toMatchObject({ added: 0, updated: 0, deleted: 1, unchanged: 20 });
    expect((await t.call('GET', '/api/v1/phonebooks/Kunden/contacts/K10')).statusCode).toBe(404);
    expect(stored()).toHaveLength(20);
  });

  it('keeps a record with a quoted line break unchanged, and sees it change', async () => {
    const lines = people(5);
    lines[2] = 'K3;Hans;"Mül\r\nler";089 4000003;"Mün;chen"\r\n';
    write(lines);
    await create();
    await update();
    lines[0] = line(1, 'Neu1');
    write(lines);
    expect(await update()).toMatchObject({ updated: 1, unchanged: 4, skipped: 0 });
    lines[2] = 'K3;Hans;"Mül\nler ""2""";089 4000003;"Mün;chen"\r\n';
    write(lines);
    expect(await update()).toMatchObject({ updated: 1, unchanged: 4, skipped: 0 });
    expect((await contact('K3')).lastName).toBe('Mül\nler "2"');
    // Line numbers count the line break inside the quotes.
    write([...lines, 'K9;"broken;x;y;z\r\n']);
    expect((await update()).errors).toEqual([{ at: `${csv}:8`, reason: expect.any(String) }]);
  });

  it('reads a Windows-1252 file record by record', async () => {
    const lines = people(6);
    writeFileSync(csv, iconv.encode(HEADER + lines.join(''), 'win1252'));
    await create();
    await update();
    lines[3] = line(4, 'Weiß4');
    writeFileSync(csv, iconv.encode(HEADER + lines.join(''), 'win1252'));
    expect(await update()).toMatchObject({ updated: 1, unchanged: 5 });
    expect((await contact('K4')).lastName).toBe('Weiß4');
    expect((await contact('K5')).lastName).toBe('Müller5');
  });

  it('reads every record again when the mapping changed', async () => {
    write(people(8));
    await create();
    await update();
    const patched = await t.call('PATCH', '/api/v1/phonebooks/Kunden', {
      body: { mapping: { firstName: 'Vorname', lastName: 'Nachname', company: 'Ort' } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(await update()).toMatchObject({ updated: 8, unchanged: 0 });
    expect((await contact('K2')).company).toBe('München');
    expect(await update()).toMatchObject({ updated: 0, unchanged: 8 });
  });

  it('reports a malformed line and duplicate ids at every sync', async () => {
    const lines = [...people(4), 'K9;"broken;x;y;z\r\n', line(2, 'Zwei')];
    write(lines);
    await create();
    const errors = [
      { at: `${csv}:6`, reason: expect.stringMatching(/unbalanced quote/) },
      { at: `${csv}:7`, reason: 'duplicate id K2 (first on line 3)' },
    ];
    expect(await update()).toMatchObject({ added: 4, skipped: 2, errors });
    expect(await update()).toMatchObject({ unchanged: 4, skipped: 2, errors });
    // A duplicate inserted before a known record wins, as the first of an id always does.
    write([line(3, 'Drei'), ...lines]);
    expect(await update()).toMatchObject({
      updated: 1,
      unchanged: 3,
      skipped: 3,
      errors: [
        { at: `${csv}:5`, reason: 'duplicate id K3 (first on line 2)' },
        { at: `${csv}:7`, reason: expect.stringMatching(/unbalanced quote/) },
        { at: `${csv}:8`, reason: 'duplicate id K2 (first on line 4)' },
      ],
    });
    expect((await contact('K3')).lastName).toBe('Drei');
  });

  it('keeps the copy right after a write-back, even when the file is later put back', async () => {
    const lines = people(5);
    write(lines);
    await create({ readOnly: false });
    await update();
    const patched = await t.call('PATCH', '/api/v1/phonebooks/Kunden/contacts/K2', {
      body: { lastName: 'Klein' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(readFileSync(csv, 'utf8')).toContain('K2;Hans;Klein;');
    // The copy was written since the list was stored: it no longer counts.
    expect(stored()).toBeUndefined();
    expect(await update()).toMatchObject({ updated: 0, unchanged: 5 });
    expect(stored()).toHaveLength(5);
    // The old file back (a restored backup): the old line's bytes are new to the list.
    write(lines);
    expect(await update()).toMatchObject({ updated: 1, unchanged: 4 });
    expect((await contact('K2')).lastName).toBe('Müller2');
  });

  it('aborts when most rows fail, keeping the old copy and its list', async () => {
    const lines = people(12);
    write(lines);
    await create();
    await update();
    writeFileSync(csv, HEADER + 'a;b\r\n'.repeat(40) + lines[0]);
    const failed = await t.call('POST', '/api/v1/phonebooks/Kunden/sync?wait=true');
    expect(failed.json()).toMatchObject({ error: { code: 'SOURCE_REJECTED' } });
    expect(stored()).toHaveLength(12);
    write(lines);
    expect(await update()).toMatchObject({ added: 0, updated: 0, deleted: 0, unchanged: 12 });
  });

  it('writes a diff of a thousand changes or more on a second thread, all at once', async () => {
    const lines = people(3000);
    write(lines);
    await create();
    await update();
    for (let i = 0; i < 1500; i++) lines[i] = line(i + 1, `Neu${i + 1}`);
    lines.splice(2990, 10); // K2991…K3000
    lines.push(line(5001), line(5002));
    write(lines);
    expect(await update()).toMatchObject({ added: 2, updated: 1500, deleted: 10, unchanged: 1490 });
    expect((await contact('K1')).lastName).toBe('Neu1');
    expect((await contact('K1500')).lastName).toBe('Neu1500');
    expect((await contact('K1501')).lastName).toBe('Müller1501');
    expect((await contact('K5002')).lastName).toBe('Müller5002');
    expect((await t.call('GET', '/api/v1/phonebooks/Kunden/contacts/K3000')).statusCode).toBe(404);
    const found = await t.call('GET', '/api/v1/search?q=neu1499');
    expect(found.json()).toMatchObject({ items: [{ id: 'K1499' }] });
    expect(stored()).toHaveLength(2992);
    expect(await update()).toMatchObject({ added: 0, updated: 0, deleted: 0, unchanged: 2992 });
  });

  it('keeps the old copy and its list when a large diff fails while writing', async () => {
    const lines = people(3000);
    write(lines);
    await create();
    await update();
    t.app.db.exec(`CREATE TRIGGER refuse BEFORE UPDATE ON contacts WHEN NEW.id = 'K1400'
      BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END`);
    for (let i = 0; i < 1500; i++) lines[i] = line(i + 1, `Neu${i + 1}`);
    write(lines);
    const failed = await t.call('POST', '/api/v1/phonebooks/Kunden/sync?wait=true');
    expect(failed.statusCode).toBe(500);
    const books = (await t.call('GET', '/api/v1/phonebooks')).json() as {
      name: string;
      sync?: { status: string; error: string | null };
    }[];
    expect(books.find((book) => book.name === 'Kunden')?.sync).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/refused by a test trigger/),
    });
    // Nothing of the diff: neither the rows written before the failing one, nor the list.
    expect((await contact('K1')).lastName).toBe('Müller1');
    expect(stored()).toHaveLength(3000);
    t.app.db.exec('DROP TRIGGER refuse');
    expect(await update()).toMatchObject({ updated: 1500, unchanged: 1500 });
    expect((await contact('K1400')).lastName).toBe('Neu1400');
  });

  it('starts the writer before reading a book of 50,000 records', async () => {
    const lines = people(50_000);
    write(lines);
    await create();
    await update();
    for (let i = 0; i < 50_000; i += 200) lines[i] = line(i + 1, `Neu${i + 1}`);
    write(lines);
    expect(await update()).toMatchObject({ updated: 250, unchanged: 49_750 });
    expect((await contact('K49801')).lastName).toBe('Neu49801');
    expect(await update()).toMatchObject({ updated: 0, unchanged: 50_000 });
    expect(stored()).toHaveLength(50_000);
  }, 30_000);
});
