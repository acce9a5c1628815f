import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DirectoryEvent } from '../../directory/events.js';
import type { TestApp } from '../../test-support/test-app.js';
import { createTestApp } from '../../test-support/test-app.js';

const SALES = '/api/v1/phonebooks/Sales/contacts';
const BULK = `${SALES}/bulk`;

interface BulkJson {
  results: { id?: string; status: string; code?: string; field?: string; message?: string }[];
  added: number;
  replaced: number;
  skipped: number;
}

describe('POST /api/v1/phonebooks/{name}/contacts/bulk', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
    const created = await t.call('POST', '/api/v1/phonebooks', {
      body: { name: 'Sales', kind: 'builtin' },
    });
    expect(created.statusCode).toBe(201);
  });
  afterEach(() => t.close());

  const bulk = async (body: unknown, token?: string): Promise<BulkJson> => {
    const response = await t.call('POST', BULK, { body, ...(token ? { token } : {}) });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as BulkJson;
  };
  const lookup = async (number: string): Promise<string[]> => {
    const response = await t.call('GET', `/api/v1/lookup?number=${encodeURIComponent(number)}`);
    return (response.json() as { matches: { id: string }[] }).matches.map((m) => m.id);
  };

  it('adds every contact in one go, searchable and named on calls, with one event', async () => {
    const events: DirectoryEvent[] = [];
    t.app.events.subscribe((event) => events.push(event));
    const contacts = Array.from({ length: 1000 }, (_, i) => ({
      id: `c${i}`,
      lastName: i === 7 ? 'Müller' : `Person ${i}`,
      businessPhone: `+49 89 555 ${String(i).padStart(4, '0')}`,
    }));
    const answer = await bulk({ contacts });
    expect(answer).toMatchObject({ added: 1000, replaced: 0, skipped: 0 });
    expect(answer.results[7]).toEqual({ id: 'c7', status: 'added' });
    expect(await lookup('089 555 0007')).toEqual(['c7']);
    const search = await t.call('GET', `${SALES}?q=mueller`);
    expect((search.json() as { items: { id: string }[] }).items.map((c) => c.id)).toEqual(['c7']);
    const changed = events.filter((e) => e.type === 'contacts-changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ phonebook: 'Sales' });
  });

  it('skips contacts with a bad id or number, naming the error, and writes the rest', async () => {
    const answer = await bulk({
      contacts: [
        { id: 'ok', lastName: 'Fine', businessPhone: '089 1234567' },
        { id: 'junk', lastName: 'Junk', businessPhone: 'call me maybe' },
        { id: 'a/b', lastName: 'Slash' },
        { lastName: 'No Id' },
      ],
    });
    expect(answer).toMatchObject({ added: 2, replaced: 0, skipped: 2 });
    expect(answer.results[1]).toMatchObject({
      id: 'junk',
      status: 'skipped',
      code: 'INVALID_NUMBER',
      field: 'businessPhone',
    });
    expect(answer.results[2]).toMatchObject({
      status: 'skipped',
      code: 'VALIDATION_FAILED',
      field: 'id',
    });
    expect(answer.results[3]?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await t.call('GET', `${SALES}/junk`)).statusCode).toBe(404);
  });

  it('never overwrites by default; replace and new-id when asked', async () => {
    await bulk({ contacts: [{ id: 'x', lastName: 'First' }] });
    const skip = await bulk({ contacts: [{ id: 'x', lastName: 'Second' }] });
    expect(skip.results[0]).toMatchObject({ id: 'x', status: 'skipped', code: 'ALREADY_EXISTS' });
    expect((await t.call('GET', `${SALES}/x`)).json()).toMatchObject({ lastName: 'First' });

    const replace = await bulk({ contacts: [{ id: 'x', lastName: 'Third' }], existing: 'replace' });
    expect(replace).toMatchObject({ added: 0, replaced: 1 });
    expect((await t.call('GET', `${SALES}/x`)).json()).toMatchObject({ lastName: 'Third' });

    const renamed = await bulk({
      contacts: [
        { id: 'x', lastName: 'Fourth' },
        { id: 'y', lastName: 'Fifth' },
        { id: 'y', lastName: 'Sixth' },
      ],
      existing: 'new-id',
    });
    expect(renamed.results.map((r) => r.status)).toEqual(['new-id', 'added', 'new-id']);
    expect(renamed.results[0]?.id).not.toBe('x');
    expect((await t.call('GET', `${SALES}/x`)).json()).toMatchObject({ lastName: 'Third' });
    const total = (await t.call('GET', SALES)).json() as { total: number };
    expect(total.total).toBe(4);
  });

  it('checks rights and book kind, and refuses a malformed body as a whole', async () => {
    const reader = await t.userWith('reader', { Sales: { read: true } });
    const writer = await t.userWith('writer', { Sales: { write: true } });
    const body = { contacts: [{ id: 'w', lastName: 'Writer' }] };
    const denied = await t.call('POST', BULK, { body, token: reader });
    expect(denied.statusCode).toBe(403);
    expect((await bulk(body, writer)).added).toBe(1);
    const local = await t.call('POST', '/api/v1/phonebooks/Global.LocalNumbers/contacts/bulk', {
      body,
    });
    expect(local.statusCode).toBe(403);
    const outsider = await t.userWith('outsider', {});
    const hidden = await t.call('POST', BULK, { body, token: outsider });
    expect(hidden.statusCode).toBe(404);

    const csv = join(mkdtempSync(join(tmpdir(), 'ctibook-bulk-')), 'book.csv');
    writeFileSync(csv, 'id;Name\r\n1;Anna\r\n');
    const external = await t.call('POST', '/api/v1/phonebooks', {
      body: { name: 'Export', kind: 'csv', source: { path: csv, idColumn: 'id' }, readOnly: false },
    });
    expect(external.statusCode, external.body).toBe(201);
    const toCsv = await t.call('POST', '/api/v1/phonebooks/Export/contacts/bulk', { body });
    expect(toCsv.statusCode).toBe(409);
    expect(toCsv.body).toContain('builtin');

    const unknownField = await t.call('POST', BULK, {
      body: { contacts: [{ id: 'a' }, { id: 'b', shoeSize: '42' }] },
    });
    expect(unknownField.statusCode).toBe(400);
    expect(unknownField.body).toContain('contacts.1');
    const tooMany = await t.call('POST', BULK, {
      body: { contacts: Array.from({ length: 1001 }, (_, i) => ({ id: `n${i}` })) },
    });
    expect(tooMany.statusCode).toBe(400);
    expect((await t.call('GET', SALES)).json()).toMatchObject({ total: 1 });
  });
});
