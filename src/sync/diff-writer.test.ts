import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IdList } from '../domain/id-list.js';
import type { PhonebookConfig } from '../domain/phonebook.js';
import { DEFAULT_LOCATION, createNumberNormalizer } from '../domain/phone-number.js';
import { prepareContact } from '../store/contact-rows.js';
import type { StoredRecordList } from '../store/contact-store.js';
import { ContactStore } from '../store/contact-store.js';
import type { SqliteDatabase } from '../store/database.js';
import { openDatabase } from '../store/database.js';
import { PhonebookStore } from '../store/phonebook-store.js';
import type { DiffWriter } from './diff-writer.js';
import { DiffSink, DiffThread, recordListOf } from './diff-writer.js';

const numbers = createNumberNormalizer({ ...DEFAULT_LOCATION, countryCode: '49', areaCode: '89' });
const NOW = '2026-12-06T00:00:00.000Z';
const LATER = '2026-12-06T01:00:00.000Z';
const CONFIG: PhonebookConfig = { readOnly: true, notes: 'none' };
const person = (id: string, lastName = `Groß${id}`) =>
  prepareContact(id, { firstName: 'Jürgen', lastName, businessPhone: `089 1234-${id}` }, numbers);

/** A record list for ids 0..count-1, as a sync would store it. */
const recordList = (count: number, sameIds = false): StoredRecordList => ({
  fingerprint: 'fp',
  rawHashes: Uint32Array.from({ length: 2 * count }, (_, i) => i + 1),
  contentHashes: Uint32Array.from({ length: count }, (_, i) => 7 * i),
  ids: IdList.of(Array.from({ length: count }, (_, i) => String(i))),
  sameIds,
});

describe('diff writer thread', () => {
  let dir: string;
  let file: string;
  let db: SqliteDatabase;
  let contacts: ContactStore;
  let bookId: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-diff-'));
    file = join(dir, 'store.db');
    db = openDatabase(file);
    contacts = new ContactStore(db);
    bookId = new PhonebookStore(db).insert('Kunden', 'csv', CONFIG, NOW).id;
    contacts.putMany(
      bookId,
      Array.from({ length: 1500 }, (_, i) => person(String(i))),
      NOW,
    );
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const thread = (listSeq = contacts.changeSeq(bookId)): DiffThread =>
    new DiffThread({ storeFile: file, synchronous: 'NORMAL', bookId, now: LATER, listSeq });
  const lastName = (id: string): unknown => contacts.get(bookId, id)?.data.lastName;

  it('writes upserts as they come and deletes at the end, all seen at once on commit', async () => {
    const writer = thread();
    const seq = contacts.changeSeq(bookId);
    const changed = Array.from({ length: 1200 }, (_, i) => person(String(i), `Neu${i}`));
    for (let i = 0; i < changed.length; i += writer.batchSize) {
      await writer.write(changed.slice(i, i + writer.batchSize));
    }
    await writer.write([person('new-1'), person('new-2')]);
    // Written, not committed: this connection still reads the old copy.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(lastName('0')).toBe('Groß0');
    expect(contacts.count(bookId)).toBe(1500);
    await writer.commit(['1499', '1498'], recordList(1500));
    expect(lastName('0')).toBe('Neu0');
    expect(lastName('1199')).toBe('Neu1199');
    expect(lastName('1200')).toBe('Groß1200');
    expect(contacts.get(bookId, 'new-2')?.updatedAt).toBe(LATER);
    expect(contacts.get(bookId, '1499')).toBeUndefined();
    expect(contacts.count(bookId)).toBe(1500);
    // One change number per upsert and per deletion (its tombstone).
    expect(contacts.changeSeq(bookId)).toBe(seq + 1202 + 2);
    expect(contacts.normalizedNumbers(contacts.get(bookId, '7')?.rowid ?? 0)).toEqual({
      businessPhone: '+498912347',
    });
  });

  it('stores the record list with the diff unless the copy was written since the sync began', async () => {
    let writer = thread();
    await writer.write([person('3', 'Neu3')]);
    await writer.commit([], recordList(1500));
    expect(contacts.recordList(bookId)?.list.ids.toArray()).toEqual(recordList(1500).ids.toArray());

    const before = contacts.changeSeq(bookId);
    contacts.put(bookId, person('4', 'Handarbeit'), NOW); // a write-back while the sync reads
    writer = thread(before);
    await writer.write([person('5', 'Neu5')]);
    await writer.commit([], recordList(1500));
    expect(lastName('5')).toBe('Neu5');
    expect(contacts.recordList(bookId)).toBeUndefined();
  });

  it('rolls everything back on abort, including batches written long before', async () => {
    const seq = contacts.changeSeq(bookId);
    const writer = thread();
    await writer.write([person('1', 'Neu1'), person('new')]);
    await writer.write([person('2', 'Neu2')]);
    await writer.abort();
    expect(lastName('1')).toBe('Groß1');
    expect(lastName('2')).toBe('Groß2');
    expect(contacts.get(bookId, 'new')).toBeUndefined();
    expect(contacts.changeSeq(bookId)).toBe(seq);
    // The write lock is free again.
    contacts.put(bookId, person('9', 'Danach'), NOW);
    expect(lastName('9')).toBe('Danach');
  });

  it('fails on a write error, undoing the batches before it, and frees the store', async () => {
    db.exec(`CREATE TRIGGER refuse BEFORE UPDATE ON contacts WHEN NEW.id = '700'
      BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END`);
    const seq = contacts.changeSeq(bookId);
    const writer = thread();
    await writer.write([person('1', 'Neu1')]);
    const failing = writer
      .write([person('700', 'Neu700')])
      .then(() => writer.commit([], recordList(1500)));
    await expect(failing).rejects.toThrow(/refused by a test trigger/);
    await writer.abort();
    expect(lastName('1')).toBe('Groß1');
    expect(contacts.changeSeq(bookId)).toBe(seq);
    contacts.put(bookId, person('9', 'Danach'), NOW);
    expect(lastName('9')).toBe('Danach');
  });

  it('takes the write lock with the first rows only', async () => {
    const writer = thread();
    await new Promise((resolve) => setTimeout(resolve, 300)); // the thread has started
    contacts.put(bookId, person('9', 'Zwischendurch'), NOW); // would wait 5 s for a held lock
    await writer.commit([], recordList(1500));
    expect(lastName('9')).toBe('Zwischendurch');
  });

  it('carries a record list across threads, with its ids unless they are the stored ones', () => {
    const list = recordList(3);
    const message = structuredClone({
      fingerprint: list.fingerprint,
      rawHashes: list.rawHashes,
      contentHashes: list.contentHashes,
      ids: list.ids.text,
      count: 3,
      sameIds: false,
    });
    const back = recordListOf(message);
    expect(back.ids.toArray()).toEqual(['0', '1', '2']);
    expect([...back.contentHashes]).toEqual([0, 7, 14]);
    expect(() => recordListOf({ ...message, count: 4 })).toThrow(/lost its ids/);
  });
});

