import { ResultCodeError } from 'ldapts';
import type { ErrorCode } from '../../domain/errors.js';
import { CtibookError } from '../../domain/errors.js';
import { SECRET_MASK } from '../source-kind.js';

/** What the LDAP source was doing when an error came, for a message that says where. */
export interface LdapErrorContext {
  url: string;
  baseDn: string;
  bindDn?: string | undefined;
  /** The bind password: scrubbed from every message, whatever the vendor wrote. */
  secret?: string | undefined;
  timeoutMs: number;
  stage: 'connect' | 'starttls' | 'bind' | 'search';
  /** The URL a referral pointed to, when it could be found. */
  referral?: string | undefined;
}

/** Node's codes for a server certificate that could not be verified. */
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'refused the connection (nothing listens on that port)',
  ECONNRESET: 'closed the connection',
  EHOSTUNREACH: 'cannot be reached (no route to host)',
  ENETUNREACH: 'cannot be reached (network unreachable)',
  ENOTFOUND: 'has a host name that does not resolve',
  EAI_AGAIN: 'has a host name that does not resolve (DNS did not answer)',
  ETIMEDOUT: 'did not answer (connection timed out)',
  EPIPE: 'closed the connection',
};

/**
 * Translates anything ldapts or the network threw into a `CtibookError` with a stable code,
 * a message that says what to fix, and the original as `cause`. The bind password never
 * appears in the message or details.
 *
 * - 49 invalid credentials, 48/50/8/13 (anonymous or plain bind refused) → `SOURCE_AUTH_FAILED`
 * - 32 no such object → `SOURCE_NOT_FOUND` (the base DN)
 * - 3 time limit, 4 size limit, 11 admin limit → `SOURCE_LIMIT_EXCEEDED`
 * - 10 referral → `SOURCE_UNAVAILABLE` naming the referral; it is not followed
 * - refused connections, timeouts, TLS failures, busy or unwilling servers → `SOURCE_UNAVAILABLE`
 */
export function translateLdapError(error: unknown, context: LdapErrorContext): CtibookError {
  if (error instanceof CtibookError) return error;
  const { code, message, details } = describe(error, context);
  return new CtibookError(
    code,
    scrub(message, context.secret),
    { url: context.url, baseDn: context.baseDn, ...details },
    { cause: error },
  );
}

