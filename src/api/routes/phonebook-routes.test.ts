import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../../test-support/test-app.js';
import { createTestApp } from '../../test-support/test-app.js';

interface BookView {
  name: string;
  kind: string;
  readOnly: boolean;
  notes: unknown;
  contactCount: number;
  rights: { read: boolean; write: boolean; offline: boolean };
  sync: { lastSync: string | null; status: string; error: string | null };
}

interface ErrorJson {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

interface TrashJson {
  entry: string;
  name: string;
  kind: string;
  deletedAt: string;
}

interface ContactJson {
  id: string;
  displayName: string;
  businessPhone?: string;
  updatedAt: string;
  etag: string;
}

interface NoteJson {
  text: string;
  etag: string | null;
  updatedBy: string | null;
}

const BOOKS = '/api/v1/phonebooks';

const book = (name: string): string => `${BOOKS}/${encodeURIComponent(name)}`;
const restoreUrl = (entry: string): string => `/api/v1/trash/${encodeURIComponent(entry)}/restore`;

function errorOf(response: { json(): unknown }): ErrorJson['error'] {
  return (response.json() as ErrorJson).error;
}

describe('phone book routes', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const createBook = async (name: string, extra: Record<string, unknown> = {}) => {
    const response = await t.call('POST', BOOKS, { body: { name, kind: 'builtin', ...extra } });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as BookView;
  };

  const addContact = async (name: string, body: Record<string, unknown>) => {
    const response = await t.call('POST', `${book(name)}/contacts`, { body });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as ContactJson;
  };

  const saveNote = async (name: string, id: string, text: string, etag?: string) => {
    const response = await t.call('PUT', `${book(name)}/contacts/${encodeURIComponent(id)}/note`, {
      body: { text },
      ...(etag ? { headers: { 'if-match': etag } } : {}),
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as NoteJson;
  };

  const listNames = async (token?: string): Promise<string[]> => {
    const response = await t.call('GET', BOOKS, token ? { token } : {});
    expect(response.statusCode).toBe(200);
    return (response.json() as BookView[]).map((b) => b.name);
  };

  const trashList = async (): Promise<TrashJson[]> => {
    const response = await t.call('GET', '/api/v1/trash');
    expect(response.statusCode).toBe(200);
    return response.json() as TrashJson[];
  };

  describe('first start', () => {
    it('has Global.Phonebook (builtin, read/write) and Global.LocalNumbers (read-only)', async () => {
      const response = await t.call('GET', BOOKS);
      expect(response.statusCode).toBe(200);
      const books = response.json() as BookView[];
      expect(books.map((b) => b.name).sort()).toEqual(['Global.LocalNumbers', 'Global.Phonebook']);
      expect(books.find((b) => b.name === 'Global.Phonebook')).toMatchObject({
        kind: 'builtin',
        readOnly: false,
        contactCount: 0,
        rights: { read: true, write: true, offline: true },
      });
      expect(books.find((b) => b.name === 'Global.LocalNumbers')).toMatchObject({
        kind: 'local-numbers',
        readOnly: true,
      });
    });

    it('lays out the home as the seed does', () => {
      for (const [name, kind] of [
        ['Global.Phonebook', 'builtin'],
        ['Global.LocalNumbers', 'local-numbers'],
      ] as const) {
        const ini = readFileSync(join(t.home, 'folders', name, 'cfg', 'folder_cfg.ini'), 'utf8');
        expect(ini).toMatch(new RegExp(`^Name=${name.replace('.', '\\.')}$`, 'm'));
        expect(ini).toMatch(new RegExp(`^Kind=${kind}$`, 'm'));
        expect(statSync(join(t.home, 'folders', name, 'notes')).isDirectory()).toBe(true);
      }
      expect(statSync(join(t.home, 'trash', 'folders')).isDirectory()).toBe(true);
    });
  });

  describe('create', () => {
    it('creates a builtin book with its folder', async () => {
      const created = await createBook('Sales');
      expect(created).toMatchObject({
        name: 'Sales',
        kind: 'builtin',
        readOnly: false,
        notes: 'builtin',
        contactCount: 0,
        rights: { read: true, write: true, offline: true },
        sync: { lastSync: null },
      });
      const ini = readFileSync(join(t.home, 'folders', 'Sales', 'cfg', 'folder_cfg.ini'), 'utf8');
      expect(ini).toMatch(/^Name=Sales$/m);
      expect(ini).toMatch(/^Kind=builtin$/m);
      expect(existsSync(join(t.home, 'folders', 'Sales', 'notes'))).toBe(true);
      expect(await listNames()).toContain('Sales');
      const one = await t.call('GET', book('Sales'));
      expect(one.statusCode).toBe(200);
      expect((one.json() as BookView).name).toBe('Sales');
    });

    it('creates a read-only book when asked', async () => {
      expect(await createBook('Archive', { readOnly: true, notes: 'none' })).toMatchObject({
        readOnly: true,
        notes: 'none',
      });
    });

    it.each([
      ['../x', '../x'],
      ['a/b', 'a/b'],
      ['a\\b', 'a\\b'],
      ['newline', 'a\nb'],
      ['NUL', 'a\u0000b'],
      ['tab', 'a\tb'],
      ['DEL', 'a\u007fb'],
      ['dot', '.'],
      ['dot-dot', '..'],
      ['hidden', '.hidden'],
      ['trailing dot', 'name.'],
      ['empty', ''],
      ['65 characters', 'x'.repeat(65)],
      ['leading space', ' x'],
      ['reserved Global.', 'Global.Foo'],
      ['reserved global. in any case', 'gLoBaL.Foo'],
    ])('refuses the name %s with 400 INVALID_NAME', async (_label, name) => {
      const before = readdirSync(join(t.home, 'folders')).sort();
      const response = await t.call('POST', BOOKS, { body: { name, kind: 'builtin' } });
      expect(response.statusCode).toBe(400);
      expect(errorOf(response).code).toBe('INVALID_NAME');
      expect(readdirSync(join(t.home, 'folders')).sort()).toEqual(before);
      expect(existsSync(join(t.home, 'x'))).toBe(false);
      expect((await listNames()).length).toBe(2);
    });

    it('accepts a name of exactly 64 characters and non-ASCII letters', async () => {
      await createBook('y'.repeat(64));
      await createBook('Kunden Müller & Söhne');
      expect(existsSync(join(t.home, 'folders', 'Kunden Müller & Söhne', 'cfg'))).toBe(true);
    });

    it('refuses a duplicate name regardless of case with 409 ALREADY_EXISTS', async () => {
      await createBook('Sales');
      for (const name of ['Sales', 'SALES', 'sales']) {
        const response = await t.call('POST', BOOKS, { body: { name, kind: 'builtin' } });
        expect(response.statusCode).toBe(409);
        expect(errorOf(response).code).toBe('ALREADY_EXISTS');
      }
      const global = await t.call('POST', BOOKS, {
        body: { name: 'global.phonebook', kind: 'builtin' },
      });
      expect(global.statusCode).toBe(400);
      expect((await listNames()).filter((n) => n.toLowerCase() === 'sales')).toEqual(['Sales']);
    });

    it('compares names regardless of case and Unicode form beyond ASCII', async () => {
      await createBook('Kunden Müller');
      for (const name of ['KUNDEN MÜLLER', 'kunden müller', 'Kunden Mu\u0308ller']) {
        const response = await t.call('POST', BOOKS, { body: { name, kind: 'builtin' } });
        expect(response.statusCode, name).toBe(409);
        expect(errorOf(response).code).toBe('ALREADY_EXISTS');
      }
      for (const name of ['Kunden Mu\u0308ller', 'KUNDEN MÜLLER']) {
        const response = await t.call('GET', book(name));
        expect(response.statusCode, name).toBe(200);
        expect((response.json() as BookView).name).toBe('Kunden Müller');
      }
      expect(readdirSync(join(t.home, 'folders')).filter((n) => n.startsWith('K'))).toEqual([
        'Kunden Müller',
      ]);
    });

    it('refuses unknown keys naming the key', async () => {
      const response = await t.call('POST', BOOKS, {
        body: { name: 'Sales', kind: 'builtin', colour: 'blue' },
      });
      expect(response.statusCode).toBe(400);
      const error = errorOf(response);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.message).toContain('colour');
      expect(JSON.stringify(error.details)).toContain('colour');
      expect(await listNames()).not.toContain('Sales');
    });

    it('refuses wrong types and unknown kinds with 400', async () => {
      for (const body of [
        { name: 42, kind: 'builtin' },
        { name: 'Sales', kind: 'punch-cards' },
        { name: 'Sales', kind: 'local-numbers' },
        { name: 'Sales', kind: 'builtin', readOnly: 'yes' },
        { name: 'Sales', kind: 'builtin', notes: 'paper' },
        { name: 'Sales', kind: 'builtin', notes: { memoColumn: 'Memo' } },
        { kind: 'builtin' },
      ]) {
        const response = await t.call('POST', BOOKS, { body });
        expect(response.statusCode, JSON.stringify(body)).toBe(400);
        expect(errorOf(response).code).toBe('VALIDATION_FAILED');
      }
      expect(await listNames()).not.toContain('Sales');
    });
  });

  describe('patch', () => {
    it('changes readOnly and notes and keeps them in folder_cfg.ini', async () => {
      await createBook('Sales');
      const response = await t.call('PATCH', book('Sales'), {
        body: { readOnly: true, notes: 'none' },
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ name: 'Sales', readOnly: true, notes: 'none' });
      const again = await t.call('GET', book('Sales'));
      expect(again.json()).toMatchObject({ readOnly: true, notes: 'none' });
      const ini = readFileSync(join(t.home, 'folders', 'Sales', 'cfg', 'folder_cfg.ini'), 'utf8');
      expect(ini).toMatch(/^ReadOnly=1$/m);
      expect(ini).toMatch(/^Notes=none$/m);
    });

    it('renames a book and its folder, keeping contacts and notes', async () => {
      await createBook('Sales');
      await addContact('Sales', { id: 'c1', firstName: 'Ada', lastName: 'Lovelace' });
      await saveNote('Sales', 'c1', 'likes engines');
      const response = await t.call('PATCH', book('Sales'), { body: { name: 'Sales EU' } });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ name: 'Sales EU', contactCount: 1 });
      expect(existsSync(join(t.home, 'folders', 'Sales'))).toBe(false);
      const ini = readFileSync(
        join(t.home, 'folders', 'Sales EU', 'cfg', 'folder_cfg.ini'),
        'utf8',
      );
      expect(ini).toMatch(/^Name=Sales EU$/m);
      expect((await t.call('GET', book('Sales'))).statusCode).toBe(404);
      const contact = await t.call('GET', `${book('Sales EU')}/contacts/c1`);
      expect(contact.json()).toMatchObject({ phonebook: 'Sales EU', displayName: 'Ada Lovelace' });
      const note = await t.call('GET', `${book('Sales EU')}/contacts/c1/note`);
      expect((note.json() as NoteJson).text).toBe('likes engines');
      const search = await t.call('GET', '/api/v1/search?q=lovelace');
      expect(search.json()).toMatchObject({ items: [{ phonebook: 'Sales EU', id: 'c1' }] });
    });

    it('keeps the groups’ rights on a renamed book', async () => {
      await createBook('Sales');
      const token = await t.userWith('bob', { Sales: { read: true } });
      await t.call('PATCH', book('Sales'), { body: { name: 'Sales EU' } });
      expect(await listNames(token)).toEqual(['Sales EU']);
      const group = await t.call('GET', '/api/v1/groups/bob-group');
      expect(group.json()).toMatchObject({
        resources: [{ phonebook: 'Sales EU', read: true, write: false }],
      });
    });

    it('renames to a different case of the same name', async () => {
      await createBook('sales');
      const response = await t.call('PATCH', book('sales'), { body: { name: 'Sales' } });
      expect(response.statusCode, response.body).toBe(200);
      expect(await listNames()).toContain('Sales');
      expect(existsSync(join(t.home, 'folders', 'Sales', 'cfg', 'folder_cfg.ini'))).toBe(true);
    });

    it('refuses renames onto taken or invalid names, changing nothing', async () => {
      await createBook('Sales');
      await createBook('Support');
      const taken = await t.call('PATCH', book('Sales'), { body: { name: 'SUPPORT' } });
      expect(taken.statusCode).toBe(409);
      expect(errorOf(taken).code).toBe('ALREADY_EXISTS');
      const invalid = await t.call('PATCH', book('Sales'), { body: { name: '../Support' } });
      expect(invalid.statusCode).toBe(400);
      expect(errorOf(invalid).code).toBe('INVALID_NAME');
      const toGlobal = await t.call('PATCH', book('Sales'), { body: { name: 'Global.Sales' } });
      expect(toGlobal.statusCode).toBe(409);
      expect(errorOf(toGlobal).code).toBe('PHONEBOOK_PROTECTED');
      expect(await listNames()).toEqual(
        expect.arrayContaining(['Sales', 'Support', 'Global.Phonebook']),
      );
      expect(existsSync(join(t.home, 'folders', 'Sales', 'cfg', 'folder_cfg.ini'))).toBe(true);
    });

    it('refuses to rename Global.* books with 409 PHONEBOOK_PROTECTED', async () => {
      for (const name of ['Global.Phonebook', 'Global.LocalNumbers']) {
        const response = await t.call('PATCH', book(name), { body: { name: 'Mine' } });
        expect(response.statusCode).toBe(409);
        expect(errorOf(response).code).toBe('PHONEBOOK_PROTECTED');
        expect(existsSync(join(t.home, 'folders', name, 'cfg', 'folder_cfg.ini'))).toBe(true);
      }
      expect(await listNames()).not.toContain('Mine');
      expect(existsSync(join(t.home, 'folders', 'Mine'))).toBe(false);
    });

    it('keeps Global.LocalNumbers read-only', async () => {
      const response = await t.call('PATCH', book('Global.LocalNumbers'), {
        body: { readOnly: false },
      });
      expect(response.statusCode).toBe(409);
      const again = await t.call('GET', book('Global.LocalNumbers'));
      expect((again.json() as BookView).readOnly).toBe(true);
    });

    it('refuses a memo column as notes mode of a builtin book', async () => {
      await createBook('Sales');
      const response = await t.call('PATCH', book('Sales'), {
        body: { notes: { memoColumn: 'Memo' } },
      });
      expect(response.statusCode).toBe(400);
      expect(errorOf(response).message).toContain('notes');
      expect(((await t.call('GET', book('Sales'))).json() as BookView).notes).toBe('builtin');
    });

    it('refuses unknown keys and unknown books', async () => {
      await createBook('Sales');
      const unknownKey = await t.call('PATCH', book('Sales'), { body: { colour: 'red' } });
      expect(unknownKey.statusCode).toBe(400);
      expect(errorOf(unknownKey).message).toContain('colour');
      const unknownBook = await t.call('PATCH', book('Nope'), { body: { readOnly: true } });
      expect(unknownBook.statusCode).toBe(404);
      expect(errorOf(unknownBook).code).toBe('PHONEBOOK_NOT_FOUND');
    });
  });

