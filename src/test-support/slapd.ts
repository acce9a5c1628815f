/**
 * A throwaway OpenLDAP server for tests and benchmarks: a temporary directory with a
 * generated `slapd.conf`, entries bulk-loaded with `slapadd -q`, and `slapd` on free
 * loopback ports as a child process (optionally also on ldaps:// with a CA and server
 * certificate made with openssl). Fails loudly when slapd is not installed.
 *
 * slapd runs under a small shell watchdog that holds a pipe from this process: when this
 * process ends in any way (even SIGKILL), the pipe closes and the watchdog stops slapd,
 * so no orphan keeps the port.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Attribute, Change, Client } from 'ldapts';
import { isPortOpen, unusedPort } from './databases.js';

const run = promisify(execFile);

/** Debian's slapd and slapadd (packages `slapd`, `ldap-utils`). */
export const SLAPD = '/usr/sbin/slapd';
export const SLAPADD = '/usr/sbin/slapadd';
/** The one naming context of every test server, and the `ou=people` entry under it. */
export const SUFFIX = 'dc=example,dc=org';
export const PEOPLE_DN = `ou=people,${SUFFIX}`;
/** The root DN and its password: no ACL and no size limit applies to it. */
export const ROOT_DN = `cn=admin,${SUFFIX}`;
export const ROOT_PASSWORD = 'root-secret-Ä1';

/** A value as text, or as bytes for binary attributes (`jpegPhoto`). */
export type LdifValue = string | Buffer;

/** One entry: its DN and attributes (a name → one value or several). */
export interface LdifEntry {
  dn: string;
  attributes: Record<string, LdifValue | readonly LdifValue[]>;
}

function valuesOf(value: LdifValue | readonly LdifValue[]): LdifValue[] {
  return typeof value === 'string' || Buffer.isBuffer(value) ? [value] : [...value];
}

/** How to set up a test server; every field is optional. */
export interface SlapdOptions {
  /** Loaded with slapadd after the suffix and `ou=people` entries. */
  entries?: Iterable<LdifEntry>;
  /** Also listen on ldaps:// with a certificate of a test CA (`caFile`). */
  tls?: boolean;
  /** The `sizelimit` line; default `size.soft=500 size.hard=500 size.prtotal=unlimited`. */
  sizeLimit?: string;
  /** Where slapd is; {@link SLAPD} by default. */
  slapdPath?: string;
  /** Lines for the global section (`idletimeout 1`). */
  globalConfig?: string;
  /** Lines appended to the database section (ACLs, limits). */
  databaseConfig?: string;
}

