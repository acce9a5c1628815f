import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { Client, InvalidCredentialsError } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CtibookError } from '../../domain/errors.js';
import type { Slapd } from '../../test-support/slapd.js';
import { PEOPLE_DN, person, ROOT_DN, startSlapd, SUFFIX } from '../../test-support/slapd.js';
import type { SkippedRow, SourceRow } from '../source-connector.js';
import { LdapSourceConfig } from './ldap-config.js';
import { LdapSource } from './ldap-source.js';

const PASSWORD = 'Very-Secret-Pässwort-7';

/** Opens a source on `config` and reads everything; returns the rows or the error. */
async function attempt(
  config: Record<string, unknown>,
): Promise<{ rows?: SourceRow[]; skipped: SkippedRow[]; error?: CtibookError; ms: number }> {
  const ldap = new LdapSource({ config: LdapSourceConfig.parse(config) });
  const skipped: SkippedRow[] = [];
  const started = Date.now();
  try {
    await ldap.open();
    const rows: SourceRow[] = [];
    for await (const row of ldap.readAll((s) => skipped.push(s))) rows.push(row);
    return { rows, skipped, ms: Date.now() - started };
  } catch (error) {
    expect(error).toBeInstanceOf(CtibookError);
    return { skipped, error: error as CtibookError, ms: Date.now() - started };
  } finally {
    await ldap.close();
  }
}

function expectNoSecret(error: CtibookError | undefined): void {
  expect(JSON.stringify({ m: error?.message, d: error?.details })).not.toContain(PASSWORD);
  expect(String(error?.cause)).not.toContain(PASSWORD);
}

