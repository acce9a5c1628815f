import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CtibookClient, ServerUnreachableError } from '../src/client/index.js';
import { DEFAULT_LOCATION } from '../src/domain/phone-number.js';
import { OFFLINE_BOOK, preparedPage } from '../src/test-support/fake-server.js';

/** A CA and a certificate for 127.0.0.1 signed by it, made with openssl. */
function makeCertificates(dir: string): void {
  const run = (...args: string[]): void =>
    void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=ctibook test CA',
  );
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  execFileSync('sh', ['-c', 'printf "subjectAltName=IP:127.0.0.1" > ext.cnf'], { cwd: dir });
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
}

/** What the HTTPS server answers by path (`[]` otherwise). */
const ANSWERS: Record<string, unknown> = {
  '/api/v1/auth/login': { token: 't1', user: { username: 'otto', admin: false } },
  '/api/v1/phonebooks': [OFFLINE_BOOK],
  '/api/v1/settings/location': DEFAULT_LOCATION,
  '/api/v1/phonebooks/Sales/changes': preparedPage(DEFAULT_LOCATION, [['k', '+49 89 111222']]),
};

describe('client over HTTPS with a CA file', () => {
  let dir: string;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-client-tls-'));
    makeCertificates(dir);
    server = createServer(
      { key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) },
      (request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        const path = new URL(request.url ?? '', 'https://localhost').pathname;
        response.end(JSON.stringify(ANSWERS[path] ?? []));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => {
    // The last test stops it already (a closed server's close only reports that).
    server.close(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A client of otto that trusts the test CA. */
  const trusting = (options: { workdir?: string } = {}): CtibookClient =>
    CtibookClient.open({
      server: url,
      username: 'otto',
      password: 'pw',
      caFile: join(dir, 'ca.pem'),
      ...options,
    });

  it('trusts the server signed by the given CA, and refuses it without', async () => {
    const trusted = trusting();
    expect(await trusted.login()).toEqual({ username: 'otto', admin: false });
    expect(await trusted.books()).toMatchObject({ books: [{ name: 'Sales' }], offline: false });
    await trusted.close();
    const untrusting = CtibookClient.open({ server: url, username: 'otto', password: 'pw' });
    await expect(untrusting.login()).rejects.toBeInstanceOf(ServerUnreachableError);
    await untrusting.close();
  });

  it('copies a book through a reader thread that trusts the same CA', async () => {
    const client = trusting({ workdir: join(dir, 'work') });
    const report = await client.sync({ readerThreadFrom: 0 });
    expect(report.books).toMatchObject([{ phonebook: 'Sales', full: true, upserts: 1 }]);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    expect(await client.lookup('+49 89 111222')).toMatchObject({
      offline: true,
      matches: [{ id: 'k' }],
    });
    await client.close();
  });
});
