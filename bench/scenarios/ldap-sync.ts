/**
 * Scenario 4: a full sync of an LDAP book of the entries below `ou=people` (100,000, or all
 * of a smaller data set) through ctibook's sync engine, against `ldapsearch` paging the
 * same entries to /dev/null.
 */
import { execFileSync } from 'node:child_process';
import { LDAP_SYNC_BASE } from '../export.js';
import type { BenchSlapd } from './slapd.js';
import { LDAPSEARCH, ROOT_DN, ROOT_PASSWORD } from './slapd.js';
import type { SyncHome, TimedSync } from './sync-home.js';
import { createAndSync, timeChild, timedSync } from './sync-home.js';

export const LDAP_BOOK = 'LdapBench';
export const PAGE_SIZE = 1000;
const FILTER = '(objectClass=inetOrgPerson)';

export interface LdapSyncResult {
  entries: number;
  full: TimedSync;
  /** Seconds of each `ldapsearch` run dumping the entries. */
  ldapsearchSeconds: number[];
}

function ldapsearch(url: string): number {
  return timeChild(() =>
    execFileSync(
      LDAPSEARCH,
      [
        ...['-x', '-LLL', '-H', url, '-D', ROOT_DN, '-w', ROOT_PASSWORD],
        ...['-b', LDAP_SYNC_BASE, '-s', 'sub', '-E', `pr=${PAGE_SIZE}/noprompt`, FILTER],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    ),
  );
}

export async function ldapSync(
  home: SyncHome,
  slapd: BenchSlapd,
  options: { entries: number; ldapsearchRuns: number },
): Promise<LdapSyncResult> {
  const ldapsearchSeconds: number[] = [];
  for (let run = 0; run < options.ldapsearchRuns; run++) {
    ldapsearchSeconds.push(ldapsearch(slapd.url));
  }
  const full = await timedSync(() =>
    createAndSync(home.app, {
      name: LDAP_BOOK,
      kind: 'ldap',
      source: {
        url: slapd.url,
        baseDn: LDAP_SYNC_BASE,
        bindDn: ROOT_DN,
        bindPassword: ROOT_PASSWORD,
        filter: FILTER,
        pageSize: PAGE_SIZE,
        timeoutMs: 60_000,
      },
    }),
  );
  if (full.report.added + full.report.skipped !== options.entries) {
    throw new Error(`the LDAP sync added ${full.report.added} of ${options.entries} entries`);
  }
  return { entries: options.entries, full, ldapsearchSeconds };
}
