import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PhonebookConfig } from '../domain/phonebook.js';
import { DEFAULT_LOCATION, createNumberNormalizer } from '../domain/phone-number.js';
import { prepareContact } from './contact-rows.js';
import { ContactStore } from './contact-store.js';
import type { SqliteDatabase } from './database.js';
import { openDatabase } from './database.js';
import type { NumberScope } from './number-index.js';
import { NumberIndex } from './number-index.js';
import { PhonebookStore } from './phonebook-store.js';

const numbers = createNumberNormalizer({ ...DEFAULT_LOCATION, countryCode: '49', areaCode: '89' });
const NOW = '2026-12-06T00:00:00.000Z';
const BUILTIN: PhonebookConfig = { readOnly: false, notes: 'builtin' };

describe('NumberIndex scopes', () => {
  let dir: string;
  let db: SqliteDatabase;
  let index: NumberIndex;
  const bookIds: number[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-number-index-'));
    db = openDatabase(join(dir, 'store.db'));
    const books = new PhonebookStore(db);
    const contacts = new ContactStore(db);
    // Ten books, each with the same person and the same company's main number.
    for (let i = 0; i < 10; i++) {
      const id = books.insert(`Buch${i}`, 'builtin', BUILTIN, NOW).id;
      bookIds.push(id);
      contacts.putMany(
        id,
        [
          prepareContact('p', { lastName: `Person ${i}`, businessPhone: '089 1234567' }, numbers),
          prepareContact(
            'f',
            { company: 'Firma', lastName: 'Firma', businessPhone: '089 4711-0' },
            numbers,
          ),
        ],
        NOW,
      );
    }
    index = new NumberIndex(db);
  });
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const booksOf = (hits: { bookId: number }[]): number[] =>
    [...new Set(hits.map((hit) => hit.bookId))].sort((a, b) => a - b);

  // Each count of books has a statement of its own up to 8; more go through json_each.
  it.each([0, 1, 2, 3, 7, 8, 9, 10])('finds hits in exactly the %i books in scope', (count) => {
    const scope: NumberScope = bookIds.slice(10 - count).reverse();
    const expected = [...scope].sort((a, b) => a - b);
    expect(booksOf(index.exact('+49891234567', scope))).toEqual(expected);
    expect(
      booksOf(
        index.company(
          ['+498947111234', '+49894711123', '+4989471112', '+498947111', '+49894711'],
          scope,
        ),
      ),
    ).toEqual(expected);
  });

  it('finds hits in every book for the scope all', () => {
    expect(booksOf(index.exact('+49891234567', 'all'))).toEqual(bookIds);
  });
});
