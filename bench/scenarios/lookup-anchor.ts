/**
 * Scenarios 1 and 2 against slapd: caller lookups over HTTP at concurrency 1, 16 and 64
 * against the same numbers as LDAP equality searches, the hit rate of each, and
 * search-as-you-type over HTTP against `cn` substring filters.
 */
import type { Client, Filter } from 'ldapts';
import { AndFilter, SubstringFilter } from 'ldapts';
import type { IncomingCall, QueryKind } from '../generate.js';
import type { Summary } from '../stats.js';
import { Samples } from '../stats.js';
import type { LoadResult } from './load.js';
import { httpLookupLoad, ldapClient, ldapLookupLoad, lookupFilter } from './load.js';
import { SUFFIX } from './slapd.js';

export interface HitRate {
  /** Contacts' numbers in another format: the right contact named. */
  exact: { calls: number; named: number };
  /** Unknown extensions of direct-dial companies: the company named. */
  company: { calls: number; named: number };
  /** Numbers nobody has: nothing named. */
  none: { calls: number; correct: number };
}

export interface LookupVersus {
  load: { concurrency: number; http: LoadResult; ldap: LoadResult }[];
  hitRate: { ctibook: HitRate; slapd: HitRate };
}

export interface SearchVersus {
  kind: QueryKind;
  ctibook: Summary;
  slapd: Summary;
  /** Mean entries answered per query (at most 20). */
  ctibookMeanItems: number;
  slapdMeanItems: number;
}

interface Answer {
  ids: string[];
  companies: string[];
}

function emptyHitRate(): HitRate {
  return {
    exact: { calls: 0, named: 0 },
    company: { calls: 0, named: 0 },
    none: { calls: 0, correct: 0 },
  };
}

function tally(rate: HitRate, call: IncomingCall, answer: Answer): void {
  const e = call.expected;
  if (e.kind === 'exact') {
    rate.exact.calls++;
    if (answer.ids.includes(e.id)) rate.exact.named++;
  } else if (e.kind === 'company') {
    rate.company.calls++;
    if (answer.companies.includes(e.company)) rate.company.named++;
  } else {
    rate.none.calls++;
    if (answer.ids.length === 0) rate.none.correct++;
  }
}

/** Runs `ask` over the calls, 8 at a time, and tallies the answers. */
async function hitRate(
  calls: readonly IncomingCall[],
  ask: (number: string) => Promise<Answer>,
): Promise<HitRate> {
  const rate = emptyHitRate();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < calls.length; i = next++) {
        const call = calls[i] as IncomingCall;
        tally(rate, call, await ask(call.number));
      }
    }),
  );
  return rate;
}

interface LookupBody {
  matches: { id: string; company?: string | null; match: string }[];
}

async function httpAnswer(origin: string, token: string, number: string): Promise<Answer> {
  const response = await fetch(`${origin}/api/v1/lookup?number=${encodeURIComponent(number)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as LookupBody;
  return {
    ids: body.matches.filter((m) => m.match === 'exact').map((m) => m.id),
    companies: body.matches.filter((m) => m.match === 'company').map((m) => m.company ?? ''),
  };
}

async function ldapAnswer(client: Client, number: string): Promise<Answer> {
  const { searchEntries } = await client.search(SUFFIX, {
    scope: 'sub',
    filter: lookupFilter(number),
    attributes: ['uid', 'o'],
  });
  return {
    ids: searchEntries.map((e) => String(e.uid)),
    companies: searchEntries.map((e) => String(e.o ?? '')),
  };
}

export async function lookupVersus(options: {
  origin: string;
  token: string;
  ldapUrl: string;
  calls: readonly IncomingCall[];
  hitCalls: readonly IncomingCall[];
  concurrencies: readonly number[];
  seconds: number;
  log: (text: string) => void;
}): Promise<LookupVersus> {
  const { origin, token, ldapUrl, seconds } = options;
  const numbers = options.calls.map((c) => c.number);
  const load: LookupVersus['load'] = [];
  // Warm both (caches, JIT, connections) before the first measured loop.
  await httpLookupLoad(origin, token, numbers, 4, 1);
  await ldapLookupLoad(ldapUrl, numbers, 4, 1);
  for (const concurrency of options.concurrencies) {
    options.log(`  lookups at concurrency ${concurrency}: HTTP, then LDAP`);
    const http = await httpLookupLoad(origin, token, numbers, concurrency, seconds);
    const ldap = await ldapLookupLoad(ldapUrl, numbers, concurrency, seconds);
    load.push({ concurrency, http, ldap });
  }
  options.log('  hit rates');
  const ctibook = await hitRate(options.hitCalls, (n) => httpAnswer(origin, token, n));
  const client = await ldapClient(ldapUrl);
  try {
    const slapd = await hitRate(options.hitCalls, (n) => ldapAnswer(client, n));
    return { load, hitRate: { ctibook, slapd } };
  } finally {
    await client.unbind();
  }
}

/**
 * The LDAP filter of a search-as-you-type query: `(cn=a*)` for one word; for two words
 * `(&(cn=first*)(cn=*second*))`, the second word anywhere in the name.
 */
export function searchFilter(query: string): Filter {
  const [first = '', ...rest] = query.trim().split(/\s+/);
  const head = new SubstringFilter({ attribute: 'cn', initial: first });
  if (rest.length === 0) return head;
  return new AndFilter({
    filters: [head, ...rest.map((w) => new SubstringFilter({ attribute: 'cn', any: [w] }))],
  });
}

/** One query after another (concurrency 1): 20 results, as a client's search box asks. */
export async function searchVersus(options: {
  origin: string;
  token: string;
  ldapUrl: string;
  queries: Record<QueryKind, string[]>;
}): Promise<SearchVersus[]> {
  const { origin, token } = options;
  const client = await ldapClient(options.ldapUrl);
  const out: SearchVersus[] = [];
  try {
    for (const [kind, queries] of Object.entries(options.queries) as [QueryKind, string[]][]) {
      const http = new Samples(queries.length);
      const ldap = new Samples(queries.length);
      let httpItems = 0;
      let ldapItems = 0;
      for (const q of queries.slice(0, 3)) {
        await fetch(`${origin}/api/v1/search?q=${encodeURIComponent(q)}&limit=20`, {
          headers: { authorization: `Bearer ${token}` },
        }).then((r) => r.arrayBuffer());
      }
      for (const q of queries) {
        let t = process.hrtime.bigint();
        const response = await fetch(
          `${origin}/api/v1/search?q=${encodeURIComponent(q)}&limit=20`,
          {
            headers: { authorization: `Bearer ${token}` },
          },
        );
        const body = (await response.json()) as { items?: unknown[] };
        http.since(t);
        httpItems += body.items?.length ?? 0;
        t = process.hrtime.bigint();
        const { searchEntries } = await client.search(SUFFIX, {
          scope: 'sub',
          filter: searchFilter(q),
          sizeLimit: 20,
          attributes: ['cn', 'o', 'telephoneNumber', 'mobile'],
        });
        ldap.since(t);
        ldapItems += searchEntries.length;
      }
      out.push({
        kind,
        ctibook: http.summary(),
        slapd: ldap.summary(),
        ctibookMeanItems: httpItems / Math.max(1, queries.length),
        slapdMeanItems: ldapItems / Math.max(1, queries.length),
      });
    }
  } finally {
    await client.unbind();
  }
  return out;
}
