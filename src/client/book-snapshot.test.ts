import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ContactData } from '../domain/contact.js';
import type { LocationSettings } from '../domain/phone-number.js';
import { SNAPSHOT_FORMAT, SNAPSHOT_TABLES } from '../store/book-snapshot.js';
import { BookSnapshots } from '../store/book-snapshots.js';
import type { FakeAnswer, FakeServer } from '../test-support/fake-server.js';
import { MUNICH, OFFLINE_BOOK, fakeServer } from '../test-support/fake-server.js';
import type { TestApp } from '../test-support/test-app.js';
import { createTestApp } from '../test-support/test-app.js';
import { ChangePageSchema, PreparedChangePageSchema } from './api-types.js';
import { syncOfflineCopies } from './cache-sync.js';
import { HttpClient } from './http-client.js';
import { CACHE_FILE, OfflineCache } from './offline-cache.js';

/** Company main numbers and extensions, private numbers, umlauts, `extra`, internal numbers. */
const CONTACTS: ContactData[] = [
  {
    firstName: 'Jürgen',
    lastName: 'Müller',
    company: 'Bäckerei Groß',
    businessPhone: '089 1234567',
  },
  { displayName: 'Bäckerei Groß', company: 'Bäckerei Groß', businessPhone: '089 12345-0' },
  { firstName: 'Hans', lastName: 'Mueller', company: 'Groß', mobilePhone: '+49 (0)151 2345678' },
  { firstName: 'Zoë', lastName: 'Ångström', homePhone: '+34 600 123 456', city: 'Köln' },
  { lastName: 'Weiß', department: 'Straßenbau', businessPhone: '4711-23', businessPhone2: '23' },
  { company: 'Zentrale', businessPhone: '+49 89 4711 0', businessFax: '+49 89 4711 99' },
  { firstName: 'Ørjan', lastName: 'Œlberg', otherPhone: '1234567', extra: { Kundennummer: 'K-7' } },
];
const LOOKUPS = [
  '0891234567',
  '+498912345 99',
  '+4915123456 78',
  '+34600123456',
  '23',
  '+498947110',
];
const SEARCHES = ['mül', 'mueller', 'weiss', 'zoe', 'strasse', 'baeckerei', '0891234', 'k-7', ''];
/** Waits until `check` holds, polling every `every` ms; fails after `ms`. */
async function eventually(check: () => boolean, ms = 2000, every = 20): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

const SNAPSHOT_URL = `/api/v1/phonebooks/Sales/snapshot?format=${SNAPSHOT_FORMAT}`;
const PBX: LocationSettings = { ...MUNICH, pbxBaseNumber: '+49 89 4711' };