  describe('delete and trash', () => {
    it('refuses to delete Global.* books with 409 PHONEBOOK_PROTECTED', async () => {
      for (const name of ['Global.Phonebook', 'Global.LocalNumbers', 'global.phonebook']) {
        const response = await t.call('DELETE', book(name));
        expect(response.statusCode).toBe(409);
        expect(errorOf(response).code).toBe('PHONEBOOK_PROTECTED');
      }
      expect((await listNames()).sort()).toEqual(['Global.LocalNumbers', 'Global.Phonebook']);
      expect(readdirSync(join(t.home, 'trash', 'folders'))).toEqual([]);
    });

    it('answers 404 for an unknown book', async () => {
      const response = await t.call('DELETE', book('Nope'));
      expect(response.statusCode).toBe(404);
      expect(errorOf(response).code).toBe('PHONEBOOK_NOT_FOUND');
    });

    it('moves the folder with records and notes to the trash and forgets the book', async () => {
      await createBook('Sales');
      await addContact('Sales', {
        id: 'c1',
        firstName: 'Zebulon',
        lastName: 'Quirk',
        businessPhone: '+49 89 7654321',
      });
      await addContact('Sales', { id: 'c2', company: 'Quirk Industries' });
      const first = await saveNote('Sales', 'c1', 'first version');
      await saveNote('Sales', 'c1', 'second version', first.etag ?? '');

      const lookupBefore = await t.call('GET', '/api/v1/lookup?number=089%207654321');
      expect(lookupBefore.json()).toMatchObject({ matches: [{ phonebook: 'Sales', id: 'c1' }] });

      const response = await t.call('DELETE', book('Sales'));
      expect(response.statusCode, response.body).toBe(200);
      const { trashEntry } = response.json() as { trashEntry: string };
      expect(trashEntry).toMatch(/^Sales/);

      expect(existsSync(join(t.home, 'folders', 'Sales'))).toBe(false);
      const dir = join(t.home, 'trash', 'folders', trashEntry);
      expect(readFileSync(join(dir, 'cfg', 'folder_cfg.ini'), 'utf8')).toMatch(/^Name=Sales$/m);
      const records = readFileSync(join(dir, 'records.jsonl'), 'utf8').trim().split('\n');
      expect(records).toHaveLength(2);
      expect(records.join('\n')).toContain('Zebulon');
      expect(records.join('\n')).toContain('Quirk Industries');
      const notes = readFileSync(join(dir, 'notes', 'builtin-notes.jsonl'), 'utf8');
      expect(notes).toContain('first version');
      expect(notes).toContain('second version');

      expect(await listNames()).not.toContain('Sales');
      expect((await t.call('GET', book('Sales'))).statusCode).toBe(404);
      expect((await t.call('GET', `${book('Sales')}/contacts/c1`)).statusCode).toBe(404);
      const lookup = await t.call('GET', '/api/v1/lookup?number=089%207654321');
      expect(lookup.statusCode).toBe(200);
      expect((lookup.json() as { matches: unknown[] }).matches).toEqual([]);
      const search = await t.call('GET', '/api/v1/search?q=quirk');
      expect(search.statusCode).toBe(200);
      expect((search.json() as { items: unknown[] }).items).toEqual([]);

      const trash = await trashList();
      expect(trash).toEqual([
        { entry: trashEntry, name: 'Sales', kind: 'builtin', deletedAt: expect.any(String) },
      ]);
      const deletedAt = Date.parse(trash[0]?.deletedAt ?? '');
      expect(Math.abs(Date.now() - deletedAt)).toBeLessThan(60_000);
      expect(trashEntry).toContain((trash[0]?.deletedAt ?? '').replace(/[:.]/g, '-'));
    });

    it('deletes into a trash folder that went missing', async () => {
      await createBook('Sales');
      rmSync(join(t.home, 'trash'), { recursive: true, force: true });
      const response = await t.call('DELETE', book('Sales'));
      expect(response.statusCode, response.body).toBe(200);
      const { trashEntry } = response.json() as { trashEntry: string };
      expect(existsSync(join(t.home, 'trash', 'folders', trashEntry, 'records.jsonl'))).toBe(true);
    });

    it('keeps both trash entries when two books of the same name are deleted', async () => {
      await createBook('Sales');
      await addContact('Sales', { id: 'old', firstName: 'Old' });
      const first = (await t.call('DELETE', book('Sales'))).json() as { trashEntry: string };
      await createBook('Sales');
      await addContact('Sales', { id: 'new', firstName: 'New' });
      const second = (await t.call('DELETE', book('Sales'))).json() as { trashEntry: string };
      expect(second.trashEntry).not.toBe(first.trashEntry);
      const trash = join(t.home, 'trash', 'folders');
      expect(readFileSync(join(trash, first.trashEntry, 'records.jsonl'), 'utf8')).toContain(
        '"old"',
      );
      expect(readFileSync(join(trash, second.trashEntry, 'records.jsonl'), 'utf8')).toContain(
        '"new"',
      );
      expect((await trashList()).map((e) => e.entry).sort()).toEqual(
        [first.trashEntry, second.trashEntry].sort(),
      );
    });

    it('restores a trashed book with its contacts and notes, history included', async () => {
      await createBook('Sales', { notes: 'builtin' });
      const ada = await addContact('Sales', {
        id: 'c1',
        firstName: 'Zebulon',
        lastName: 'Quirk',
        businessPhone: '+49 89 7654321',
        extra: { customer: '42' },
      });
      await addContact('Sales', { id: 'c2', company: 'Quirk Industries' });
      const first = await saveNote('Sales', 'c1', 'first version');
      await saveNote('Sales', 'c1', 'second version', first.etag ?? '');
      const { trashEntry } = (await t.call('DELETE', book('Sales'))).json() as {
        trashEntry: string;
      };

      const response = await t.call('POST', restoreUrl(trashEntry));
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()).toMatchObject({ name: 'Sales', kind: 'builtin', contactCount: 2 });
      expect(await listNames()).toContain('Sales');
      expect(await trashList()).toEqual([]);
      expect(existsSync(join(t.home, 'trash', 'folders', trashEntry))).toBe(false);
      expect(existsSync(join(t.home, 'folders', 'Sales', 'records.jsonl'))).toBe(false);
      expect(
        readFileSync(join(t.home, 'folders', 'Sales', 'cfg', 'folder_cfg.ini'), 'utf8'),
      ).toMatch(/^Name=Sales$/m);

      const contact = await t.call('GET', `${book('Sales')}/contacts/c1`);
      expect(contact.statusCode).toBe(200);
      expect(contact.json()).toMatchObject({
        id: 'c1',
        displayName: 'Zebulon Quirk',
        businessPhone: '+49 89 7654321',
        extra: { customer: '42' },
        updatedAt: ada.updatedAt,
      });
      const note = await t.call('GET', `${book('Sales')}/contacts/c1/note`);
      expect(note.json()).toMatchObject({ text: 'second version', updatedBy: 'admin' });
      const history = await t.call('GET', `${book('Sales')}/contacts/c1/note/history`);
      expect((history.json() as { text: string }[]).map((v) => v.text)).toEqual([
        'second version',
        'first version',
      ]);
      const lookup = await t.call('GET', '/api/v1/lookup?number=%2B49897654321');
      expect(lookup.json()).toMatchObject({ matches: [{ phonebook: 'Sales', id: 'c1' }] });
      const search = await t.call('GET', '/api/v1/search?q=quirk');
      expect((search.json() as { items: { id: string }[] }).items.map((i) => i.id).sort()).toEqual([
        'c1',
        'c2',
      ]);
    });

    it('gives the restored book back the rights its groups had, except groups gone since', async () => {
      await createBook('Sales');
      await addContact('Sales', { id: 'c1', lastName: 'Quirk', businessPhone: '+49 89 7654321' });
      const token = await t.userWith('erika', { Sales: { read: true, offline: true } });
      await t.call('POST', '/api/v1/groups', { body: { name: 'Temps' } });
      await t.call('PUT', '/api/v1/groups/Temps/resources', {
        body: [{ phonebook: 'Sales', read: true, write: true }],
      });
      const { trashEntry } = (await t.call('DELETE', book('Sales'))).json() as {
        trashEntry: string;
      };
      expect((await t.call('GET', '/api/v1/phonebooks', { token })).json()).toEqual([]);
      await t.call('DELETE', '/api/v1/groups/Temps');

      expect((await t.call('POST', restoreUrl(trashEntry))).statusCode).toBe(201);
      const books = (await t.call('GET', '/api/v1/phonebooks', { token })).json() as {
        name: string;
        rights: Record<string, boolean>;
      }[];
      expect(books.map((b) => [b.name, b.rights])).toEqual([
        ['Sales', { read: true, write: false, offline: true }],
      ]);
      const lookup = await t.call('GET', '/api/v1/lookup?number=%2B49897654321', { token });
      expect(lookup.json()).toMatchObject({ matches: [{ phonebook: 'Sales', id: 'c1' }] });
      expect((await t.call('GET', '/api/v1/groups')).body).not.toContain('Temps');
      expect(existsSync(join(t.home, 'folders', 'Sales', 'resources.jsonl'))).toBe(false);
    });

    it('restores under another name', async () => {
      await createBook('Sales');
      await addContact('Sales', { id: 'c1', firstName: 'Ada' });
      const { trashEntry } = (await t.call('DELETE', book('Sales'))).json() as {
        trashEntry: string;
      };
      await createBook('Sales');
      const clash = await t.call('POST', restoreUrl(trashEntry));
      expect(clash.statusCode).toBe(409);
      expect(errorOf(clash).code).toBe('ALREADY_EXISTS');
      const clashCase = await t.call('POST', restoreUrl(trashEntry), { body: { name: 'SALES' } });
      expect(clashCase.statusCode).toBe(409);
      const bad = await t.call('POST', restoreUrl(trashEntry), { body: { name: '../evil' } });
      expect(bad.statusCode).toBe(400);
      expect(errorOf(bad).code).toBe('INVALID_NAME');
      const global = await t.call('POST', restoreUrl(trashEntry), {
        body: { name: 'Global.Sales' },
      });
      expect(global.statusCode).toBe(400);
      expect((await trashList()).map((e) => e.entry)).toEqual([trashEntry]);
      expect(existsSync(join(t.home, 'evil'))).toBe(false);

      const response = await t.call('POST', restoreUrl(trashEntry), {
        body: { name: 'Sales 2019' },
      });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()).toMatchObject({ name: 'Sales 2019', contactCount: 1 });
      const contact = await t.call('GET', `${book('Sales 2019')}/contacts/c1`);
      expect(contact.json()).toMatchObject({ firstName: 'Ada', phonebook: 'Sales 2019' });
      expect((await t.call('GET', `${book('Sales')}/contacts/c1`)).statusCode).toBe(404);
      expect(
        readFileSync(join(t.home, 'folders', 'Sales 2019', 'cfg', 'folder_cfg.ini'), 'utf8'),
      ).toMatch(/^Name=Sales 2019$/m);
    });

