import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChangePage, Contact } from './api-types.js';
import { CACHE_FILE, FILL_COMMIT_PAGES, OfflineCache } from './offline-cache.js';

const MUNICH = {
  countryCode: '49',
  areaCode: '89',
  internationalPrefix: '00',
  nationalPrefix: '0',
  outsideLinePrefix: '',
  pbxBaseNumber: '',
  internalNumberMaxLength: 4,
};

function contact(id: string, fields: Partial<Contact>): Contact {
  return {
    id,
    displayName: fields.lastName ?? id,
    phonebook: 'Sales',
    etag: '"1-1"',
    updatedAt: '2026-11-26T00:00:00.000Z',
    ...fields,
  };
}

function page(token: string, changes: Partial<ChangePage>): ChangePage {
  return { token, reset: false, more: false, upserts: [], deletes: [], ...changes };
}

/** What another connection reads from the cache file. */
function fromFile<T>(dir: string, read: (reader: Database.Database) => T): T {
  const reader = new Database(join(dir, CACHE_FILE), { readonly: true });
  try {
    return read(reader);
  } finally {
    reader.close();
  }
}

/** The file's index names, sorted. */
const indexNames = (dir: string): string[] =>
  fromFile(
    dir,
    (db) =>
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
        .pluck()
        .all() as string[],
  );

/** A merge setting of the search index as stored (FTS5's default when never set). */
const ftsSetting = (dir: string, key: 'automerge' | 'crisismerge'): number =>
  fromFile(
    dir,
    (db) =>
      (db.prepare('SELECT v FROM contact_fts_config WHERE k = ?').pluck().get(key) as
        number | undefined) ?? (key === 'automerge' ? 4 : 16),
  );
const automerge = (dir: string): number => ftsSetting(dir, 'automerge');

