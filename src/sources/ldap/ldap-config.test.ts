import { describe, expect, it } from 'vitest';
import { SECRET_MASK } from '../source-kind.js';
import { LdapSourceConfig } from './ldap-config.js';
import { ldapKind } from './ldap-kind.js';

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
