import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { ReceivedEvent } from '../../test-support/event-socket.js';
import { listenForEvents, openEventSocket, until } from '../../test-support/event-socket.js';
import type { TestApp } from '../../test-support/test-app.js';
import { createTestApp } from '../../test-support/test-app.js';

const sockets: WebSocket[] = [];

/** The events a user's socket receives; the socket is closed after each test. */
async function listen(url: string, token: string): Promise<ReceivedEvent[]> {
  const { socket, events } = await openEventSocket(url, token);
  sockets.push(socket);
  return events;
}

describe('POST /api/v1/calls/incoming', () => {
  let t: TestApp;
  let base = '';
  beforeEach(async () => {
    t = await createTestApp();
    base = await listenForEvents(t);
    for (const name of ['Sales', 'Secret'])
      await t.call('POST', '/api/v1/phonebooks', { body: { name, kind: 'builtin' } });
    await t.call('POST', '/api/v1/phonebooks/Sales/contacts', {
      body: { lastName: 'Visible', businessPhone: '+49 89 1234567' },
    });
    await t.call('POST', '/api/v1/phonebooks/Secret/contacts', {
      body: { lastName: 'Hidden', businessPhone: '+49 89 1234567' },
    });
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await t.close();
  });

  it("pushes the lookup, with the called user's rights, to that user's sockets only", async () => {
    const erika = await t.userWith('erika', { Sales: { read: true } });
    const frank = await t.userWith('frank', { Sales: { read: true }, Secret: { read: true } });
    const erikaEvents = await listen(base, erika);
    const frankEvents = await listen(base, frank);
    const adminEvents = await listen(base, t.adminToken);

    const response = await t.call('POST', '/api/v1/calls/incoming', {
      body: { number: '089 1234567', user: 'erika' },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ user: string; call: { matches: { displayName: string }[] } }>();
    expect(body.user).toBe('erika');
    expect(body.call.matches.map((m) => m.displayName)).toEqual(['Visible']);

    await until(() => erikaEvents.some((e) => e.type === 'incoming-call'));
    const pushed = erikaEvents.find((e) => e.type === 'incoming-call');
    expect(pushed?.username).toBe('erika');
    expect(pushed?.call?.matches.map((m) => m.phonebook)).toEqual(['Sales']);
    // Another event afterwards proves the others' sockets were live and heard no call.
    await t.call('POST', '/api/v1/phonebooks/Sales/contacts', { body: { lastName: 'Later' } });
    await until(() => frankEvents.some((e) => e.type === 'contacts-changed'));
    await until(() => adminEvents.some((e) => e.type === 'contacts-changed'));
    expect(frankEvents.some((e) => e.type === 'incoming-call')).toBe(false);
    expect(adminEvents.some((e) => e.type === 'incoming-call')).toBe(false);
  });

  it('lets users announce only their own calls, and names bad input', async () => {
    const erika = await t.userWith('erika', { Sales: { read: true } });
    await t.userWith('frank', { Sales: { read: true } });
    const own = await t.call('POST', '/api/v1/calls/incoming', {
      token: erika,
      body: { number: '+49891234567', user: 'erika' },
    });
    expect(own.statusCode).toBe(200);
    const other = await t.call('POST', '/api/v1/calls/incoming', {
      token: erika,
      body: { number: '+49891234567', user: 'frank' },
    });
    expect(other.statusCode).toBe(403);
    expect(other.json<{ error: { code: string } }>().error.code).toBe('FORBIDDEN');
    const nobody = await t.call('POST', '/api/v1/calls/incoming', {
      body: { number: '+49891234567', user: 'nobody' },
    });
    expect(nobody.json<{ error: { code: string } }>().error.code).toBe('USER_NOT_FOUND');
    const junk = await t.call('POST', '/api/v1/calls/incoming', {
      body: { number: 'abc', user: 'erika' },
    });
    expect(junk.statusCode).toBe(400);
    expect(junk.json<{ error: { code: string } }>().error.code).toBe('INVALID_NUMBER');
    const anonymous = await t.call('POST', '/api/v1/calls/incoming', {
      token: null,
      body: { number: '+49891234567', user: 'erika' },
    });
    expect(anonymous.statusCode).toBe(401);
    const openapi = await t.call('GET', '/api/v1/openapi.json');
    expect(Object.keys(openapi.json<{ paths: object }>().paths)).toContain(
      '/api/v1/calls/incoming',
    );
  });
});
