import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContactData } from '../domain/contact.js';
import { DEFAULT_LOCATION, createNumberNormalizer } from '../domain/phone-number.js';
import type { PhonebookConfig } from '../domain/phonebook.js';
import { foldedWords } from '../domain/search-text.js';
import { COUNT_CAP, ContactSearch } from './contact-search.js';
import { prepareContact } from './contact-rows.js';
import { ContactStore } from './contact-store.js';
import type { SqliteDatabase } from './database.js';
import { openDatabase } from './database.js';
import { PhonebookStore } from './phonebook-store.js';

const numbers = createNumberNormalizer({ ...DEFAULT_LOCATION, countryCode: '49', areaCode: '89' });
const NOW = '2026-11-26T00:00:00.000Z';
const BUILTIN: PhonebookConfig = { readOnly: false, notes: 'builtin' };

describe('ContactSearch', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: ContactStore;
  let search: ContactSearch;
  let bookId: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-search-'));
    db = openDatabase(join(dir, 'store.db'));
    store = new ContactStore(db);
    search = new ContactSearch(db, numbers.queryDigits);
    bookId = new PhonebookStore(db).insert('A', 'builtin', BUILTIN, NOW).id;
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const add = (entries: [string, ContactData][]): void => {
    store.putMany(
      bookId,
      entries.map(([id, data]) => prepareContact(id, data, numbers)),
      NOW,
    );
  };
  const names = (q: string, limit = 20, offset = 0): string[] =>
    store
      .getByRowids(search.search(foldedWords(q), 'all', limit, offset).rowids)
      .map((c) => c.displayName);

  it('counts totals up to the cap and reports the cap as a lower bound beyond it', () => {
    add(
      Array.from({ length: COUNT_CAP + 30 }, (_, i): [string, ContactData] => [
        `${i}`,
        { firstName: 'Test', lastName: `Person ${String(i).padStart(4, '0')}` },
      ]),
    );
    const first = search.search(['test'], 'all', 20, 0);
    expect(first.rowids).toHaveLength(20);
    expect(first.total).toBe(COUNT_CAP);
    // Paging on past the cap still finds every hit, and the total grows with what was seen.
    const last = search.search(['test'], 'all', 50, COUNT_CAP);
    expect(last.rowids).toHaveLength(30);
    expect(last.total).toBe(COUNT_CAP + 30);
    expect(search.search(['person', '1007'], 'all', 20, 0).total).toBe(1);
  });

  it('ranks name starts first with several words, each word a prefix, all words needed', () => {
    add([
      ['1', { firstName: 'Anna', lastName: 'Schmidt', city: 'München' }],
      ['2', { firstName: 'Anna', lastName: 'Müller', city: 'Berlin' }],
      ['3', { firstName: 'Anna', lastName: 'Weber', city: 'Hamburg' }],
      ['4', { firstName: 'Bernd', lastName: 'Annamüller', city: 'Köln' }],
      ['5', { firstName: 'Carla', lastName: 'Mustermann', company: 'Anna GmbH' }],
      ...Array.from({ length: 300 }, (_, i): [string, ContactData] => [
        `m${i}`,
        { firstName: 'Max', lastName: `Mu ${i}`, city: 'Munich' },
      ]),
    ]);
    expect(names('anna mu')).toEqual(['Anna Müller', 'Anna Schmidt', 'Carla Mustermann']);
    expect(names('anna mue')).toEqual(['Anna Müller', 'Anna Schmidt']);
    expect(names('anna muller')).toEqual(['Anna Müller']);
    expect(names('müller anna')).toEqual(['Anna Müller']);
    expect(names('anna weber hamburg')).toEqual(['Anna Weber']);
    expect(names('anna weber berlin')).toEqual([]);
    expect(names('annam')).toEqual(['Bernd Annamüller']);
  });
});
