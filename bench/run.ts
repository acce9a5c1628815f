/**
 * `npm run bench [-- --quick | --contacts N] [--seed S] [--lookups N] [--queries N]
 *  [--batch N] [--prepare-in-worker] [--home DIR] [--keep]` (see `--help`)
 *
 * Fills a temporary ctibook home with generated contacts (timing the bulk insert), then
 * forks a fresh process that opens it like a server and measures start-up, memory, caller
 * lookups and searches. Meanwhile a second process writes the same contacts as CSV, LDIF
 * and SQL and loads slapd; then lookups and search run over HTTP against slapd, and CSV
 * and LDAP books sync against `sqlite3 .import` and `ldapsearch` (issue 6; `--core-only`
 * skips that). Prints a Markdown table and writes it and a JSON file of results to
 * bench/results/.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { DEFAULT_SEED, GENERATOR_VERSION } from './generate.js';
import type { FillResult } from './fill.js';
import { fillHome, readMeta } from './fill.js';
import type { MeasureOptions, MeasureResult } from './measure.js';
import { LDAP_SYNC_ENTRIES } from './export.js';
import type { PreparedAnchors } from './prepare-anchors.js';
import type { BenchResults, Machine } from './report.js';
import { checkTargets, toMarkdown } from './report.js';
import { checkVersusTargets, versusMarkdown } from './report-versus.js';
import { ensureSlapdInstalled, startBenchSlapd } from './scenarios/slapd.js';
import type { VersusOptions, VersusResults } from './versus.js';
import { runClientSync, versusServed, versusSync } from './versus.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = join(HERE, 'results');

const HELP = `npm run bench -- [options]
  --quick          100,000 contacts (default: 1,000,000)
  --contacts N     N contacts
  --seed S         generator seed (default ${DEFAULT_SEED})
  --lookups N      caller lookups per principal (default 20,000, quick 5,000)
  --queries N      search queries per kind and principal (default 300, quick 100)
  --batch N        contacts per putMany transaction (default 10,000)
  --prepare-in-worker
                   prepare the next batch on a worker thread while storing the current
                   one (what a pipelined import could reach; default: one thread)
  --load-seconds N seconds of each HTTP / LDAP load loop (default 5, quick 2)
  --sync-rows N    rows of the CSV book and entries of the LDAP book (default: all
                   contacts and 100,000 entries; quick 20,000 each)
  --core-only      skip the scenarios against OpenLDAP and SQLite (issue 6)
  --home DIR       use DIR as the home; reused without filling when it already holds
                   the same data set (for profiling), kept afterwards
  --keep           keep the temporary home
`;

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value.replaceAll('_', ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} needs a positive integer`);
  return n;
}

/** `git describe`-like: the commit, `+changes` when the working tree differs from it. */
function gitState(): string {
  try {
    const run = (args: string[]): string =>
      execFileSync('git', args, {
        cwd: HERE,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    const commit = run(['rev-parse', '--short', 'HEAD']);
    return run(['status', '--porcelain', '--untracked-files=no']) === ''
      ? commit
      : `${commit}+changes`;
  } catch {
    return 'unknown';
  }
}

function machine(loadBefore: number): Machine {
  const db = new Database(':memory:');
  const sqlite = db.prepare('SELECT sqlite_version()').pluck().get() as string;
  db.close();
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    sqlite,
    platform: `${process.platform} ${process.arch}`,
    load: [loadBefore, loadavg()[0] ?? 0],
    git: gitState(),
  };
}

interface Forked<T> {
  result: T;
  port?: number;
  pid: number | undefined;
  /** Tells a serving child to stop and waits for it to exit. */
  stop(): Promise<void>;
}

/** Forks `file` with JSON options and waits for its first `{ok, result}` message. */
function forkJson<T>(file: string, options: object): Promise<Forked<T>> {
  return new Promise((resolve, reject) => {
    const child = fork(join(HERE, file), [JSON.stringify(options)], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    let settled = false;
    type Message = { ok: boolean; result?: T; port?: number; error?: string };
    child.once('message', (message: Message) => {
      settled = true;
      if (!message.ok || message.result === undefined) {
        reject(new Error(`${file} failed: ${message.error ?? 'no result'}`));
        return;
      }
      resolve({
        result: message.result,
        ...(message.port === undefined ? {} : { port: message.port }),
        pid: child.pid,
        async stop() {
          if (child.connected && child.exitCode === null && child.signalCode === null) {
            child.send('stop');
          }
          await exited;
        },
      });
    });
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`${file} exited with ${code} before reporting`));
    });
  });
}

