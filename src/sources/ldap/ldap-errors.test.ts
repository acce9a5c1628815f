import {
  AdminLimitExceededError,
  InsufficientAccessError,
  InvalidCredentialsError,
  SizeLimitExceededError,
  StrongAuthRequiredError,
  TimeLimitExceededError,
  UnknownStatusCodeError,
} from 'ldapts';
import { describe, expect, it } from 'vitest';
import type { LdapErrorContext } from './ldap-errors.js';
import { isConnectFailure, translateLdapError } from './ldap-errors.js';

const SECRET = 'pa55-w0rd';
const context: LdapErrorContext = {
  url: 'ldap://dc1.corp.example',
  baseDn: 'ou=people,dc=corp',
  bindDn: 'cn=reader,dc=corp',
  secret: SECRET,
  timeoutMs: 5000,
  stage: 'search',
};

function errno(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe('translateLdapError', () => {
  it('gives each LDAP result its stable code and keeps the original as cause', () => {
    const cases: [Error, string][] = [
      [new InvalidCredentialsError(''), 'SOURCE_AUTH_FAILED'],
      [new InsufficientAccessError('no read'), 'SOURCE_AUTH_FAILED'],
      [new StrongAuthRequiredError('TLS needed'), 'SOURCE_AUTH_FAILED'],
      [new SizeLimitExceededError(''), 'SOURCE_LIMIT_EXCEEDED'],
      [new TimeLimitExceededError(''), 'SOURCE_LIMIT_EXCEEDED'],
      [new AdminLimitExceededError(''), 'SOURCE_LIMIT_EXCEEDED'],
      [new UnknownStatusCodeError(10, ''), 'SOURCE_UNAVAILABLE'],
      [new UnknownStatusCodeError(51, 'busy'), 'SOURCE_UNAVAILABLE'],
      [errno('ECONNREFUSED'), 'SOURCE_UNAVAILABLE'],
      [errno('SELF_SIGNED_CERT_IN_CHAIN'), 'SOURCE_UNAVAILABLE'],
      [new Error('SearchRequest: Operation timed out'), 'SOURCE_UNAVAILABLE'],
    ];
    for (const [vendor, code] of cases) {
      const error = translateLdapError(vendor, context);
      expect([vendor.constructor.name, error.code]).toEqual([vendor.constructor.name, code]);
      expect(error.cause).toBe(vendor);
      expect(error.details).toMatchObject({ url: context.url, baseDn: context.baseDn });
    }
  });

  it('says what to do', () => {
    expect(translateLdapError(new TimeLimitExceededError(''), context).message).toMatch(
      /time limit; narrow the filter/,
    );
    expect(translateLdapError(new StrongAuthRequiredError(''), context).message).toMatch(
      /use ldaps:\/\/ or startTls/,
    );
    expect(
      translateLdapError(new UnknownStatusCodeError(10, ''), { ...context, referral: 'ldap://b/' })
        .message,
    ).toMatch(/referral to ldap:\/\/b\/.*does not follow/);
    expect(
      translateLdapError(new Error('SearchRequest: Operation timed out'), context).message,
    ).toBe('LDAP server ldap://dc1.corp.example did not answer the search within 5000 ms');
    expect(translateLdapError(errno('ERR_TLS_CERT_ALTNAME_INVALID'), context).message).toMatch(
      /does not name the host/,
    );
  });

  it('never repeats the password, even when a server echoes it', () => {
    const error = translateLdapError(new InsufficientAccessError(`bad ${SECRET}`), context);
    expect(JSON.stringify({ m: error.message, d: error.details })).not.toContain(SECRET);
    expect(error.message).toContain('********');
  });
});

describe('isConnectFailure', () => {
  it('tells a failed connection from a failed operation', () => {
    expect(isConnectFailure(errno('ECONNREFUSED'), false)).toBe(true);
    expect(isConnectFailure(new Error('Connection timeout'), false)).toBe(true);
    expect(isConnectFailure(errno('SELF_SIGNED_CERT_IN_CHAIN'), true)).toBe(true);
    expect(isConnectFailure(errno('SELF_SIGNED_CERT_IN_CHAIN'), false)).toBe(false);
    expect(isConnectFailure(new InvalidCredentialsError(''), false)).toBe(false);
  });
});
