import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../test-support/databases.js';
import { createContactsTable, createTestDatabase } from '../test-support/databases.js';
import type { TestApp } from '../test-support/test-app.js';
import { createTestApp } from '../test-support/test-app.js';
import { noteFileName } from './server-note-files.js';

interface NoteBody {
  text: string;
  etag: string | null;
}

let sqlite: Promise<TestDatabase> | undefined;
const database = (): Promise<TestDatabase> => (sqlite ??= createTestDatabase('sqlite'));
afterAll(async () => {
  await (await sqlite)?.drop();
});

describe('notes of external books', () => {
  let t: TestApp;
  let dir: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-ext-notes-'));
    t = await createTestApp({ schedule: false });
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const noteUrl = (book: string, id: string): string =>
    `/api/v1/phonebooks/${book}/contacts/${encodeURIComponent(id)}/note`;
  const sync = async (book: string): Promise<void> => {
    const response = await t.call('POST', `/api/v1/phonebooks/${book}/sync?wait=true`);
    expect(response.statusCode, response.body).toBe(200);
  };
  const put = (book: string, id: string, text: string, ifMatch?: string) =>
    t.call('PUT', noteUrl(book, id), {
      body: { text },
      ...(ifMatch ? { headers: { 'if-match': ifMatch } } : {}),
    });

  describe('in a memo column (ODBC table)', () => {
    let db: TestDatabase;
    let q: string;
    let n = 0;

    beforeEach(async () => {
      db = await database();
      const table = `memo_${process.pid}_${++n}`;
      q = db.quote(table);
      await createContactsTable(db, table, [
        { id: '1', last: 'Groß', phone: '089 1234567' },
        { id: '2', last: 'Berg', memo: 'schon da' },
      ]);
      const created = await t.call('POST', '/api/v1/phonebooks', {
        body: {
          name: 'Db',
          kind: 'odbc',
          source: { connectionString: db.connectionString, table, idColumn: 'id' },
          notes: { memoColumn: 'memo' },
          readOnly: true,
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      await sync('Db');
    });

    it('reads and writes a 2 MB note live in the column, even while write-protected', async () => {
      expect((await t.call('GET', noteUrl('Db', '1'))).json()).toMatchObject({ etag: null });
      const line = 'Rückruf erbeten – Ärger mit der Lieferung №42.\n';
      const big = line.repeat(Math.ceil((2 * 1024 * 1024) / line.length)).slice(0, 2 * 1024 * 1024);
      const saved = await put('Db', '1', big);
      expect(saved.statusCode, saved.body.slice(0, 300)).toBe(200);
      const note = saved.json() as NoteBody;
      expect(note.etag).toMatch(/^"m[\w-]+"$/);
      expect(saved.headers['etag']).toBe(note.etag);
      const [row] = await db.sql(`SELECT memo FROM ${q} WHERE id = 1`);
      expect(row?.['memo']).toBe(big);
      const read = (await t.call('GET', noteUrl('Db', '1'))).json() as NoteBody;
      expect(read).toEqual({ text: big, etag: note.etag, updatedAt: null, updatedBy: null });
      const contact = (await t.call('GET', '/api/v1/phonebooks/Db/contacts/1')).json() as {
        extra?: Record<string, string>;
      };
      expect(contact.extra?.['memo']).toBeUndefined(); // the note is not copied into the cache
      const history = (await t.call('GET', `${noteUrl('Db', '1')}/history`)).json() as NoteBody[];
      expect(history).toHaveLength(1);
      const write = await t.call('PATCH', '/api/v1/phonebooks/Db/contacts/1', {
        body: { extra: { x: '1' } },
      });
      expect(write.statusCode).toBe(403);
    });

    it('refuses stale and missing If-Match, also after another program changed the note', async () => {
      const first = (await t.call('GET', noteUrl('Db', '2'))).json() as NoteBody;
      expect(first.text).toBe('schon da');
      expect((await put('Db', '2', 'neu')).statusCode).toBe(428);
      expect((await put('Db', '2', 'neu', '"mnope"')).statusCode).toBe(412);
      await db.sql(`UPDATE ${q} SET memo = ? WHERE id = 2`, ['von woanders']);
      const stale = await put('Db', '2', 'neu', first.etag ?? '');
      expect(stale.statusCode).toBe(412);
      expect(stale.json()).toMatchObject({
        error: { code: 'STALE_ETAG', details: { current: { text: 'von woanders' } } },
      });
      const fresh = (await t.call('GET', noteUrl('Db', '2'))).json() as NoteBody;
      expect((await put('Db', '2', 'neu', fresh.etag ?? '')).statusCode).toBe(200);
      const [row] = await db.sql(`SELECT memo FROM ${q} WHERE id = 2`);
      expect(row?.['memo']).toBe('neu');
      expect((await t.call('GET', noteUrl('Db', '99'))).statusCode).toBe(404);
    });

    it('checks the memo column when the book is created, and only for ODBC tables', async () => {
      const table = `memo_${process.pid}_${++n}`;
      await createContactsTable(db, table, []);
      const missing = await t.call('POST', '/api/v1/phonebooks', {
        body: {
          name: 'Db2',
          kind: 'odbc',
          source: { connectionString: db.connectionString, table, idColumn: 'id' },
          notes: { memoColumn: 'nope' },
        },
      });
      // Like a missing id column: the source has no such column.
      expect(missing.json()).toMatchObject({ error: { code: 'SOURCE_NOT_FOUND' } });
      expect(missing.body).toContain('nope');
      expect((await t.call('GET', '/api/v1/phonebooks/Db2')).statusCode).toBe(404);
      const csv = join(dir, 'a.csv');
      writeFileSync(csv, 'id;last;memo\n1;A;x\n');
      const onCsv = await t.call('POST', '/api/v1/phonebooks', {
        body: {
          name: 'Csv',
          kind: 'csv',
          source: { path: csv, idColumn: 'id' },
          notes: { memoColumn: 'memo' },
        },
      });
      expect(onCsv.statusCode).toBe(400);
      expect(onCsv.json()).toMatchObject({ error: { details: { field: 'notes' } } });
    });
  });

  describe('as files on the server (notes mode server)', () => {
    const ODD = '../K 1/ü';

    beforeEach(async () => {
      const csv = join(dir, 'kunden.csv');
      writeFileSync(csv, `Nr;Name;Telefon\nK2;Berg;089 2\n${ODD};Groß;089 1\n`);
      const created = await t.call('POST', '/api/v1/phonebooks', {
        body: {
          name: 'Kunden',
          kind: 'csv',
          source: { path: csv, idColumn: 'Nr' },
          notes: 'server',
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      await sync('Kunden');
    });

    const notesDir = (): string => join(t.home, 'folders', 'Kunden', 'notes');

    it('keeps one file per record, with every version, and moves them to the trash', async () => {
      const first = await put('Kunden', ODD, 'eins');
      expect(first.statusCode, first.body).toBe(200);
      const second = await put('Kunden', ODD, 'zwei', (first.json() as NoteBody).etag ?? '');
      expect(second.json()).toMatchObject({ text: 'zwei', etag: '"v2"' });
      expect((await put('Kunden', ODD, 'drei', '"v1"')).statusCode).toBe(412);
      const history = (
        await t.call('GET', `${noteUrl('Kunden', ODD)}/history`)
      ).json() as NoteBody[];
      expect(history.map((v) => v.text)).toEqual(['zwei', 'eins']);
      expect(readdirSync(notesDir())).toEqual([noteFileName(ODD)]);
      expect(readdirSync(join(t.home, 'folders'))).toEqual([
        'Global.LocalNumbers',
        'Global.Phonebook',
        'Kunden',
      ]);
      expect((await t.call('GET', noteUrl('Kunden', 'K9'))).statusCode).toBe(404);

      const deleted = await t.call('DELETE', '/api/v1/phonebooks/Kunden');
      expect(deleted.statusCode, deleted.body).toBe(200);
      const { trashEntry } = deleted.json() as { trashEntry: string };
      const trashed = join(t.home, 'trash', 'folders', trashEntry, 'notes', noteFileName(ODD));
      expect(existsSync(trashed)).toBe(true);
      expect(existsSync(notesDir())).toBe(false);
      const restored = await t.call(
        'POST',
        `/api/v1/trash/${encodeURIComponent(trashEntry)}/restore`,
      );
      expect(restored.statusCode, restored.body).toBe(201);
      expect((await t.call('GET', noteUrl('Kunden', ODD))).json()).toMatchObject({ text: 'zwei' });
    });

    it('works for builtin books too, and needs an id column on a CSV book', async () => {
      await t.call('POST', '/api/v1/phonebooks', {
        body: { name: 'Eigen', kind: 'builtin', notes: 'server' },
      });
      await t.call('POST', '/api/v1/phonebooks/Eigen/contacts', {
        body: { id: 'a', lastName: 'A' },
      });
      expect((await put('Eigen', 'a', 'hallo')).statusCode).toBe(200);
      expect(readdirSync(join(t.home, 'folders', 'Eigen', 'notes'))).toEqual([noteFileName('a')]);
      const csv = join(dir, 'ohne.csv');
      writeFileSync(csv, 'Name;Telefon\nA;1\n');
      const noId = await t.call('POST', '/api/v1/phonebooks', {
        body: { name: 'Ohne', kind: 'csv', source: { path: csv }, notes: 'server' },
      });
      expect(noId.statusCode).toBe(400);
    });
  });
});
