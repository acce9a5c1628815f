import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PhonebookConfig } from '../domain/phonebook.js';
import { DEFAULT_LOCATION, createNumberNormalizer } from '../domain/phone-number.js';
import { ChangeFeed } from './change-feed.js';
import { prepareContact } from './contact-rows.js';
import type { StoredContact } from './contact-store.js';
import { ContactStore } from './contact-store.js';
import type { SqliteDatabase } from './database.js';
import { openDatabase } from './database.js';
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