describe('OfflineCache', () => {
  let dir: string;
  let cache: OfflineCache;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-offline-cache-'));
    cache = OfflineCache.open(dir);
    await cache.setLocation(MUNICH);
  });
  afterEach(() => {
    cache.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fills a full copy beside the old one and swaps only at its last page', () => {
    cache.applyPage(
      'Sales',
      page('1.1', {
        reset: true,
        upserts: [contact('a', { lastName: 'Alt', businessPhone: '089 111' })],
      }),
    );
    expect(cache.lookup('089 111').matches).toMatchObject([{ id: 'a', phonebook: 'Sales' }]);
    expect(cache.since('Sales')).toBe('1.1');

    // The book was rebuilt on the server: a reset arrives in two pages.
    cache.applyPage(
      'Sales',
      page('2.1', {
        reset: true,
        more: true,
        upserts: [contact('b', { lastName: 'Neu', businessPhone: '089 222' })],
      }),
    );
    expect(cache.filling('Sales')).toBe(true);
    expect(cache.since('Sales')).toBe('2.1');
    expect(cache.lookup('089 111').matches).toMatchObject([{ id: 'a' }]);
    expect(cache.lookup('089 222').matches).toEqual([]);

    cache.applyPage('Sales', page('2.2', { upserts: [contact('c', { lastName: 'Drei' })] }));
    expect(cache.filling('Sales')).toBe(false);
    expect(cache.lookup('089 111').matches).toEqual([]);
    expect(cache.lookup('089 222').matches).toMatchObject([{ id: 'b', phonebook: 'Sales' }]);
    expect(cache.books()).toMatchObject([{ name: 'Sales', contactCount: 2 }]);
    expect(cache.integrity()).toBe('ok');
  });

  it('commits a full copy every few pages, and at its last page', () => {
    // What another process reading the file sees: committed rows only.
    const reader = new Database(join(dir, CACHE_FILE), { readonly: true });
    const committed = (): number =>
      (reader.prepare('SELECT count(*) AS n FROM contacts').get() as { n: number }).n;
    const fillPage = (n: number, last = false): ChangePage =>
      page(`1.${n}`, {
        reset: n === 1,
        more: !last,
        upserts: [contact(`c${n}`, { lastName: `Name${n}`, businessPhone: `089 100${n}` })],
      });
    try {
      for (let n = 1; n < FILL_COMMIT_PAGES; n++) cache.applyPage('Sales', fillPage(n));
      expect(committed()).toBe(0);
      cache.applyPage('Sales', fillPage(FILL_COMMIT_PAGES));
      expect(committed()).toBe(FILL_COMMIT_PAGES);
      cache.applyPage('Sales', fillPage(FILL_COMMIT_PAGES + 1));
      expect(committed()).toBe(FILL_COMMIT_PAGES);
      // A sync that stops early keeps what arrived.
      cache.commit();
      expect(committed()).toBe(FILL_COMMIT_PAGES + 1);
      cache.applyPage('Sales', fillPage(FILL_COMMIT_PAGES + 2, true));
      expect(committed()).toBe(FILL_COMMIT_PAGES + 2);
      expect(cache.lookup('089 1002').matches).toMatchObject([{ id: 'c2', phonebook: 'Sales' }]);
    } finally {
      reader.close();
    }
  });

  it('fills without its random-key indexes when asked, and builds them when next needed', () => {
    const all = indexNames(dir);
    expect(all).toContain('phones_canonical');
    cache.deferIndexes();
    expect(indexNames(dir)).not.toContain('phones_canonical');
    // The search index's segments are not merged while it fills, and piled higher before
    // a forced merge.
    expect(automerge(dir)).toBe(0);
    expect(ftsSetting(dir, 'crisismerge')).toBe(64);
    cache.applyPage(
      'Sales',
      page('1.1', { reset: true, upserts: [contact('a', { businessPhone: '089 111' })] }),
    );
    // A query builds them first, and merging goes on again.
    expect(cache.lookup('089 111').matches).toMatchObject([{ id: 'a' }]);
    expect(indexNames(dir)).toEqual(all);
    expect(automerge(dir)).toBe(4);
    expect(ftsSetting(dir, 'crisismerge')).toBe(16);
  });

  it('fills a first copy with a rollback journal, which another process opening it meanwhile keeps', () => {
    const journal = (): unknown =>
      fromFile(dir, (db) => db.pragma('journal_mode', { simple: true }));
    expect(journal()).toBe('wal');
    cache.deferIndexes();
    expect(journal()).toBe('delete');
    // A page of a full copy that goes on: its transaction stays open.
    cache.applyPage(
      'Sales',
      page('1.1', {
        reset: true,
        more: true,
        upserts: [contact('a', { businessPhone: '089 1234567' })],
      }),
    );
    const other = OfflineCache.open(dir);
    try {
      expect(other.books()).toEqual([]);
    } finally {
      other.close();
    }
    cache.applyPage(
      'Sales',
      page('1.2', { upserts: [contact('b', { businessPhone: '089 7654321' })] }),
    );
    expect(cache.lookup('089 7654321').matches).toMatchObject([{ id: 'b' }]);
    // The write-ahead log is back with the indexes.
    expect(journal()).toBe('wal');
  });

  it('leaves the indexes to a live process that fills, and builds those of a dead one', () => {
    const all = indexNames(dir);
    cache.deferIndexes();
    cache.applyPage(
      'Sales',
      page('1.1', {
        reset: true,
        upserts: [
          contact('a', { businessPhone: '089 111' }),
          contact('f', { lastName: 'Firma', company: 'Firma', businessPhone: '089 4711-0' }),
        ],
      }),
    );
    // Another process opens the file while this one fills: it reads without the indexes.
    const other = OfflineCache.open(dir);
    expect(indexNames(dir)).not.toContain('phones_company_base');
    expect(other.lookup('089 111').matches).toMatchObject([{ id: 'a' }]);
    expect(other.lookup('089 4711-99').matches).toMatchObject([{ id: 'f', match: 'company' }]);
    expect(other.search('a', 10).items).toMatchObject([{ id: 'a' }]);
    other.close();
    expect(indexNames(dir)).not.toContain('phones_canonical');
    expect(automerge(dir)).toBe(0);

    // The filling process died: the next open builds them.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const writer = new Database(join(dir, CACHE_FILE));
    writer.prepare('UPDATE client_deferred_indexes SET pid = ?').run(dead);
    writer.close();
    const next = OfflineCache.open(dir);
    expect(indexNames(dir)).toEqual(all);
    expect(automerge(dir)).toBe(4);
    expect(next.integrity()).toBe('ok');
    next.close();
  });

  it('undoes the pages not committed yet when a page fails, token included', () => {
    cache.applyPage('Sales', page('1.1', { reset: true, more: true, upserts: [contact('a', {})] }));
    cache.applyPage('Sales', page('1.2', { more: true, upserts: [contact('b', {})] }));
    expect(cache.since('Sales')).toBe('1.2');
    expect(() => cache.applyPage('Other', page('3.1', {}))).toThrow(/before its full copy/);
    // Back to the last commit: nothing of Sales, so its next sync starts it afresh.
    expect(cache.since('Sales')).toBeUndefined();
    expect(cache.books()).toEqual([]);
    cache.applyPage('Sales', page('2.1', { reset: true, upserts: [contact('a', {})] }));
    expect(cache.books()).toMatchObject([{ name: 'Sales', contactCount: 1 }]);
    expect(cache.integrity()).toBe('ok');
  });

  it('applies deltas and deletions, and refuses a delta before any full copy', () => {
    cache.applyPage(
      'Sales',
      page('1.2', {
        reset: true,
        upserts: [contact('a', { lastName: 'Alt' }), contact('b', { lastName: 'Bee' })],
      }),
    );
    cache.applyPage(
      'Sales',
      page('1.4', { upserts: [contact('a', { lastName: 'Anders' })], deletes: ['b'] }),
    );
    expect(cache.search('anders', 10).items).toMatchObject([{ id: 'a' }]);
    expect(cache.search('bee', 10).items).toEqual([]);
    expect(cache.contact('Sales', 'a')).toMatchObject({ lastName: 'Anders', offline: true });
    expect(() => cache.applyPage('Other', page('3.1', {}))).toThrow(/before its full copy/);
    expect(cache.books().map((b) => b.name)).toEqual(['Sales']);
  });

  it('drops copies that are no longer wanted, and re-keys numbers when the location changes', async () => {
    cache.applyPage(
      'Sales',
      page('1.1', {
        reset: true,
        upserts: [contact('a', { lastName: 'Ort', homePhone: '1234567' })],
      }),
    );
    cache.applyPage(
      'Private',
      page('2.1', { reset: true, upserts: [contact('p', { lastName: 'Pri' })] }),
    );
    expect(cache.lookup('+49891234567').matches).toMatchObject([{ id: 'a' }]);
    await cache.setLocation({ ...MUNICH, areaCode: '30' });
    expect(cache.lookup('+49891234567').matches).toEqual([]);
    expect(cache.lookup('+49301234567').matches).toMatchObject([{ id: 'a' }]);
    expect(cache.keepOnly(['Sales'])).toEqual(['Private']);
    expect(cache.search('pri', 10).items).toEqual([]);
    expect(cache.books().map((b) => b.name)).toEqual(['Sales']);
  });

  it('keeps its copies across reopening', () => {
    cache.applyPage(
      'Sales',
      page('1.1', { reset: true, upserts: [contact('a', { lastName: 'Bleibt' })] }),
    );
    cache.close();
    cache = OfflineCache.open(dir);
    expect(cache.search('bleibt', 10).items).toMatchObject([{ id: 'a' }]);
    expect(cache.location()).toMatchObject(MUNICH);
  });
});
