/**
 * Fills a ctibook home with generated contacts through the store's bulk path, timing
 * generation, preparation (normalising numbers, search text) and the store writes apart.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import type { Ctibook } from '../src/app.js';
import { createCtibook } from '../src/app.js';
import type { PreparedContact } from '../src/store/contact-rows.js';
import { prepareContact } from '../src/store/contact-rows.js';
import { BENCH_LOCATION, GENERATOR_VERSION, contactAt } from './generate.js';
import type { PrepareReply, PrepareRequest, PrepareWorkerData } from './prepare-worker.js';
import { msSince } from './stats.js';

/** The books the contacts are spread over, each a contiguous range of contact indexes. */
export const BENCH_BOOKS: readonly { name: string; share: number }[] = [
  { name: 'Global.Phonebook', share: 0.4 },
  { name: 'Kunden', share: 0.3 },
  { name: 'Lieferanten', share: 0.2 },
  { name: 'Privat', share: 0.1 },
];

/** The non-admin user of the benchmark reads this book only. */
export const USER_BOOK = 'Kunden';
export const BENCH_USER = { username: 'bench', admin: false } as const;
export const ADMIN = { username: 'admin', admin: true } as const;

export interface BookRange {
  name: string;
  from: number;
  to: number;
}

/** Which indexes go to which book for a data set of `count` contacts. */
export function bookRanges(count: number): BookRange[] {
  let share = 0;
  return BENCH_BOOKS.map((book) => {
    const from = Math.floor(count * share);
    share += book.share;
    return { name: book.name, from, to: Math.floor(count * share) };
  });
}

export function bookOf(ranges: readonly BookRange[], index: number): string {
  return ranges.find((r) => index >= r.from && index < r.to)?.name ?? '';
}

/** Written next to the store, so a later run can reuse a filled home (`--home`). */
export interface HomeMeta {
  contacts: number;
  seed: number;
  generator: number;
  ranges: BookRange[];
}

export interface FillResult {
  contacts: number;
  batchSize: number;
  /**
   * `inline`: generate, prepare and store one batch after another on the main thread, as
   * the API does. `worker`: a worker thread generates and prepares the next batch while
   * the main thread stores the current one; `perSecond` is then over the whole wall time.
   */
  mode: 'inline' | 'worker';
  /** Seconds spent in each part; `perSecond` is contacts / (prepare + store). */
  generateSeconds: number;
  prepareSeconds: number;
  storeSeconds: number;
  closeSeconds: number;
  perSecond: number;
  /** Contacts per second of CPU time of this process (prepare + store), less sensitive to load. */
  perCpuSecond: number;
  preparePerSecond: number;
  storePerSecond: number;
  /** Store rate over the first and the last tenth of the batches: how it falls as the store grows. */
  storePerSecondFirstTenth: number;
  storePerSecondLastTenth: number;
  storeBytes: number;
  /** Peak resident memory of the filling process. */
  maxRssMB: number;
}

const META_FILE = 'bench-meta.json';

function rateOf(batches: readonly { ns: bigint; contacts: number }[]): number {
  let ns = 0n;
  let contacts = 0;
  for (const batch of batches) {
    ns += batch.ns;
    contacts += batch.contacts;
  }
  return ns === 0n ? 0 : contacts / (Number(ns) / 1e9);
}

export interface FillOptions {
  contacts: number;
  seed: number;
  batchSize: number;
  prepareInWorker?: boolean;
  onProgress?: (done: number) => void;
}

interface Batch {
  bookId: number;
  from: number;
  to: number;
}

interface InsertRun {
  /** `putMany` time and size of each batch, in order. */
  batches: { ns: bigint; contacts: number }[];
  generateNs: bigint;
  prepareNs: bigint;
  storeNs: bigint;
  cpuMicros: number;
  wallSeconds: number;
}

/** Generates, prepares and stores each batch in turn on this thread. */
function insertInline(
  app: Ctibook,
  batches: Batch[],
  options: FillOptions,
  now: string,
): InsertRun {
  const normalizer = app.location.normalizer;
  const run: InsertRun = {
    batches: [],
    generateNs: 0n,
    prepareNs: 0n,
    storeNs: 0n,
    cpuMicros: 0,
    wallSeconds: 0,
  };
  const start = process.hrtime.bigint();
  let done = 0;
  for (const { bookId, from, to } of batches) {
    const t0 = process.hrtime.bigint();
    const batch = [];
    for (let i = from; i < to; i++) batch.push(contactAt(options.seed, options.contacts, i));
    const cpu = process.cpuUsage();
    const t1 = process.hrtime.bigint();
    const prepared: PreparedContact[] = batch.map((c) => prepareContact(c.id, c.data, normalizer));
    const t2 = process.hrtime.bigint();
    app.stores.contacts.putMany(bookId, prepared, now);
    const t3 = process.hrtime.bigint();
    const used = process.cpuUsage(cpu);
    run.cpuMicros += used.user + used.system;
    run.generateNs += t1 - t0;
    run.prepareNs += t2 - t1;
    run.storeNs += t3 - t2;
    run.batches.push({ ns: t3 - t2, contacts: to - from });
    done += to - from;
    options.onProgress?.(done);
  }
  run.wallSeconds = msSince(start) / 1000;
  return run;
}

/**
 * A worker thread generates and prepares batch k+1 while this thread stores batch k.
 * `prepareNs` is the worker's wall time for preparing; `storeNs` is `putMany` only (the
 * structured clone of a batch arriving from the worker is in neither).
 */
