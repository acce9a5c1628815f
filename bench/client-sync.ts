/**
 * Client sync benchmark (issue 4): first sync of big books over loopback from a real
 * server process, a delta sync after 1 % of the contacts changed, and offline lookups.
 *
 *   npx tsx bench/client-sync.ts [--contacts N] [--page-size N] [--snapshot-from N]
 *                                [--lookups N] [--keep]
 *                                [--home DIR [--fill-only]]
 *
 * `--home DIR` fills DIR once and reuses it in later runs with the same `--contacts`;
 * `--fill-only` stops after filling. `--snapshot-from` is the client's `snapshotFrom` (a
 * book of at least that many contacts is copied from a snapshot; `Infinity`: pages only).
 *
 * The server's home is filled with `bench/fill.ts` (four builtin books, N contacts in all);
 * the client logs in as admin, who has the offline right on every book.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CtibookClient, OfflineCache } from '../src/client/index.js';
import { DEFAULT_PAGE_SIZE, SNAPSHOT_FROM } from '../src/client/cache-sync.js';
import { startServer } from '../test/support/server-process.js';
import { bookOf, bookRanges, fillHome, readMeta } from './fill.js';
import { DEFAULT_SEED, contactId, incomingNumbers } from './generate.js';
import { Samples, formatMicros } from './stats.js';

const ADMIN_PASSWORD = 'bench-admin-password';
const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '100000' },
    'page-size': { type: 'string', default: String(DEFAULT_PAGE_SIZE) },
    'snapshot-from': { type: 'string', default: String(SNAPSHOT_FROM) },
    lookups: { type: 'string', default: '20000' },
    keep: { type: 'boolean', default: false },
    home: { type: 'string' },
    'fill-only': { type: 'boolean', default: false },
  },
});
const contacts = Number(values.contacts);
const pageSize = Number(values['page-size']);
const snapshotFrom = Number(values['snapshot-from']);
const lookups = Number(values.lookups);

const root = mkdtempSync(join(tmpdir(), 'ctibook-client-bench-'));
const home = values.home ?? join(root, 'home');
const workdir = join(root, 'client');
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const log = (text: string): void => void process.stderr.write(`${text}\n`);
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const loadBefore = load();
/** Peak resident memory of a process so far (Linux), for the server's and the client's. */
const peakRss = (pid: number | undefined): string => {
  const status = `/proc/${pid ?? 'self'}/status`;
  if (!existsSync(status)) return 'unknown';
  const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(status, 'utf8'))?.[1];
  return kib ? mb(Number(kib) * 1024) : 'unknown';
};

/**
 * CPU seconds (user + system) a process has used so far, from `/proc/<pid>/stat` (Linux,
 * whose clock ticks are 1/100 s); NaN elsewhere. The server shares the 2 cores with the client.
 */
