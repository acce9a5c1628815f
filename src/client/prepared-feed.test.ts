import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContactData } from '../domain/contact.js';
import type { LocationSettings } from '../domain/phone-number.js';
import { createNumberNormalizer } from '../domain/phone-number.js';
import { toPreparedRow } from '../store/change-feed.js';
import { prepareContact } from '../store/contact-rows.js';
import type { FakeServer } from '../test-support/fake-server.js';
import { MUNICH, OFFLINE_BOOK, fakeServer, preparedPage } from '../test-support/fake-server.js';
import type { TestApp } from '../test-support/test-app.js';
import { createTestApp } from '../test-support/test-app.js';
import type { PreparedChangePage } from './api-types.js';
import { ChangePageSchema, PreparedChangePageSchema } from './api-types.js';
import { syncOfflineCopies } from './cache-sync.js';
import { ClientError } from './client-errors.js';
import { HttpClient } from './http-client.js';
import { OfflineCache } from './offline-cache.js';

const BERLIN: LocationSettings = { ...MUNICH, areaCode: '30', pbxBaseNumber: '+49 30 4711' };

/** Umlauts, accents, digraphs, PBX extensions, internal and foreign numbers. */
const CONTACTS: ContactData[] = [
  {
    firstName: 'Jürgen',
    lastName: 'Müller',
    company: 'Bäckerei Groß',
    businessPhone: '089 1234567',
  },
  { firstName: 'Hans', lastName: 'Mueller', mobilePhone: '+49 (0)151 2345678', city: 'Köln' },
  {
    firstName: 'Zoë',
    lastName: 'Ångström',
    homePhone: '+34 600 123 456',
    email: 'zoe@example.org',
  },
  { lastName: 'Weiß', department: 'Straßenbau', businessPhone: '4711-23', businessPhone2: '23' },
  { company: 'Zentrale', businessPhone: '+49 89 4711 0', businessFax: '+49 89 4711 99' },
  { firstName: 'Ørjan', lastName: 'Œlberg', otherPhone: '1234567', extra: { Kundennummer: 'K-7' } },
  { displayName: 'Dr. Ütz', jobTitle: 'Ärztin', mobilePhone: '0171 9876543' },
];

const LOOKUPS = [
  '0891234567',
  '+49891234567',
  '1234567',
  '015123456 78',
  '+4915123456 78',
  '0034600123456',
  '+34600123456',
  '23',
  '+498947110',
  '0894711023',
  '+4989471199',
  '+498947114242',
  '01719876543',
  '+493012345 67',
  '4711',
];
const SEARCHES = [
  'mül',
  'mul',
  'muel',
  'mueller',
  'jurgen',
  'weiss',
  'weiß',
  'zoe',
  'angstrom',
  'ørjan',
  'olberg',
  'strasse',
  'baeckerei',
  'koln',
  '600123',
  '0891234',
  '4711',
  'ärztin',
  'k-7',
  'ütz',
];

