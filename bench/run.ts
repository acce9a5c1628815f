/**
 * `npm run bench [-- --quick | --contacts N] [--seed S] [--lookups N] [--queries N]
 *  [--batch N] [--prepare-in-worker] [--home DIR] [--keep]` (see `--help`)
 *
 * Fills a temporary ctibook home with generated contacts (timing the bulk insert), then
 * forks a fresh process that opens it like a server and measures start-up, memory, caller
 * lookups and searches. Prints a Markdown table and writes it and a JSON file of results
 * to bench/results/.
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
import type { BenchResults, Machine } from './report.js';
import { checkTargets, toMarkdown } from './report.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = join(HERE, 'results');

const HELP = `npm run bench -- [options]
  --quick          100,000 contacts (default: 1,000,000)
  --contacts N     N contacts
  --seed S         generator seed (default ${DEFAULT_SEED})
  --lookups N      caller lookups per principal (default 20,000)
  --queries N      search queries per kind and principal (default 300)
  --batch N        contacts per putMany transaction (default 10,000)
  --prepare-in-worker
                   prepare the next batch on a worker thread while storing the current
                   one (what a pipelined import could reach; default: one thread)
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

function runMeasure(options: MeasureOptions): Promise<MeasureResult> {
  return new Promise((resolve, reject) => {
    const child = fork(join(HERE, 'measure.ts'), [JSON.stringify(options)], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    child.on('message', (message: { ok: boolean; result?: MeasureResult; error?: string }) => {
      settled = true;
      if (message.ok && message.result) resolve(message.result);
      else reject(new Error(`measuring failed: ${message.error ?? 'no result'}`));
    });
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`measuring process exited with ${code} before reporting`));
    });
  });
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
      home: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const contacts = positiveInt(values.contacts, values.quick ? 100_000 : 1_000_000, 'contacts');
  const seed = positiveInt(values.seed, DEFAULT_SEED, 'seed');
  const lookups = positiveInt(values.lookups, 20_000, 'lookups');
  const queries = positiveInt(values.queries, 300, 'queries');
  const batchSize = positiveInt(values.batch, 10_000, 'batch');
  const loadBefore = loadavg()[0] ?? 0;
  const home = values.home ?? mkdtempSync(join(tmpdir(), 'ctibook-bench-'));
  const log = (text: string): void => {
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
  };

  try {
    const meta = readMeta(home);
    let insert: FillResult | undefined;
    if (
      meta &&
      meta.contacts === contacts &&
      meta.seed === seed &&
      meta.generator === GENERATOR_VERSION
    ) {
      log(`reusing the filled home ${home}`);
    } else if (meta) {
      throw new Error(
        `${home} holds another data set (${meta.contacts} contacts, seed ${meta.seed}, ` +
          `generator ${meta.generator}); use an empty directory`,
      );
    } else {
      log(`filling ${home} with ${contacts.toLocaleString('en-US')} contacts`);
      const step = Math.max(batchSize, Math.round(contacts / 10 / batchSize) * batchSize);
      insert = await fillHome(home, {
        contacts,
        seed,
        batchSize,
        prepareInWorker: values['prepare-in-worker'],
        onProgress: (done) => {
          if (done % step === 0 || done === contacts) log(`  ${done.toLocaleString('en-US')}`);
        },
      });
      log(
        `inserted at ${Math.round(insert.perSecond).toLocaleString('en-US')} contacts/s ` +
          `(prepare ${insert.prepareSeconds.toFixed(1)} s, store ${insert.storeSeconds.toFixed(1)} s)`,
      );
    }
    const ranges = readMeta(home)?.ranges ?? [];
    log('opening the home in a fresh process: start-up, lookups, searches');
    const measured = await runMeasure({
      home,
      contacts,
      seed,
      ranges,
      lookups,
      searchQueries: queries,
      searchBudgetSeconds: contacts >= 500_000 ? 20 : 8,
    });
    const results: BenchResults = {
      date: new Date().toISOString(),
      machine: machine(loadBefore),
      options: { contacts, seed, lookups, searchQueries: queries },
      insert,
      measure: measured,
      targets: checkTargets(insert, measured),
    };
    const markdown = toMarkdown(results);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const jsonFile = join(RESULTS_DIR, `${results.date.slice(0, 10)}-${contacts}.json`);
    writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(RESULTS_DIR, 'latest.md'), markdown);
    process.stdout.write(`\n${markdown}\n`);
    log(`wrote ${jsonFile} and bench/results/latest.md`);
  } finally {
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