type Log = (text: string) => void;

/** Fills the home, or reuses it when it already holds this data set (`--home`). */
async function fillOrReuse(
  home: string,
  o: { contacts: number; seed: number; batchSize: number; prepareInWorker: boolean },
  log: Log,
): Promise<FillResult | undefined> {
  const meta = readMeta(home);
  if (
    meta &&
    meta.contacts === o.contacts &&
    meta.seed === o.seed &&
    meta.generator === GENERATOR_VERSION
  ) {
    log(`reusing the filled home ${home}`);
    return undefined;
  }
  if (meta) {
    throw new Error(
      `${home} holds another data set (${meta.contacts} contacts, seed ${meta.seed}, ` +
        `generator ${meta.generator}); use an empty directory`,
    );
  }
  log(`filling ${home} with ${o.contacts.toLocaleString('en-US')} contacts`);
  const step = Math.max(o.batchSize, Math.round(o.contacts / 10 / o.batchSize) * o.batchSize);
  const insert = await fillHome(home, {
    ...o,
    onProgress: (done) => {
      if (done % step === 0 || done === o.contacts) log(`  ${done.toLocaleString('en-US')}`);
    },
  });
  log(
    `inserted at ${Math.round(insert.perSecond).toLocaleString('en-US')} contacts/s ` +
      `(prepare ${insert.prepareSeconds.toFixed(1)} s, store ${insert.storeSeconds.toFixed(1)} s)`,
  );
  return insert;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      contacts: { type: 'string' },
      seed: { type: 'string' },
      lookups: { type: 'string' },
      queries: { type: 'string' },
      batch: { type: 'string' },
      'prepare-in-worker': { type: 'boolean', default: false },
      'load-seconds': { type: 'string' },
      'core-only': { type: 'boolean', default: false },
      'sync-rows': { type: 'string' },
      home: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const quick = values.quick;
  const contacts = positiveInt(values.contacts, quick ? 100_000 : 1_000_000, 'contacts');
  const seed = positiveInt(values.seed, DEFAULT_SEED, 'seed');
  const lookups = positiveInt(values.lookups, quick ? 5_000 : 20_000, 'lookups');
  const queries = positiveInt(values.queries, quick ? 100 : 300, 'queries');
  const batchSize = positiveInt(values.batch, 10_000, 'batch');
  const versus: VersusOptions | undefined = values['core-only']
    ? undefined
    : {
        contacts,
        seed,
        loadSeconds: positiveInt(values['load-seconds'], quick ? 2 : 5, 'load-seconds'),
        concurrencies: [1, 16, 64],
        hitCalls: quick ? 1_000 : 10_000,
        searchQueries: quick ? 50 : 200,
        anchorRuns: quick ? 1 : 3,
        // The sync scenarios are the slowest part; a quick run syncs a fifth of its data.
        csvRows: positiveInt(values['sync-rows'], quick ? 20_000 : contacts, 'sync-rows'),
        ldapEntries: Math.min(
          contacts,
          positiveInt(values['sync-rows'], quick ? 20_000 : LDAP_SYNC_ENTRIES, 'sync-rows'),
        ),
      };
  const started = process.hrtime.bigint();
  const loadBefore = loadavg()[0] ?? 0;
  const home = values.home ?? mkdtempSync(join(tmpdir(), 'ctibook-bench-'));
  const workDir = mkdtempSync(join(tmpdir(), 'ctibook-bench-anchors-'));
  const log: Log = (text) => {
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
  };
  const cleanUp: (() => Promise<void>)[] = [];
  try {
    if (versus) ensureSlapdInstalled(log);
    // Files for the other systems and the slapd database are made while the store fills.
    const anchorsRun = versus
      ? forkJson<PreparedAnchors>('prepare-anchors.ts', {
          dir: workDir,
          contacts,
          seed,
          ldapSyncEntries: versus.ldapEntries,
        })
      : undefined;
    anchorsRun?.catch(() => undefined); // awaited below; a failure is reported there
    const insert = await fillOrReuse(
      home,
      { contacts, seed, batchSize, prepareInWorker: values['prepare-in-worker'] },
      log,
    );
    const anchors = (await anchorsRun)?.result;
    if (anchors) {
      log(
        `anchor files written in ${anchors.exportSeconds.toFixed(1)} s, slapadd -q ${anchors.slapaddSeconds.toFixed(1)} s`,
      );
    }
    const ranges = readMeta(home)?.ranges ?? [];
    log('opening the home in a fresh process: start-up, lookups, searches');
    const measureOptions: MeasureOptions = {
      home,
      contacts,
      seed,
      ranges,
      lookups,
      searchQueries: queries,
      searchBudgetSeconds: contacts >= 500_000 ? 20 : quick ? 4 : 8,
      serve: versus !== undefined,
    };
    const measuring = await forkJson<MeasureResult>('measure.ts', measureOptions);
    cleanUp.push(() => measuring.stop());
    let against: VersusResults | undefined;
    if (versus && anchors) {
      const slapd = await startBenchSlapd(anchors.slapdDir, anchors.slapaddSeconds);
      cleanUp.push(() => slapd.stop());
      const served = await versusServed({
        v: versus,
        port: measuring.port ?? 0,
        serverPid: measuring.pid,
        slapd,
        log,
      });
      await measuring.stop();
      const clientSync = await runClientSync({ home, contacts, log });
      const synced = await versusSync({ v: versus, anchors, slapd, workDir, log });
      against = {
        options: versus,
        anchors: {
          exportSeconds: anchors.exportSeconds,
          slapaddSeconds: anchors.slapaddSeconds,
          slapdDbBytes: slapd.dbBytes,
          slapdStartMs: slapd.startMs,
        },
        ...served,
        ...synced,
        ...(clientSync ? { clientSync } : {}),
      };
    }
    const results: BenchResults = {
      date: new Date().toISOString(),
      machine: machine(loadBefore),
      options: { contacts, seed, lookups, searchQueries: queries },
      insert,
      measure: measuring.result,
      targets: checkTargets(insert, measuring.result),
      ...(against
        ? { versus: against, versusTargets: checkVersusTargets(against, measuring.result) }
        : {}),
      totalSeconds: Number(process.hrtime.bigint() - started) / 1e9,
    };
    const markdown = toMarkdown(results) + (against ? `\n${versusMarkdown(results)}` : '');
    mkdirSync(RESULTS_DIR, { recursive: true });
    const jsonFile = join(RESULTS_DIR, `${results.date.slice(0, 10)}-${contacts}.json`);
    writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(RESULTS_DIR, 'latest.md'), markdown);
    process.stdout.write(`\n${markdown}\n`);
    log(
      `wrote ${jsonFile} and bench/results/latest.md in ${(results.totalSeconds ?? 0).toFixed(0)} s`,
    );
  } finally {
    for (const step of cleanUp.reverse()) await step().catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
    if (values.home === undefined && !values.keep) rmSync(home, { recursive: true, force: true });
    else log(`home kept: ${home}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