    it('restores a book’s settings: write protection and notes mode', async () => {
      await createBook('Archive', { readOnly: true, notes: 'none' });
      const { trashEntry } = (await t.call('DELETE', book('Archive'))).json() as {
        trashEntry: string;
      };
      const response = await t.call('POST', restoreUrl(trashEntry));
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({ name: 'Archive', readOnly: true, notes: 'none' });
      const write = await t.call('POST', `${book('Archive')}/contacts`, {
        body: { lastName: 'x' },
      });
      expect(write.statusCode).toBe(403);
      expect(errorOf(write).code).toBe('PHONEBOOK_READ_ONLY');
    });

    it('answers 404 TRASH_NOT_FOUND for unknown and path-like entries', async () => {
      await createBook('Sales');
      await t.call('DELETE', book('Sales'));
      for (const entry of ['../folders/Global.Phonebook', '../../folders/Sales', 'nope', '..\\x']) {
        const response = await t.call('POST', restoreUrl(entry));
        expect(response.statusCode, entry).toBe(404);
        expect(errorOf(response).code).toBe('TRASH_NOT_FOUND');
      }
      // `.` and `..` as a path segment are resolved by the URL itself: still a 404.
      for (const entry of ['..', '.']) {
        expect((await t.call('POST', restoreUrl(entry))).statusCode, entry).toBe(404);
      }
      expect((await listNames()).sort()).toEqual(['Global.LocalNumbers', 'Global.Phonebook']);
      expect(existsSync(join(t.home, 'folders', 'Global.Phonebook', 'cfg'))).toBe(true);
    });