describe('the prepared change feed', () => {
  let t: TestApp;
  let dir: string;
  const caches: OfflineCache[] = [];

  const setLocation = async (location: LocationSettings): Promise<void> => {
    const response = await t.call('PUT', '/api/v1/settings/location', { body: location });
    expect(response.statusCode, response.body).toBe(200);
  };
  const pages = async (form: 'contacts' | 'prepared'): Promise<unknown[]> => {
    const all: unknown[] = [];
    let since = '';
    for (;;) {
      const query = new URLSearchParams({ limit: '3', form, ...(since ? { since } : {}) });
      const response = await t.call('GET', `/api/v1/phonebooks/Sales/changes?${query}`);
      expect(response.statusCode, response.body).toBe(200);
      const page = response.json() as { token: string; more: boolean };
      all.push(page);
      since = page.token;
      if (!page.more) return all;
    }
  };
  const cacheWith = async (location: LocationSettings, feed: unknown[]): Promise<OfflineCache> => {
    const cache = OfflineCache.open(join(dir, String(caches.length)));
    caches.push(cache);
    await cache.setLocation(location);
    for (const page of feed) {
      const checked =
        (page as { form?: string }).form === 'prepared'
          ? PreparedChangePageSchema.parse(page)
          : ChangePageSchema.parse(page);
      cache.applyPage('Sales', checked);
    }
    return cache;
  };
  const answers = (cache: OfflineCache): unknown => ({
    lookups: LOOKUPS.map((n) => cache.lookup(n)),
    searches: SEARCHES.map((q) => cache.search(q, 50)),
    contacts: cache.search('', 50).items.map((item) => cache.contact('Sales', item.id)),
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-prepared-feed-'));
    t = await createTestApp({ schedule: false });
    await setLocation(MUNICH);
    await t.call('POST', '/api/v1/phonebooks', { body: { name: 'Sales', kind: 'builtin' } });
    for (const data of CONTACTS) {
      const response = await t.call('POST', '/api/v1/phonebooks/Sales/contacts', { body: data });
      expect(response.statusCode, response.body).toBe(201);
    }
  });
  afterEach(async () => {
    for (const cache of caches.splice(0)) cache.close();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends rows equal to what the client would derive itself, with the location', async () => {
    const feed = (await pages('prepared')) as PreparedChangePage[];
    const normalizer = createNumberNormalizer(MUNICH);
    const rows = feed.flatMap((page) => page.upserts);
    expect(rows).toHaveLength(CONTACTS.length);
    for (const page of feed) expect(page).toMatchObject({ form: 'prepared', location: MUNICH });
    for (const row of rows) {
      const data = JSON.parse(row[1]) as ContactData;
      expect(row).toEqual(toPreparedRow(prepareContact(row[0], data, normalizer), row[3]));
    }
    // Phone rows come with their keys: a PBX extension has its base.
    const weiss = rows.find((row) => row[1].includes('Weiß'));
    expect(weiss?.[9]).toEqual([
      ['businessPhone', '4711-23', '+4989471123', '+49894711'],
      ['businessPhone2', '23', 'ext:23', null],
    ]);
  });

  it('keeps the plain form for clients that do not ask', async () => {
    const [page] = (await pages('contacts')) as Record<string, unknown>[];
    expect(Object.keys(page ?? {}).sort()).toEqual([
      'deletes',
      'more',
      'reset',
      'token',
      'upserts',
    ]);
    const response = await t.call('GET', '/api/v1/phonebooks/Sales/changes?limit=3');
    expect(response.json()).toEqual(page);
  });

  it('gives the same offline lookups, searches and contacts as the plain form', async () => {
    const plain = await cacheWith(MUNICH, await pages('contacts'));
    const prepared = await cacheWith(MUNICH, await pages('prepared'));
    const expected = answers(plain) as { lookups: { matches: unknown[] }[] };
    expect(expected.lookups.filter((l) => l.matches.length > 0).length).toBeGreaterThan(8);
    expect(answers(prepared)).toEqual(expected);
  });

  it('gives the same copy when its pages are read on a thread of their own', async () => {
    const feed = (await pages('prepared')) as { token: string }[];
    const bySince = new Map(feed.map((page, i) => [feed[i - 1]?.token ?? '', page]));
    const server = await fakeServer({
      '/api/v1/phonebooks': { body: [{ ...OFFLINE_BOOK, contactCount: CONTACTS.length }] },
      '/api/v1/settings/location': { body: MUNICH },
      '/api/v1/phonebooks/Sales/changes': {
        query: (query) => [200, bySince.get(query.get('since') ?? '')],
      },
    });
    try {
      const synced = async (readerThreadFrom: number) => {
        const cache = OfflineCache.open(join(dir, `from-${readerThreadFrom}`));
        caches.push(cache);
        const http = new HttpClient(server.url, 'token');
        const report = await syncOfflineCopies(http, cache, { pageSize: 3, readerThreadFrom });
        return { cache, report };
      };
      const here = await synced(Infinity);
      const thread = await synced(0);
      expect(thread.report.books).toMatchObject([
        { phonebook: 'Sales', full: true, upserts: CONTACTS.length, pages: feed.length },
      ]);
      expect(thread.report.bytes).toBe(here.report.bytes);
      expect(answers(thread.cache)).toEqual(answers(here.cache));
    } finally {
      server.close();
    }
  });

  it('derives the rows itself when its location differs from the one they were made with', async () => {
    const feed = await pages('prepared');
    const plain = await cacheWith(BERLIN, await pages('contacts'));
    const prepared = await cacheWith(BERLIN, feed);
    expect(answers(prepared)).toEqual(answers(plain));
    expect(prepared.lookup('+49301234567').matches.map((m) => m.field)).toEqual(['otherPhone']);
  });

  it('sends the search text kept with each contact, and derives it where none was kept', () => {
    const book = t.app.phonebooks.readable({ username: 'admin', admin: true }, 'Sales');
    const numbers = createNumberNormalizer(MUNICH);
    const feed = () => t.app.changes.preparedChanges(book.id, undefined, 50, numbers, true);
    const sent = feed();
    // Contacts stored before the text was kept: the same rows, derived.
    t.app.db.exec('DELETE FROM contact_text');
    expect(feed()).toEqual(sent);
    // What is kept is what is sent (read, not derived again).
    t.app.db.exec(`INSERT INTO contact_text (rowid, names, other)
      SELECT rowid, 'kept', 'text' FROM contacts WHERE book_id = ${book.id}`);
    expect(feed().upserts.map((row) => [row[7], row[8]])).toEqual(
      sent.upserts.map(() => ['kept', 'text']),
    );
  });

  it('normalises afresh while the store is being re-keyed', () => {
    const book = t.app.phonebooks.readable({ username: 'admin', admin: true }, 'Sales');
    const numbers = createNumberNormalizer(MUNICH);
    const fromKeys = t.app.changes.preparedChanges(book.id, undefined, 50, numbers, true);
    const afresh = t.app.changes.preparedChanges(book.id, undefined, 50, numbers, false);
    expect(afresh).toEqual(fromKeys);
  });
});

