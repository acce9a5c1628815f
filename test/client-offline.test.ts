import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClientEvent } from '../src/client/index.js';
import { CACHE_FILE, ClientError, CtibookClient, NoteConflictError } from '../src/client/index.js';
import type { ClientFixture } from './client-fixture.js';
import { OTTO_PASSWORD, eventually, startFixture } from './client-fixture.js';

const SLOW = 120_000;

describe('client library against a real server', () => {
  let f: ClientFixture;
  let client: CtibookClient;
  const open = (extra: { password?: string } = { password: OTTO_PASSWORD }): CtibookClient =>
    CtibookClient.open({ server: f.server.url, username: 'otto', workdir: f.workdir, ...extra });

  beforeEach(async () => {
    f = await startFixture();
    await f.addContact('Sales', {
      firstName: 'Jürgen',
      lastName: 'Müller',
      company: 'Müller Bau',
      businessPhone: '089 4711-23',
    });
    await f.addContact('Sales', { company: 'Müller Bau', businessPhone: '+49 89 4711-0' });
    await f.addContact('Sales', {
      firstName: 'Anna',
      lastName: 'Schmidt',
      mobilePhone: '0171 2345678',
    });
    await f.addContact('Sales', { firstName: 'Bernd', lastName: 'Schmidt', homePhone: '1234567' });
    client = open();
  });
  afterEach(async () => {
    await client.close();
    await f.close();
  }, SLOW);

  it.each([
    ['pages of changes', Infinity],
    ['a book snapshot', 1],
  ])(
    'answers lookups and searches from the offline copy (copied from %s) with the server stopped, as the server did',
    async (_from, snapshotFrom) => {
      const report = await client.sync({ snapshotFrom });
      expect(report.books).toMatchObject([
        { phonebook: 'Sales', full: true, upserts: 4, snapshot: snapshotFrom === 1 },
      ]);
      const numbers = ['+49894711 23', '0894711-99', '01712345678', '1234567', '+4989999999'];
      const online = await Promise.all(numbers.map((n) => client.lookup(n)));
      const searchOnline = await client.search('mul');
      expect(online.every((a) => !a.offline)).toBe(true);
      expect(online[1]?.matches[0]).toMatchObject({ match: 'company', company: 'Müller Bau' });

      await f.stop();
      for (const [i, n] of numbers.entries()) {
        const offline = await client.lookup(n);
        expect(offline.offline).toBe(true);
        expect(offline).toEqual({ ...online[i], offline: true });
      }
      const searchOffline = await client.search('mul');
      expect(searchOffline).toEqual({ ...searchOnline, offline: true });
      const books = await client.books();
      expect(books).toMatchObject({ offline: true, books: [{ name: 'Sales', contactCount: 4 }] });
      const anna =
        searchOffline.items.length > 0 ? (await client.search('anna')).items[0] : undefined;
      expect(await client.contact('Sales', anna?.id ?? '')).toMatchObject({
        firstName: 'Anna',
        offline: true,
      });
    },
    SLOW,
  );

  it(
    'without a copy, an unreachable server is a clear error',
    async () => {
      await f.stop();
      await expect(client.lookup('089 1')).rejects.toMatchObject({ code: 'OFFLINE_UNAVAILABLE' });
    },
    SLOW,
  );

  it(
    'gets a change made by another user by delta sync and by event',
    async () => {
      await client.sync();
      const { items } = await client.search('anna');
      const id = items[0]?.id ?? '';
      const current = await f.api<{ etag: string }>(
        'GET',
        `/api/v1/phonebooks/Sales/contacts/${id}`,
      );
      await f.api(
        'PATCH',
        `/api/v1/phonebooks/Sales/contacts/${id}`,
        { company: 'Neue Firma' },
        f.adminToken,
      );
      expect(current.etag).toBeTruthy();

      const delta = await client.sync();
      expect(delta.books).toMatchObject([
        { phonebook: 'Sales', full: false, upserts: 1, deletes: 0 },
      ]);

      const events: ClientEvent[] = [];
      const stop = client.watch((event) => events.push(event));
      await eventually(() => events.some((e) => e.type === 'connection' && e.connected));
      await eventually(() => events.some((e) => e.type === 'synced'));
      events.length = 0;
      await f.api('DELETE', `/api/v1/phonebooks/Sales/contacts/${id}`);
      await eventually(() => events.some((e) => e.type === 'contacts-changed'));
      await eventually(() =>
        events.some((e) => e.type === 'synced' && e.report.books.some((b) => b.deletes === 1)),
      );
      stop();
      await f.stop();
      expect((await client.search('anna')).items).toEqual([]);
    },
    SLOW,
  );

  it(
    'reconnects to the events by itself after the server restarted, and catches up',
    async () => {
      await client.sync();
      const events: ClientEvent[] = [];
      const stop = client.watch((event) => events.push(event));
      await eventually(() => events.some((e) => e.type === 'connection' && e.connected));
      await f.stop();
      await eventually(() => events.some((e) => e.type === 'connection' && !e.connected));
      events.length = 0;
      await f.restart();
      await eventually(() => events.some((e) => e.type === 'connection' && e.connected), 60_000);
      await f.addContact('Sales', { lastName: 'Nachzügler', businessPhone: '089 777888' });
      await eventually(() =>
        events.some((e) => e.type === 'synced' && e.report.books.some((b) => b.upserts === 1)),
      );
      stop();
      await f.stop();
      expect((await client.lookup('089 777888')).matches).toMatchObject([
        { displayName: 'Nachzügler' },
      ]);
    },
    SLOW,
  );

  it(
    'deletes the copy when the offline right is withdrawn, and reflects new rights at once',
    async () => {
      await client.sync();
      const file = join(f.workdir, CACHE_FILE);
      const onDisk = (): boolean =>
        readFileSync(file).includes('Schmidt') ||
        readFileSync(`${file}-wal`, { flag: 'a+' }).includes('Schmidt');
      expect(onDisk()).toBe(true);
      const events: ClientEvent[] = [];
      const stop = client.watch((event) => events.push(event));
      await eventually(() => events.some((e) => e.type === 'synced'));

      await f.grant({ read: true, write: false, offline: false });
      await eventually(() =>
        events.some(
          (e) => e.type === 'books' && e.books.some((b) => b.name === 'Sales' && !b.rights.offline),
        ),
      );
      await eventually(async () => (await client.books()).books.every((b) => !b.cached));
      stop();
      await client.close();
      // Overwritten, not merely unlinked from the index.
      expect(onDisk()).toBe(false);
      client = open();
      await f.stop();
      await expect(client.lookup('01712345678')).rejects.toBeInstanceOf(ClientError);
    },
    SLOW,
  );

  it(
    'deletes the copy at the next contact when the read right went while it was away',
    async () => {
      await client.sync();
      await client.close();
      await f.api('PUT', '/api/v1/groups/field/resources', []);
      client = open();
      const { books } = await client.books();
      expect(books).toEqual([]);
      await f.stop();
      await expect(client.search('schmidt')).rejects.toMatchObject({ code: 'OFFLINE_UNAVAILABLE' });
    },
    SLOW,
  );

  it(
    'says which note won when someone saved first, keeping the typed text',
    async () => {
      await f.grant({ read: true, write: true, offline: true });
      const { items } = await client.search('anna');
      const id = items[0]?.id ?? '';
      const empty = await client.contactNote('Sales', id);
      expect(empty.etag).toBeNull();
      const mine = await client.saveContactNote('Sales', id, 'first', null);
      const byAdmin = await fetch(`${f.server.url}/api/v1/phonebooks/Sales/contacts/${id}/note`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${f.adminToken}`,
          'content-type': 'application/json',
          'if-match': mine.etag ?? '',
        },
        body: JSON.stringify({ text: 'admin was here' }),
      });
      expect(byAdmin.status).toBe(200);
      const error = await client
        .saveContactNote('Sales', id, 'my long text', mine.etag)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NoteConflictError);
      expect(error).toMatchObject({
        code: 'STALE_ETAG',
        attempted: 'my long text',
        current: { text: 'admin was here' },
      });
      const saved = await client.saveContactNote(
        'Sales',
        id,
        'my long text',
        (error as NoteConflictError).current.etag,
      );
      expect(saved.text).toBe('my long text');
    },
    SLOW,
  );

  it(
    'creates, edits and deletes contacts with the write right, with conflicts typed',
    async () => {
      await f.grant({ read: true, write: true, offline: true });
      const created = await client.createContact('Sales', {
        lastName: 'Neu',
        businessPhone: '089 55555',
      });
      const edited = await client.updateContact(
        'Sales',
        created.id,
        { firstName: 'Nina' },
        created.etag,
      );
      expect(edited).toMatchObject({ firstName: 'Nina', lastName: 'Neu' });
      await expect(
        client.updateContact('Sales', created.id, { firstName: 'Old' }, created.etag),
      ).rejects.toMatchObject({ name: 'ContactConflictError', current: { firstName: 'Nina' } });
      await client.deleteContact('Sales', created.id, edited.etag);
      await expect(client.contact('Sales', created.id)).rejects.toMatchObject({
        code: 'CONTACT_NOT_FOUND',
      });
    },
    SLOW,
  );

  it(
    'logs in again by itself when the session ended, and says so clearly without a password',
    async () => {
      await client.login();
      const token = client.token ?? '';
      await f.api('POST', '/api/v1/auth/logout', undefined, token);
      expect((await client.lookup('01712345678')).matches).toHaveLength(1);
      expect(client.token).not.toBe(token);

      const saved = client.token ?? '';
      await f.api('POST', '/api/v1/auth/logout', undefined, saved);
      const noPassword = open({});
      await expect(noPassword.books()).rejects.toMatchObject({ status: 401 });
      await noPassword.close();
    },
    SLOW,
  );
});