    it('restores nothing from a broken archive and keeps the trash entry', async () => {
      await createBook('Sales');
      await addContact('Sales', { id: 'c1', firstName: 'Ada' });
      const { trashEntry } = (await t.call('DELETE', book('Sales'))).json() as {
        trashEntry: string;
      };
      const records = join(t.home, 'trash', 'folders', trashEntry, 'records.jsonl');
      const good = readFileSync(records, 'utf8');
      writeFileSync(records, `${good}{"id":"c2","data":null,"updatedAt":""}\n`);
      const wrongShape = await t.call('POST', restoreUrl(trashEntry));
      expect(wrongShape.statusCode).toBe(409);
      writeFileSync(records, `${good}{not json\n`);
      const response = await t.call('POST', restoreUrl(trashEntry));
      expect(response.statusCode).toBe(409);
      expect(errorOf(response).message).toContain('records.jsonl:2');
      expect(await listNames()).not.toContain('Sales');
      expect(existsSync(join(t.home, 'folders', 'Sales'))).toBe(false);
      expect((await trashList()).map((e) => e.entry)).toEqual([trashEntry]);
      expect(readFileSync(records, 'utf8')).toContain('"c1"');
      const search = await t.call('GET', '/api/v1/search?q=ada');
      expect((search.json() as { items: unknown[] }).items).toEqual([]);
    });

