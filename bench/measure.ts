/**
 * The measuring half of the benchmark, run in its own process (forked by `run.ts`) so its
 * memory and start-up are those of a server opening a filled home: start-up, resident
 * memory, in-process caller lookups and searches.
 */
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { Principal } from '../src/access/access-service.js';
import { buildServer } from '../src/api/server.js';
import type { Ctibook } from '../src/app.js';
import type { CallerMatch } from '../src/directory/caller-lookup.js';
import { createCtibook } from '../src/app.js';
import type { IncomingCall, QueryKind } from './generate.js';
import { QUERY_KINDS, incomingNumbers, searchQueries } from './generate.js';
import type { BookRange } from './fill.js';
import { ADMIN, BENCH_USER, USER_BOOK, bookOf } from './fill.js';
import type { Summary } from './stats.js';
import { Samples, megabytes, msSince } from './stats.js';

/** Milliseconds from process start until this module runs: Node start-up and imports. */
const moduleLoadMs = performance.now();

export interface MeasureOptions {
  home: string;
  contacts: number;
  seed: number;
  ranges: BookRange[];
  lookups: number;
  searchQueries: number;
  /** Most seconds spent on one kind of search for one principal. */
  searchBudgetSeconds: number;
  /** After measuring, serve HTTP on the home until the parent sends `stop` (load scenarios). */
  serve?: boolean;
}

export interface LookupReport {
  lookups: number;
  all: Summary;
  /** Mean CPU time of the process per lookup: what a lookup costs without other load. */
  cpuMeanMicros: number;
  byExpected: Record<'exact' | 'company' | 'none', Summary>;
  /** Share of contacts' numbers that named the right contact (in a book the user reads). */
  exactHitRate: number;
  /** Share of unknown company extensions that named the company. */
  companyHitRate: number;
  /** Share of unknown numbers that matched nothing. */
  unknownCorrectRate: number;
  /** Matches from books the principal may not read (must be 0). */
  rightsViolations: number;
  errors: number;
  /** Hit rate of the contacts' numbers by the form the PBX delivered them in. */
  exactHitRateByForm: Record<string, { calls: number; hitRate: number }>;
}

export interface SearchReport {
  queries: number;
  summary: Summary;
  /** Mean CPU time of the process per query. */
  cpuMeanMicros: number;
  /** Mean of the reported totals and share of queries without any hit. */
  meanTotal: number;
  emptyShare: number;
  examples: string[];
}

export interface MeasureResult {
  startup: {
    /** Process start until the benchmark module runs (Node, tsx, imports). */
    moduleLoadMs: number;
    /** `createCtibook` on the filled home. */
    openMs: number;
    /** `buildServer` and `listen` until the port accepts requests. */
    httpReadyMs: number;
    /** Process start until the HTTP server answered its first request. */
    processToReadyMs: number;
    /** A second `createCtibook` after closing the first (warm caches). */
    reopenMs: number;
  };
  memoryMB: {
    afterStart: number;
    afterLookups: number;
    afterSearch: number;
    heapAfterSearch: number;
    maxRss: number;
  };
  lookup: { admin: LookupReport; user: LookupReport };
  search: Record<'admin' | 'user', Record<QueryKind, SearchReport>>;
}

/** How the PBX wrote a number; see `pbxForm` in generate.ts. */
function formOf(call: IncomingCall): string {
  const n = call.number;
  if (n.startsWith('tel:')) return 'tel:+…';
  if (n.startsWith('+')) return '+E.164';
  if (n.startsWith('0049')) return '0049…';
  if (n.startsWith('000')) return '0+00… (outside line, intl)';
  if (n.startsWith('00')) {
    return call.e164.startsWith('+49') ? '0+0… (outside line, national)' : '00… (intl)';
  }
  if (n.startsWith('0')) return '0… (national)';
  return 'local';
}

function measureLookups(
  app: Ctibook,
  principal: Principal,
  calls: readonly IncomingCall[],
  ranges: readonly BookRange[],
): LookupReport {
  const readable = principal.admin ? undefined : USER_BOOK;
  for (const call of calls.slice(0, Math.min(2000, calls.length))) {
    try {
      app.lookup.lookup(principal, call.number);
    } catch {
      // counted below
    }
  }
  const all = new Samples(calls.length);
  const byExpected = { exact: new Samples(), company: new Samples(), none: new Samples() };
  let exactCalls = 0;
  let exactHits = 0;
  let companyCalls = 0;
  let companyHits = 0;
  let noneCalls = 0;
  let noneCorrect = 0;
  let violations = 0;
  let errors = 0;
  const forms = new Map<string, { calls: number; hits: number }>();
  const cpuStart = process.cpuUsage();
  for (const call of calls) {
    const start = process.hrtime.bigint();
    let matches: CallerMatch[];
    try {
      matches = app.lookup.lookup(principal, call.number).matches;
    } catch {
      errors++;
      continue;
    } finally {
      const micros = Number(process.hrtime.bigint() - start) / 1000;
      all.add(micros);
      byExpected[call.expected.kind].add(micros);
    }
    if (readable && matches.some((m) => m.phonebook !== readable)) violations++;
    const expected = call.expected;
    if (expected.kind === 'exact') {
      const book = bookOf(ranges, expected.index);
      if (readable && book !== readable) continue;
      exactCalls++;
      const hit = matches.some(
        (m) => m.match === 'exact' && m.id === expected.id && m.phonebook === book,
      );
      if (hit) exactHits++;
      const form = formOf(call);
      const tally = forms.get(form) ?? { calls: 0, hits: 0 };
      tally.calls++;
      if (hit) tally.hits++;
      forms.set(form, tally);
    } else if (expected.kind === 'company') {
      if (readable) continue;
      companyCalls++;
      if (matches.some((m) => m.match === 'company' && m.company === expected.company)) {
        companyHits++;
      }
    } else {
      noneCalls++;
      if (matches.length === 0) noneCorrect++;
    }
  }
  const cpu = process.cpuUsage(cpuStart);
  return {
    lookups: calls.length,
    all: all.summary(),
    cpuMeanMicros: (cpu.user + cpu.system) / Math.max(1, calls.length),
    byExpected: {
      exact: byExpected.exact.summary(),
      company: byExpected.company.summary(),
      none: byExpected.none.summary(),
    },
    exactHitRate: exactHits / Math.max(1, exactCalls),
    companyHitRate: readable ? Number.NaN : companyHits / Math.max(1, companyCalls),
    unknownCorrectRate: noneCorrect / Math.max(1, noneCalls),
    rightsViolations: violations,
    errors,
    exactHitRateByForm: Object.fromEntries(
      [...forms].map(([form, t]) => [form, { calls: t.calls, hitRate: t.hits / t.calls }]),
    ),
  };
}

