import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SourceFileRules } from '../source-file.js';
import { SECRET_MASK } from '../source-kind.js';
import { LdapSourceConfig } from './ldap-config.js';
import { ldapKind } from './ldap-kind.js';
import { LdapSource } from './ldap-source.js';

const minimal = { url: 'ldap://ldap.example.org', baseDn: 'ou=people,dc=example,dc=org' };

function problems(config: Record<string, unknown>): string[] {
  const result = LdapSourceConfig.safeParse(config);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('LdapSourceConfig', () => {
  it('fills in the defaults', () => {
    expect(LdapSourceConfig.parse(minimal)).toEqual({
      ...minimal,
      filter: '(objectClass=inetOrgPerson)',
      scope: 'sub',
      pageSize: 500,
      startTls: false,
      idAttribute: 'entryUUID',
      timeoutMs: 10000,
    });
  });

  it('takes everything an admin can set', () => {
    const full = {
      url: 'ldaps://dc1.corp.example:636/',
      baseDn: 'OU=Staff,DC=corp,DC=example',
      bindDn: 'CN=reader,OU=Service,DC=corp,DC=example',
      bindPassword: 'secret',
      filter: '(&(objectCategory=person)(objectClass=user))',
      scope: 'one',
      pageSize: 1000,
      caFile: '/etc/ssl/corp-ca.pem',
      startTls: false,
      idAttribute: 'objectGUID',
      timeoutMs: 30000,
    };
    expect(LdapSourceConfig.parse(full)).toEqual(full);
  });

  it('names each bad setting', () => {
    expect(problems({ ...minimal, url: 'http://ldap.example.org' })).toEqual([
      'url: must start with ldap:// or ldaps://, not http://',
    ]);
    expect(problems({ ...minimal, url: 'ldap://user:pw@host' })[0]).toMatch(
      /^url: must not hold credentials/,
    );
    expect(problems({ ...minimal, url: 'ldap://host/dc=example?cn' })[0]).toMatch(
      /^url: must be only/,
    );
    expect(problems({ ...minimal, url: 'ldap.example.org' })[0]).toMatch(/^url: not a URL/);
    expect(problems({ ...minimal, baseDn: 'people' })[0]).toMatch(/^baseDn: must be a DN/);
    expect(problems({ ...minimal, filter: '(&(a=b)' })[0]).toMatch(
      /^filter: unbalanced parentheses/,
    );
    expect(problems({ ...minimal, scope: 'children' })[0]).toMatch(/^scope:/);
    expect(problems({ ...minimal, pageSize: 0 })[0]).toMatch(/^pageSize:/);
    expect(problems({ ...minimal, pageSize: 10001 })[0]).toMatch(/^pageSize:/);
    expect(problems({ ...minimal, caFile: 'ca.pem' })).toEqual([
      'caFile: must be an absolute path',
    ]);
    expect(problems({ ...minimal, idAttribute: 'uid)(x' })[0]).toMatch(/^idAttribute:/);
    expect(problems({ ...minimal, timeoutMs: 5 })[0]).toMatch(/^timeoutMs:/);
    expect(problems({ ...minimal, bindDn: 'cn=x' })).toEqual([
      'bindPassword: required with bindDn (leave both out to bind anonymously)',
    ]);
    expect(problems({ ...minimal, bindPassword: 'x' })).toEqual([
      'bindDn: required with bindPassword (leave both out to bind anonymously)',
    ]);
    expect(problems({ ...minimal, url: 'ldaps://h', startTls: true })).toEqual([
      'startTls: ldaps:// is TLS already; StartTLS is for ldap:// URLs',
    ]);
    expect(problems({ ...minimal, password: 'x' })[0]).toMatch(/password/);
  });
});

describe('ldapKind', () => {
  it('is read-only and masks the bind password', () => {
    const config = LdapSourceConfig.parse({
      ...minimal,
      bindDn: 'cn=r',
      bindPassword: 'top-secret',
    });
    expect(ldapKind.canWrite).toBe(false);
    expect(ldapKind.redact(config).bindPassword).toBe(SECRET_MASK);
    expect(config.bindPassword).toBe('top-secret');
    expect(ldapKind.redact(LdapSourceConfig.parse(minimal))).not.toHaveProperty('bindPassword');
    const connector = ldapKind.create(config, { writable: true });
    expect(connector.capabilities).toEqual({ write: false, changedSince: true, readOne: true });
  });
});

describe("an LDAP book's CA file", () => {
  it('is refused inside the home and outside the source roots, before any connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctibook-ldap-ca-'));
    try {
      const home = join(dir, 'home');
      const root = join(dir, 'certs');
      for (const d of [home, root]) mkdirSync(d);
      const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
      writeFileSync(join(home, 'ctibook.db'), pem);
      writeFileSync(join(dir, 'ca.pem'), pem);
      let connects = 0;
      const open = async (caFile: string, files: SourceFileRules) => {
        const config = LdapSourceConfig.parse({ ...minimal, url: 'ldaps://127.0.0.1:1', caFile });
        const connector = new LdapSource({
          config,
          files,
          createClient: () => {
            connects++;
            throw new Error('no connection in this test');
          },
        });
        try {
          await connector.open();
        } finally {
          await connector.close();
        }
      };
      const refusal = (reason: string) =>
        expect.objectContaining({
          code: 'VALIDATION_FAILED',
          details: expect.objectContaining({ field: 'source.caFile', reason }),
        });
      await expect(open(join(home, 'ctibook.db'), { home })).rejects.toEqual(
        refusal('INSIDE_HOME'),
      );
      await expect(open(join(dir, 'ca.pem'), { home, roots: [root] })).rejects.toEqual(
        refusal('OUTSIDE_SOURCE_ROOTS'),
      );
      expect(connects).toBe(0);
      // Allowed: the connection is tried.
      await expect(open(join(dir, 'ca.pem'), { home })).rejects.toThrow();
      expect(connects).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
