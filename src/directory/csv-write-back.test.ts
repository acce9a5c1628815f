import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DirectoryEvent } from './events.js';
import type { TestApp } from '../test-support/test-app.js';
import { createTestApp } from '../test-support/test-app.js';

const HEADER = 'Kundennr;Vorname;Nachname;Vorwahl;Rufnummer;Raum\r\n';
const LINES = [
  'K1;Hans;Müller;089;4000001;A 1\r\n',
  'K2;"Eva; Maria";Groß;030;4000002;\r\n',
  'K3;Jürgen;Weiß;040;4000003;C 3\r\n',
];
const MAPPING = {
  firstName: 'Vorname',
  lastName: 'Nachname',
  businessPhone: 'Vorwahl + Rufnummer',
};

interface ContactBody {
  id: string;
  etag: string;
  firstName?: string;
  lastName?: string;
  businessPhone?: string;
  extra?: Record<string, string>;
}

describe('writing back to a writable CSV book', () => {
  let t: TestApp;
  let dir: string;
  let csv: string;
  let events: DirectoryEvent[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-csv-write-'));
    csv = join(dir, 'kunden.csv');
    writeFileSync(csv, HEADER + LINES.join(''));
    t = await createTestApp({ schedule: false });
    const created = await t.call('POST', '/api/v1/phonebooks', {
      body: {
        name: 'Kunden',
        kind: 'csv',
        source: { path: csv, idColumn: 'Kundennr' },
        mapping: MAPPING,
        readOnly: false,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    await sync();
    events = [];
    t.app.events.subscribe((event) => events.push(event));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const url = (id = ''): string => `/api/v1/phonebooks/Kunden/contacts${id ? `/${id}` : ''}`;
  const sync = async (): Promise<void> => {
    const response = await t.call('POST', '/api/v1/phonebooks/Kunden/sync?wait=true');
    expect(response.statusCode, response.body).toBe(200);
  };
  const get = async (id: string): Promise<ContactBody> => {
    const response = await t.call('GET', url(id));
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as ContactBody;
  };
  const file = (): string => readFileSync(csv, 'utf8');

  it('inserts a record with a new id, keeps the rest of the file, and caches it', async () => {
    const created = await t.call('POST', url(), {
      body: { firstName: 'Öz', lastName: 'Kaya', extra: { Raum: 'D 4' } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const contact = created.json() as ContactBody;
    expect(contact).toMatchObject({ firstName: 'Öz', lastName: 'Kaya', extra: { Raum: 'D 4' } });
    expect(contact.extra?.['Kundennr']).toBe(contact.id);
    expect(file()).toBe(`${HEADER}${LINES.join('')}${contact.id};Öz;Kaya;;;D 4\r\n`);
    expect(await get(contact.id)).toMatchObject({ lastName: 'Kaya' });
    expect(events).toContainEqual(expect.objectContaining({ type: 'contacts-changed' }));
    const withId = await t.call('POST', url(), { body: { id: 'K9', lastName: 'Neun' } });
    expect(withId.json()).toMatchObject({ id: 'K9', lastName: 'Neun' });
    expect(file()).toContain('K9;;Neun;;;\r\n');
  });

  it('patches, replaces and deletes one line, honouring If-Match', async () => {
    const before = await get('K2');
    const stale = await t.call('PATCH', url('K2'), {
      body: { lastName: 'Klein' },
      headers: { 'if-match': '"0-0"' },
    });
    expect(stale.statusCode).toBe(412);
    expect(file()).toBe(HEADER + LINES.join(''));

    const patched = await t.call('PATCH', url('K2'), {
      body: { lastName: 'Klein', extra: { Raum: 'B 2' } },
      headers: { 'if-match': before.etag },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const after = patched.json() as ContactBody;
    expect(after).toMatchObject({ firstName: 'Eva; Maria', lastName: 'Klein' });
    expect(after.etag).not.toBe(before.etag);
    expect(patched.headers['etag']).toBe(after.etag);
    expect(file()).toBe(`${HEADER}${LINES[0]}K2;"Eva; Maria";Klein;030;4000002;B 2\r\n${LINES[2]}`);

    const replaced = await t.call('PUT', url('K2'), {
      body: { ...after, firstName: 'Eva' },
      headers: { 'if-match': after.etag },
    });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(file()).toContain('K2;Eva;Klein;030;4000002;B 2\r\n');
    const cleared = await t.call('PUT', url('K2'), { body: { lastName: 'Klein' } });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(file()).toContain('K2;;Klein;030;4000002;B 2\r\n');

    const removed = await t.call('DELETE', url('K2'), { headers: { 'if-match': before.etag } });
    expect(removed.statusCode).toBe(412);
    expect((await t.call('DELETE', url('K2'))).statusCode).toBe(204);
    expect(file()).toBe(HEADER + LINES[0] + LINES[2]);
    expect((await t.call('GET', url('K2'))).statusCode).toBe(404);
  });

  it('refuses to change a number joined from several columns, naming the field', async () => {
    const response = await t.call('PATCH', url('K1'), { body: { businessPhone: '089 999' } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: { field: 'businessPhone' } },
    });
    const unknown = await t.call('PATCH', url('K1'), { body: { company: 'ACME' } });
    expect(unknown.json()).toMatchObject({ error: { details: { field: 'company' } } });
    expect(file()).toBe(HEADER + LINES.join(''));
    const contact = await get('K1');
    const sameBack = await t.call('PUT', url('K1'), { body: { ...contact, firstName: 'Hansi' } });
    expect(sameBack.statusCode, sameBack.body).toBe(200);
    expect(file()).toContain('K1;Hansi;Müller;089;4000001;A 1\r\n');
  });

  it('refuses a write over a file re-exported since it was read, re-syncs, never overwrites it', async () => {
    const contact = await get('K1');
    const reexported = `${HEADER}${LINES[0]}K4;Neu;Person;089;4000004;\r\n`;
    writeFileSync(csv, reexported);
    const response = await t.call('PATCH', url('K1'), {
      body: { lastName: 'Maier' },
      headers: { 'if-match': contact.etag },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      error: { code: 'CONFLICT', details: { reason: 'FILE_CHANGED' } },
    });
    expect(file()).toBe(reexported);
    await sync(); // joins the re-sync the refusal started
    expect((await t.call('GET', url('K4'))).statusCode).toBe(200);
    expect((await t.call('GET', url('K2'))).statusCode).toBe(404);
    const fresh = await get('K1');
    const retried = await t.call('PATCH', url('K1'), {
      body: { lastName: 'Maier' },
      headers: { 'if-match': fresh.etag },
    });
    expect(retried.statusCode, retried.body).toBe(200);
    expect(file()).toBe(`${HEADER}K1;Hans;Maier;089;4000001;A 1\r\nK4;Neu;Person;089;4000004;\r\n`);
  });

  it('remembers the version read or written across restarts, and says 503 when the file is gone', async () => {
    const home = t.home;
    const restart = async (): Promise<void> => {
      await t.server.close();
      await t.app.close();
      t = await createTestApp({ home, schedule: false });
    };
    expect((await t.call('PATCH', url('K3'), { body: { lastName: 'Y' } })).statusCode).toBe(200);
    await restart();
    expect((await t.call('PATCH', url('K3'), { body: { lastName: 'Z' } })).statusCode).toBe(200);
    await restart();
    writeFileSync(csv, HEADER + LINES[0]);
    const response = await t.call('PATCH', url('K3'), { body: { lastName: 'X' } });
    expect(response.statusCode).toBe(409);
    expect(file()).toBe(HEADER + LINES[0]);
    rmSync(csv);
    const gone = await t.call('PATCH', url('K1'), { body: { lastName: 'X' } });
    expect(gone.statusCode).toBe(503);
    expect(gone.json()).toMatchObject({ error: { code: 'SOURCE_UNAVAILABLE' } });
  });

  it('answers CSV records from the cache, without a live read', async () => {
    writeFileSync(csv, HEADER + (LINES[0] ?? '').replace('Müller', 'Anders'));
    const contact = await get('K1');
    expect(contact.lastName).toBe('Müller');
    expect(contact).not.toHaveProperty('stale');
  });

  it('takes no writes while write-protected, and is write-protected by default', async () => {
    await t.call('PATCH', '/api/v1/phonebooks/Kunden', { body: { readOnly: true } });
    const refused = await t.call('PATCH', url('K1'), { body: { lastName: 'X' } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'PHONEBOOK_READ_ONLY' } });
    const other = await t.call('POST', '/api/v1/phonebooks', {
      body: { name: 'Andere', kind: 'csv', source: { path: csv, idColumn: 'Kundennr' } },
    });
    expect(other.json()).toMatchObject({ readOnly: true });
    expect(file()).toBe(HEADER + LINES.join(''));
  });
});
