import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PhonebookConfig } from '../domain/phonebook.js';
import { DEFAULT_LOCATION, createNumberNormalizer } from '../domain/phone-number.js';
import { prepareContact } from '../store/contact-rows.js';
import { ContactStore } from '../store/contact-store.js';
import type { SqliteDatabase } from '../store/database.js';
import { openDatabase } from '../store/database.js';
import { PhonebookStore } from '../store/phonebook-store.js';
import { decodeBatch, encodeBatch } from './staging-batch.js';
import { StagingThread } from './staging-writer.js';

const numbers = createNumberNormalizer({ ...DEFAULT_LOCATION, countryCode: '49', areaCode: '89' });
const NOW = '2026-11-26T00:00:00.000Z';
const CONFIG: PhonebookConfig = { readOnly: true, notes: 'none' };
const person = (id: string) =>
  prepareContact(
    id,
    {
      firstName: 'Jürgen',
      lastName: `Groß${id}`,
      company: id.endsWith('0') ? 'Firma' : '',
      businessPhone: `089 1234-${id}`,
      mobilePhone: id.endsWith('1') ? '0151 2345678' : '',
    },
    numbers,
  );

describe('staging writer thread', () => {
  let dir: string;
  let file: string;
  let db: SqliteDatabase;
  let contacts: ContactStore;
  let books: PhonebookStore;
  let stagingId: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-staging-'));
    file = join(dir, 'store.db');
    db = openDatabase(file);
    contacts = new ContactStore(db);
    books = new PhonebookStore(db);
    const book = books.insert('Kunden', 'csv', CONFIG, NOW);
    stagingId = books.insertStaging(book, NOW);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const thread = (): StagingThread =>
    new StagingThread({ storeFile: file, synchronous: 'NORMAL', stagingId, now: NOW });

  it('sends contacts across as flat arrays without losing a field', () => {
    const batch = ['10', '11', '12'].map(person);
    const decoded = decodeBatch(structuredClone(encodeBatch(batch)));
    expect(decoded).toEqual(batch.map(({ data: _data, ...rest }) => rest));
    expect(decoded[1]?.phones).toHaveLength(2);
    expect(decoded[0]?.company).toBe('Firma');
    expect(decoded[1]?.company).toBeNull();
  });

  it('writes every row into the staging book, committed when finish resolves', async () => {
    const writer = thread();
    const ids = Array.from({ length: 3000 }, (_, i) => String(i));
    for (let i = 0; i < ids.length; i += writer.batchSize) {
      await writer.write(ids.slice(i, i + writer.batchSize).map(person));
    }
    await writer.finish();
    expect(contacts.count(stagingId)).toBe(3000);
    expect(books.byId(stagingId)?.seq).toBe(3000);
    const stored = contacts.get(stagingId, '2999');
    expect(stored).toMatchObject({ data: person('2999').data, seq: 3000, updatedAt: NOW });
    expect(contacts.normalizedNumbers(stored?.rowid ?? 0)).toEqual({
      businessPhone: '+498912342999',
    });
  });

  it('fails the fill on a write error (a duplicate id) and commits nothing of its batch', async () => {
    const writer = thread();
    await writer.write(['1', '2'].map(person));
    await writer.write(['3', '1'].map(person));
    await expect(writer.finish()).rejects.toThrow(/UNIQUE/);
    await writer.abort();
    expect(contacts.get(stagingId, '3')).toBeUndefined();
    expect(contacts.count(stagingId)).toBeLessThanOrEqual(2);
  });
});