    it('refuses unknown keys in the restore body', async () => {
      await createBook('Sales');
      const { trashEntry } = (await t.call('DELETE', book('Sales'))).json() as {
        trashEntry: string;
      };
      const response = await t.call('POST', restoreUrl(trashEntry), { body: { title: 'x' } });
      expect(response.statusCode).toBe(400);
      expect(errorOf(response).message).toContain('title');
      expect((await trashList()).map((e) => e.entry)).toEqual([trashEntry]);
    });
  });

  describe('rights', () => {
    it('forbids non-admins to create, change, delete and restore books', async () => {
      await createBook('Sales');
      const token = await t.userWith('bob', { Sales: { read: true, write: true } });
      const create = await t.call('POST', BOOKS, {
        token,
        body: { name: 'Mine', kind: 'builtin' },
      });
      expect(create.statusCode).toBe(403);
      expect(errorOf(create).code).toBe('FORBIDDEN');
      const patch = await t.call('PATCH', book('Sales'), { token, body: { readOnly: true } });
      expect(patch.statusCode).toBe(403);
      const rename = await t.call('PATCH', book('Sales'), { token, body: { name: 'Bobs' } });
      expect(rename.statusCode).toBe(403);
      const del = await t.call('DELETE', book('Sales'), { token });
      expect(del.statusCode).toBe(403);
      expect((await t.call('GET', '/api/v1/trash', { token })).statusCode).toBe(403);
      expect((await t.call('POST', restoreUrl('Sales@x'), { token })).statusCode).toBe(403);
      expect(await listNames()).toEqual(expect.arrayContaining(['Sales']));
      expect(await listNames()).not.toContain('Mine');
      const view = await t.call('GET', book('Sales'));
      expect((view.json() as BookView).readOnly).toBe(false);
    });

    it('lists only readable books to a user, with their rights', async () => {
      await createBook('Sales');
      await createBook('Secret');
      const token = await t.userWith('bob', { Sales: { write: true } });
      const response = await t.call('GET', BOOKS, { token });
      expect(response.json()).toEqual([
        expect.objectContaining({
          name: 'Sales',
          rights: { read: true, write: true, offline: false },
        }),
      ]);
      expect((await t.call('GET', book('Secret'), { token })).statusCode).toBe(404);
      expect((await t.call('GET', book('Sales'), { token })).statusCode).toBe(200);
    });

    it('needs a token', async () => {
      const response = await t.call('GET', BOOKS, { token: null });
      expect(response.statusCode).toBe(401);
      expect(errorOf(response).code).toBe('UNAUTHENTICATED');
    });
  });
});
