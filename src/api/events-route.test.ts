import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listenForEvents, openEventSocket as listen, until } from '../test-support/event-socket.js';
import type { TestApp } from '../test-support/test-app.js';
import { createTestApp } from '../test-support/test-app.js';

describe('GET /api/v1/events (WebSocket on a listening server)', () => {
  let t: TestApp;
  let base = '';
  beforeEach(async () => {
    t = await createTestApp();
    base = await listenForEvents(t);
    for (const name of ['Sales', 'Secret'])
      await t.call('POST', '/api/v1/phonebooks', { body: { name, kind: 'builtin' } });
  });
  afterEach(async () => {
    await t.close();
  });

  it('tells each user only about contacts of books they read', async () => {
    const token = await t.userWith('erika', { Sales: { read: true } });
    const { socket, events } = await listen(base, token);
    await t.call('POST', '/api/v1/phonebooks/Secret/contacts', { body: { lastName: 'Hidden' } });
    const created = await t.call('POST', '/api/v1/phonebooks/Sales/contacts', {
      body: { lastName: 'Visible' },
    });
    const id = (created.json() as { id: string }).id;
    await until(() => events.some((e) => e.type === 'contacts-changed'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const changes = events.filter((e) => e.type === 'contacts-changed');
    expect(changes).toEqual([{ type: 'contacts-changed', phonebook: 'Sales', ids: [id] }]);
    expect(JSON.stringify(events)).not.toContain('Secret');
    socket.close();
  });

  it('announces phonebooks-changed when a group grants a new book, without naming it', async () => {
    const token = await t.userWith('max', {});
    const { socket, events } = await listen(base, token);
    await t.call('PUT', '/api/v1/groups/max-group/resources', {
      body: [{ phonebook: 'Sales', read: true }],
    });
    await until(() => events.some((e) => e.type === 'phonebooks-changed'));
    const books = await t.call('GET', '/api/v1/phonebooks', { token });
    expect((books.json() as { name: string }[]).map((b) => b.name)).toEqual(['Sales']);
    socket.close();
  });

  it('closes the socket once the session ends, at the next event', async () => {
    const token = await t.userWith('otto', { Sales: { read: true } });
    const { events, closed } = await listen(base, token);
    await t.call('POST', '/api/v1/auth/logout', { token });
    await t.call('POST', '/api/v1/phonebooks/Sales/contacts', { body: { lastName: 'After' } });
    expect(await closed).toBe(4401);
    expect(events.map((e) => e.type)).toEqual(['hello', 'error']);
  });

  it('stops telling a user about books once their admin right is taken away', async () => {
    await t.call('POST', '/api/v1/users', {
      body: { username: 'ada', password: 'a long password 1', admin: true },
    });
    const login = await t.call('POST', '/api/v1/auth/login', {
      token: null,
      body: { username: 'ada', password: 'a long password 1' },
    });
    const token = (login.json() as { token: string }).token;
    const { socket, events } = await listen(base, token);
    await t.call('PATCH', '/api/v1/users/ada', { body: { admin: false } });
    await t.call('POST', '/api/v1/phonebooks/Secret/contacts', { body: { lastName: 'Hidden' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(JSON.stringify(events)).not.toContain('Secret');
    socket.close();
  });

  it('accepts the token as ?token= for browsers and closes sockets without a valid token', async () => {
    const token = await t.userWith('lena', { Sales: { read: true } });
    const viaQuery = await listen(`${base}?token=${encodeURIComponent(token)}`);
    expect(viaQuery.events[0]).toMatchObject({ type: 'hello' });
    viaQuery.socket.close();
    const anonymous = await listen(base);
    expect(anonymous.events[0]).toMatchObject({
      type: 'error',
      error: { code: 'UNAUTHENTICATED' },
    });
    expect(await anonymous.closed).toBe(4401);
  });
});
