/** The benchmark's results as one JSON document and as a Markdown table. */
import type { QueryKind } from './generate.js';
import type { FillResult } from './fill.js';
import type { LookupReport, MeasureResult } from './measure.js';
import type { Summary } from './stats.js';
import { formatMicros } from './stats.js';
import type { VersusResults } from './versus.js';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGB: number;
  node: string;
  sqlite: string;
  platform: string;
  /** 1-minute load average before and after the run: other work on the machine. */
  load: [number, number];
  /** The code measured: commit, and whether the working tree had changes. */
  git: string;
}

export interface BenchResults {
  date: string;
  machine: Machine;
  options: { contacts: number; seed: number; lookups: number; searchQueries: number };
  /** Undefined when an already filled home was reused. */
  insert: FillResult | undefined;
  measure: MeasureResult;
  targets: TargetCheck[];
  /** The scenarios against OpenLDAP and SQLite (issue 6); absent with `--core-only`. */
  versus?: VersusResults;
  versusTargets?: TargetCheck[];
  /** Wall time of the whole run. */
  totalSeconds?: number;
}

export interface TargetCheck {
  name: string;
  target: string;
  value: string;
  met: boolean;
}

const SEARCH_NAMES: Record<QueryKind, string> = {
  prefix1: '1-letter prefix',
  prefix2: '2-letter prefix',
  prefix3: '3-letter prefix',
  twoWords: 'two words',
};

const PREFIX_KINDS: readonly QueryKind[] = ['prefix1', 'prefix2', 'prefix3'];

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (n: number): string => (Number.isFinite(n) ? `${(n * 100).toFixed(1)} %` : '–');

/** Checks the speed targets of issue 2. */
export function checkTargets(insert: FillResult | undefined, m: MeasureResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const [who, report] of [
    ['admin', m.lookup.admin],
    ['user', m.lookup.user],
  ] as const) {
    checks.push({
      name: `caller lookup median (${who})`,
      target: '< 50 µs',
      value: formatMicros(report.all.median),
      met: report.all.median < 50,
    });
    checks.push({
      name: `caller lookup p99 (${who})`,
      target: '< 1 ms',
      value: formatMicros(report.all.p99),
      met: report.all.p99 < 1000,
    });
  }
  for (const who of ['admin', 'user'] as const) {
    for (const kind of PREFIX_KINDS) {
      const p95 = m.search[who][kind].summary.p95;
      checks.push({
        name: `search ${SEARCH_NAMES[kind]} p95 (${who})`,
        target: '< 10 ms',
        value: formatMicros(p95),
        met: p95 < 10_000,
      });
    }
  }
  if (insert) {
    checks.push({
      name: `bulk insert (prepare + store${insert.mode === 'worker' ? ', pipelined' : ''})`,
      target: '≥ 100,000 contacts/s',
      value: `${int(insert.perSecond)} /s`,
      met: insert.perSecond >= 100_000,
    });
  }
  const rss = Math.max(m.memoryMB.afterStart, m.memoryMB.afterLookups, m.memoryMB.afterSearch);
  checks.push({
    name: 'server resident memory (highest sample)',
    target: '< 600 MB',
    value: `${rss} MB`,
    met: rss < 600,
  });
  const startup = m.startup.openMs + m.startup.httpReadyMs;
  checks.push({
    name: 'start-up (open store + HTTP ready)',
    target: '< 2 s',
    value: formatMicros(startup * 1000),
    met: startup < 2000,
  });
  return checks;
}

function row(name: string, s: Summary, cpu?: number): string {
  const cells = [s.median, s.p95, s.p99, s.max].map(formatMicros);
  const cpuCell = cpu === undefined ? '' : formatMicros(cpu);
  return `| ${name} | ${cells.join(' | ')} | ${cpuCell} | ${int(s.count)} |`;
}

function lookupRows(who: string, r: LookupReport): string[] {
  return [
    row(`lookup, ${who}, all numbers`, r.all, r.cpuMeanMicros),
    row(`– contacts' numbers`, r.byExpected.exact),
    row(`– unknown company extensions`, r.byExpected.company),
    row(`– unknown numbers`, r.byExpected.none),
  ];
}

