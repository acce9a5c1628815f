/**
 * The benchmark's OpenLDAP: installs slapd and ldap-utils with apt-get when missing (as
 * root), writes a `slapd.conf` with the indexes a phone directory has
 * (`telephoneNumber,mobile eq,sub`, `cn eq,sub`), bulk-loads an LDIF file with
 * `slapadd -q` and runs slapd on a free loopback port until `stop()`.
 *
 * slapd runs under a shell watchdog holding a pipe from this process, so it also stops
 * when this process dies without cleaning up (as in src/test-support/slapd.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { ROOT_DN, ROOT_PASSWORD, SLAPADD, SLAPD, SUFFIX } from '../../src/test-support/slapd.js';
import { msSince } from '../stats.js';
import { isPortOpen, unusedPort } from '../../src/test-support/databases.js';

export { ROOT_DN, ROOT_PASSWORD, SUFFIX };
export const LDAPSEARCH = '/usr/bin/ldapsearch';

export interface BenchSlapd {
  url: string;
  /** Seconds `slapadd -q` took to load the LDIF. */
  loadSeconds: number;
  /** Size of the mdb database after loading. */
  dbBytes: number;
  /** Milliseconds from starting slapd until it accepted a connection. */
  startMs: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

export const SQLITE3 = '/usr/bin/sqlite3';

/** Installs slapd, ldap-utils and sqlite3 when a program is missing (needs root and apt). */
export function ensureSlapdInstalled(log: (text: string) => void): void {
  if ([SLAPD, SLAPADD, LDAPSEARCH, SQLITE3].every((p) => existsSync(p))) return;
  log('slapd, ldap-utils or sqlite3 missing: installing them with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync(
    'sh',
    ['-c', "echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections"],
    {
      stdio: 'inherit',
    },
  );
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync(
    'apt-get',
    ['install', '-y', '--no-install-recommends', 'slapd', 'ldap-utils', 'sqlite3'],
    {
      stdio: 'inherit',
      env,
    },
  );
}

function conf(dir: string): string {
  return [
    ...['core', 'cosine', 'nis', 'inetorgperson'].map(
      (s) => `include /etc/ldap/schema/${s}.schema`,
    ),
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'tool-threads 2',
    'database mdb',
    `suffix "${SUFFIX}"`,
    `rootdn "${ROOT_DN}"`,
    `rootpw ${ROOT_PASSWORD}`,
    `directory ${join(dir, 'db')}`,
    'maxsize 17179869184',
    'index objectClass eq',
    'index telephoneNumber,mobile eq,sub',
    'index cn eq,sub',
    'index uid,entryUUID eq',
    'sizelimit size.soft=unlimited size.hard=unlimited size.prtotal=unlimited',
    '',
  ].join('\n');
}

const WATCHDOG = [
  'exec 3<&0',
  '"$@" 3<&- </dev/null &',
  'pid=$!',
  '( read -r _ <&3; kill "$pid" 2>/dev/null ) &',
  'watcher=$!',
  'wait "$pid"; status=$?',
  'kill "$watcher" 2>/dev/null',
  'exit "$status"',
].join('\n');

/** `slapadd -q` of `ldif` into a fresh database in `dir`. */
export function loadLdif(dir: string, ldif: string): number {
  mkdirSync(join(dir, 'db'), { recursive: true });
  writeFileSync(join(dir, 'slapd.conf'), conf(dir));
  const start = process.hrtime.bigint();
  execFileSync(SLAPADD, ['-q', '-f', join(dir, 'slapd.conf'), '-l', ldif], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return msSince(start) / 1000;
}

function dbSize(dir: string): number {
  try {
    // Blocks in use: the mdb file is sparse up to its maxsize.
    const out = execFileSync('du', ['-sk', join(dir, 'db')], { encoding: 'utf8' });
    return Number(out.split(/\s/)[0]) * 1024;
  } catch {
    return 0;
  }
}

/** Runs slapd on the database `loadLdif` made in `dir`; resolves when it accepts. */
export async function startBenchSlapd(dir: string, loadSeconds: number): Promise<BenchSlapd> {
  const port = await unusedPort();
  const spawned = process.hrtime.bigint();
  const url = `ldap://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    '/bin/sh',
    [
      '-c',
      WATCHDOG,
      'slapd-watchdog',
      SLAPD,
      '-f',
      join(dir, 'slapd.conf'),
      '-h',
      `${url}/`,
      '-d',
      '0',
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin?.end();
      await exited;
    }
  };
  const started = Date.now();
  while (!(await isPortOpen(port))) {
    if (child.exitCode !== null || Date.now() - started > 20_000) {
      await stop();
      throw new Error(`slapd did not start: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const startMs = msSince(spawned);
  let pid: number | undefined;
  try {
    pid = Number(execFileSync('cat', [join(dir, 'slapd.pid')], { encoding: 'utf8' }).trim());
  } catch {
    pid = undefined;
  }
  return { url, loadSeconds, dbBytes: dbSize(dir), startMs, pid, stop };
}

/** Removes a slapd directory (after `stop()`). */
export function removeSlapdDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