describe('a client syncing from a server', () => {
  let dir: string;
  let server: FakeServer | undefined;
  const plainPage = {
    token: '1.1',
    reset: true,
    more: false,
    upserts: [
      {
        id: 'k',
        lastName: 'Kern',
        businessPhone: '089 111222',
        displayName: 'Kern',
        phonebook: 'Sales',
        etag: '"1-1"',
        updatedAt: '2026-11-26T00:00:00.000Z',
      },
    ],
    deletes: [],
  };
  /** Answers like a server of one offline book; `changes` sees the query. */
  const serve = async (
    changes: (query: URLSearchParams, request: IncomingMessage) => [number, unknown],
  ): Promise<string> => {
    server = await fakeServer({
      '/api/v1/phonebooks': { body: [OFFLINE_BOOK] },
      '/api/v1/settings/location': { body: MUNICH },
      '/api/v1/phonebooks/Sales/changes': { query: changes },
    });
    return server.url;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-prepared-client-'));
  });
  afterEach(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Full copies read on this thread, and on a thread of their own. */
  const READERS = [
    ['on this thread', Infinity],
    ['on a reader thread', 0],
  ] as const;

  it.each(READERS)(
    'asks a server that does not know the prepared form in the plain form (%s)',
    async (_, readerThreadFrom) => {
      const asked: (string | null)[] = [];
      const url = await serve((query) => {
        asked.push(query.get('form'));
        return query.has('form')
          ? [400, { error: { code: 'VALIDATION_FAILED', message: 'unknown key form' } }]
          : [200, plainPage];
      });
      const cache = OfflineCache.open(dir);
      try {
        const report = await syncOfflineCopies(new HttpClient(url, 'token'), cache, {
          readerThreadFrom,
        });
        expect(report.books).toMatchObject([{ phonebook: 'Sales', upserts: 1 }]);
        expect(asked).toEqual(['prepared', null]);
        expect(cache.lookup('089 111222').matches).toMatchObject([{ id: 'k' }]);
      } finally {
        cache.close();
      }
    },
  );

  it.each(READERS)(
    'refuses a prepared row that is not one and keeps the copy as it was (%s)',
    async (_, readerThreadFrom) => {
      const url = await serve(() => [
        200,
        {
          ...plainPage,
          form: 'prepared',
          location: MUNICH,
          upserts: [['k', '{"lastName":', 1, '2026-11-26', 'Kern', null, 'kern', 'kern', '', []]],
        },
      ]);
      const cache = OfflineCache.open(dir);
      try {
        const sync = syncOfflineCopies(new HttpClient(url, 'token'), cache, { readerThreadFrom });
        await expect(sync).rejects.toBeInstanceOf(ClientError);
        await expect(sync).rejects.toMatchObject({ code: 'CHANGE_FEED_INVALID' });
        expect(cache.books()).toEqual([]);
      } finally {
        cache.close();
      }
    },
  );

  it('reads the rest here when the session expires while a reader thread reads', async () => {
    const first = preparedPage(MUNICH, [['k', '089 111222']], { more: true });
    const last = preparedPage(MUNICH, [['m', '089 333444']], { token: '1.2', reset: false });
    const asked: string[] = [];
    const url = await serve((query, request) => {
      const token = request.headers.authorization ?? '';
      asked.push(`${query.get('since') ?? '-'} ${token}`);
      if (!query.get('since')) return [200, first];
      return token === 'Bearer new'
        ? [200, last]
        : [401, { error: { code: 'UNAUTHORIZED', message: 'expired' } }];
    });
    const http = new HttpClient(url, 'old', {
      onUnauthorized: async () => {
        http.token = 'new';
        return true;
      },
    });
    const cache = OfflineCache.open(dir);
    try {
      const report = await syncOfflineCopies(http, cache, { readerThreadFrom: 0 });
      expect(report.books).toMatchObject([{ phonebook: 'Sales', full: true, upserts: 2 }]);
      // The thread was refused the second page; this thread logged in again and read it.
      expect(asked).toEqual(['- Bearer old', '1.1 Bearer old', '1.1 Bearer old', '1.1 Bearer new']);
      expect(cache.lookup('089 333444').matches).toMatchObject([{ id: 'm' }]);
      expect(cache.lookup('089 111222').matches).toMatchObject([{ id: 'k' }]);
    } finally {
      cache.close();
    }
  });
});