const cpuSeconds = (pid: number | undefined): number => {
  const file = `/proc/${pid ?? 'self'}/stat`;
  if (!existsSync(file)) return NaN;
  const stat = readFileSync(file, 'utf8');
  // After the command in parentheses (it may hold spaces): field 3 on; utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

if (readMeta(home)?.contacts === contacts) {
  log(`reusing the filled home ${home}`);
} else {
  log(`filling ${contacts.toLocaleString('en')} contacts into ${home} …`);
  const fill = await fillHome(home, {
    contacts,
    seed: DEFAULT_SEED,
    batchSize: 10_000,
    prepareInWorker: true,
  });
  log(`filled in ${(fill.prepareSeconds + fill.storeSeconds).toFixed(1)} s`);
}
if (values['fill-only']) process.exit(0);
const server = await startServer([], { CTIBOOK_HOME: home, CTIBOOK_LOG_LEVEL: 'warn' });
const rows: [string, string][] = [];
const pushRows = (...entries: [string, string][]): void => {
  for (const [key, value] of entries) {
    rows.push([key, value]);
    log(`${key}: ${value}`);
  }
};
try {
  const client = CtibookClient.open({
    server: server.url,
    username: 'admin',
    password: ADMIN_PASSWORD,
    workdir,
  });
  await client.login();

  // First sync: every book, from nothing.
  let cpu = process.cpuUsage();
  const serverCpu = cpuSeconds(server.child.pid);
  let started = performance.now();
  let lastLog = 0;
  const full = await client.sync({
    pageSize,
    snapshotFrom,
    onProgress: (p) => {
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        log(`  ${((lastLog - started) / 1000).toFixed(0)} s: ${p.phonebook} ${p.done}/${p.total}`);
      }
    },
  });
  const fullSeconds = (performance.now() - started) / 1000;
  const fullCpu = process.cpuUsage(cpu);
  const fullServerCpu = cpuSeconds(server.child.pid) - serverCpu;
  const fullWait = full.books.reduce((s, b) => s + b.waitMs, 0) / 1000;
  const fullApply = full.books.reduce((s, b) => s + b.applyMs, 0) / 1000;
  const received = full.books.reduce((s, b) => s + b.upserts, 0);
  const cacheFile = join(workdir, 'offline.sqlite');
  const cacheBytes = ['', '-wal']
    .map((suffix) => `${cacheFile}${suffix}`)
    .filter(existsSync)
    .reduce((sum, file) => sum + statSync(file).size, 0);
  pushRows(
    [
      'first sync, all books',
      `${fullSeconds.toFixed(1)} s (${Math.round(received / fullSeconds).toLocaleString('en')} contacts/s)`,
    ],
    ['– contacts received', received.toLocaleString('en')],
    [
      '– books copied from snapshots',
      `${full.books.filter((b) => b.snapshot).length} of ${full.books.length}`,
    ],
    [
      '– bytes received (snapshot files, JSON pages uncompressed)',
      `${mb(full.bytes)} (${Math.round(full.bytes / received)} B/contact)`,
    ],
    ['– waiting for snapshots and pages (server + transfer + checks)', `${fullWait.toFixed(1)} s`],
    ['– storing them (copy or normalise, index, write)', `${fullApply.toFixed(1)} s`],
    ['– client CPU (user + system)', `${((fullCpu.user + fullCpu.system) / 1e6).toFixed(1)} s`],
    ['– server CPU (user + system)', `${fullServerCpu.toFixed(1)} s`],
    ['– offline copy on disk', mb(cacheBytes)],
    [
      '– peak resident memory so far: client, server',
      `${peakRss(undefined)}, ${peakRss(server.child.pid)}`,
    ],
  );

  // 1 % of the contacts change on the server (another user), then a delta sync.
  const ranges = bookRanges(contacts);
  const changed = Math.max(1, Math.floor(contacts / 100));
  const token = client.token ?? '';
  log(`changing ${changed} contacts …`);
  const indexes = Array.from({ length: changed }, (_, k) => Math.floor((k * contacts) / changed));
  for (let i = 0; i < indexes.length; i += 16) {
    await Promise.all(
      indexes.slice(i, i + 16).map(async (first) => {
        // The generated junk contacts (1 %) cannot be saved as they are: take the next one.
        for (let index = first; index < first + 10; index++) {
          const book = encodeURIComponent(bookOf(ranges, index));
          const response = await fetch(
            `${server.url}/api/v1/phonebooks/${book}/contacts/${contactId(index)}`,
            {
              method: 'PATCH',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify({ jobTitle: `Changed ${index}` }),
            },
          );
          if (response.ok) return;
          if (response.status !== 400) {
            throw new Error(`PATCH ${index}: ${response.status} ${await response.text()}`);
          }
        }
        throw new Error(`PATCH near ${first}: no contact could be changed`);
      }),
    );
  }
  cpu = process.cpuUsage();
  started = performance.now();
  const delta = await client.sync({ pageSize });
  const deltaSeconds = (performance.now() - started) / 1000;
  const deltaCpu = process.cpuUsage(cpu);
  const deltaUpserts = delta.books.reduce((s, b) => s + b.upserts, 0);
  pushRows(
    [
      `delta sync after ${changed.toLocaleString('en')} changes (1 %)`,
      `${deltaSeconds.toFixed(2)} s, ${deltaUpserts.toLocaleString('en')} contacts`,
    ],
    [
      '– bytes received',
      `${mb(delta.bytes)} = ${((delta.bytes / full.bytes) * 100).toFixed(2)} % of the first sync`,
    ],
    ['– client CPU', `${((deltaCpu.user + deltaCpu.system) / 1e6).toFixed(2)} s`],
  );
  await client.close();

  // Offline lookups on the copy, in this process, the server's way.
  const cache = OfflineCache.open(workdir);
  const calls = incomingNumbers({ contacts, count: lookups, seed: DEFAULT_SEED });
  for (const call of calls.slice(0, 500)) cache.lookup(call.number);
  const samples = new Samples(lookups);
  let named = 0;
  let exact = 0;
  for (const call of calls) {
    const t = process.hrtime.bigint();
    const answer = cache.lookup(call.number);
    samples.since(t);
    if (call.expected.kind === 'exact') {
      exact++;
      const id = call.expected.id;
      if (answer.matches.some((m) => m.id === id)) named++;
    }
  }
  const s = samples.summary();
  pushRows(
    [
      `offline lookup (OfflineCache.lookup), ${lookups.toLocaleString('en')} numbers`,
      `median ${formatMicros(s.median)}, p95 ${formatMicros(s.p95)}, p99 ${formatMicros(s.p99)}, max ${formatMicros(s.max)}`,
    ],
    ["– contacts' numbers named", `${((named / exact) * 100).toFixed(1)} %`],
  );
  cache.close();

  // The same through the client with the server stopped (a refused connection first).
  server.child.kill('SIGTERM');
  await server.exited;
  const offlineClient = CtibookClient.open({ server: server.url, username: 'admin', workdir });
  const viaClient = new Samples(1000);
  for (const call of calls.slice(0, 1000)) {
    const t = process.hrtime.bigint();
    const answer = await offlineClient.lookup(call.number);
    viaClient.since(t);
    if (!answer.offline) throw new Error('expected an offline answer');
  }
  const c = viaClient.summary();
  pushRows([
    'client.lookup() with the server down (connection refused, then the copy)',
    `median ${formatMicros(c.median)}, p99 ${formatMicros(c.p99)}`,
  ]);
  await offlineClient.close();
} catch (error) {
  log(`server stderr (tail): ${server.stderr().slice(-2000)}`);
  throw error;
} finally {
  server.child.kill('SIGTERM');
  await server.exited;
  if (!values.keep) rmSync(root, { recursive: true, force: true });
  else log(`kept ${root}`);
}

const width = Math.max(...rows.map(([k]) => k.length));
console.log(
  `\n#### ${contacts.toLocaleString('en')} contacts, page size ${pageSize.toLocaleString('en')}, ${new Date().toISOString().slice(0, 10)}\n`,
);
console.log(`load average ${loadBefore} before, ${load()} after\n`);
console.log(`| ${'measure'.padEnd(width)} | value |`);
console.log(`| ${'-'.repeat(width)} | ----- |`);
for (const [k, v] of rows) console.log(`| ${k.padEnd(width)} | ${v} |`);