function describe(
  error: unknown,
  context: LdapErrorContext,
): { code: ErrorCode; message: string; details: Record<string, unknown> } {
  const server = `LDAP server ${context.url}`;
  const vendor = vendorText(error);
  if (error instanceof ResultCodeError) {
    const ldapCode = error.code;
    const details = { ldapCode, stage: context.stage };
    const said = vendor ? ` (server said: ${vendor})` : '';
    switch (ldapCode) {
      case 49:
        return {
          code: 'SOURCE_AUTH_FAILED',
          message: `${server} refused the bind as ${context.bindDn ?? '(anonymous)'}: invalid credentials; check the bind DN and password${said}`,
          details: { ...details, bindDn: context.bindDn },
        };
      case 48:
      case 50:
        return {
          code: 'SOURCE_AUTH_FAILED',
          message: `${server} does not let ${context.bindDn ?? 'anonymous users'} ${context.stage === 'bind' ? 'bind' : 'search'} under ${context.baseDn}; configure a bind DN with read rights${said}`,
          details: { ...details, bindDn: context.bindDn },
        };
      case 8:
      case 13:
        return {
          code: 'SOURCE_AUTH_FAILED',
          message: `${server} requires a protected connection for this bind; use ldaps:// or startTls${said}`,
          details,
        };
      case 32:
        return {
          code: 'SOURCE_NOT_FOUND',
          message: `${server} has no entry ${context.baseDn}: check the base DN${context.bindDn ? '' : ' (servers also hide entries anonymous users may not read: configure a bind DN)'}${said}`,
          details,
        };
      case 3:
        return {
          code: 'SOURCE_LIMIT_EXCEEDED',
          message: `${server} stopped the search at its time limit; narrow the filter, index the attributes it uses, or raise the server's time limit${said}`,
          details,
        };
      case 4:
      case 11:
        return {
          code: 'SOURCE_LIMIT_EXCEEDED',
          message: `${server} stopped the search at its size limit even with paging; narrow the filter or base DN, or raise the limit for paged searches for the bind DN (OpenLDAP: limits … size.prtotal=unlimited; Active Directory: MaxPageSize)${said}`,
          details,
        };
      case 10:
        return {
          code: 'SOURCE_UNAVAILABLE',
          message: `${server} answered with a referral${context.referral ? ` to ${context.referral}` : ''}: the entries under ${context.baseDn} live on another server, and ctibook does not follow referrals; point the URL and base DN at that server${said}`,
          details: { ...details, referral: context.referral },
        };
      case 2:
        if (context.stage === 'starttls') {
          return {
            code: 'SOURCE_UNAVAILABLE',
            message: `${server} does not offer StartTLS; use ldaps:// or turn startTls off${said}`,
            details,
          };
        }
        break;
      case 52:
        if (context.stage === 'starttls') {
          return {
            code: 'SOURCE_UNAVAILABLE',
            message: `${server} cannot start TLS (it has no certificate configured?); use ldaps:// or turn startTls off${said}`,
            details,
          };
        }
        break;
    }
    return {
      code: 'SOURCE_UNAVAILABLE',
      message: `${server} failed the ${context.stage} with LDAP result code ${ldapCode}${said}`,
      details,
    };
  }

  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (errno && UNTRUSTED_CERTIFICATE.has(errno)) {
    const why =
      errno === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? `does not name the host in the URL (${vendor})`
        : `was not trusted (${errno}: ${vendor})`;
    return {
      code: 'SOURCE_UNAVAILABLE',
      message: `${server}: its TLS certificate ${why}; set caFile to the CA certificate that signed it, and use the host name the certificate names`,
      details: { reason: 'TLS_CERTIFICATE', tlsError: errno, stage: context.stage },
    };
  }
  if (errno === 'ECONNRESET' && /TLS/.test(vendor)) {
    return {
      code: 'SOURCE_UNAVAILABLE',
      message: `${server} closed the connection during the TLS handshake (${vendor}); ldaps:// needs the server's TLS port (usually 636), ldap:// with startTls its plain port (389)`,
      details: { reason: 'TLS_HANDSHAKE', stage: context.stage },
    };
  }
  if (errno && errno in NETWORK_REASONS) {
    return {
      code: 'SOURCE_UNAVAILABLE',
      message: `${server} ${NETWORK_REASONS[errno]}`,
      details: { reason: errno, stage: context.stage },
    };
  }
  if (errno && /^ERR_SSL|^ERR_TLS|^EPROTO$/.test(errno)) {
    return {
      code: 'SOURCE_UNAVAILABLE',
      message: `${server}: the TLS handshake failed (${vendor}); ldaps:// needs the server's TLS port (usually 636), ldap:// with startTls its plain port (389)`,
      details: { reason: 'TLS_HANDSHAKE', tlsError: errno, stage: context.stage },
    };
  }
  if (/timed? ?out/i.test(vendor)) {
    return {
      code: 'SOURCE_UNAVAILABLE',
      message: `${server} did not answer the ${context.stage} within ${context.timeoutMs} ms`,
      details: { reason: 'TIMEOUT', stage: context.stage, timeoutMs: context.timeoutMs },
    };
  }
  return {
    code: 'SOURCE_UNAVAILABLE',
    message: `${server} failed the ${context.stage}: ${vendor || 'unknown error'}`,
    details: { stage: context.stage },
  };
}

/**
 * Whether an error means no connection was made: a network error, a connect timeout, or
 * (for ldaps://, where TLS starts with the connection) a TLS failure.
 */
export function isConnectFailure(error: unknown, tlsFromStart: boolean): boolean {
  if (error instanceof ResultCodeError) return false;
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (errno && errno in NETWORK_REASONS) return true;
  if (
    tlsFromStart &&
    errno &&
    (UNTRUSTED_CERTIFICATE.has(errno) || /^ERR_SSL|^ERR_TLS|^EPROTO$/.test(errno))
  ) {
    return true;
  }
  return /^Connection timeout/.test(vendorText(error));
}

/** The vendor's own words, without ldapts' `Code: 0x31` suffix. */
function vendorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text
    .replace(/\s*Code: 0x[0-9a-f]+$/i, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function scrub(text: string, secret: string | undefined): string {
  return secret ? text.replaceAll(secret, SECRET_MASK) : text;
}