describe('ldap source: connecting, TLS and failures', () => {
  let slapd: Slapd;
  let base: Record<string, unknown>;

  beforeAll(async () => {
    slapd = await startSlapd({
      tls: true,
      entries: [
        person('anna', { cn: 'Anna Łukasiewicz', sn: 'Łukasiewicz', telephoneNumber: '030 1' }),
        person('bernd', { cn: 'Bernd Weiß', sn: 'Weiß', telephoneNumber: '030 2' }),
        {
          dn: `ou=elsewhere,${PEOPLE_DN}`,
          attributes: {
            objectClass: ['referral', 'extensibleObject'],
            ou: 'elsewhere',
            ref: 'ldap://ldap.elsewhere.example/ou=people,dc=elsewhere,dc=example',
          },
        },
      ],
    });
    base = { url: slapd.url, baseDn: PEOPLE_DN };
  });
  afterAll(async () => slapd?.stop());

  it('reads over ldaps:// with the test CA', async () => {
    const { rows, error } = await attempt({ ...base, url: slapd.ldapsUrl, caFile: slapd.caFile });
    expect(error).toBeUndefined();
    expect(rows?.map((r) => r.values.sn).sort()).toEqual(['Weiß', 'Łukasiewicz']);
    const byName = await attempt({
      ...base,
      url: slapd.ldapsUrl?.replace('127.0.0.1', 'localhost'),
      caFile: slapd.caFile,
    });
    expect(byName.rows).toHaveLength(2);
  });

  it('refuses an ldaps:// server whose certificate it cannot trust, saying so', async () => {
    for (const caFile of [undefined, slapd.foreignCaFile]) {
      const { error } = await attempt({ ...base, url: slapd.ldapsUrl, caFile });
      expect(error?.code).toBe('SOURCE_UNAVAILABLE');
      expect(error?.message).toMatch(/TLS certificate was not trusted.*set caFile/);
      expect(error?.details).toMatchObject({ reason: 'TLS_CERTIFICATE', stage: 'connect' });
    }
  });

  it('upgrades ldap:// with StartTLS, and refuses an untrusted certificate there too', async () => {
    const { rows } = await attempt({ ...base, startTls: true, caFile: slapd.caFile });
    expect(rows).toHaveLength(2);
    const { error } = await attempt({ ...base, startTls: true });
    expect(error?.code).toBe('SOURCE_UNAVAILABLE');
    expect(error?.message).toMatch(/not trusted/);
    expect(error?.details).toMatchObject({ stage: 'starttls' });
  });

  it('says what is wrong when ldaps:// points at the plain port', async () => {
    const { error } = await attempt({ ...base, url: slapd.url.replace('ldap:', 'ldaps:') });
    expect(error?.code).toBe('SOURCE_UNAVAILABLE');
    expect(error?.message).toMatch(/TLS handshake.*TLS port/);
  });

  it('says a missing CA file is missing', async () => {
    const { error } = await attempt({
      ...base,
      url: slapd.ldapsUrl,
      caFile: '/nonexistent/ca.pem',
    });
    expect(error?.code).toBe('SOURCE_UNAVAILABLE');
    expect(error?.message).toMatch(/CA file \/nonexistent\/ca\.pem does not exist/);
  });

  it('says SOURCE_AUTH_FAILED for a wrong password, without the password', async () => {
    const { error } = await attempt({ ...base, bindDn: ROOT_DN, bindPassword: PASSWORD });
    expect(error?.code).toBe('SOURCE_AUTH_FAILED');
    expect(error?.message).toMatch(/refused the bind as cn=admin,dc=example,dc=org/);
    expect(error?.cause).toBeInstanceOf(InvalidCredentialsError);
    expectNoSecret(error);
  });

  it('says SOURCE_NOT_FOUND for a base DN that does not exist', async () => {
    const { error } = await attempt({ ...base, baseDn: `ou=nobody,${SUFFIX}` });
    expect(error?.code).toBe('SOURCE_NOT_FOUND');
    expect(error?.message).toMatch(/has no entry ou=nobody,dc=example,dc=org/);
  });

  it('says SOURCE_UNAVAILABLE at once for a closed port', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
      });
    });
    const { error, ms } = await attempt({
      ...base,
      url: `ldap://127.0.0.1:${closed}`,
      bindDn: ROOT_DN,
      bindPassword: PASSWORD,
    });
    expect(error?.code).toBe('SOURCE_UNAVAILABLE');
    expect(error?.message).toMatch(/refused the connection/);
    expect(ms).toBeLessThan(1000);
    expectNoSecret(error);
  });

  it('gives up on a server that accepts and never answers, within the timeout', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      for (const extra of [{}, { startTls: true }]) {
        const { error, ms } = await attempt({
          ...base,
          ...extra,
          url: `ldap://127.0.0.1:${port}`,
          bindDn: ROOT_DN,
          bindPassword: PASSWORD,
          timeoutMs: 300,
        });
        expect(error?.code).toBe('SOURCE_UNAVAILABLE');
        expect(error?.message).toMatch(/did not answer the (bind|starttls) within 300 ms/);
        expect(ms).toBeGreaterThanOrEqual(290);
        expect(ms).toBeLessThan(2000);
        expectNoSecret(error);
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('names the referral it does not follow, for a base DN and for entries in the subtree', async () => {
    const { error } = await attempt({ ...base, baseDn: `ou=x,ou=elsewhere,${PEOPLE_DN}` });
    expect(error?.code).toBe('SOURCE_UNAVAILABLE');
    expect(error?.message).toMatch(
      /answered with a referral to ldap:\/\/ldap\.elsewhere\.example\/ou=people,dc=elsewhere,dc=example/,
    );
    expect(error?.details).toMatchObject({ ldapCode: 10 });

    const { rows, skipped } = await attempt(base);
    expect(rows).toHaveLength(2);
    expect(skipped).toEqual([
      {
        at: expect.stringMatching(/^ldap:\/\/ldap\.elsewhere\.example\//),
        reason: 'search reference to another server (referral); not followed',
      },
    ]);
  });
});

describe('the test slapd', () => {
  it('fails loudly, never skips, when slapd is not installed', async () => {
    await expect(startSlapd({ slapdPath: '/nonexistent/sbin/slapd' })).rejects.toThrow(
      /\/nonexistent\/sbin\/slapd is missing: the LDAP tests need a real slapd. Install it/,
    );
  });
});

describe('ldap source: a server that limits paged searches too', () => {
  let slapd: Slapd;
  beforeAll(async () => {
    const entries = Array.from({ length: 600 }, (_, i) =>
      person(`u${i}`, { cn: `U ${i}`, sn: 'U' }),
    );
    // Without size.prtotal, slapd applies its hard limit to paged searches as well.
    slapd = await startSlapd({ entries, sizeLimit: 'size.soft=500 size.hard=500' });
  });
  afterAll(async () => slapd?.stop());

  it('says SOURCE_LIMIT_EXCEEDED with what to change', async () => {
    const { error } = await attempt({ url: slapd.url, baseDn: PEOPLE_DN, pageSize: 100 });
    expect(error?.code).toBe('SOURCE_LIMIT_EXCEEDED');
    expect(error?.message).toMatch(/size limit.*narrow the filter.*raise the limit/);
    expect(error?.details).toMatchObject({ ldapCode: 4 });
  });

  it('says clearly when the server offers no StartTLS', async () => {
    const { error } = await attempt({ url: slapd.url, baseDn: PEOPLE_DN, startTls: true });
    expect(error?.code).toBe('SOURCE_UNAVAILABLE');
    expect(error?.message).toMatch(/StartTLS|start TLS/);
  });
});

describe('ldap source: a server that drops idle connections and refuses anonymous users', () => {
  let slapd: Slapd;
  const reader = { dn: `uid=reader,${PEOPLE_DN}`, password: 'reader-Pässwort' };
  beforeAll(async () => {
    slapd = await startSlapd({
      globalConfig: 'idletimeout 1',
      databaseConfig: 'access to * by users read by anonymous auth',
      entries: [
        person('reader', { cn: 'Reader', sn: 'Reader', userPassword: reader.password }),
        person('anna', { cn: 'Anna', sn: 'A', telephoneNumber: '030 1' }),
      ],
    });
  });
  afterAll(async () => slapd?.stop());

  it('re-connects and binds again when the server closed the idle connection', async () => {
    let connections = 0;
    const ldap = new LdapSource({
      config: LdapSourceConfig.parse({
        url: slapd.url,
        baseDn: PEOPLE_DN,
        bindDn: reader.dn,
        bindPassword: reader.password,
        idAttribute: 'uid',
      }),
      createClient: (options) => {
        connections++;
        return new Client(options);
      },
    });
    await ldap.open();
    expect((await ldap.readOne('anna'))?.values.telephoneNumber).toBe('030 1');
    await new Promise((resolve) => setTimeout(resolve, 2200));
    // Re-connected anonymously (as ldapts would by itself), this would find nothing.
    expect((await ldap.readOne('anna'))?.values.telephoneNumber).toBe('030 1');
    expect(connections).toBe(2);
    await ldap.close();
  });

  it('says SOURCE_AUTH_FAILED when anonymous users may not search, and what to do', async () => {
    const { error } = await attempt({ url: slapd.url, baseDn: PEOPLE_DN });
    expect(error?.code).toBe('SOURCE_AUTH_FAILED');
    expect(error?.message).toMatch(/does not let anonymous users search.*configure a bind DN/);
    expect(error?.details).toMatchObject({ ldapCode: 50 });
  });
});
