import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { buildServer } from '../api/server.js';
import type { Ctibook, CtibookOptions } from '../app.js';
import { createCtibook } from '../app.js';

export const ADMIN_PASSWORD = 'admin-secret-1';

/** A server on a fresh temporary home, driven in-process with `inject()`. */
export interface TestApp {
  app: Ctibook;
  server: FastifyInstance;
  home: string;
  adminToken: string;
  /** Sends a request; `token` null sends none. */
  call(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    options?: {
      token?: string | null;
      body?: unknown;
      headers?: Record<string, string>;
      rawBody?: string;
    },
  ): Promise<LightMyRequestResponse>;
  login(username: string, password: string): Promise<string>;
  /** Creates a user in a group granted `rights` on `books`; returns their token. */
  userWith(
    username: string,
    books: Record<string, { read?: boolean; write?: boolean; offline?: boolean }>,
    extra?: Record<string, unknown>,
  ): Promise<string>;
  close(): Promise<void>;
}

export async function createTestApp(options: Partial<CtibookOptions> = {}): Promise<TestApp> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'ctibook-test-'));
  const app = await createCtibook({
    home,
    adminPassword: ADMIN_PASSWORD,
    logger: pino({ level: 'silent' }),
    synchronous: 'NORMAL',
    ...options,
  });
  const server = await buildServer(app);
  await server.ready();
  const call: TestApp['call'] = (method, url, opts = {}) =>
    server.inject({
      method,
      url,
      headers: {
        ...(opts.token === null
          ? {}
          : { authorization: `Bearer ${opts.token ?? test.adminToken}` }),
        ...(opts.body !== undefined || opts.rawBody !== undefined
          ? { 'content-type': 'application/json' }
          : {}),
        ...opts.headers,
      },
      ...(opts.rawBody !== undefined
        ? { payload: opts.rawBody }
        : opts.body !== undefined
          ? { payload: JSON.stringify(opts.body) }
          : {}),
    });
  const login = async (username: string, password: string): Promise<string> => {
    const response = await call('POST', '/api/v1/auth/login', {
      token: null,
      body: { username, password },
    });
    if (response.statusCode !== 200) throw new Error(`login ${username}: ${response.body}`);
    return (response.json() as { token: string }).token;
  };
  const test: TestApp = {
    app,
    server,
    home,
    adminToken: '',
    call,
    login,
    async userWith(username, books, extra = {}) {
      const password = `${username}-password`;
      const created = await call('POST', '/api/v1/users', {
        body: { username, password, ...extra },
      });
      if (created.statusCode !== 201) throw new Error(`create ${username}: ${created.body}`);
      const group = `${username}-group`;
      await call('POST', '/api/v1/groups', { body: { name: group, members: [username] } });
      const resources = Object.entries(books).map(([phonebook, rights]) => ({
        phonebook,
        ...rights,
      }));
      const granted = await call('PUT', `/api/v1/groups/${encodeURIComponent(group)}/resources`, {
        body: resources,
      });
      if (granted.statusCode !== 200) throw new Error(`grant ${username}: ${granted.body}`);
      return login(username, password);
    },
    async close() {
      await server.close();
      await app.close();
      if (!options.home) rmSync(home, { recursive: true, force: true });
    },
  };
  test.adminToken = await login('admin', ADMIN_PASSWORD);
  return test;
}
