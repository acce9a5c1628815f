import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseEngine, TestDatabase } from '../test-support/databases.js';
import { createContactsTable, databasePerEngine, insertRow } from '../test-support/databases.js';
import type { TestApp } from '../test-support/test-app.js';
import { createTestApp } from '../test-support/test-app.js';

/** One database per engine for this file; each test makes its own tables. */
const database = databasePerEngine();

const ROWS = [
  { id: '1', first: 'Jürgen', last: 'Groß', phone: '+49 89 1234567', company: 'Groß & Söhne' },
  { id: '2', first: 'Anna', last: 'Berg', phone: '030 5551234', company: 'Berg AG' },
];
const MAPPING = {
  id: 'id',
  firstName: 'first',
  lastName: 'last',
  businessPhone: 'phone',
  company: 'company',
  modifiedAt: 'modified',
};

interface ContactBody {
  id: string;
  etag: string;
  lastName?: string;
  businessPhone?: string;
  stale?: boolean;
  extra?: Record<string, string>;
}

let tables = 0;

/** A fresh table and an `odbc` book on it, synced. */
async function odbcBook(
  t: TestApp,
  engine: DatabaseEngine,
  settings: Record<string, unknown> = {},
): Promise<{ db: TestDatabase; table: string; q: string }> {
  const db = await database(engine);
  const table = `live_${process.pid}_${++tables}`;
  await createContactsTable(db, table, ROWS);
  const created = await t.call('POST', '/api/v1/phonebooks', {
    body: {
      name: 'Kunden',
      kind: 'odbc',
      source: {
        connectionString: db.connectionString,
        table,
        idColumn: 'id',
        modifiedColumn: 'modified',
      },
      mapping: MAPPING,
      ...settings,
    },
  });
  expect(created.statusCode, created.body).toBe(201);
  const synced = await t.call('POST', '/api/v1/phonebooks/Kunden/sync?wait=true');
  expect(synced.statusCode, synced.body).toBe(200);
  return { db, table, q: db.quote(table) };
}

const url = (id = ''): string => `/api/v1/phonebooks/Kunden/contacts${id ? `/${id}` : ''}`;

