import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerProcess } from './support/server-process.js';
import { httpLogin, startServer } from './support/server-process.js';

export const ADMIN_PASSWORD = 'admin-secret-1';
export const OTTO_PASSWORD = 'otto-secret-1';
export const MUNICH = {
  countryCode: '49',
  areaCode: '89',
  internationalPrefix: '00',
  nationalPrefix: '0',
  outsideLinePrefix: '',
  pbxBaseNumber: '',
  internalNumberMaxLength: 4,
};

/** A real server process with a book `Sales`, and user otto with read + offline on it. */
export interface ClientFixture {
  server: ServerProcess;
  home: string;
  workdir: string;
  adminToken: string;
  api<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<T>;
  grant(rights: { read: boolean; write: boolean; offline: boolean }): Promise<void>;
  addContact(book: string, contact: Record<string, string>): Promise<{ id: string; etag: string }>;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts the server again on the same home and port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startFixture(): Promise<ClientFixture> {
  const home = mkdtempSync(join(tmpdir(), 'ctibook-client-home-'));
  const workdir = mkdtempSync(join(tmpdir(), 'ctibook-client-work-'));
  const env = {
    CTIBOOK_HOME: home,
    CTIBOOK_ADMIN_PASSWORD: ADMIN_PASSWORD,
    CTIBOOK_LOG_LEVEL: 'warn',
  };
  let server = await startServer([], env);
  const adminToken = await httpLogin(server.url, 'admin', ADMIN_PASSWORD);
  const api = async <T>(
    method: string,
    path: string,
    body?: unknown,
    token = adminToken,
  ): Promise<T> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  await api('PUT', '/api/v1/settings/location', MUNICH);
  await api('POST', '/api/v1/phonebooks', { name: 'Sales', kind: 'builtin', notes: 'builtin' });
  await api('POST', '/api/v1/users', { username: 'otto', password: OTTO_PASSWORD });
  await api('POST', '/api/v1/groups', { name: 'field', members: ['otto'] });
  const fixture: ClientFixture = {
    get server() {
      return server;
    },
    home,
    workdir,
    adminToken,
    api,
    async grant(rights) {
      await api('PUT', '/api/v1/groups/field/resources', [{ phonebook: 'Sales', ...rights }]);
    },
    async addContact(book, contact) {
      return api<{ id: string; etag: string }>(
        'POST',
        `/api/v1/phonebooks/${encodeURIComponent(book)}/contacts`,
        contact,
      );
    },
    async stop() {
      if (server.child.exitCode !== null || server.child.signalCode !== null) return;
      server.child.kill('SIGTERM');
      await server.exited;
    },
    async restart() {
      server = await startServer([], env, server.port);
    },
    async close() {
      await fixture.stop();
      rmSync(home, { recursive: true, force: true });
      rmSync(workdir, { recursive: true, force: true });
    },
  };
  await fixture.grant({ read: true, write: false, offline: true });
  return fixture;
}

/** Waits until `check` holds, polling; fails after `ms`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
