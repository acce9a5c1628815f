import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../../test-support/test-app.js';
import { ADMIN_PASSWORD, createTestApp } from '../../test-support/test-app.js';

interface ErrorJson {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

interface LoginJson {
  token: string;
  expiresAt: string;
  user: { username: string; admin: boolean };
}

function errorOf(response: { json(): unknown }): ErrorJson['error'] {
  return (response.json() as ErrorJson).error;
}

describe('auth routes', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  const login = (
    username: string,
    password: string,
    address?: string,
  ): Promise<LightMyRequestResponse> =>
    address
      ? t.server.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: address,
          payload: { username, password },
        })
      : t.call('POST', '/api/v1/auth/login', { token: null, body: { username, password } });

  const addUser = async (username: string, password: string, admin = false): Promise<void> => {
    const response = await t.call('POST', '/api/v1/users', {
      body: { username, password, admin },
    });
    expect(response.statusCode, response.body).toBe(201);
  };

  describe('login', () => {
    it('returns a token and the user; the token opens the API', async () => {
      t = await createTestApp();
      await addUser('bob', 'bob-password');
      const response = await login('bob', 'bob-password');
      expect(response.statusCode).toBe(200);
      const body = response.json() as LoginJson;
      expect(body.user).toEqual({ username: 'bob', admin: false });
      expect(body.token).toMatch(/^[\w-]{40,}$/);
      expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
      const me = await t.call('GET', '/api/v1/auth/me', { token: body.token });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toEqual({ username: 'bob', admin: false });
      const other = (await login('bob', 'bob-password').then((r) => r.json())) as LoginJson;
      expect(other.token).not.toBe(body.token);
      const admin = (await login('admin', ADMIN_PASSWORD).then((r) => r.json())) as LoginJson;
      expect(admin.user).toEqual({ username: 'admin', admin: true });
    });

    it('stores no token in clear', async () => {
      t = await createTestApp();
      const token = await t.login('admin', ADMIN_PASSWORD);
      const stored = t.app.db.prepare('SELECT token_hash FROM sessions').pluck().all() as string[];
      expect(stored.length).toBeGreaterThan(0);
      expect(stored).not.toContain(token);
    });

    it('answers a wrong password and an unknown user alike: 401 INVALID_CREDENTIALS', async () => {
      t = await createTestApp();
      await addUser('bob', 'bob-password');
      const wrong = await login('bob', 'not-the-password');
      const unknown = await login('nobody', 'bob-password');
      for (const response of [wrong, unknown]) {
        expect(response.statusCode).toBe(401);
        expect(errorOf(response).code).toBe('INVALID_CREDENTIALS');
      }
      expect(errorOf(wrong).message).toBe(errorOf(unknown).message);
      expect(wrong.body).not.toContain('token');
    });

    it('logs refused logins with the user tried and the address, never a password', async () => {
      const lines: string[] = [];
      t = await createTestApp({
        logger: pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }),
      });
      await addUser('bob', 'bob-password');
      await login('bob', 'not-the-password');
      await login('typed-my-password-here', 'bob-password');
      const refused = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(refused).toEqual([
        expect.objectContaining({
          code: 'INVALID_CREDENTIALS',
          username: 'bob',
          address: '127.0.0.1',
        }),
        expect.objectContaining({ code: 'INVALID_CREDENTIALS', address: '127.0.0.1' }),
      ]);
      expect(refused[1]).not.toHaveProperty('username');
      expect(lines.join('\n')).not.toMatch(/not-the-password|bob-password|typed-my-password/);
    });

    it('refuses malformed login bodies with 400', async () => {
      t = await createTestApp();
      for (const body of [{}, { username: 'admin' }, { username: 1, password: 'x' }]) {
        const response = await t.call('POST', '/api/v1/auth/login', { token: null, body });
        expect(response.statusCode, JSON.stringify(body)).toBe(400);
      }
      const extra = await t.call('POST', '/api/v1/auth/login', {
        token: null,
        body: { username: 'admin', password: ADMIN_PASSWORD, remember: true },
      });
      expect(extra.statusCode).toBe(400);
      expect(errorOf(extra).message).toContain('remember');
      const raw = await t.call('POST', '/api/v1/auth/login', { token: null, rawBody: '{"user' });
      expect(raw.statusCode).toBe(400);
    });
  });

  describe('rate limits', () => {
    it('refuses a user after 5 failures with 429 and Retry-After, even with the right password', async () => {
      t = await createTestApp();
      await addUser('bob', 'bob-password');
      for (let i = 0; i < 5; i++) {
        const response = await login('bob', `wrong-${i}`);
        expect(response.statusCode, `attempt ${i + 1}`).toBe(401);
      }
      for (const password of ['wrong-again', 'bob-password']) {
        const response = await login('bob', password);
        expect(response.statusCode).toBe(429);
        expect(errorOf(response).code).toBe('TOO_MANY_ATTEMPTS');
        const retryAfter = Number(response.headers['retry-after']);
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      }
      const otherCase = await login('BOB', 'bob-password');
      expect(otherCase.statusCode).toBe(429);
      // Another user from the same address is not locked out by bob's failures.
      expect((await login('admin', ADMIN_PASSWORD)).statusCode).toBe(200);
    });

    it('counts failures of parallel attempts before they finish', async () => {
      t = await createTestApp();
      await addUser('bob', 'bob-password');
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, i) => login('bob', `wrong-${i}`)),
      );
      const codes = responses.map((r) => r.statusCode).sort();
      expect(codes.filter((c) => c === 401)).toHaveLength(5);
      expect(codes.filter((c) => c === 429)).toHaveLength(7);
      expect((await login('bob', 'bob-password')).statusCode).toBe(429);
    });

    it('forgets earlier failures after a successful login', async () => {
      t = await createTestApp();
      await addUser('bob', 'bob-password');
      for (let i = 0; i < 4; i++) expect((await login('bob', 'wrong')).statusCode).toBe(401);
      expect((await login('bob', 'bob-password')).statusCode).toBe(200);
      for (let i = 0; i < 4; i++) expect((await login('bob', 'wrong')).statusCode).toBe(401);
      expect((await login('bob', 'bob-password')).statusCode).toBe(200);
    });

    it('refuses an address after 20 failures across usernames, other addresses go on', async () => {
      t = await createTestApp();
      await addUser('bob', 'bob-password');
      for (let i = 0; i < 20; i++) {
        const response = await login(`user${i}`, 'wrong-password', '10.0.0.7');
        expect(response.statusCode, `attempt ${i + 1}`).toBe(401);
      }
      const blocked = await login('bob', 'bob-password', '10.0.0.7');
      expect(blocked.statusCode).toBe(429);
      expect(errorOf(blocked).code).toBe('TOO_MANY_ATTEMPTS');
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect((await login('someone-else', 'x', '10.0.0.7')).statusCode).toBe(429);
      expect((await login('bob', 'bob-password', '10.0.0.8')).statusCode).toBe(200);
    });

    it('lets a user in again once the window has passed', async () => {
      const windowMs = 4000;
      t = await createTestApp({ access: { loginWindowMs: windowMs } });
      await addUser('bob', 'bob-password');
      const firstFailure = Date.now();
      // In parallel, so all five are counted at once, whatever the machine's load.
      const failures = await Promise.all(Array.from({ length: 5 }, () => login('bob', 'wrong')));
      expect(failures.map((r) => r.statusCode)).toEqual([401, 401, 401, 401, 401]);
      const refused = await login('bob', 'bob-password');
      expect(Date.now() - firstFailure).toBeLessThan(windowMs);
      expect(refused.statusCode).toBe(429);
      await sleep(Math.max(0, firstFailure + windowMs - Date.now()) + 500);
      expect((await login('bob', 'bob-password')).statusCode).toBe(200);
    });
  });

  describe('tokens', () => {
    it('refuses requests without or with a bad token: 401 UNAUTHENTICATED', async () => {
      t = await createTestApp();
      const variants: Record<string, string>[] = [
        {},
        { authorization: 'Bearer ' },
        { authorization: 'Bearer not-a-token' },
        { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` },
        { authorization: t.adminToken },
      ];
      for (const headers of variants) {
        const response = await t.call('GET', '/api/v1/phonebooks', { token: null, headers });
        expect(response.statusCode, JSON.stringify(headers)).toBe(401);
        expect(errorOf(response).code).toBe('UNAUTHENTICATED');
      }
      for (const url of ['/api/v1/lookup?number=123', '/api/v1/search?q=a', '/api/v1/auth/me']) {
        const response = await t.call('GET', url, { token: null });
        expect(response.statusCode, url).toBe(401);
      }
    });

    it('takes the Bearer scheme in any case', async () => {
      t = await createTestApp();
      const response = await t.call('GET', '/api/v1/auth/me', {
        token: null,
        headers: { authorization: `bearer ${t.adminToken}` },
      });
      expect(response.statusCode).toBe(200);
    });

    it('revokes the token on logout; other sessions go on', async () => {
      t = await createTestApp();
      await addUser('bob', 'bob-password');
      const first = await t.login('bob', 'bob-password');
      const second = await t.login('bob', 'bob-password');
      const out = await t.call('POST', '/api/v1/auth/logout', { token: first });
      expect(out.statusCode).toBe(204);
      const after = await t.call('GET', '/api/v1/auth/me', { token: first });
      expect(after.statusCode).toBe(401);
      expect(errorOf(after).code).toBe('UNAUTHENTICATED');
      expect((await t.call('POST', '/api/v1/auth/logout', { token: first })).statusCode).toBe(401);
      expect((await t.call('GET', '/api/v1/auth/me', { token: second })).statusCode).toBe(200);
    });

    it('refuses an expired token', async () => {
      t = await createTestApp({ access: { tokenTtlMs: 50 } });
      // The admin token lives 50 ms too: create the user without it.
      await t.app.access.createUser(
        { username: 'bob', password: 'bob-password' },
        new Date().toISOString(),
      );
      const before = Date.now();
      const response0 = await login('bob', 'bob-password');
      expect(response0.statusCode).toBe(200);
      const { token, expiresAt } = response0.json() as LoginJson;
      expect(Date.parse(expiresAt) - before).toBeLessThanOrEqual(50 + 1000);
      await sleep(Math.max(0, Date.parse(expiresAt) - Date.now()) + 30);
      const response = await t.call('GET', '/api/v1/auth/me', { token });
      expect(response.statusCode).toBe(401);
      expect(errorOf(response).code).toBe('UNAUTHENTICATED');
      expect((await t.call('GET', '/api/v1/phonebooks', { token })).statusCode).toBe(401);
    });

    it('ends every session of a user whose password changes', async () => {
      t = await createTestApp();
      await addUser('bob', 'bob-password');
      const first = await t.login('bob', 'bob-password');
      const second = await t.login('bob', 'bob-password');
      const adminSession = t.adminToken;
      const changed = await t.call('PATCH', '/api/v1/users/bob', {
        body: { password: 'new-bob-password' },
      });
      expect(changed.statusCode).toBe(200);
      for (const token of [first, second]) {
        expect((await t.call('GET', '/api/v1/auth/me', { token })).statusCode).toBe(401);
      }
      expect((await t.call('GET', '/api/v1/auth/me', { token: adminSession })).statusCode).toBe(
        200,
      );
      expect((await login('bob', 'bob-password')).statusCode).toBe(401);
      expect((await login('bob', 'new-bob-password')).statusCode).toBe(200);
    });

    it('keeps sessions when other fields of a user change', async () => {
      t = await createTestApp();
      await addUser('bob', 'bob-password');
      const token = await t.login('bob', 'bob-password');
      await t.call('PATCH', '/api/v1/users/bob', { body: { displayName: 'Bob' } });
      expect((await t.call('GET', '/api/v1/auth/me', { token })).statusCode).toBe(200);
    });

    it('makes a promoted user admin on the next request', async () => {
      t = await createTestApp();
      await addUser('bob', 'bob-password');
      const token = await t.login('bob', 'bob-password');
      const before = await t.call('GET', '/api/v1/users', { token });
      expect(before.statusCode).toBe(403);
      expect(errorOf(before).code).toBe('FORBIDDEN');
      await t.call('PATCH', '/api/v1/users/bob', { body: { admin: true } });
      expect((await t.call('GET', '/api/v1/users', { token })).statusCode).toBe(200);
      const me = await t.call('GET', '/api/v1/auth/me', { token });
      expect(me.json()).toEqual({ username: 'bob', admin: true });
    });
  });
});
