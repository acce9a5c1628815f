import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { Client, ClientOptions } from 'ldapts';
import { Control } from 'ldapts';
import { CtibookError } from '../../domain/errors.js';
import type { SourceFileRules } from '../source-file.js';
import { checkSourceFile } from '../source-file.js';
import type { LdapSourceConfig } from './ldap-config.js';
import { attributeValue } from './ldap-entry.js';
import type { LdapErrorContext } from './ldap-errors.js';
import { isConnectFailure, translateLdapError } from './ldap-errors.js';

/** The part of ldapts' `Client` the LDAP source uses; tests may hand in a stand-in. */
export type LdapClient = Pick<
  Client,
  'bind' | 'startTLS' | 'search' | 'searchPaginated' | 'unbind' | 'isConnected'
>;

/** Makes a client for one connection (ldapts' `new Client(options)`). */
export type CreateLdapClient = (options: ClientOptions) => LdapClient;

/** ManageDsaIT (RFC 3296): read a referral object itself instead of being referred. */
const MANAGE_DSA_IT = '2.16.840.1.113730.3.4.2';
/** How far up the base DN to look for the referral object that answered. */
const MAX_REFERRAL_DEPTH = 8;

/**
 * A new, bound connection: ldaps:// or StartTLS verified against `caFile` (read now) or
 * Node's CA store, then a simple bind (anonymous without `bindDn`); all within `timeoutMs`,
 * the TLS handshake of StartTLS included, which ldapts itself does not time.
 *
 * @throws CtibookError `SOURCE_UNAVAILABLE` (network, TLS, timeout, CA file),
 *   `SOURCE_AUTH_FAILED` (bind refused)
 */
export async function connectLdap(
  config: LdapSourceConfig,
  createClient: CreateLdapClient,
  files?: SourceFileRules,
): Promise<LdapClient> {
  const { url, startTls, bindDn, bindPassword, timeoutMs } = config;
  const tlsOptions = await tlsOptionsOf(config, files);
  const secure = url.toLowerCase().startsWith('ldaps:');
  const client = createClient({
    url,
    timeout: timeoutMs,
    connectTimeout: timeoutMs,
    // ldapts goes TLS from the start whenever tlsOptions are given: only for ldaps://.
    ...(secure ? { tlsOptions } : {}),
  });
  const at: { stage: LdapErrorContext['stage'] } = { stage: 'connect' };
  const steps = async (): Promise<void> => {
    if (startTls) {
      at.stage = 'starttls';
      await client.startTLS({ ...tlsOptions });
    }
    at.stage = 'bind';
    await client.bind(bindDn ?? '', bindPassword ?? '');
  };
  try {
    await withDeadline(steps(), timeoutMs, () => client.unbind().catch(() => undefined));
    return client;
  } catch (error) {
    await client.unbind().catch(() => undefined);
    // ldapts connects inside startTLS()/bind(); say which step really failed.
    if (at.stage !== 'starttls' && isConnectFailure(error, secure)) at.stage = 'connect';
    throw translateLdapError(error, ldapErrorContext(config, at.stage));
  }
}

/** What `translateLdapError` needs to know of a source's settings. */
export function ldapErrorContext(
  config: LdapSourceConfig,
  stage: LdapErrorContext['stage'],
  referral?: string,
): LdapErrorContext {
  const { url, baseDn, bindDn, bindPassword, timeoutMs } = config;
  return { url, baseDn, bindDn, secret: bindPassword, timeoutMs, stage, referral };
}

/**
 * The `ref` of the referral object at or above `baseDn`, read with ManageDsaIT: ldapts
 * does not hand out the referral URLs of a result with code 10, so they are looked up.
 */
export async function referralOf(client: LdapClient, baseDn: string): Promise<string | undefined> {
  const rdns = baseDn.split(/(?<!\\),/);
  for (let i = 0; i < Math.min(rdns.length, MAX_REFERRAL_DEPTH); i++) {
    try {
      const { searchEntries } = await client.search(
        rdns.slice(i).join(','),
        { scope: 'base', filter: '(objectClass=referral)', attributes: ['ref'] },
        new Control(MANAGE_DSA_IT, { critical: false }),
      );
      const ref = searchEntries[0] ? attributeValue(searchEntries[0], 'ref') : undefined;
      if (ref) return ref;
    } catch {
      // Not this level (or the server would not say); try the parent.
    }
  }
  return undefined;
}

async function tlsOptionsOf(
  config: LdapSourceConfig,
  files: SourceFileRules | undefined,
): Promise<ConnectionOptions> {
  const { url, caFile } = config;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const options: ConnectionOptions = { host, minVersion: 'TLSv1.2' };
  // SNI takes host names only; Node warns when given an IP address.
  if (!isIP(host)) options.servername = host;
  if (caFile === undefined) return options;
  // The server's rules for the files a source may name (never the home, only the roots).
  if (files) await checkSourceFile('CA file', caFile, files, 'source.caFile');
  let pem: string;
  try {
    pem = await readFile(caFile, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CtibookError(
      'SOURCE_UNAVAILABLE',
      `The CA file ${caFile} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}; set source.caFile to the PEM file of the CA that signed the LDAP server's certificate`,
      { field: 'source.caFile', path: caFile },
      { cause: error },
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new CtibookError(
      'SOURCE_UNAVAILABLE',
      `The CA file ${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
      { field: 'source.caFile', path: caFile },
    );
  }
  return { ...options, ca: pem };
}

/** Settles like `work`, or rejects with a timeout after `ms` (and calls `onTimeout`). */
async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => unknown): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}