/** A running test server; `stop()` it when done (an exit of this process stops it too). */
export interface Slapd {
  /** `ldap://127.0.0.1:PORT` */
  readonly url: string;
  /** `ldaps://127.0.0.1:PORT` when started with `tls`. */
  readonly ldapsUrl: string | undefined;
  /** PEM of the CA that signed the server certificate, when started with `tls`. */
  readonly caFile: string | undefined;
  /** PEM of another CA, which signed nothing this server shows (for "untrusted" tests). */
  readonly foreignCaFile: string | undefined;
  readonly dir: string;
  add(entry: LdifEntry): Promise<void>;
  /** Replaces the given attributes' values (an empty list deletes the attribute). */
  modify(dn: string, replace: LdifEntry['attributes']): Promise<void>;
  remove(dn: string): Promise<void>;
  /** One attribute of one entry, read as the root DN (operational attributes included). */
  read(dn: string, attribute: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

/** `value` written safely in LDIF: plain when it may, base64 otherwise (non-ASCII, edges). */
function ldifLine(name: string, value: LdifValue): string {
  if (Buffer.isBuffer(value)) return `${name}:: ${value.toString('base64')}`;
  // eslint-disable-next-line no-control-regex
  const safe = /^[\x01-\x09\x0b\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*$/;
  if (value === '' || (safe.test(value) && !value.endsWith(' '))) return `${name}: ${value}`;
  return `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}

/** The entries as LDIF (RFC 2849) for slapadd or ldapadd. */
export function toLdif(entries: Iterable<LdifEntry>): string {
  const blocks: string[] = [];
  for (const { dn, attributes } of entries) {
    const lines = [ldifLine('dn', dn)];
    for (const [name, value] of Object.entries(attributes)) {
      for (const one of valuesOf(value)) lines.push(ldifLine(name, one));
    }
    blocks.push(`${lines.join('\n')}\n`);
  }
  return blocks.join('\n');
}

/** An inetOrgPerson under `ou=people` named by its uid. */
export function person(uid: string, attributes: LdifEntry['attributes']): LdifEntry {
  return {
    dn: `uid=${uid},${PEOPLE_DN}`,
    attributes: { objectClass: ['top', 'inetOrgPerson'], uid, ...attributes },
  };
}

const BASE_ENTRIES: readonly LdifEntry[] = [
  {
    dn: SUFFIX,
    attributes: { objectClass: ['top', 'dcObject', 'organization'], dc: 'example', o: 'Example' },
  },
  { dn: PEOPLE_DN, attributes: { objectClass: ['top', 'organizationalUnit'], ou: 'people' } },
];

async function makeCertificates(dir: string): Promise<{ ca: string; foreignCa: string }> {
  const openssl = async (...args: string[]): Promise<void> => {
    await run('openssl', args, { cwd: dir });
  };
  const ca = async (name: string): Promise<void> =>
    openssl(
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2'],
      ...['-subj', `/CN=ctibook ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE'],
      ...['-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    );
  await ca('ca');
  await ca('foreign-ca');
  await openssl(
    ...['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
    ...['-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'],
  );
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
  );
  await openssl(
    ...['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key'],
    ...['-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext'],
  );
  return { ca: join(dir, 'ca.pem'), foreignCa: join(dir, 'foreign-ca.pem') };
}

function slapdConf(dir: string, options: SlapdOptions, tls: boolean): string {
  return [
    ...['core', 'cosine', 'nis', 'inetorgperson'].map(
      (s) => `include /etc/ldap/schema/${s}.schema`,
    ),
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    ...(tls
      ? [
          `TLSCACertificateFile ${join(dir, 'ca.pem')}`,
          `TLSCertificateFile ${join(dir, 'server.pem')}`,
          `TLSCertificateKeyFile ${join(dir, 'server.key')}`,
        ]
      : []),
    options.globalConfig ?? '',
    'database mdb',
    `suffix "${SUFFIX}"`,
    `rootdn "${ROOT_DN}"`,
    `rootpw ${ROOT_PASSWORD}`,
    `directory ${join(dir, 'db')}`,
    // The map is sparse: 4 GiB costs nothing until used, and holds 100,000 entries easily.
    'maxsize 4294967296',
    // slapd allows no substring index on objectClass.
    'index objectClass eq',
    'index cn,sn,telephoneNumber,mobile eq,sub',
    'index entryUUID,modifyTimestamp eq',
    `sizelimit ${options.sizeLimit ?? 'size.soft=500 size.hard=500 size.prtotal=unlimited'}`,
    options.databaseConfig ?? '',
    '',
  ].join('\n');
}

/** Runs slapd under the watchdog; resolves once it accepts on every port. */
async function launch(
  slapd: string,
  conf: string,
  ports: number[],
  tls: boolean,
): Promise<ChildProcess> {
  const urls = [`ldap://127.0.0.1:${ports[0]}/`];
  if (tls) urls.push(`ldaps://127.0.0.1:${ports[1]}/`);
  const watchdog = [
    'exec 3<&0',
    '"$@" 3<&- </dev/null &',
    'pid=$!',
    '( read -r _ <&3; kill "$pid" 2>/dev/null ) &',
    'watcher=$!',
    'wait "$pid"; status=$?',
    // The watcher is gone when it stopped slapd: this process has ended or called stop(),
    // so the directory goes too (also when nobody is left to run an exit handler).
    'if kill -0 "$watcher" 2>/dev/null; then kill "$watcher"; else rm -rf "$SLAPD_DIR"; fi',
    'exit "$status"',
  ].join('\n');
  const child = spawn(
    '/bin/sh',
    ['-c', watchdog, 'slapd-watchdog', slapd, '-f', conf, '-h', urls.join(' '), '-d', '0'],
    { stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, SLAPD_DIR: dirname(conf) } },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const started = Date.now();
  while (Date.now() - started < 10_000) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `slapd exited at start (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`,
      );
    }
    const ready = await Promise.all(ports.map((port) => isPortOpen(port)));
    if (ready.every(Boolean)) return child;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.stdin?.end();
  throw new Error(`slapd did not accept connections within 10 s: ${stderr.trim()}`);
}

/**
 * Starts a slapd with `dc=example,dc=org`, `ou=people` and `options.entries`, on free
 * loopback ports. Root DN {@link ROOT_DN}, password {@link ROOT_PASSWORD}. Anonymous reads
 * are allowed (slapd's default ACL). Throws when slapd, slapadd or openssl is missing.
 */
export async function startSlapd(options: SlapdOptions = {}): Promise<Slapd> {
  const slapd = options.slapdPath ?? SLAPD;
  for (const program of [slapd, SLAPADD]) {
    if (!existsSync(program)) {
      throw new Error(
        `${program} is missing: the LDAP tests need a real slapd. Install it with ` +
          `"apt-get install slapd ldap-utils" (see DEPENDENCIES.md; scripts/test.sh does it).`,
      );
    }
  }
  const tls = options.tls ?? false;
  const dir = mkdtempSync(join(tmpdir(), 'ctibook-slapd-'));
  mkdirSync(join(dir, 'db'));
  const conf = join(dir, 'slapd.conf');
  let child: ChildProcess | undefined;
  const cleanUp = (): void => {
    killByPidFile(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanUp);
  try {
    const certificates = tls ? await makeCertificates(dir) : undefined;
    writeFileSync(conf, slapdConf(dir, options, tls));
    writeFileSync(join(dir, 'data.ldif'), toLdif([...BASE_ENTRIES, ...(options.entries ?? [])]));
    await run(SLAPADD, ['-q', '-f', conf, '-l', join(dir, 'data.ldif')], {
      maxBuffer: 64 * 1024 * 1024,
    });
    let ports: number[] = [];
    for (let attempt = 1; !child; attempt++) {
      ports = [await unusedPort(), ...(tls ? [await unusedPort()] : [])];
      try {
        child = await launch(slapd, conf, ports, tls);
      } catch (error) {
        // Another process may have taken a port between probing and binding: retry.
        if (attempt >= 3 || !/bind|address already in use/i.test(String(error))) throw error;
      }
    }
    return server(dir, child, ports, certificates, cleanUp);
  } catch (error) {
    child?.stdin?.end();
    process.removeListener('exit', cleanUp);
    cleanUp();
    throw error;
  }
}

/** ldapts takes a list of all strings or all buffers. */
function asValues(value: LdifValue | readonly LdifValue[]): string[] | Buffer[] {
  const list = valuesOf(value);
  return list.every((v) => typeof v === 'string')
    ? (list as string[])
    : list.map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8')));
}

function killByPidFile(dir: string): void {
  try {
    const pid = Number(readFileSync(join(dir, 'slapd.pid'), 'utf8').trim());
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // Not running (any more).
  }
}

function server(
  dir: string,
  child: ChildProcess,
  ports: number[],
  certificates: { ca: string; foreignCa: string } | undefined,
  cleanUp: () => void,
): Slapd {
  const url = `ldap://127.0.0.1:${ports[0]}`;
  let admin: Promise<Client> | undefined;
  const root = async (): Promise<Client> => {
    admin ??= (async () => {
      const client = new Client({ url, timeout: 10_000, connectTimeout: 10_000 });
      await client.bind(ROOT_DN, ROOT_PASSWORD);
      return client;
    })();
    return admin;
  };
  return {
    url,
    ldapsUrl: certificates ? `ldaps://127.0.0.1:${ports[1]}` : undefined,
    caFile: certificates?.ca,
    foreignCaFile: certificates?.foreignCa,
    dir,
    async add({ dn, attributes }) {
      const list = Object.entries(attributes).map(
        ([type, value]) => new Attribute({ type, values: asValues(value) }),
      );
      await (await root()).add(dn, list);
    },
    async modify(dn, replace) {
      const changes = Object.entries(replace).map(
        ([type, value]) =>
          new Change({
            operation: 'replace',
            modification: new Attribute({ type, values: asValues(value) }),
          }),
      );
      await (await root()).modify(dn, changes);
    },
    async remove(dn) {
      await (await root()).del(dn);
    },
    async read(dn, attribute) {
      const { searchEntries } = await (
        await root()
      ).search(dn, {
        scope: 'base',
        attributes: [attribute],
      });
      const entry = searchEntries[0] ?? { dn };
      const name = Object.keys(entry).find((key) => key.toLowerCase() === attribute.toLowerCase());
      const value = name === undefined ? undefined : entry[name];
      return Array.isArray(value) ? value[0]?.toString() : value?.toString();
    },
    async stop() {
      const client = await admin?.catch(() => undefined);
      await client?.unbind().catch(() => undefined);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.stdin?.end();
        const timer = setTimeout(() => killByPidFile(dir), 5_000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', cleanUp);
      // slapd has exited: only its directory is left (the watchdog usually took it already).
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
