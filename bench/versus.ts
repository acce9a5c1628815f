/**
 * The scenarios of issue 6: ctibook against OpenLDAP and SQLite on the same contacts in
 * the same run. Lookups and search against the served home (`measure.ts --serve`), then
 * the sync scenarios in a second, empty home.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QueryKind } from './generate.js';
import { QUERY_KINDS, incomingNumbers, searchQueries } from './generate.js';
import type { PreparedAnchors } from './prepare-anchors.js';
import type { CsvSyncResult } from './scenarios/csv-sync.js';
import { csvSync } from './scenarios/csv-sync.js';
import type { LdapSyncResult } from './scenarios/ldap-sync.js';
import { ldapSync } from './scenarios/ldap-sync.js';
import type { LookupVersus, SearchVersus } from './scenarios/lookup-anchor.js';
import { lookupVersus, searchVersus } from './scenarios/lookup-anchor.js';
import type { BenchSlapd } from './scenarios/slapd.js';
import { openSyncHome } from './scenarios/sync-home.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Sample sizes: the quick run must finish, slapd set-up included, within 2 minutes. */
export interface VersusOptions {
  contacts: number;
  seed: number;
  /** Seconds of each load loop (one per system and concurrency). */
  loadSeconds: number;
  concurrencies: number[];
  /** Incoming numbers for the hit rates (each system answers all of them). */
  hitCalls: number;
  /** Search-as-you-type queries per kind. */
  searchQueries: number;
  /** Runs of `sqlite3 .import` and `ldapsearch` (the anchors are quick; more runs are cheap). */
  anchorRuns: number;
  /** Rows of the CSV book (the first of the data set; all in a full run). */
  csvRows: number;
  /** Entries of the LDAP book (below `ou=people`). */
  ldapEntries: number;
}

export interface Resident {
  /** Resident and peak resident memory after the load, from /proc. */
  rssMB: number;
  peakMB: number;
}

export interface VersusResults {
  options: VersusOptions;
  anchors: {
    exportSeconds: number;
    slapaddSeconds: number;
    slapdDbBytes: number;
    slapdStartMs: number;
  };
  lookup: LookupVersus;
  search: SearchVersus[];
  memory: { ctibook?: Resident; slapd?: Resident };
  csvSync: CsvSyncResult;
  ldapSync: LdapSyncResult;
  /** What `bench/client-sync.ts` printed, when it exists (scenario 5). */
  clientSync?: ClientSyncRun;
}

/** Resident memory of a process from /proc (Linux). */
export function resident(pid: number | undefined): Resident | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number =>
      Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { rssMB: Math.round(kb('VmRSS') / 1024), peakMB: Math.round(kb('VmHWM') / 1024) };
  } catch {
    return undefined;
  }
}

export async function login(origin: string): Promise<string> {
  const response = await fetch(`${origin}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'bench-admin-password' }),
  });
  if (!response.ok) throw new Error(`login answered ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

/** What `bench/client-sync.ts` printed, when it exists (scenario 5). */
export interface ClientSyncRun {
  seconds: number;
  exitCode: number | null;
  /** Its standard output (its tables), as printed. */
  output: string;
}

/**
 * Scenario 5 slot: `bench/client-sync.ts` is written elsewhere as a script of its own
 * (`tsx bench/client-sync.ts --contacts N --home DIR`, reusing a home filled by
 * `bench/fill.ts`). When the file exists it runs as a child process on the filled home
 * (after the measuring server has stopped) and its output goes into the report.
 */
export async function runClientSync(options: {
  home: string;
  contacts: number;
  log: (text: string) => void;
}): Promise<ClientSyncRun | undefined> {
  const file = join(HERE, 'client-sync.ts');
  if (!existsSync(file)) return undefined;
  options.log('client first and delta sync: bench/client-sync.ts');
  const start = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', file, '--contacts', String(options.contacts), '--home', options.home],
    { cwd: dirname(HERE), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, exitCode, output };
}

/** Scenarios 1, 2 and 6 against the served home; the caller stops the server after. */
export async function versusServed(options: {
  v: VersusOptions;
  port: number;
  serverPid: number | undefined;
  slapd: BenchSlapd;
  log: (text: string) => void;
}): Promise<Pick<VersusResults, 'lookup' | 'search' | 'memory'>> {
  const { v, slapd, log } = options;
  const origin = `http://127.0.0.1:${options.port}`;
  const token = await login(origin);
  log(`caller lookups: HTTP against LDAP, ${v.loadSeconds} s per loop`);
  const lookup = await lookupVersus({
    origin,
    token,
    ldapUrl: slapd.url,
    calls: incomingNumbers({ contacts: v.contacts, count: 5000, seed: v.seed }),
    // Another count draws other numbers from the same data set.
    hitCalls: incomingNumbers({ contacts: v.contacts, count: v.hitCalls, seed: v.seed }),
    concurrencies: v.concurrencies,
    seconds: v.loadSeconds,
    log,
  });
  const memory = { ctibook: resident(options.serverPid), slapd: resident(slapd.pid) };
  log('search-as-you-type: HTTP against LDAP substring filters');
  const queries = Object.fromEntries(
    QUERY_KINDS.map((kind) => [
      kind,
      searchQueries({ contacts: v.contacts, count: v.searchQueries, kind, seed: v.seed }),
    ]),
  ) as Record<QueryKind, string[]>;
  const search = await searchVersus({ origin, token, ldapUrl: slapd.url, queries });
  return { lookup, search, memory };
}

/** Scenarios 3 and 4 in a second, empty home. */
export async function versusSync(options: {
  v: VersusOptions;
  anchors: PreparedAnchors;
  slapd: BenchSlapd;
  workDir: string;
  log: (text: string) => void;
}): Promise<Pick<VersusResults, 'csvSync' | 'ldapSync'>> {
  const { v, anchors, slapd, log } = options;
  const home = await openSyncHome();
  try {
    log(`CSV book: full sync of ${v.csvRows.toLocaleString('en-US')} rows, then 1 % changed`);
    const csv = await csvSync(home, {
      csv: anchors.files.csv,
      contacts: v.contacts,
      rows: v.csvRows,
      seed: v.seed,
      workDir: options.workDir,
      sqliteRuns: v.anchorRuns,
    });
    const entries = v.ldapEntries;
    log(`LDAP book: full sync of ${entries.toLocaleString('en-US')} entries`);
    const ldap = await ldapSync(home, slapd, { entries, ldapsearchRuns: v.anchorRuns });
    return { csvSync: csv, ldapSync: ldap };
  } finally {
    await home.close();
  }
}