export function toMarkdown(results: BenchResults): string {
  const { measure: m, insert, machine, options } = results;
  const lines: string[] = [];
  lines.push(
    `### ${int(options.contacts)} contacts (seed ${options.seed}), ${results.date.slice(0, 10)}`,
    '',
    `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGB} GB, Node ${machine.node}, SQLite ${machine.sqlite}, ${machine.platform}; ` +
      `code ${machine.git}; load average ${machine.load[0].toFixed(1)} before, ${machine.load[1].toFixed(1)} after`,
    '',
    '| scenario | median | p95 | p99 | max | CPU/op | n |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...lookupRows('admin', m.lookup.admin),
    ...lookupRows('user (1 book)', m.lookup.user),
  );
  for (const who of ['admin', 'user'] as const) {
    for (const [kind, name] of Object.entries(SEARCH_NAMES) as [QueryKind, string][]) {
      const s = m.search[who][kind];
      const principal = who === 'user' ? 'user (1 book)' : who;
      lines.push(row(`search ${name}, ${principal}`, s.summary, s.cpuMeanMicros));
    }
  }
  lines.push('', '| measure | value |', '| --- | ---: |');
  if (insert) {
    lines.push(
      `| bulk insert, prepare + store${insert.mode === 'worker' ? ' (prepare on a worker thread, pipelined)' : ''} | ${int(insert.perSecond)} contacts/s |`,
      `| – per second of CPU time (less sensitive to other load) | ${int(insert.perCpuSecond)} contacts/s |`,
      `| – prepare only (normalise, search text) | ${int(insert.preparePerSecond)} contacts/s |`,
      `| – store only (\`putMany\`, ${int(insert.batchSize)} a batch) | ${int(insert.storePerSecond)} contacts/s |`,
      `| – store only, first / last tenth of the batches | ${int(insert.storePerSecondFirstTenth)} / ${int(insert.storePerSecondLastTenth)} contacts/s |`,
      `| – generating the data (not counted) | ${insert.generateSeconds.toFixed(1)} s |`,
      `| store size on disk | ${(insert.storeBytes / 1024 / 1024).toFixed(0)} MB |`,
    );
  }
  const s = m.startup;
  lines.push(
    `| start-up: \`createCtibook\` on the filled home | ${s.openMs.toFixed(0)} ms |`,
    `| start-up: \`buildServer\` + listen + first answer | ${s.httpReadyMs.toFixed(0)} ms |`,
    `| start-up: process start → HTTP ready (incl. Node, tsx, imports) | ${s.processToReadyMs.toFixed(0)} ms |`,
    `| start-up: reopen (warm) | ${s.reopenMs.toFixed(0)} ms |`,
    `| RSS after start-up / lookups / searches | ${m.memoryMB.afterStart} / ${m.memoryMB.afterLookups} / ${m.memoryMB.afterSearch} MB |`,
    `| peak RSS of the server process | ${m.memoryMB.maxRss} MB |`,
  );
  const a = m.lookup.admin;
  lines.push(
    `| hit rate: contacts' numbers named (admin) | ${pct(a.exactHitRate)} |`,
    `| hit rate: unknown extensions named as the company (admin) | ${pct(a.companyHitRate)} |`,
    `| unknown numbers without a match (admin) | ${pct(a.unknownCorrectRate)} |`,
    `| hit rate: contacts' numbers in the user's book (user) | ${pct(m.lookup.user.exactHitRate)} |`,
    `| matches from books the user may not read | ${m.lookup.user.rightsViolations} |`,
  );
  lines.push('', '| target | goal | measured | met |', '| --- | --- | ---: | --- |');
  for (const t of results.targets) {
    lines.push(`| ${t.name} | ${t.target} | ${t.value} | ${t.met ? 'yes' : '**no**'} |`);
  }
  lines.push(
    '',
    "| PBX form of a contact's number | calls | named (admin) |",
    '| --- | ---: | ---: |',
  );
  for (const [form, t] of Object.entries(a.exactHitRateByForm).sort()) {
    lines.push(`| ${form} | ${int(t.calls)} | ${pct(t.hitRate)} |`);
  }
  return `${lines.join('\n')}\n`;
}