describe('DiffSink', () => {
  /** A writer that notes what it was handed. */
  const fakeWriter = () => {
    const calls: string[] = [];
    const writer: DiffWriter = {
      batchSize: 2,
      write: (rows) => {
        calls.push(`write ${rows.map((row) => row.id).join(',')}`);
        return Promise.resolve();
      },
      commit: (deletes) => {
        calls.push(`commit -${deletes.join(',')}`);
        return Promise.resolve();
      },
      abort: () => {
        calls.push('abort');
        return Promise.resolve();
      },
    };
    return { calls, writer };
  };
  const rows = (...ids: string[]) => ids.map((id) => person(id));

  it("writes a few changes at the end on the sync's own connection", async () => {
    const local: string[] = [];
    const sink = new DiffSink({
      start: () => {
        throw new Error('no thread for a few changes');
      },
      local: (upserts, deletes) => local.push(`${upserts.length} -${deletes.join(',')}`),
      records: 10,
    });
    for (const row of rows('1', '2', '3')) await sink.add(row, 10);
    await sink.commit(['9'], recordList(0));
    await sink.abort();
    expect(local).toEqual(['3 -9']);
  });

  it('holds rows back from the writer thread until the read is within the lock window', async () => {
    const { calls, writer } = fakeWriter();
    const sink = new DiffSink({
      start: () => writer,
      local: () => {
        throw new Error('not here: a thread was started');
      },
      records: 1_000_000, // a large source: its thread starts at once
      lockWindow: 100,
    });
    const [one, two, three, four] = rows('1', '2', '3', '4');
    await sink.add(one!, 700);
    await sink.add(two!, 400);
    expect(calls).toEqual([]);
    await sink.add(three!, 100); // within the window: all held rows go
    expect(calls).toEqual(['write 1,2,3']);
    await sink.add(four!, 50); // fewer than a batch: kept for the commit
    await sink.commit(['9'], recordList(0));
    await sink.abort(); // committed: nothing to undo
    expect(calls).toEqual(['write 1,2,3', 'write 4', 'commit -9']);
  });

  it("undoes a writer thread's rows when the sync ends without committing", async () => {
    const { calls, writer } = fakeWriter();
    const sink = new DiffSink({ start: () => writer, local: () => undefined, records: 5 });
    for (const row of rows('1', '2', '3', '4', '5')) await sink.add(row, 0);
    expect(calls).toEqual([]); // no thread before a batch of 1,000 changes
    await sink.abort();
    expect(calls).toEqual([]);
    // The 1,000th change starts the thread, which gets them all.
    const more = Array.from({ length: 995 }, (_, i) => person(`m${i}`));
    for (const row of more) await sink.add(row, 0);
    expect(calls.map((call) => call.split(',').length)).toEqual([1000]);
    await sink.abort();
    expect(calls.at(-1)).toBe('abort');
  });
});
