import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContactStore } from './contact-store.js';
import type { SqliteDatabase } from './database.js';
import { openDatabase } from './database.js';
import { PhonebookStore } from './phonebook-store.js';
import { SyncCache } from './sync-cache.js';

describe('SyncCache.holdCheckpoints', () => {
  let dir: string;
  let db: SqliteDatabase;
  let cache: SyncCache;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-hold-'));
    db = openDatabase(join(dir, 'store.db'));
    cache = new SyncCache(new PhonebookStore(db), new ContactStore(db));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const pages = (): unknown => db.pragma('wal_autocheckpoint', { simple: true });
  const turn = (): Promise<unknown> => new Promise((resolve) => setImmediate(resolve));
  const hold = (): { end: () => void; fail: () => void } => {
    const ends = { end: (): void => undefined, fail: (): void => undefined };
    cache.holdCheckpoints(
      new Promise<void>((resolve, reject) => {
        ends.end = resolve;
        ends.fail = () => reject(new Error('the sync failed'));
      }),
    );
    return ends;
  };

  it("turns the main connection's automatic checkpoints off until every hold has settled", async () => {
    const first = hold();
    const second = hold();
    expect(pages()).toBe(0);
    first.end();
    await turn();
    expect(pages()).toBe(0);
    second.fail();
    await turn();
    expect(pages()).toBe(1000);
  });

  it('merges the search index after a sync only once the holds have ended', async () => {
    let held = { end: (): void => undefined };
    await cache.bulk(async () => {
      held = hold();
    });
    let merged = false;
    void cache.merged().then(() => (merged = true));
    await turn();
    await turn();
    expect(merged).toBe(false);
    held.end();
    await cache.merged();
    expect(pages()).toBe(1000);
  });
});