function measureSearch(
  app: Ctibook,
  principal: Principal,
  queries: readonly string[],
  budgetSeconds: number,
): SearchReport {
  for (const q of queries.slice(0, 5)) app.search.search(principal, q, 20, 0);
  const samples = new Samples(queries.length);
  let totals = 0;
  let empty = 0;
  const deadline = process.hrtime.bigint() + BigInt(Math.round(budgetSeconds * 1e9));
  const cpuStart = process.cpuUsage();
  for (const q of queries) {
    const start = process.hrtime.bigint();
    const { items, total } = app.search.search(principal, q, 20, 0);
    samples.since(start);
    totals += total;
    if (items.length === 0) empty++;
    if (process.hrtime.bigint() > deadline) break;
  }
  const count = samples.count;
  const cpu = process.cpuUsage(cpuStart);
  return {
    queries: count,
    summary: samples.summary(),
    cpuMeanMicros: (cpu.user + cpu.system) / Math.max(1, count),
    meanTotal: Math.round(totals / Math.max(1, count)),
    emptyShare: empty / Math.max(1, count),
    examples: [...new Set(queries.slice(0, 12))].slice(0, 6),
  };
}

const rssMB = (): number => megabytes(process.memoryUsage().rss);

export async function measure(options: MeasureOptions): Promise<MeasureResult> {
  const logger = pino({ level: 'silent' });
  const open = (): Promise<Ctibook> =>
    createCtibook({ home: options.home, logger, synchronous: 'NORMAL' });
  let start = process.hrtime.bigint();
  const app = await open();
  const openMs = msSince(start);
  start = process.hrtime.bigint();
  const server = await buildServer(app);
  await server.listen({ port: 0, host: '127.0.0.1' });
  const { port } = server.server.address() as AddressInfo;
  const health = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
  if (!health.ok) throw new Error(`health check answered ${health.status}`);
  const httpReadyMs = msSince(start);
  const processToReadyMs = performance.now();
  const afterStart = rssMB();

  const calls = incomingNumbers({
    contacts: options.contacts,
    count: options.lookups,
    seed: options.seed,
  });
  const admin = measureLookups(app, ADMIN, calls, options.ranges);
  const user = measureLookups(app, BENCH_USER, calls, options.ranges);
  const afterLookups = rssMB();

  const search = { admin: {}, user: {} } as MeasureResult['search'];
  for (const kind of QUERY_KINDS) {
    const queries = searchQueries({
      contacts: options.contacts,
      count: options.searchQueries,
      kind,
      seed: options.seed,
    });
    search.admin[kind] = measureSearch(app, ADMIN, queries, options.searchBudgetSeconds);
    search.user[kind] = measureSearch(app, BENCH_USER, queries, options.searchBudgetSeconds);
  }
  const afterSearch = rssMB();
  const heapAfterSearch = megabytes(process.memoryUsage().heapUsed);

  await server.close();
  await app.close();
  start = process.hrtime.bigint();
  const again = await open();
  const reopenMs = msSince(start);
  await again.close();
  return {
    startup: { moduleLoadMs, openMs, httpReadyMs, processToReadyMs, reopenMs },
    memoryMB: {
      afterStart,
      afterLookups,
      afterSearch,
      heapAfterSearch,
      maxRss: Math.round(process.resourceUsage().maxRSS / 1024),
    },
    lookup: { admin, user },
    search,
  };
}

/**
 * Opens the home again and serves HTTP until the parent sends `stop`: the server the load
 * scenarios talk to (a separate open, so the in-process figures above stay as they were).
 */
async function serve(home: string): Promise<number> {
  const app = await createCtibook({
    home,
    logger: pino({ level: 'silent' }),
    synchronous: 'NORMAL',
  });
  const server = await buildServer(app);
  await server.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', (message) => {
    if (message !== 'stop') return;
    void server
      .close()
      .then(() => app.close())
      .finally(() => process.exit(0));
  });
  return (server.server.address() as AddressInfo).port;
}

// Forked by run.ts: options come as the first argument, the result goes back over IPC.
if (process.send && process.argv[2]) {
  const options = JSON.parse(process.argv[2]) as MeasureOptions;
  measure(options)
    .then(async (result) => {
      const port = options.serve ? await serve(options.home) : undefined;
      process.send?.({ ok: true, result, port }, () => {
        if (!options.serve) process.exit(0);
      });
    })
    .catch((error: unknown) =>
      process.send?.(
        { ok: false, error: error instanceof Error ? error.stack : String(error) },
        () => process.exit(1),
      ),
    );
}
