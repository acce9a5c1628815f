import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../../test-support/test-app.js';
import { ADMIN_PASSWORD, createTestApp } from '../../test-support/test-app.js';

interface UserJson {
  username: string;
  displayName: string | null;
  email: string | null;
  department: string | null;
  extensions: string[];
  admin: boolean;
  createdAt: string;
}

interface GroupJson {
  name: string;
  members: string[];
  resources: { phonebook: string; read: boolean; write: boolean; offline: boolean }[];
}

interface ContactJson {
  id: string;
  displayName: string;
  businessPhone?: string;
  [field: string]: unknown;
}

interface ErrorJson {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

interface LookupJson {
  matches: { phonebook: string; id: string; displayName: string; match: string }[];
}

const LOCAL = '/api/v1/phonebooks/Global.LocalNumbers/contacts';

function errorOf(response: { json(): unknown }): ErrorJson['error'] {
  return (response.json() as ErrorJson).error;
}

describe('users, groups and rights', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const createUser = async (body: Record<string, unknown>): Promise<UserJson> => {
    const response = await t.call('POST', '/api/v1/users', { body });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as UserJson;
  };

  const createGroup = async (name: string, members: string[] = []): Promise<GroupJson> => {
    const response = await t.call('POST', '/api/v1/groups', { body: { name, members } });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as GroupJson;
  };

  const grant = async (group: string, resources: Record<string, unknown>[]): Promise<GroupJson> => {
    const response = await t.call('PUT', `/api/v1/groups/${encodeURIComponent(group)}/resources`, {
      body: resources,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as GroupJson;
  };

  const createBook = async (name: string): Promise<void> => {
    const response = await t.call('POST', '/api/v1/phonebooks', {
      body: { name, kind: 'builtin' },
    });
    expect(response.statusCode, response.body).toBe(201);
  };

  const addContact = async (book: string, body: Record<string, unknown>): Promise<void> => {
    const response = await t.call('POST', `/api/v1/phonebooks/${book}/contacts`, { body });
    expect(response.statusCode, response.body).toBe(201);
  };

  const localEntries = async (): Promise<ContactJson[]> => {
    const response = await t.call('GET', LOCAL);
    expect(response.statusCode).toBe(200);
    return (response.json() as { items: ContactJson[] }).items;
  };

  const bookNames = async (token: string): Promise<string[]> => {
    const response = await t.call('GET', '/api/v1/phonebooks', { token });
    expect(response.statusCode).toBe(200);
    return (response.json() as { name: string }[]).map((b) => b.name).sort();
  };

  describe('users', () => {
    it('never returns a password or its hash, and stores an scrypt hash', async () => {
      const password = 'correct horse battery';
      const responses = [
        await t.call('POST', '/api/v1/users', {
          body: { username: 'bob', password, displayName: 'Bob', extensions: ['2001'] },
        }),
        await t.call('GET', '/api/v1/users'),
        await t.call('GET', '/api/v1/users/bob'),
        await t.call('PATCH', '/api/v1/users/bob', { body: { password: 'another password' } }),
        await t.call('PATCH', '/api/v1/users/bob', { body: { password } }),
        await t.call('POST', '/api/v1/auth/login', {
          token: null,
          body: { username: 'bob', password },
        }),
        await t.call('GET', LOCAL),
      ];
      const hash = t.app.db
        .prepare('SELECT password_hash FROM users WHERE username = ?')
        .pluck()
        .get('bob') as string;
      expect(hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/);
      expect(hash).not.toContain(password);
      for (const response of responses) {
        expect(response.statusCode, response.body).toBeLessThan(300);
        expect(response.body).not.toContain(password);
        expect(response.body).not.toContain('another password');
        expect(response.body).not.toMatch(/password|scrypt/i);
        expect(response.body).not.toContain(hash.split('$')[5]);
      }
      const user = responses[0]?.json() as UserJson;
      expect(user).toEqual({
        username: 'bob',
        displayName: 'Bob',
        email: null,
        department: null,
        extensions: ['2001'],
        admin: false,
        createdAt: expect.any(String),
      });
    });

    it('refuses bad and duplicate usernames and short passwords', async () => {
      await createUser({ username: 'bob', password: 'bob-password' });
      const duplicate = await t.call('POST', '/api/v1/users', {
        body: { username: 'BOB', password: 'bob-password' },
      });
      expect(duplicate.statusCode).toBe(409);
      expect(errorOf(duplicate).code).toBe('ALREADY_EXISTS');
      for (const username of ['../x', 'a/b', '', ' bob', 'a b', 'x'.repeat(65), '.hidden']) {
        const response = await t.call('POST', '/api/v1/users', {
          body: { username, password: 'long-enough' },
        });
        expect(response.statusCode, username).toBe(400);
        expect(errorOf(response).code).toBe('VALIDATION_FAILED');
      }
      const short = await t.call('POST', '/api/v1/users', {
        body: { username: 'carol', password: 'short' },
      });
      expect(short.statusCode).toBe(400);
      expect(errorOf(short).message).toContain('password');
      const unknown = await t.call('POST', '/api/v1/users', {
        body: { username: 'carol', password: 'long-enough', role: 'boss' },
      });
      expect(unknown.statusCode).toBe(400);
      expect(errorOf(unknown).message).toContain('role');
      const users = (await t.call('GET', '/api/v1/users')).json() as UserJson[];
      expect(users.map((u) => u.username)).toEqual(['admin', 'bob']);
    });

    it('creates a user once when asked in parallel: the others get 409, none 500', async () => {
      const responses = await Promise.all(
        [1, 2, 3].map(() =>
          t.call('POST', '/api/v1/users', {
            body: { username: 'bob', password: 'bob-password' },
          }),
        ),
      );
      expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
      const users = (await t.call('GET', '/api/v1/users')).json() as UserJson[];
      expect(users.map((u) => u.username)).toEqual(['admin', 'bob']);
    });

    it('keeps changes made while a new password is being hashed', async () => {
      await createUser({ username: 'bob', password: 'bob-password' });
      const [password, name] = await Promise.all([
        t.call('PATCH', '/api/v1/users/bob', { body: { password: 'new-bob-password' } }),
        t.call('PATCH', '/api/v1/users/bob', { body: { displayName: 'Bob Builder' } }),
      ]);
      expect([password.statusCode, name.statusCode]).toEqual([200, 200]);
      const user = (await t.call('GET', '/api/v1/users/bob')).json() as UserJson;
      expect(user.displayName).toBe('Bob Builder');
      expect(await t.login('bob', 'new-bob-password')).toEqual(expect.any(String));
    });

    it('changes a user with PATCH and answers 404 for unknown users', async () => {
      await createUser({ username: 'bob', password: 'bob-password' });
      const response = await t.call('PATCH', '/api/v1/users/bob', {
        body: { displayName: 'Bob B.', email: 'bob@example.com', department: 'IT' },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        displayName: 'Bob B.',
        email: 'bob@example.com',
        department: 'IT',
      });
      const cleared = await t.call('PATCH', '/api/v1/users/bob', { body: { email: null } });
      expect((cleared.json() as UserJson).email).toBeNull();
      for (const [method, body] of [
        ['GET', undefined],
        ['PATCH', { displayName: 'x' }],
        ['DELETE', undefined],
      ] as const) {
        const missing = await t.call(method, '/api/v1/users/nobody', body ? { body } : {});
        expect(missing.statusCode, method).toBe(404);
        expect(errorOf(missing).code).toBe('USER_NOT_FOUND');
      }
    });

    it('keeps the last admin: it cannot be deleted or demoted (409)', async () => {
      const del = await t.call('DELETE', '/api/v1/users/admin');
      expect(del.statusCode).toBe(409);
      const demote = await t.call('PATCH', '/api/v1/users/admin', { body: { admin: false } });
      expect(demote.statusCode).toBe(409);
      const me = await t.call('GET', '/api/v1/auth/me');
      expect(me.json()).toEqual({ username: 'admin', admin: true });

      await createUser({ username: 'second', password: 'second-password', admin: true });
      const demoteNow = await t.call('PATCH', '/api/v1/users/admin', { body: { admin: false } });
      expect(demoteNow.statusCode).toBe(200);
      const secondToken = await t.login('second', 'second-password');
      const last = await t.call('DELETE', '/api/v1/users/second', { token: secondToken });
      expect(last.statusCode).toBe(409);
      const lastDemote = await t.call('PATCH', '/api/v1/users/second', {
        token: secondToken,
        body: { admin: false },
      });
      expect(lastDemote.statusCode).toBe(409);
      // The demoted admin lost the admin routes at once.
      expect((await t.call('GET', '/api/v1/users')).statusCode).toBe(403);
    });

    it('deletes a user: their tokens stop working', async () => {
      const token = await t.userWith('bob', { 'Global.Phonebook': { read: true } });
      expect((await t.call('GET', '/api/v1/auth/me', { token })).statusCode).toBe(200);
      const response = await t.call('DELETE', '/api/v1/users/bob');
      expect(response.statusCode).toBe(204);
      expect((await t.call('GET', '/api/v1/phonebooks', { token })).statusCode).toBe(401);
      const group = (await t.call('GET', '/api/v1/groups/bob-group')).json() as GroupJson;
      expect(group.members).toEqual([]);
    });
  });

  describe('Global.LocalNumbers', () => {
    it('holds one entry per extension, named after the user, in step with changes', async () => {
      await createUser({
        username: 'bob',
        password: 'bob-password',
        displayName: 'Bob Builder',
        extensions: ['2001', '2002'],
      });
      await createUser({ username: 'carol', password: 'carol-password', extensions: ['2100'] });
      let entries = await localEntries();
      expect(entries.map((e) => [e.displayName, e.businessPhone]).sort()).toEqual([
        ['Bob Builder', '2001'],
        ['Bob Builder', '2002'],
        ['carol', '2100'],
      ]);

      await t.call('PATCH', '/api/v1/users/bob', { body: { extensions: ['2003'] } });
      entries = await localEntries();
      expect(entries.map((e) => [e.displayName, e.businessPhone]).sort()).toEqual([
        ['Bob Builder', '2003'],
        ['carol', '2100'],
      ]);

      await t.call('PATCH', '/api/v1/users/bob', { body: { displayName: 'Robert Builder' } });
      entries = await localEntries();
      expect(entries.find((e) => e.businessPhone === '2003')?.displayName).toBe('Robert Builder');

      const lookup = await t.call('GET', '/api/v1/lookup?number=2003');
      expect((lookup.json() as LookupJson).matches).toEqual([
        expect.objectContaining({
          phonebook: 'Global.LocalNumbers',
          displayName: 'Robert Builder',
          match: 'internal',
        }),
      ]);
      const oldNumber = await t.call('GET', '/api/v1/lookup?number=2001');
      expect((oldNumber.json() as LookupJson).matches).toEqual([]);

      await t.call('PATCH', '/api/v1/users/bob', { body: { extensions: [] } });
      expect((await localEntries()).map((e) => e.businessPhone)).toEqual(['2100']);

      await t.call('PATCH', '/api/v1/users/bob', { body: { extensions: ['2004'] } });
      const del = await t.call('DELETE', '/api/v1/users/bob');
      expect(del.statusCode).toBe(204);
      expect((await localEntries()).map((e) => e.businessPhone)).toEqual(['2100']);
      const gone = await t.call('GET', '/api/v1/lookup?number=2004');
      expect((gone.json() as LookupJson).matches).toEqual([]);
      const book = await t.call('GET', '/api/v1/phonebooks/Global.LocalNumbers');
      expect(book.json()).toMatchObject({ contactCount: 1 });
    });

    it('refuses an extension that is not a phone number, naming it', async () => {
      for (const extensions of [['call me'], ['2001', ''], ['2001', 'ext. two']]) {
        const response = await t.call('POST', '/api/v1/users', {
          body: { username: 'bob', password: 'bob-password', extensions },
        });
        expect(response.statusCode, JSON.stringify(extensions)).toBe(400);
        expect(errorOf(response).code).toBe('INVALID_NUMBER');
        expect(errorOf(response).message).toMatch(/extensions\[[01]\]/);
      }
      expect((await t.call('GET', '/api/v1/users/bob')).statusCode).toBe(404);
      await createUser({ username: 'bob', password: 'bob-password', extensions: ['2001'] });
      const patch = await t.call('PATCH', '/api/v1/users/bob', {
        body: { extensions: ['2002', 'call me'] },
      });
      expect(patch.statusCode).toBe(400);
      expect(errorOf(patch).details).toMatchObject({ field: 'extensions[1]' });
      expect((await localEntries()).map((e) => e.businessPhone)).toEqual(['2001']);
      const user = (await t.call('GET', '/api/v1/users/bob')).json() as UserJson;
      expect(user.extensions).toEqual(['2001']);
    });
  });

  describe('groups', () => {
    it('creates groups with members and replaces members', async () => {
      await createUser({ username: 'bob', password: 'bob-password' });
      await createUser({ username: 'carol', password: 'carol-password' });
      const group = await createGroup('Sales Team', ['bob', 'CAROL']);
      expect(group).toEqual({ name: 'Sales Team', members: ['bob', 'carol'], resources: [] });
      const dup = await t.call('POST', '/api/v1/groups', { body: { name: 'sales team' } });
      expect(dup.statusCode).toBe(409);
      const unknownMember = await t.call('PUT', '/api/v1/groups/Sales%20Team/members', {
        body: ['bob', 'nobody'],
      });
      expect(unknownMember.statusCode).toBe(400);
      expect(errorOf(unknownMember).message).toContain('nobody');
      const members = await t.call('PUT', '/api/v1/groups/Sales%20Team/members', {
        body: ['carol'],
      });
      expect(members.statusCode).toBe(200);
      expect((members.json() as GroupJson).members).toEqual(['carol']);
      const listed = (await t.call('GET', '/api/v1/groups')).json() as GroupJson[];
      expect(listed).toEqual([{ name: 'Sales Team', members: ['carol'], resources: [] }]);
      for (const name of ['../x', '', 'a/b', 'x'.repeat(65)]) {
        const bad = await t.call('POST', '/api/v1/groups', { body: { name } });
        expect(bad.statusCode, name).toBe(400);
      }
      const missing = await t.call('GET', '/api/v1/groups/nope');
      expect(missing.statusCode).toBe(404);
      expect(errorOf(missing).code).toBe('GROUP_NOT_FOUND');
    });

    it('sets resources; write and offline imply read', async () => {
      await createBook('Sales');
      await createBook('Support');
      await createBook('Archive');
      await createGroup('team');
      const group = await grant('team', [
        { phonebook: 'Sales', write: true },
        { phonebook: 'Support', offline: true },
        { phonebook: 'Archive', read: true },
      ]);
      expect(group.resources).toEqual(
        expect.arrayContaining([
          { phonebook: 'Sales', read: true, write: true, offline: false },
          { phonebook: 'Support', read: true, write: false, offline: true },
          { phonebook: 'Archive', read: true, write: false, offline: false },
        ]),
      );
      expect(group.resources).toHaveLength(3);
      const unknown = await t.call('PUT', '/api/v1/groups/team/resources', {
        body: [{ phonebook: 'Nope', read: true }],
      });
      expect(unknown.statusCode).toBe(404);
      const badKey = await t.call('PUT', '/api/v1/groups/team/resources', {
        body: [{ phonebook: 'Sales', delete: true }],
      });
      expect(badKey.statusCode).toBe(400);
      expect(errorOf(badKey).message).toContain('delete');
      const after = (await t.call('GET', '/api/v1/groups/team')).json() as GroupJson;
      expect(after.resources).toHaveLength(3);
    });
  });

  describe('rights', () => {
    it('gives a fresh user no books, not even Global.*', async () => {
      await createUser({ username: 'bob', password: 'bob-password', extensions: ['2001'] });
      await addContact('Global.Phonebook', { firstName: 'Zoe', businessPhone: '089 1234567' });
      const token = await t.login('bob', 'bob-password');
      expect(await bookNames(token)).toEqual([]);
      for (const name of ['Global.Phonebook', 'Global.LocalNumbers']) {
        const response = await t.call('GET', `/api/v1/phonebooks/${name}`, { token });
        expect(response.statusCode).toBe(404);
        expect(errorOf(response).code).toBe('PHONEBOOK_NOT_FOUND');
        const contacts = await t.call('GET', `/api/v1/phonebooks/${name}/contacts`, { token });
        expect(contacts.statusCode).toBe(404);
      }
      const lookup = await t.call('GET', '/api/v1/lookup?number=089%201234567', { token });
      expect((lookup.json() as LookupJson).matches).toEqual([]);
      const internal = await t.call('GET', '/api/v1/lookup?number=2001', { token });
      expect((internal.json() as LookupJson).matches).toEqual([]);
      const search = await t.call('GET', '/api/v1/search?q=zoe', { token });
      expect(search.json()).toMatchObject({ items: [], total: 0 });
    });

    it('hides a book without read right everywhere, with the same 404 as an unknown book', async () => {
      await createBook('Secret');
      await createBook('Open');
      await addContact('Secret', {
        id: 's1',
        firstName: 'Hidden',
        lastName: 'Agent',
        businessPhone: '+49 89 7777777',
      });
      await addContact('Open', { id: 'o1', firstName: 'Hidden', lastName: 'Visible' });
      const note = await t.call('PUT', '/api/v1/phonebooks/Secret/contacts/s1/note', {
        body: { text: 'classified' },
      });
      expect(note.statusCode).toBe(200);
      const token = await t.userWith('bob', { Open: { read: true, write: true } });

      expect(await bookNames(token)).toEqual(['Open']);
      const unknown = await t.call('GET', '/api/v1/phonebooks/Unknown', { token });
      const secret = await t.call('GET', '/api/v1/phonebooks/Secret', { token });
      expect(secret.statusCode).toBe(404);
      expect(errorOf(secret).code).toBe('PHONEBOOK_NOT_FOUND');
      expect(errorOf(secret).message).toBe(errorOf(unknown).message);
      const urls = [
        '/api/v1/phonebooks/Secret/contacts',
        '/api/v1/phonebooks/Secret/contacts?q=hidden',
        '/api/v1/phonebooks/Secret/contacts/s1',
        '/api/v1/phonebooks/Secret/contacts/s1/note',
        '/api/v1/phonebooks/Secret/contacts/s1/note/history',
        '/api/v1/phonebooks/Secret/contacts/nope',
      ];
      for (const url of urls) {
        const response = await t.call('GET', url, { token });
        expect(response.statusCode, url).toBe(404);
        expect(errorOf(response).code, url).toBe('PHONEBOOK_NOT_FOUND');
        expect(response.body).not.toContain('classified');
        expect(response.body).not.toContain('Agent');
      }
      for (const [method, url, body] of [
        ['POST', '/api/v1/phonebooks/Secret/contacts', { lastName: 'x' }],
        ['PUT', '/api/v1/phonebooks/Secret/contacts/s1', { lastName: 'x' }],
        ['PATCH', '/api/v1/phonebooks/Secret/contacts/s1', { lastName: 'x' }],
        ['DELETE', '/api/v1/phonebooks/Secret/contacts/s1', undefined],
        ['PUT', '/api/v1/phonebooks/Secret/contacts/s1/note', { text: 'mine' }],
      ] as const) {
        const response = await t.call(method, url, { token, ...(body ? { body } : {}) });
        expect(response.statusCode, `${method} ${url}`).toBe(404);
        expect(errorOf(response).code).toBe('PHONEBOOK_NOT_FOUND');
      }
      const lookup = await t.call('GET', '/api/v1/lookup?number=%2B49897777777', { token });
      expect((lookup.json() as LookupJson).matches).toEqual([]);
      const search = await t.call('GET', '/api/v1/search?q=hidden', { token });
      expect(search.json()).toMatchObject({
        items: [expect.objectContaining({ phonebook: 'Open', id: 'o1' })],
        total: 1,
      });
      expect(search.body).not.toContain('Secret');

      const adminView = await t.call('GET', '/api/v1/phonebooks/Secret/contacts/s1');
      expect(adminView.json()).toMatchObject({ lastName: 'Agent' });
      const adminNote = await t.call('GET', '/api/v1/phonebooks/Secret/contacts/s1/note');
      expect(adminNote.json()).toMatchObject({ text: 'classified' });
    });

    it('lets a reader read and write notes but not contacts (403 FORBIDDEN)', async () => {
      await createBook('Sales');
      await addContact('Sales', { id: 'c1', lastName: 'One' });
      const token = await t.userWith('bob', { Sales: { read: true } });
      expect(
        (await t.call('GET', '/api/v1/phonebooks/Sales/contacts/c1', { token })).statusCode,
      ).toBe(200);
      const post = await t.call('POST', '/api/v1/phonebooks/Sales/contacts', {
        token,
        body: { lastName: 'Two' },
      });
      expect(post.statusCode).toBe(403);
      expect(errorOf(post).code).toBe('FORBIDDEN');
      for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
        const response = await t.call(method, '/api/v1/phonebooks/Sales/contacts/c1', {
          token,
          ...(method === 'DELETE' ? {} : { body: { lastName: 'Changed' } }),
        });
        expect(response.statusCode, method).toBe(403);
        expect(errorOf(response).code).toBe('FORBIDDEN');
      }
      const contact = await t.call('GET', '/api/v1/phonebooks/Sales/contacts/c1');
      expect(contact.json()).toMatchObject({ lastName: 'One' });
      const note = await t.call('PUT', '/api/v1/phonebooks/Sales/contacts/c1/note', {
        token,
        body: { text: 'called back' },
      });
      expect(note.statusCode).toBe(200);
      expect(note.json()).toMatchObject({ text: 'called back', updatedBy: 'bob' });
    });

    it('gives a user the union of their groups’ rights', async () => {
      await createBook('Sales');
      await createBook('Support');
      await createUser({ username: 'bob', password: 'bob-password' });
      await createGroup('readers', ['bob']);
      await createGroup('writers', ['bob']);
      await grant('readers', [
        { phonebook: 'Sales', read: true },
        { phonebook: 'Support', read: true },
      ]);
      await grant('writers', [{ phonebook: 'Sales', write: true }]);
      const token = await t.login('bob', 'bob-password');
      const books = (await t.call('GET', '/api/v1/phonebooks', { token })).json() as {
        name: string;
        rights: { read: boolean; write: boolean; offline: boolean };
      }[];
      expect(books.map((b) => [b.name, b.rights])).toEqual([
        ['Sales', { read: true, write: true, offline: false }],
        ['Support', { read: true, write: false, offline: false }],
      ]);
      const sales = await t.call('POST', '/api/v1/phonebooks/Sales/contacts', {
        token,
        body: { lastName: 'x' },
      });
      expect(sales.statusCode).toBe(201);
      const support = await t.call('POST', '/api/v1/phonebooks/Support/contacts', {
        token,
        body: { lastName: 'x' },
      });
      expect(support.statusCode).toBe(403);
    });

    it('withdraws rights at once when a member is removed or a group deleted', async () => {
      await createBook('Sales');
      await addContact('Sales', { id: 'c1', firstName: 'Quentin', businessPhone: '089 4444444' });
      await createUser({ username: 'bob', password: 'bob-password' });
      await createGroup('team', ['bob']);
      await grant('team', [{ phonebook: 'Sales', write: true }]);
      const token = await t.login('bob', 'bob-password');
      expect(await bookNames(token)).toEqual(['Sales']);
      const search = async (): Promise<number> =>
        ((await t.call('GET', '/api/v1/search?q=quentin', { token })).json() as { total: number })
          .total;
      expect(await search()).toBe(1);

      const removed = await t.call('PUT', '/api/v1/groups/team/members', { body: [] });
      expect(removed.statusCode).toBe(200);
      expect(await bookNames(token)).toEqual([]);
      expect(await search()).toBe(0);
      const lookup = await t.call('GET', '/api/v1/lookup?number=089%204444444', { token });
      expect((lookup.json() as LookupJson).matches).toEqual([]);
      const write = await t.call('POST', '/api/v1/phonebooks/Sales/contacts', {
        token,
        body: { lastName: 'late' },
      });
      expect(write.statusCode).toBe(404);

      await t.call('PUT', '/api/v1/groups/team/members', { body: ['bob'] });
      expect(await bookNames(token)).toEqual(['Sales']);
      const deleted = await t.call('DELETE', '/api/v1/groups/team');
      expect(deleted.statusCode).toBe(204);
      expect(await bookNames(token)).toEqual([]);

      await createGroup('again', ['bob']);
      await grant('again', [{ phonebook: 'Sales', read: true }]);
      expect(await bookNames(token)).toEqual(['Sales']);
      await grant('again', []);
      expect(await bookNames(token)).toEqual([]);
    });

    it('announces phonebooks-changed whenever a user’s rights change', async () => {
      await createBook('Sales');
      await createUser({ username: 'bob', password: 'bob-password' });
      const seen: string[] = [];
      const unsubscribe = t.app.events.subscribe((event) => seen.push(event.type));
      try {
        const count = (): number => seen.filter((type) => type === 'phonebooks-changed').length;
        await createGroup('team');
        let before = count();
        await t.call('PUT', '/api/v1/groups/team/members', { body: ['bob'] });
        expect(count()).toBeGreaterThan(before);
        before = count();
        await grant('team', [{ phonebook: 'Sales', read: true }]);
        expect(count()).toBeGreaterThan(before);
        before = count();
        await t.call('PATCH', '/api/v1/users/bob', { body: { admin: true } });
        expect(count()).toBeGreaterThan(before);
        before = count();
        await t.call('PATCH', '/api/v1/users/bob', { body: { admin: false } });
        expect(count()).toBeGreaterThan(before);
        before = count();
        await t.call('DELETE', '/api/v1/groups/team');
        expect(count()).toBeGreaterThan(before);
      } finally {
        unsubscribe();
      }
    });

    it('drops the rights on a deleted book, also for a new book of the same name', async () => {
      await createBook('Sales');
      const token = await t.userWith('bob', { Sales: { read: true } });
      expect(await bookNames(token)).toEqual(['Sales']);
      expect((await t.call('DELETE', '/api/v1/phonebooks/Sales')).statusCode).toBe(200);
      await createBook('Sales');
      expect(await bookNames(token)).toEqual([]);
      const group = (await t.call('GET', '/api/v1/groups/bob-group')).json() as GroupJson;
      expect(group.resources).toEqual([]);
    });
  });

  describe('admin routes', () => {
    it('are refused to non-admins with 403 FORBIDDEN and without a token with 401', async () => {
      const token = await t.userWith('bob', { 'Global.Phonebook': { write: true } });
      const calls: ['GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', string, unknown][] = [
        ['GET', '/api/v1/users', undefined],
        ['POST', '/api/v1/users', { username: 'eve', password: 'eve-password', admin: true }],
        ['GET', '/api/v1/users/admin', undefined],
        ['PATCH', '/api/v1/users/bob', { admin: true }],
        ['PATCH', '/api/v1/users/admin', { password: 'taken-over!' }],
        ['DELETE', '/api/v1/users/admin', undefined],
        ['GET', '/api/v1/groups', undefined],
        ['POST', '/api/v1/groups', { name: 'eve' }],
        ['GET', '/api/v1/groups/bob-group', undefined],
        ['PUT', '/api/v1/groups/bob-group/members', ['bob']],
        ['PUT', '/api/v1/groups/bob-group/resources', [{ phonebook: 'Global.LocalNumbers' }]],
        ['DELETE', '/api/v1/groups/bob-group', undefined],
        ['PUT', '/api/v1/settings/location', { countryCode: '1' }],
        ['GET', '/api/v1/status', undefined],
        ['GET', '/api/v1/trash', undefined],
      ];
      for (const [method, url, body] of calls) {
        const forbidden = await t.call(method, url, {
          token,
          ...(body !== undefined ? { body } : {}),
        });
        expect(forbidden.statusCode, `${method} ${url}`).toBe(403);
        expect(errorOf(forbidden).code).toBe('FORBIDDEN');
        const anonymous = await t.call(method, url, {
          token: null,
          ...(body !== undefined ? { body } : {}),
        });
        expect(anonymous.statusCode, `${method} ${url}`).toBe(401);
        expect(errorOf(anonymous).code).toBe('UNAUTHENTICATED');
      }
      const users = (await t.call('GET', '/api/v1/users')).json() as UserJson[];
      expect(users.map((u) => [u.username, u.admin])).toEqual([
        ['admin', true],
        ['bob', false],
      ]);
      expect(await t.login('admin', ADMIN_PASSWORD)).toEqual(expect.any(String));
      const group = (await t.call('GET', '/api/v1/groups/bob-group')).json() as GroupJson;
      expect(group.resources).toEqual([
        { phonebook: 'Global.Phonebook', read: true, write: true, offline: false },
      ]);
    });
  });
});
