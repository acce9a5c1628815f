import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeServer } from '../test-support/fake-server.js';
import { MUNICH, OFFLINE_BOOK, fakeServer, preparedPage } from '../test-support/fake-server.js';
import { DEFER_INDEXES_UP_TO, syncOfflineCopies } from './cache-sync.js';
import { HttpClient } from './http-client.js';
import { CACHE_FILE, OfflineCache } from './offline-cache.js';

const LOCAL_NUMBERS = { ...OFFLINE_BOOK, name: 'Global.LocalNumbers', readOnly: true };

describe('syncOfflineCopies, resuming a full copy', () => {
  let dir: string;
  let server: FakeServer | undefined;
  /** Whether the second page of Sales fails (the first sync is interrupted there). */
  let interrupt: boolean;
  /** The indexes the cache file holds back while the second page of Sales is asked for. */
  let heldBack: string[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-cache-sync-'));
    interrupt = true;
    heldBack = [];
    server = await fakeServer({
      '/api/v1/phonebooks': {
        body: [LOCAL_NUMBERS, { ...OFFLINE_BOOK, contactCount: 2 }],
      },
      '/api/v1/settings/location': { body: MUNICH },
      '/api/v1/phonebooks/Global.LocalNumbers/changes': {
        body: preparedPage(MUNICH, [['anna', '23']]),
      },
      '/api/v1/phonebooks/Sales/changes': {
        query: (query) => {
          if (!query.get('since')) {
            return [200, preparedPage(MUNICH, [['a', '089 111']], { token: '1.1', more: true })];
          }
          if (interrupt) return [503, { error: { code: 'SOURCE_UNAVAILABLE', message: 'busy' } }];
          const file = new Database(join(dir, CACHE_FILE), { readonly: true });
          try {
            heldBack = file
              .prepare('SELECT name FROM client_deferred_indexes ORDER BY name')
              .pluck()
              .all() as string[];
          } finally {
            file.close();
          }
          return [200, preparedPage(MUNICH, [['b', '089 222']], { token: '1.2', reset: false })];
        },
      },
    });
  });
  afterEach(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Syncs once in a cache of its own (opened and closed, as a client process would). */
  const sync = async (options: { copied?: number } = {}): Promise<void> => {
    const cache = OfflineCache.open(dir);
    if (options.copied !== undefined) {
      vi.spyOn(cache, 'copiedContacts').mockReturnValue(options.copied);
    }
    try {
      await syncOfflineCopies(new HttpClient(server?.url ?? '', 'token'), cache);
    } finally {
      cache.close();
    }
  };
  const interrupted = async (): Promise<void> => {
    await expect(sync()).rejects.toMatchObject({ status: 503 });
    interrupt = false;
  };

  it('fills without the random-key indexes when only small copies are complete', async () => {
    await interrupted();
    await sync();
    // Global.LocalNumbers is complete (one entry): the rest of Sales still fills fast.
    expect(heldBack).toEqual([
      'contacts_book_name',
      'contacts_name_key',
      'phones_canonical',
      'phones_company_base',
    ]);
    const cache = OfflineCache.open(dir);
    try {
      expect(cache.books().map((book) => [book.name, book.contactCount])).toEqual([
        ['Global.LocalNumbers', 1],
        ['Sales', 2],
      ]);
      expect(cache.lookup('089 222').matches).toMatchObject([{ id: 'b', phonebook: 'Sales' }]);
      expect(cache.integrity()).toBe('ok');
    } finally {
      cache.close();
    }
    const indexes = new Database(join(dir, CACHE_FILE), { readonly: true });
    try {
      const names = indexes
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index'")
        .pluck()
        .all();
      expect(names).toEqual(expect.arrayContaining(['phones_canonical', 'contacts_name_key']));
      expect(indexes.prepare('SELECT count(*) FROM client_deferred_indexes').pluck().get()).toBe(0);
    } finally {
      indexes.close();
    }
  });

  it('keeps the indexes while bigger copies here are complete', async () => {
    await interrupted();
    await sync({ copied: DEFER_INDEXES_UP_TO + 1 });
    expect(heldBack).toEqual([]);
  });
});