describe('an ODBC table book: live reads and writing back', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await createTestApp({ schedule: false });
  });
  afterEach(async () => {
    await t.close();
  });

  const lookup = async (number: string): Promise<string[]> =>
    (
      (await t.call('GET', `/api/v1/lookup?number=${encodeURIComponent(number)}`)).json() as {
        matches: { id: string }[];
      }
    ).matches.map((m) => m.id);

  it('is writable by default and reads one record live, refreshing the cache', async () => {
    const { db, table, q } = await odbcBook(t, 'sqlite');
    const books = (await t.call('GET', '/api/v1/phonebooks')).json() as {
      name: string;
      readOnly: boolean;
    }[];
    expect(books.find((b) => b.name === 'Kunden')?.readOnly).toBe(false);

    const first = await t.call('GET', url('1'));
    const second = await t.call('GET', url('1'));
    expect(second.headers['etag']).toBe(first.headers['etag']); // no change, same tag
    expect(first.headers['warning']).toBeUndefined();

    await db.sql(`UPDATE ${q} SET last = ?, phone = ? WHERE id = 1`, ['Klein', '089 7654321']);
    const live = (await t.call('GET', url('1'))).json() as ContactBody;
    expect(live).toMatchObject({ lastName: 'Klein', businessPhone: '089 7654321' });
    expect(live).not.toHaveProperty('stale');
    expect(live.etag).not.toBe(first.headers['etag']);
    expect(await lookup('+49 89 7654321')).toEqual(['1']);
    expect(await lookup('+49 89 1234567')).toEqual([]);

    await insertRow(db, table, { id: '3', last: 'Neu' });
    expect(((await t.call('GET', url('3'))).json() as ContactBody).lastName).toBe('Neu');

    await db.sql(`DELETE FROM ${q} WHERE id = 2`);
    expect((await t.call('GET', url('2'))).statusCode).toBe(404);
    expect(await lookup('030 5551234')).toEqual([]);
    expect((await t.call('GET', url('99'))).statusCode).toBe(404);
  });

  it('answers the cached copy marked stale when the source fails', async () => {
    const { db, q } = await odbcBook(t, 'sqlite');
    await db.sql(`DROP TABLE ${q}`);
    const response = await t.call('GET', url('1'));
    expect(response.statusCode).toBe(200);
    expect(response.headers['warning']).toBe('110 - "Response is Stale"');
    expect(response.json()).toMatchObject({ id: '1', lastName: 'Groß', stale: true });
    const uncached = await t.call('GET', url('7'));
    expect(uncached.statusCode).toBe(503);
  });

  it('writes back through the mapping: insert, update, delete, with If-Match', async () => {
    const { db, q } = await odbcBook(t, 'sqlite');
    const created = await t.call('POST', url(), {
      body: { lastName: 'Öz', businessPhone: '089 111', extra: { memo: 'hi' } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const contact = created.json() as ContactBody;
    const [row] = await db.sql(`SELECT id, last, phone, memo FROM ${q} WHERE last = ?`, ['Öz']);
    expect(String(row?.['id'])).toBe(contact.id);
    expect(row).toMatchObject({ phone: '089 111', memo: 'hi' });
    expect(await lookup('089 111')).toEqual([contact.id]);

    const stale = await t.call('PUT', url('1'), {
      body: { lastName: 'Nie' },
      headers: { 'if-match': '"1-1"' },
    });
    expect(stale.statusCode).toBe(412);
    const current = (await t.call('GET', url('1'))).json() as ContactBody;
    const patched = await t.call('PATCH', url('1'), {
      body: { lastName: 'Großmann' },
      headers: { 'if-match': current.etag },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const rows = await db.sql(`SELECT first, last FROM ${q} WHERE id = 1`);
    expect(rows[0]).toMatchObject({ first: 'Jürgen', last: 'Großmann' });

    expect((await t.call('DELETE', url('2'))).statusCode).toBe(204);
    expect(await db.sql(`SELECT id FROM ${q} WHERE id = 2`)).toEqual([]);
    expect((await t.call('GET', url('2'))).statusCode).toBe(404);
  });

  it('passes the source’s refusal on as SOURCE_REJECTED with the driver message', async () => {
    const { db, q } = await odbcBook(t, 'sqlite');
    await db.sql(`CREATE UNIQUE INDEX ${q.replace(/"$/, '_u"')} ON ${q} (last)`);
    const response = await t.call('PATCH', url('2'), { body: { lastName: 'Groß' } });
    expect(response.statusCode, response.body).toBe(409);
    const body = response.json() as { error: { code: string; details: Record<string, unknown> } };
    expect(body.error.code).toBe('SOURCE_REJECTED');
    expect(JSON.stringify(body)).toMatch(/unique/i);
    expect(JSON.stringify(body)).not.toContain(db.connectionString);
  });

  it('keeps one open connector per book, closed when its settings change or it is deleted', async () => {
    await odbcBook(t, 'sqlite');
    const book = () => t.app.phonebooks.require('Kunden');
    await t.call('GET', url('1'));
    const connector = t.app.connections.peek(book());
    await t.call('GET', url('2'));
    await t.call('PATCH', url('2'), { body: { company: 'Berg GmbH' } });
    expect(t.app.connections.peek(book())).toBe(connector);
    expect(t.app.connections.size).toBe(1);
    await t.call('PATCH', '/api/v1/phonebooks/Kunden', { body: { readOnly: true } });
    expect(t.app.connections.size).toBe(0);
    await t.call('GET', url('1'));
    expect(t.app.connections.peek(book())).not.toBe(connector);
    await t.call('DELETE', '/api/v1/phonebooks/Kunden');
    expect(t.app.connections.size).toBe(0);
  });

  it('answers the cached copy within about 2 s when the source hangs', async () => {
    const { db, q } = await odbcBook(t, 'postgresql');
    await t.call('GET', url('1')); // connected
    const locked = db.exec(
      `BEGIN; LOCK TABLE ${q} IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;`,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    const response = await t.call('GET', url('1'));
    const waited = Date.now() - started;
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: '1', stale: true });
    expect(waited).toBeGreaterThanOrEqual(1900);
    expect(waited).toBeLessThan(3500);
    await locked;
  });
  it('reads every row in full mode, also one whose modified time stayed the same', async () => {
    const sync = async (): Promise<Record<string, unknown>> => {
      const response = await t.call('POST', '/api/v1/phonebooks/Kunden/sync?wait=true');
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as Record<string, unknown>;
    };
    const { db, q } = await odbcBook(t, 'sqlite');
    const bookId = t.app.phonebooks.require('Kunden').id;
    // Another program changes a row but not its modified time (2020): changed mode misses it.
    await db.sql(`UPDATE ${q} SET phone = ? WHERE id = 1`, ['089 7654321']);
    expect(await sync()).toMatchObject({ mode: 'changed', updated: 0 });
    expect(await lookup('089 7654321')).toEqual([]);
    const full = { cache: { mode: 'full', everyHours: 24, at: 'startup' } };
    const patched = await t.call('PATCH', '/api/v1/phonebooks/Kunden', { body: full });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(await sync()).toMatchObject({ mode: 'full', updated: 1, unchanged: 1, deleted: 0 });
    expect(await lookup('089 7654321')).toEqual(['1']);
    expect(t.app.phonebooks.require('Kunden').id).toBe(bookId);
  });
});