async function insertPipelined(
  app: Ctibook,
  batches: Batch[],
  options: FillOptions,
  now: string,
): Promise<InsertRun> {
  const workerData: PrepareWorkerData = {
    seed: options.seed,
    contacts: options.contacts,
    location: app.location.normalizer.location,
  };
  const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), {
    workerData: { ...workerData, entry: new URL('./prepare-worker.ts', import.meta.url).href },
  });
  const waiting = new Map<number, (reply: PrepareReply) => void>();
  worker.on('message', (reply: PrepareReply) => waiting.get(reply.from)?.(reply));
  const failed = new Promise<never>((_, reject) => worker.once('error', reject));
  const request = (batch: Batch): Promise<PrepareReply> =>
    Promise.race([
      new Promise<PrepareReply>((resolve) => {
        waiting.set(batch.from, resolve);
        worker.postMessage({ from: batch.from, to: batch.to } satisfies PrepareRequest);
      }),
      failed,
    ]);
  const run: InsertRun = {
    batches: [],
    generateNs: 0n,
    prepareNs: 0n,
    storeNs: 0n,
    cpuMicros: 0,
    wallSeconds: 0,
  };
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  let done = 0;
  try {
    let next = batches[0] && request(batches[0]);
    for (let k = 0; k < batches.length; k++) {
      const batch = batches[k] as Batch;
      const reply = await (next as Promise<PrepareReply>);
      waiting.delete(batch.from);
      const following = batches[k + 1];
      next = following && request(following);
      const t = process.hrtime.bigint();
      app.stores.contacts.putMany(batch.bookId, reply.prepared, now);
      const stored = process.hrtime.bigint() - t;
      run.storeNs += stored;
      run.batches.push({ ns: stored, contacts: batch.to - batch.from });
      run.prepareNs += BigInt(Math.round(reply.prepareMicros * 1000));
      run.generateNs += BigInt(Math.round(reply.generateMicros * 1000));
      done += batch.to - batch.from;
      options.onProgress?.(done);
    }
  } finally {
    await worker.terminate();
  }
  run.wallSeconds = msSince(start) / 1000;
  // The process's CPU time covers both threads; the worker's generating is not counted.
  const used = process.cpuUsage(cpu);
  run.cpuMicros = used.user + used.system - Number(run.generateNs) / 1000;
  return run;
}

export function readMeta(home: string): HomeMeta | undefined {
  const file = join(home, META_FILE);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as HomeMeta;
}

/** Creates the books, the benchmark user and the site's location, then bulk-inserts. */
export async function fillHome(home: string, options: FillOptions): Promise<FillResult> {
  const app = await createCtibook({
    home,
    adminPassword: 'bench-admin-password',
    logger: pino({ level: 'silent' }),
    synchronous: 'NORMAL',
  });
  const ranges = bookRanges(options.contacts);
  await app.location.set(BENCH_LOCATION);
  const bookIds = new Map<string, number>();
  for (const { name } of ranges) {
    const book = app.stores.books.byName(name) ?? app.phonebooks.create({ name, kind: 'builtin' });
    bookIds.set(name, book.id);
  }
  const now = new Date().toISOString();
  await app.access.createUser({ username: BENCH_USER.username, password: 'bench-password-1' }, now);
  app.access.createGroup('bench-readers', [BENCH_USER.username], now);
  app.access.setResources('bench-readers', [
    { bookId: bookIds.get(USER_BOOK) ?? 0, rights: { read: true, write: false, offline: false } },
  ]);

  const batches: Batch[] = [];
  for (const range of ranges) {
    for (let from = range.from; from < range.to; from += options.batchSize) {
      const to = Math.min(range.to, from + options.batchSize);
      batches.push({ bookId: bookIds.get(range.name) ?? 0, from, to });
    }
  }
  const run = options.prepareInWorker
    ? await insertPipelined(app, batches, options, now)
    : insertInline(app, batches, options, now);
  let { cpuMicros } = run;
  const { generateNs, prepareNs, storeNs } = run;
  const closeStart = process.hrtime.bigint();
  const closeCpu = process.cpuUsage();
  await app.close();
  const closeSeconds = msSince(closeStart) / 1000;
  const closeUsed = process.cpuUsage(closeCpu);
  cpuMicros += closeUsed.user + closeUsed.system;
  const meta: HomeMeta = {
    contacts: options.contacts,
    seed: options.seed,
    generator: GENERATOR_VERSION,
    ranges,
  };
  writeFileSync(join(home, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);

  const seconds = (ns: bigint): number => Number(ns) / 1e9;
  const prepareSeconds = seconds(prepareNs);
  const storeSeconds = seconds(storeNs);
  const storeFile = app.home.storeFile;
  const storeBytes = ['', '-wal']
    .map((suffix) => `${storeFile}${suffix}`)
    .filter((file) => existsSync(file))
    .reduce((sum, file) => sum + statSync(file).size, 0);
  return {
    contacts: options.contacts,
    batchSize: options.batchSize,
    generateSeconds: seconds(generateNs),
    prepareSeconds,
    storeSeconds,
    closeSeconds,
    mode: options.prepareInWorker ? 'worker' : 'inline',
    perSecond:
      options.contacts /
      (options.prepareInWorker
        ? run.wallSeconds + closeSeconds
        : prepareSeconds + storeSeconds + closeSeconds),
    perCpuSecond: options.contacts / (cpuMicros / 1e6),
    preparePerSecond: options.contacts / prepareSeconds,
    storePerSecond: options.contacts / storeSeconds,
    storePerSecondFirstTenth: rateOf(run.batches.slice(0, Math.ceil(run.batches.length / 10))),
    storePerSecondLastTenth: rateOf(run.batches.slice(-Math.ceil(run.batches.length / 10))),
    storeBytes,
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}