describe('book snapshots', () => {
  let t: TestApp;
  let dir: string;
  const caches: OfflineCache[] = [];

  const call = async (url: string, token?: string) => {
    const response = await t.call('GET', url, token === undefined ? {} : { token });
    return response;
  };
  /** The book's snapshot as the route sends it, saved to a file. */
  const snapshot = async (name = 'snapshot.sqlite'): Promise<string> => {
    const response = await call(SNAPSHOT_URL);
    expect(response.statusCode, response.body).toBe(200);
    const file = join(dir, name);
    writeFileSync(file, response.rawPayload);
    return file;
  };
  const pages = async (since = ''): Promise<unknown[]> => {
    const all: unknown[] = [];
    for (;;) {
      const query = new URLSearchParams({
        limit: '3',
        form: 'prepared',
        ...(since ? { since } : {}),
      });
      const response = await call(`/api/v1/phonebooks/Sales/changes?${query}`);
      expect(response.statusCode, response.body).toBe(200);
      const page = response.json() as { token: string; more: boolean };
      all.push(page);
      since = page.token;
      if (!page.more) return all;
    }
  };
  const cache = async (name: string): Promise<OfflineCache> => {
    const opened = OfflineCache.open(join(dir, name));
    caches.push(opened);
    await opened.setLocation(PBX);
    return opened;
  };
  const apply = (to: OfflineCache, feed: unknown[]): void => {
    for (const page of feed) {
      const prepared = (page as { form?: string }).form === 'prepared';
      to.applyPage('Sales', (prepared ? PreparedChangePageSchema : ChangePageSchema).parse(page));
    }
  };
  const answers = (from: OfflineCache): unknown => ({
    books: from.books().map((book) => [book.name, book.contactCount]),
    lookups: LOOKUPS.map((n) => from.lookup(n)),
    searches: SEARCHES.map((q) => from.search(q, 50)),
    contacts: from.search('', 50).items.map((item) => from.contact('Sales', item.id)),
  });
  /** The stored rows of a cache file, without its own rowids and book ids. */
  const rows = (workdir: string): unknown => {
    const db = new Database(join(dir, workdir, CACHE_FILE), { readonly: true });
    try {
      return {
        contacts: db
          .prepare(
            `SELECT id, data, display_name, company, name_key, updated_at, hash FROM contacts
              WHERE book_id IN (SELECT local_id FROM client_books) ORDER BY id`,
          )
          .all(),
        phones: db
          .prepare(
            `SELECT c.id, p.field, p.raw, p.canonical, p.base, p.company, p.company_rank
               FROM phones p JOIN contacts c ON c.rowid = p.contact_rowid
              WHERE c.book_id IN (SELECT local_id FROM client_books) ORDER BY c.id, p.field`,
          )
          .all(),
      };
    } finally {
      db.close();
    }
  };
  const edit = async (): Promise<void> => {
    const listed = (await call('/api/v1/phonebooks/Sales/contacts?limit=50')).json() as {
      items: { id: string; lastName?: string }[];
    };
    const weiss = listed.items.find((c) => c.lastName === 'Weiß');
    const zoe = listed.items.find((c) => c.lastName === 'Ångström');
    await t.call('PATCH', `/api/v1/phonebooks/Sales/contacts/${weiss?.id}`, {
      body: { businessPhone: '4711-42' },
      headers: { 'if-match': '*' },
    });
    await t.call('DELETE', `/api/v1/phonebooks/Sales/contacts/${zoe?.id}`, {
      headers: { 'if-match': '*' },
    });
    await t.call('POST', '/api/v1/phonebooks/Sales/contacts', {
      body: { lastName: 'Neu', businessPhone: '089 7654321' },
    });
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-snapshot-'));
    t = await createTestApp({ schedule: false });
    expect((await t.call('PUT', '/api/v1/settings/location', { body: PBX })).statusCode).toBe(200);
    await t.call('POST', '/api/v1/phonebooks', { body: { name: 'Sales', kind: 'builtin' } });
    for (const data of CONTACTS) {
      const response = await t.call('POST', '/api/v1/phonebooks/Sales/contacts', { body: data });
      expect(response.statusCode, response.body).toBe(201);
    }
  });
  afterEach(async () => {
    for (const open of caches.splice(0)) open.close();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is an SQLite file of the book at the token its change feed ends with', async () => {
    const response = await call(SNAPSHOT_URL);
    expect(response.headers['content-type']).toBe('application/vnd.sqlite3');
    const feed = (await pages()) as { token: string }[];
    expect(response.headers['x-ctibook-token']).toBe(feed.at(-1)?.token);
    expect(response.headers['x-ctibook-contacts']).toBe(String(CONTACTS.length));
    const file = await snapshot();
    const db = new Database(file, { readonly: true });
    try {
      const tables = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table'").pluck().all();
      expect(tables).toEqual(SNAPSHOT_TABLES);
      const meta = Object.fromEntries(
        db.prepare('SELECT key, value FROM meta').raw().all() as [string, string][],
      );
      expect(meta).toEqual({
        format: SNAPSHOT_FORMAT,
        token: feed.at(-1)?.token,
        contacts: String(CONTACTS.length),
        location: JSON.stringify(PBX),
      });
    } finally {
      db.close();
    }
  });

  it('is written once for every client while the book does not change', async () => {
    const tmp = join(t.home, 'tmp');
    const first = await call(SNAPSHOT_URL);
    const again = await call(SNAPSHOT_URL);
    expect(again.rawPayload.equals(first.rawPayload)).toBe(true);
    const kept = readdirSync(tmp);
    expect(kept).toHaveLength(1);
    await t.call('POST', '/api/v1/phonebooks/Sales/contacts', { body: { lastName: 'Neu' } });
    const changed = await call(SNAPSHOT_URL);
    expect(changed.headers['x-ctibook-token']).not.toBe(first.headers['x-ctibook-token']);
    expect(changed.headers['x-ctibook-contacts']).toBe(String(CONTACTS.length + 1));
    // The older file goes once sent; the new one is kept.
    await eventually(() => readdirSync(tmp).length === 1 && readdirSync(tmp)[0] !== kept[0]);
  });

  it('of a book made again after it was deleted is that of the new book', async () => {
    const before = await call(SNAPSHOT_URL);
    expect((await t.call('DELETE', '/api/v1/phonebooks/Sales')).statusCode).toBe(200);
    await t.call('POST', '/api/v1/phonebooks', { body: { name: 'Sales', kind: 'builtin' } });
    for (const [i] of CONTACTS.entries()) {
      await t.call('POST', '/api/v1/phonebooks/Sales/contacts', { body: { lastName: `Neu${i}` } });
    }
    const after = await call(SNAPSHOT_URL);
    expect(after.statusCode).toBe(200);
    const file = join(dir, 'after.sqlite');
    writeFileSync(file, after.rawPayload);
    const db = new Database(file, { readonly: true });
    try {
      const names = db.prepare("SELECT data ->> 'lastName' FROM contacts").pluck().all();
      expect(names).toEqual(CONTACTS.map((_, i) => `Neu${i}`));
    } finally {
      db.close();
    }
    expect(after.rawPayload.equals(before.rawPayload)).toBe(false);
  });

  it('keeps the snapshot of an unchanged book for a while after it was last sent', async () => {
    const tmp = join(dir, 'kept');
    const snapshots = new BookSnapshots(t.app.home.storeFile, tmp, 200);
    try {
      const book = t.app.phonebooks.readable({ username: 'admin', admin: true }, 'Sales');
      const token = t.app.changes.token(book.id);
      const taken = await snapshots.take(book, token, PBX);
      const twice = await snapshots.take(book, token, PBX);
      expect(twice?.file).toBe(taken?.file);
      if (taken) snapshots.release(taken);
      if (twice) snapshots.release(twice);
      expect(readdirSync(tmp)).toHaveLength(1);
      await eventually(() => readdirSync(tmp).length === 0);
      // Asked for with other location settings: another file.
      const other = await snapshots.take(book, token, { ...PBX, areaCode: '30' });
      expect(other?.file).not.toBe(taken?.file);
    } finally {
      await snapshots.close();
    }
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('is refused (400) in a format this server does not write', async () => {
    const response = await call('/api/v1/phonebooks/Sales/snapshot?format=1');
    expect(response.statusCode).toBe(400);
  });

  it('needs the offline right, and hides books without read right', async () => {
    const reader = await t.userWith('rita', { Sales: { read: true } });
    expect((await call(SNAPSHOT_URL, reader)).statusCode).toBe(403);
    const stranger = await t.userWith('sven', {});
    const hidden = await call(SNAPSHOT_URL, stranger);
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json()).toMatchObject({ error: { code: 'PHONEBOOK_NOT_FOUND' } });
    const owner = await t.userWith('otto', { Sales: { offline: true } });
    expect((await call(SNAPSHOT_URL, owner)).statusCode).toBe(200);
  });

  it('of a book deleted while it is written answers 404; rebuilt or made again, 409', async () => {
    const take = t.app.snapshots.take.bind(t.app.snapshots);
    let meanwhile = async (): Promise<void> => void t.app.phonebooks.delete('Sales');
    vi.spyOn(t.app.snapshots, 'take').mockImplementation(async (...args) => {
      await meanwhile();
      return take(...args);
    });
    const gone = await call(SNAPSHOT_URL);
    expect(gone.statusCode, gone.body).toBe(404);
    expect(gone.json()).toMatchObject({ error: { code: 'PHONEBOOK_NOT_FOUND' } });

    const create = () =>
      t.call('POST', '/api/v1/phonebooks', { body: { name: 'Sales', kind: 'builtin' } });
    await create();
    meanwhile = async () => {
      t.app.phonebooks.delete('Sales');
      await create();
    };
    const madeAgain = await call(SNAPSHOT_URL);
    expect(madeAgain.statusCode, madeAgain.body).toBe(409);
    expect(madeAgain.json()).toMatchObject({ error: { code: 'CONFLICT' } });

    // A rebuild's swap: the old copy stays in the store, retired, while it is dropped.
    meanwhile = async () => {
      const books = t.app.stores.books;
      const old = books.byName('Sales');
      if (!old) throw new Error('no Sales');
      books.promote(old.id, books.insertStaging(old, new Date().toISOString()));
    };
    const rebuilt = await call(SNAPSHOT_URL);
    expect(rebuilt.statusCode, rebuilt.body).toBe(409);
    expect(readdirSync(join(t.home, 'tmp'))).toEqual([]);
  });

  it('is refused (409) while a contact has no kept search text: the change feed derives it', async () => {
    t.app.db.exec('DELETE FROM contact_text WHERE rowid = (SELECT max(rowid) FROM contact_text)');
    const response = await call(SNAPSHOT_URL);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ error: { code: 'CONFLICT' } });
    expect(readdirSync(join(t.home, 'tmp'))).toEqual([]);
  });

  it('gives the copy the pages give: rows, company ranks, lookups, searches, contacts', async () => {
    const fromPages = await cache('pages');
    apply(fromPages, await pages());
    const fromSnapshot = await cache('snapshot');
    expect(fromSnapshot.importSnapshot('Sales', await snapshot())).toBe(CONTACTS.length);
    expect(rows('snapshot')).toEqual(rows('pages'));
    const expected = answers(fromPages) as { lookups: { matches: unknown[] }[] };
    expect(expected.lookups.filter((l) => l.matches.length > 0).length).toBeGreaterThan(4);
    expect(answers(fromSnapshot)).toEqual(expected);
    expect(fromSnapshot.integrity()).toBe('ok');

    // Later changes come by the change feed from the snapshot's token.
    await edit();
    const since = fromSnapshot.since('Sales');
    expect(since).toBe(fromPages.since('Sales'));
    apply(fromSnapshot, await pages(since));
    apply(fromPages, await pages(since));
    expect(answers(fromSnapshot)).toEqual(answers(fromPages));
    expect(fromSnapshot.lookup('089 7654321').matches).toHaveLength(1);
  });

  it('replaces an older copy in one go, and a copy still filling', async () => {
    const copy = await cache('copy');
    const [first] = await pages();
    apply(copy, [first]);
    expect(copy.filling('Sales')).toBe(true);
    const file = await snapshot();
    await edit();
    expect(copy.importSnapshot('Sales', file)).toBe(CONTACTS.length);
    expect(copy.filling('Sales')).toBe(false);
    expect(copy.books()).toMatchObject([{ name: 'Sales', contactCount: CONTACTS.length }]);
    expect(copy.importSnapshot('Sales', await snapshot('newer.sqlite'))).toBe(CONTACTS.length);
    const db = new Database(join(dir, 'copy', CACHE_FILE), { readonly: true });
    try {
      // Only the newest copy's rows are left.
      expect(db.prepare('SELECT count(*) FROM contacts').pluck().get()).toBe(CONTACTS.length);
      expect(db.prepare('SELECT count(*) FROM phonebooks').pluck().get()).toBe(1);
    } finally {
      db.close();
    }
    expect(copy.lookup('089 7654321').matches).toHaveLength(1);
  });

  it('is not taken when its numbers were keyed with other location settings', async () => {
    const copy = await cache('copy');
    await copy.setLocation({ ...PBX, areaCode: '30' });
    expect(copy.importSnapshot('Sales', await snapshot())).toBeUndefined();
    expect(copy.books()).toEqual([]);
  });

  it('leaves the copy as it was when the process is killed while it copies', async () => {
    for (let at = 0; at < 20_000; at += 1000) {
      const contacts = Array.from({ length: 1000 }, (_, i) => ({
        lastName: `Massen${at + i}`,
        businessPhone: `+49 30 ${5_000_000 + at + i}`,
      }));
      const bulk = await t.call('POST', '/api/v1/phonebooks/Sales/contacts/bulk', {
        body: { contacts },
      });
      expect(bulk.statusCode, bulk.body).toBe(200);
    }
    const file = await snapshot();
    const copy = await cache('killed');
    apply(copy, await pages());
    const before = answers(copy);
    copy.close();
    caches.splice(caches.indexOf(copy), 1);

    // A process copying the snapshot, killed once its transaction has written.
    const workdir = join(dir, 'killed');
    const module = pathToFileURL(join(import.meta.dirname, 'offline-cache.ts')).href;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `
        const { OfflineCache } = await import(${JSON.stringify(module)});
        const cache = OfflineCache.open(${JSON.stringify(workdir)});
        cache.deferIndexes();
        process.stdout.write('copying\\n');
        cache.importSnapshot('Sales', ${JSON.stringify(file)});
        process.stdout.write('copied\\n');`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const said: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => said.push(chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await eventually(() => said.join('').includes('copying'), 20_000);
    await eventually(() => existsSync(join(workdir, `${CACHE_FILE}-journal`)), 20_000, 1);
    child.kill('SIGKILL');
    await exited;
    expect(said.join('')).not.toContain('copied');

    const reopened = OfflineCache.open(workdir);
    caches.push(reopened);
    expect(reopened.integrity()).toBe('ok');
    expect(answers(reopened)).toEqual(before);
    expect(reopened.importSnapshot('Sales', file)).toBe(CONTACTS.length + 20_000);
    expect(reopened.lookup('+49 30 5019999').matches).toMatchObject([{ phonebook: 'Sales' }]);
  }, 120_000);

  describe('refuses an unusable file, keeping the copy as it was', () => {
    /** A copy made from pages, then `file` offered as a snapshot. */
    const offer = async (file: string): Promise<OfflineCache> => {
      const copy = await cache('copy');
      apply(copy, await pages());
      const before = answers(copy);
      expect(() => copy.importSnapshot('Sales', file)).toThrow(
        expect.objectContaining({ code: 'CHANGE_FEED_INVALID' }),
      );
      expect(answers(copy)).toEqual(before);
      expect(copy.integrity()).toBe('ok');
      return copy;
    };
    const tampered = async (sql: string): Promise<string> => {
      const file = await snapshot();
      const db = new Database(file);
      db.exec(sql);
      db.close();
      return file;
    };

    it('not an SQLite file', async () => {
      const file = join(dir, 'garbage');
      writeFileSync(file, 'SQLite format 3\u0000 but then nothing of the sort'.repeat(200));
      await offer(file);
    });
    it('other tables, or a trigger of its own', async () => {
      await offer(await tampered('ALTER TABLE phones ADD COLUMN more TEXT'));
      await offer(
        await tampered('CREATE TRIGGER t AFTER INSERT ON meta BEGIN DELETE FROM contacts; END'),
      );
    });
    it('another format, or no usable token', async () => {
      await offer(await tampered("UPDATE meta SET value = '9' WHERE key = 'format'"));
      await offer(await tampered("UPDATE meta SET value = 'x' WHERE key = 'token'"));
    });
    it('fewer contacts than it says', async () => {
      await offer(
        await tampered('DELETE FROM contacts WHERE rowid = (SELECT max(rowid) FROM contacts)'),
      );
    });
    it('contact data that is not an object of strings', async () => {
      await offer(
        await tampered(
          `UPDATE contacts SET data = '{"lastName": 7}' WHERE rowid IN (SELECT min(rowid) FROM contacts)`,
        ),
      );
      await offer(
        await tampered(
          `UPDATE contacts SET data = '{"extra": "x"}' WHERE rowid IN (SELECT min(rowid) FROM contacts)`,
        ),
      );
      await offer(
        await tampered(
          `UPDATE contacts SET data = '{"lastName": "x"' WHERE rowid IN (SELECT min(rowid) FROM contacts)`,
        ),
      );
    });
    it('contacts numbered out of range', async () => {
      await offer(await tampered('UPDATE contacts SET rowid = -rowid'));
      await offer(await tampered('UPDATE contacts SET rowid = rowid + 9007199254740000'));
    });
    it('an unknown phone field or company rank, or two contacts of one id', async () => {
      await offer(await tampered("UPDATE phones SET field = 'pager'"));
      await offer(await tampered('UPDATE phones SET company_rank = 7 WHERE company IS NOT NULL'));
      await offer(await tampered('UPDATE phones SET company_rank = NULL'));
      await offer(await tampered("UPDATE contacts SET id = 'same'"));
    });
  });

  describe('in a sync', () => {
    let server: FakeServer | undefined;
    let served: () => Buffer;
    /** The book list, location and change feed of a server (the feed by `since`). */
    let basics: Record<string, FakeAnswer>;
    /** The change feed's pages by `since`. */
    let bySince: Map<string, unknown>;

    beforeEach(async () => {
      const file = await snapshot();
      served = () => readFileSync(file);
      const feed = (await pages()) as { token: string }[];
      bySince = new Map<string, unknown>(feed.map((page, i) => [feed[i - 1]?.token ?? '', page]));
      const last = feed.at(-1) as { token: string };
      bySince.set(last.token, { ...last, reset: false, more: false, upserts: [], deletes: [] });
      basics = {
        '/api/v1/phonebooks': { body: [{ ...OFFLINE_BOOK, contactCount: CONTACTS.length }] },
        '/api/v1/settings/location': { body: PBX },
        '/api/v1/phonebooks/Sales/changes': {
          query: (query) => [200, bySince.get(query.get('since') ?? '')],
        },
      };
      server = await fakeServer({
        ...basics,
        '/api/v1/phonebooks/Sales/snapshot': {
          bytes: () => served(),
          type: 'application/vnd.sqlite3',
        },
      });
    });
    afterEach(() => server?.close());

    const sync = async (workdir: string, snapshotFrom: number, url = server?.url ?? '') => {
      const copy = await cache(workdir);
      return {
        copy,
        report: await syncOfflineCopies(new HttpClient(url, 't'), copy, { snapshotFrom }),
      };
    };
    const leftovers = (workdir: string): string[] =>
      readdirSync(join(dir, workdir)).filter((name) => name.includes('snapshot'));

    it('copies big books from their snapshots, and goes on with the change feed', async () => {
      const progress: number[] = [];
      const copy = await cache('synced');
      const report = await syncOfflineCopies(new HttpClient(server?.url ?? '', 't'), copy, {
        snapshotFrom: 1,
        onProgress: (p) => progress.push(p.done),
      });
      expect(report.books).toMatchObject([
        { phonebook: 'Sales', full: true, snapshot: true, upserts: CONTACTS.length, pages: 2 },
      ]);
      // The download is the first half, storing the file the rest.
      expect(progress.at(-1)).toBe(CONTACTS.length);
      expect(progress.slice(0, -1).every((done) => done <= CONTACTS.length / 2)).toBe(true);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(copy.since('Sales')).toBe(((await pages()).at(-1) as { token: string }).token);
      expect(copy.lookup('0891234567').matches).not.toEqual([]);
      // Downloaded into the working directory, removed once stored; the log journal again.
      expect(leftovers('synced')).toEqual([]);
      const db = new Database(join(dir, 'synced', CACHE_FILE), { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
    });

    it('copies a book rebuilt on the server from its new snapshot too', async () => {
      const { copy } = await sync('rebuilt', 1);
      const old = copy.since('Sales') ?? '';
      // The book rebuilt (the server answers the old token with reset) and changed.
      await edit();
      const newer = await snapshot('newer.sqlite');
      served = () => readFileSync(newer);
      const feed = (await pages()) as { token: string }[];
      for (const [i, page] of feed.entries()) bySince.set(feed[i - 1]?.token ?? old, page);
      const last = feed.at(-1) as { token: string };
      bySince.set(last.token, { ...last, reset: false, more: false, upserts: [], deletes: [] });
      const report = await syncOfflineCopies(new HttpClient(server?.url ?? '', 't'), copy, {
        snapshotFrom: 1,
      });
      expect(report.books).toMatchObject([{ full: true, snapshot: true }]);
      expect(copy.since('Sales')).toBe(last.token);
      expect(copy.lookup('089 7654321').matches).toMatchObject([{ phonebook: 'Sales' }]);
      expect(copy.books()).toMatchObject([{ name: 'Sales', contactCount: CONTACTS.length }]);
      // The search index was not merged while the copy went in, and is merged again after.
      const db = new Database(join(dir, 'rebuilt', CACHE_FILE), { readonly: true });
      const merge = db.prepare('SELECT k, v FROM contact_fts_config WHERE k LIKE ?').raw();
      expect(merge.all('%merge')).toEqual([
        ['automerge', 4],
        ['crisismerge', 16],
      ]);
      db.close();
      // Unchanged since: one contact asked for, and nothing copied.
      const again = await syncOfflineCopies(new HttpClient(server?.url ?? '', 't'), copy, {
        snapshotFrom: 1,
      });
      expect(again.books).toMatchObject([{ full: false, snapshot: false, upserts: 0 }]);
    });

    it('reads pages below the size for snapshots, or from servers without them or of another format', async () => {
      const small = await sync('small', CONTACTS.length + 1);
      expect(small.report.books).toMatchObject([{ snapshot: false, full: true, pages: 3 }]);
      const refusing: FakeAnswer = {
        query: () => [400, { error: { code: 'VALIDATION_FAILED', message: 'format' } }],
      };
      for (const [name, answers_] of [
        ['older', basics],
        ['other-format', { ...basics, '/api/v1/phonebooks/Sales/snapshot': refusing }],
      ] as const) {
        const other = await fakeServer(answers_);
        try {
          const { report, copy } = await sync(name, 1, other.url);
          expect(report.books).toMatchObject([
            { snapshot: false, full: true, upserts: CONTACTS.length },
          ]);
          expect(answers(copy)).toEqual(answers(small.copy));
        } finally {
          other.close();
        }
      }
    });

    it('fails clearly on an unusable snapshot, and leaves nothing behind', async () => {
      served = () => Buffer.from('not a database at all, not even close'.repeat(300));
      await expect(sync('broken', 1)).rejects.toMatchObject({ code: 'CHANGE_FEED_INVALID' });
      expect(
        caches
          .at(-1)
          ?.books()
          .filter((book) => book.syncedAt !== null),
      ).toEqual([]);
      expect(leftovers('broken')).toEqual([]);
    });

    it('removes what a killed process downloaded when the copy is opened next', async () => {
      const workdir = join(dir, 'killed');
      mkdirSync(workdir);
      const stale = join(workdir, `${CACHE_FILE}.snapshot-999999999.0`);
      writeFileSync(stale, 'half a download');
      caches.push(OfflineCache.open(workdir));
      expect(existsSync(stale)).toBe(false);
    });
  });
});
