import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IdList } from '../domain/id-list.js';
import type { PhonebookConfig } from '../domain/phonebook.js';
import { DEFAULT_LOCATION, createNumberNormalizer } from '../domain/phone-number.js';
import { ChangeFeed } from './change-feed.js';
import { prepareContact } from './contact-rows.js';
import { ContactSearch } from './contact-search.js';
import type { StoredContact } from './contact-store.js';
import { ContactStore } from './contact-store.js';
import type { SqliteDatabase } from './database.js';
import { openDatabase } from './database.js';
import { NumberIndex } from './number-index.js';
import { PhonebookStore } from './phonebook-store.js';

const numbers = createNumberNormalizer({ ...DEFAULT_LOCATION, countryCode: '49', areaCode: '89' });
const NOW = '2026-11-26T00:00:00.000Z';
const BUILTIN: PhonebookConfig = { readOnly: false, notes: 'builtin' };
const person = (id: string, lastName = `Name ${id}`) =>
  prepareContact(id, { lastName, businessPhone: `089 1234 ${id}` }, numbers);

describe('ContactStore change sequence', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: ContactStore;
  let books: PhonebookStore;
  let bookId: number;
  let otherId: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-store-'));
    db = openDatabase(join(dir, 'store.db'));
    store = new ContactStore(db);
    books = new PhonebookStore(db);
    bookId = books.insert('A', 'builtin', BUILTIN, NOW).id;
    otherId = books.insert('B', 'builtin', BUILTIN, NOW).id;
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const bookSeq = (id: number) => books.byId(id)?.seq;

  it('gives every write the next seq of its book and keeps the book seq and count exact', () => {
    expect(
      store.putMany(
        bookId,
        ['1', '2', '3'].map((id) => person(id)),
        NOW,
      ),
    ).toBe(3);
    expect(['1', '2', '3'].map((id) => store.get(bookId, id)?.seq)).toEqual([1, 2, 3]);
    expect(bookSeq(bookId)).toBe(3);
    expect(store.count(bookId)).toBe(3);

    const replaced = store.put(bookId, person('2', 'Changed'), NOW);
    expect(replaced.seq).toBe(4);
    expect(replaced.etag).toBe(`"${bookId}-4"`);
    expect(store.count(bookId)).toBe(3);

    expect(store.delete(bookId, '1')).toBe(true);
    expect(store.delete(bookId, 'missing')).toBe(false);
    expect(bookSeq(bookId)).toBe(5);
    expect(store.count(bookId)).toBe(2);

    store.applyDiff(bookId, [person('4'), person('3', 'Again')], ['2'], NOW);
    expect(store.get(bookId, '4')?.seq).toBe(6);
    expect(store.get(bookId, '3')?.seq).toBe(7);
    expect(bookSeq(bookId)).toBe(8);
    expect(store.count(bookId)).toBe(2);

    // Other books keep their own sequence.
    store.putManyDated(otherId, [{ contact: person('x'), updatedAt: NOW }]);
    expect(store.get(otherId, 'x')?.seq).toBe(1);
    expect(bookSeq(otherId)).toBe(1);
    expect(bookSeq(bookId)).toBe(8);
  });

  it('feeds clients exactly the changes after their token, deletions included', () => {
    const feed = new ChangeFeed(db);
    store.putMany(bookId, [person('1'), person('2')], NOW);
    const first = feed.changes(bookId, undefined, 100);
    expect(first.upserts.map((c) => c.id)).toEqual(['1', '2']);
    store.applyDiff(bookId, [person('3')], ['1'], NOW);
    store.put(bookId, person('2', 'Renamed'), NOW);
    const next = feed.changes(bookId, first.token, 100);
    expect(next.reset).toBe(false);
    expect(next.upserts.map((c) => [c.id, c.seq])).toEqual([
      ['3', 3],
      ['2', 5],
    ]);
    expect(next.deletes).toEqual(['1']);
    expect(next.token).toBe(`${bookId}.5`);
    expect(feed.changes(bookId, next.token, 100).upserts).toEqual([]);
  });

  it('reads the content hashes of a book in slices', async () => {
    const contacts = ['1', '2', '3', '4', '5'].map((id) => person(id));
    store.putMany(bookId, contacts, NOW);
    store.putMany(otherId, [person('x')], NOW);
    const hashes = await store.hashesInSlices(bookId, 2);
    expect(hashes).toEqual(new Map(contacts.map((c) => [c.id, c.hash])));
  });

  it('leaves seq and count untouched when a transaction fails', () => {
    store.putMany(bookId, [person('1')], NOW);
    const bad = { ...person('2'), json: null as unknown as string };
    expect(() => store.putMany(bookId, [person('3'), bad], NOW)).toThrow();
    expect(bookSeq(bookId)).toBe(1);
    expect(store.count(bookId)).toBe(1);
    expect(store.get(bookId, '3')).toBeUndefined();
  });

  it('fills a copy by inserting, writing over a contact that comes again and clearing its tombstone', () => {
    const dated = (id: string, lastName?: string) => ({
      contact: person(id, lastName),
      updatedAt: NOW,
    });
    expect(store.fillDated(bookId, [dated('1'), dated('2')])).toBe(2);
    const first = store.get(bookId, '2');
    store.delete(bookId, '1');
    // Changed while the copy was made: '2' comes again, '1' comes back after its deletion.
    expect(store.fillDated(bookId, [dated('2', 'Zander'), dated('1'), dated('3')])).toBe(3);
    expect(store.get(bookId, '2')).toMatchObject({
      rowid: first?.rowid,
      data: { lastName: 'Zander' },
    });
    expect(store.count(bookId)).toBe(3);
    expect(bookSeq(bookId)).toBe(store.changeSeq(bookId));
    expect(db.prepare('SELECT count(*) FROM tombstones').pluck().get()).toBe(0);
    const search = new ContactSearch(db, numbers.queryDigits);
    expect(search.search(['zander'], 'all', 10, 0).rowids).toEqual([first?.rowid]);
    expect(search.search(['name'], 'all', 10, 0).total).toBe(2);
    expect(db.prepare('SELECT count(*) FROM phones').pluck().get()).toBe(3);
  });

  it('changes a contact of a diff in place: its rowid stays, its numbers and search text follow', () => {
    store.putMany(bookId, [person('1'), person('2')], NOW);
    const before = store.get(bookId, '2');
    const search = new ContactSearch(db, numbers.queryDigits);
    const phones = new NumberIndex(db);
    const canonical = (raw: string): string => numbers.normalize(raw)?.canonical ?? '';
    store.applyDiff(bookId, [person('2', 'Zander')], [], NOW);
    const renamed = store.get(bookId, '2');
    expect(renamed).toMatchObject({ rowid: before?.rowid, seq: 3, data: { lastName: 'Zander' } });
    expect(search.search(['zander'], 'all', 10, 0).rowids).toEqual([before?.rowid]);
    expect(search.search(['name'], 'all', 10, 0).rowids).toEqual([store.get(bookId, '1')?.rowid]);
    expect(phones.exact(canonical('089 1234 2')).map((hit) => hit.rowid)).toEqual([before?.rowid]);

    const moved = prepareContact('2', { lastName: 'Zander', businessPhone: '089 999' }, numbers);
    store.applyDiff(bookId, [moved], [], NOW);
    expect(phones.exact(canonical('089 1234 2'))).toEqual([]);
    expect(phones.exact(canonical('089 999')).map((hit) => hit.rowid)).toEqual([before?.rowid]);
    expect(store.count(bookId)).toBe(2);

    // Same number, a company now: the number names that company on a call to its base.
    const base = (raw: string): string =>
      canonical(raw).slice(0, -(raw.length - raw.lastIndexOf('-') - 1));
    const staff = (company: string) =>
      prepareContact('2', { lastName: 'Zander', company, businessPhone: '089 4711-22' }, numbers);
    store.applyDiff(bookId, [staff('Acme GmbH')], [], NOW);
    store.applyDiff(bookId, [staff('Beta AG')], [], NOW);
    const hits = phones.company([base('089 4711-22')]);
    expect(hits.map((hit) => hit.rowid)).toEqual([before?.rowid]);
    const row = db.prepare('SELECT company, company_rank FROM phones WHERE contact_rowid = ?');
    expect(row.raw().all(before?.rowid)).toEqual([['Beta AG', 2]]);
  });

  it("keeps a diff's record list only while nothing else wrote the book", () => {
    const list = (ids: string[]) => ({
      fingerprint: 'f',
      rawHashes: Uint32Array.from(ids.flatMap((_, i) => [i, i + 1])),
      contentHashes: Uint32Array.from(ids.map((id) => person(id).hash)),
      ids: IdList.of(ids),
    });
    store.putMany(bookId, [person('1')], NOW);
    const seq = store.changeSeq(bookId);
    store.applyDiff(bookId, [person('2')], [], NOW, { list: list(['1', '2']), seq });
    const stored = store.recordList(bookId);
    expect(stored?.seq).toBe(store.changeSeq(bookId));
    expect(stored?.list.ids.toArray()).toEqual(['1', '2']);
    expect([...(stored?.list.rawHashes ?? [])]).toEqual([0, 1, 1, 2]);
    expect([...(stored?.list.contentHashes ?? [])]).toEqual([person('1').hash, person('2').hash]);
    // The hashes alone when the ids did not change.
    const same = { ...list(['1', '2']), fingerprint: 'g', sameIds: true };
    store.applyDiff(bookId, [], [], NOW, { list: same, seq: store.changeSeq(bookId) });
    expect(store.recordList(bookId)?.list.fingerprint).toBe('g');
    expect(store.recordList(bookId)?.list.ids.toArray()).toEqual(['1', '2']);

    // A write (a write-back, an edit) makes the list stale.
    store.put(bookId, person('2', 'Edited'), NOW);
    expect(store.recordList(bookId)).toBeUndefined();
    // A diff that started before such a write stores no list.
    const started = store.changeSeq(bookId);
    store.put(bookId, person('1', 'Meanwhile'), NOW);
    store.applyDiff(bookId, [], [], NOW, { list: list(['1', '2']), seq: started });
    expect(store.recordList(bookId)).toBeUndefined();
    // Dropped with its book.
    store.putRecordList(bookId, list(['1', '2']));
    expect(store.recordList(bookId)).toBeDefined();
    store.deleteBook(bookId);
    books.delete(bookId);
    expect(db.prepare('SELECT count(*) FROM source_records').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM source_record_ids').pluck().get()).toBe(0);
  });

  it('keeps each contact’s search text beside the index through every write, unless told not to', () => {
    const kept = (): [number, string, string][] =>
      db.prepare('SELECT rowid, names, other FROM contact_text ORDER BY rowid').raw().all() as [
        number,
        string,
        string,
      ][];
    const rowid = (book: number, id: string): number =>
      (store.get(book, id) as StoredContact).rowid;
    const textOf = (contact: ReturnType<typeof person>): [string, string] => [
      contact.names,
      contact.other,
    ];
    store.putMany(bookId, [person('1'), person('2')], NOW);
    store.insertNew(otherId, [person('3')], NOW);
    expect(kept()).toEqual([
      [rowid(bookId, '1'), ...textOf(person('1'))],
      [rowid(bookId, '2'), ...textOf(person('2'))],
      [rowid(otherId, '3'), ...textOf(person('3'))],
    ]);
    // Changed in place, deleted, a book dropped: the text follows.
    store.put(bookId, person('2', 'Geändert'), NOW);
    store.delete(bookId, '1');
    store.deleteBook(otherId);
    expect(kept()).toEqual([[rowid(bookId, '2'), ...textOf(person('2', 'Geändert'))]]);
    // Re-keyed after a change of location: the new text.
    const berlin = createNumberNormalizer({
      ...DEFAULT_LOCATION,
      countryCode: '49',
      areaCode: '30',
    });
    const rekeyed = prepareContact(
      '2',
      { lastName: 'Geändert', businessPhone: '030 1234 2' },
      berlin,
    );
    store.reindex([{ rowid: rowid(bookId, '2'), bookId, contact: rekeyed }]);
    expect(kept()).toEqual([[rowid(bookId, '2'), ...textOf(rekeyed)]]);

    const two = rowid(bookId, '2');
    const client = new ContactStore(db, { keepSearchText: false });
    client.putMany(otherId, [person('4')], NOW);
    client.delete(bookId, '2');
    // A store that keeps none (a client's copy) writes none and deletes none.
    expect(kept()).toEqual([[two, ...textOf(rekeyed)]]);
  });

  describe('insertNew (a staging fill)', () => {
    const ftsRowids = (word: string): number[] =>
      db
        .prepare('SELECT rowid FROM contact_fts WHERE contact_fts MATCH ? ORDER BY rowid')
        .pluck()
        .all(word) as number[];

    it('stores rows, numbers, search text, seq and count as putMany does for a new book', () => {
      const contacts = ['1', '2', '3'].map((id) => person(id, `Neu${id}`));
      expect(store.insertNew(bookId, contacts, NOW)).toBe(3);
      store.putMany(otherId, contacts, NOW);
      for (const id of ['1', '2', '3']) {
        const inserted = store.get(bookId, id) as StoredContact;
        const put = store.get(otherId, id) as StoredContact;
        expect(inserted).toMatchObject({
          data: put.data,
          seq: put.seq,
          etag: `"${bookId}-${put.seq}"`,
        });
        expect(inserted.displayName).toBe(put.displayName);
        expect(store.normalizedNumbers(inserted.rowid)).toEqual(store.normalizedNumbers(put.rowid));
        expect(ftsRowids(`neu${id}`)).toEqual([inserted.rowid, put.rowid]);
      }
      expect(bookSeq(bookId)).toBe(3);
      expect(store.count(bookId)).toBe(3);
    });

    it('refuses a duplicate id, in the batch or stored, and writes nothing of that batch', () => {
      store.insertNew(bookId, [person('1')], NOW);
      expect(() => store.insertNew(bookId, [person('2'), person('2')], NOW)).toThrow(/UNIQUE/);
      expect(() => store.insertNew(bookId, [person('3'), person('1', 'Again')], NOW)).toThrow(
        /UNIQUE/,
      );
      expect(store.get(bookId, '2')).toBeUndefined();
      expect(store.get(bookId, '3')).toBeUndefined();
      expect(store.get(bookId, '1')?.data.lastName).toBe('Name 1');
      expect(bookSeq(bookId)).toBe(1);
      expect(store.count(bookId)).toBe(1);
      expect(ftsRowids('again')).toEqual([]);
    });
  });
});

describe('IdList', () => {
  it('keeps ids as one string and finds each again', () => {
    const ids = IdList.of(['K1', 'Kä 2', '', 'x']);
    expect(ids.length).toBe(4);
    expect(ids.toArray()).toEqual(['K1', 'Kä 2', '', 'x']);
    expect([ids.is(1, 'Kä 2'), ids.is(1, 'Kä'), ids.is(2, ''), ids.is(4, 'x')]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect(IdList.parse(ids.text, 4)?.toArray()).toEqual(ids.toArray());
    expect(IdList.parse(ids.text, 3)).toBeUndefined();
    expect(IdList.parse(ids.text, 5)).toBeUndefined();
    expect(IdList.parse('', 0)?.length).toBe(0);
  });
});
