import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LOCATION } from '../domain/phone-number.js';
import type { FakeServer } from '../test-support/fake-server.js';
import { OFFLINE_BOOK, fakeServer, preparedPage } from '../test-support/fake-server.js';
import { syncOfflineCopies } from './cache-sync.js';
import { HttpClient } from './http-client.js';
import { OfflineCache } from './offline-cache.js';
import type * as PageReaderModule from './page-reader.js';
import type { PageReaderData } from './page-reader.js';
import { PageReader, ReaderThreadError } from './page-reader.js';

// Every reader thread of this file starts a worker module that does not exist, as when
// an application is packaged without it.
vi.mock('./page-reader.js', async (importOriginal) => {
  const real = await importOriginal<typeof PageReaderModule>();
  class MissingReader extends real.PageReader {
    constructor(data: PageReaderData) {
      super(data, 'no-such-worker');
    }
  }
  return { ...real, PageReader: MissingReader };
});

const PAGE = preparedPage(DEFAULT_LOCATION, [['k', '+49 89 111222']]);

describe('a reader thread that fails', () => {
  let dir: string;
  let server: FakeServer;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-page-reader-'));
    server = await fakeServer({
      '/api/v1/phonebooks': { body: [OFFLINE_BOOK] },
      '/api/v1/settings/location': { body: DEFAULT_LOCATION },
      '/api/v1/phonebooks/Sales/changes': { body: PAGE },
    });
  });
  afterEach(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says so as a ReaderThreadError, not as the server', async () => {
    const reader = new PageReader({
      baseUrl: server.url,
      ca: undefined,
      location: DEFAULT_LOCATION,
    });
    try {
      const pages = reader.pages('Sales', undefined, 10, 'token');
      await expect(pages.next()).rejects.toBeInstanceOf(ReaderThreadError);
      expect(reader.failed).toBe(true);
    } finally {
      await reader.close();
    }
  });

  it('leaves the copy to be read on the calling thread', async () => {
    const cache = OfflineCache.open(dir);
    try {
      const http = new HttpClient(server.url, 'token');
      const report = await syncOfflineCopies(http, cache, { readerThreadFrom: 0 });
      expect(report.books).toMatchObject([{ phonebook: 'Sales', full: true, upserts: 1 }]);
      expect(cache.lookup('+49 89 111222').matches).toMatchObject([{ id: 'k' }]);
    } finally {
      cache.close();
    }
  });
});
