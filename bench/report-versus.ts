/** The issue 6 results (ctibook against OpenLDAP and SQLite) as Markdown, and their targets. */
import type { MeasureResult } from './measure.js';
import type { BenchResults, TargetCheck } from './report.js';
import type { HitRate } from './scenarios/lookup-anchor.js';
import type { TimedSync } from './scenarios/sync-home.js';
import type { Summary } from './stats.js';
import { formatMicros } from './stats.js';
import type { VersusResults } from './versus.js';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (n: number): string => (Number.isFinite(n) ? `${(n * 100).toFixed(1)} %` : '–');
const x = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(n < 10 ? 2 : 1)}×` : '–');
const sec = (n: number): string => `${n.toFixed(n < 10 ? 2 : 1)} s`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

/** Share of calls answered right: contact named, company named, or nothing for unknowns. */
export function correctShare(r: HitRate): number {
  const calls = r.exact.calls + r.company.calls + r.none.calls;
  return (r.exact.named + r.company.named + r.none.correct) / Math.max(1, calls);
}

const lat = (s: Summary): string => [s.median, s.p95, s.p99].map(formatMicros).join(' | ');

export function checkVersusTargets(v: VersusResults, m: MeasureResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const { concurrency, http, ldap } of v.lookup.load) {
    checks.push({
      name: `lookups/s over HTTP ≥ slapd equality searches/s, concurrency ${concurrency}`,
      target: `≥ ${int(ldap.perSecond)} /s`,
      value: `${int(http.perSecond)} /s (${x(http.perSecond / ldap.perSecond)})`,
      met: http.perSecond >= ldap.perSecond,
    });
  }
  const ours = correctShare(v.lookup.hitRate.ctibook);
  const theirs = correctShare(v.lookup.hitRate.slapd);
  checks.push({
    name: 'hit rate (calls answered right) above slapd',
    target: `> ${pct(theirs)}`,
    value: pct(ours),
    met: ours > theirs,
  });
  checks.push({
    name: 'caller lookup in process, median (admin)',
    target: '< 50 µs',
    value: formatMicros(m.lookup.admin.all.median),
    met: m.lookup.admin.all.median < 50,
  });
  const csvRatio = v.csvSync.full.seconds / median(v.csvSync.sqliteImportSeconds);
  checks.push({
    name: 'CSV full sync within 3× of sqlite3 .import',
    target: '≤ 3×',
    value: x(csvRatio),
    met: csvRatio <= 3,
  });
  const ldapRatio = v.ldapSync.full.seconds / median(v.ldapSync.ldapsearchSeconds);
  checks.push({
    name: 'LDAP sync within 2× of ldapsearch',
    target: '≤ 2×',
    value: x(ldapRatio),
    met: ldapRatio <= 2,
  });
  return checks;
}

function hitRows(name: string, r: HitRate): string {
  const share = (a: number, b: number): string =>
    `${pct(a / Math.max(1, b))} (${int(a)}/${int(b)})`;
  return `| ${name} | ${share(r.exact.named, r.exact.calls)} | ${share(r.company.named, r.company.calls)} | ${share(r.none.correct, r.none.calls)} | ${pct(correctShare(r))} |`;
}

function syncRow(
  name: string,
  t: TimedSync,
  rows: number,
  anchor: string,
  anchorSeconds: number,
): string {
  return `| ${name} | ${sec(t.seconds)} | ${sec(t.cpuSeconds)} | ${int(rows / t.seconds)} /s | ${anchor} | ${sec(anchorSeconds)} | ${x(t.seconds / anchorSeconds)} |`;
}

export function versusMarkdown(results: BenchResults): string {
  const v = results.versus;
  if (!v) return '';
  const m = results.measure;
  const lines: string[] = [];
  const slapdC1 = v.lookup.load.find((l) => l.concurrency === 1)?.ldap.latency;
  lines.push(
    `#### Against OpenLDAP and SQLite: ${int(v.options.contacts)} contacts, ${v.options.loadSeconds} s per load loop`,
    '',
    '| caller lookup | concurrency | per second | median | p95 | p99 | ratio to slapd | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ctibook in process (admin) | 1 | ${int(1e6 / m.lookup.admin.all.mean)} | ${lat(m.lookup.admin.all)} | ${slapdC1 ? `${x(slapdC1.median / m.lookup.admin.all.median)} faster (median)` : '–'} | ${m.lookup.admin.errors} |`,
  );
  for (const { concurrency, http, ldap } of v.lookup.load) {
    lines.push(
      `| ctibook HTTP \`GET /api/v1/lookup\` | ${concurrency} | ${int(http.perSecond)} | ${lat(http.latency)} | ${x(http.perSecond / ldap.perSecond)} (per second) | ${http.errors} |`,
      `| slapd \`(\\|(telephoneNumber=…)(mobile=…))\` | ${concurrency} | ${int(ldap.perSecond)} | ${lat(ldap.latency)} | 1 | ${ldap.errors} |`,
    );
  }
  lines.push(
    '',
    "| hit rate | contacts' numbers named | unknown extensions named as the company | unknown numbers unmatched | calls answered right |",
    '| --- | ---: | ---: | ---: | ---: |',
    hitRows('ctibook (HTTP, admin)', v.lookup.hitRate.ctibook),
    hitRows('slapd (equality on the number as delivered)', v.lookup.hitRate.slapd),
    '',
    '| search-as-you-type, concurrency 1, 20 results | ctibook HTTP median | p95 | p99 | slapd median | p95 | p99 | ratio (median, slapd / ctibook) | results per query ctibook / slapd |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  const kinds: Record<string, string> = {
    prefix1: '1 letter, `(cn=a*)`',
    prefix2: '2 letters, `(cn=ab*)`',
    prefix3: '3 letters, `(cn=abc*)`',
    twoWords: 'two words, `(&(cn=w1*)(cn=*w2*))`',
  };
  for (const s of v.search) {
    lines.push(
      `| ${kinds[s.kind] ?? s.kind} | ${lat(s.ctibook)} | ${lat(s.slapd)} | ${x(s.slapd.median / s.ctibook.median)} | ${s.ctibookMeanItems.toFixed(1)} / ${s.slapdMeanItems.toFixed(1)} |`,
    );
  }
  const c = v.csvSync;
  const l = v.ldapSync;
  const sqlite = median(c.sqliteImportSeconds);
  const ldapsearch = median(l.ldapsearchSeconds);
  lines.push(
    '',
    '| sync | ctibook | CPU (ctibook process) | rows/s | anchor | anchor | ratio |',
    '| --- | ---: | ---: | ---: | --- | ---: | ---: |',
    syncRow(
      `CSV book, full, ${int(c.rows)} rows (${(c.fileBytes / 1e6).toFixed(0)} MB)`,
      c.full,
      c.rows,
      '`sqlite3 .import`',
      sqlite,
    ),
    syncRow(
      `CSV book, changed only (${int(c.changedRows)} of ${int(c.rows)} rows changed: ${int(c.changed.report.updated)} updated)`,
      c.changed,
      c.rows,
      '`sqlite3 .import`',
      sqlite,
    ),
    syncRow(
      `CSV book, full again (mode full, the ${int(c.changedRows)} rows changed back: ${int(c.fullAgain.report.updated)} updated)`,
      c.fullAgain,
      c.rows,
      '`sqlite3 .import`',
      sqlite,
    ),
    syncRow(
      `LDAP book, full, ${int(l.entries)} entries`,
      l.full,
      l.entries,
      '`ldapsearch -E pr=1000/noprompt`',
      ldapsearch,
    ),
    '',
    '| server | ctibook | slapd |',
    '| --- | ---: | ---: |',
    `| resident memory after the lookup loops (peak) | ${v.memory.ctibook ? `${v.memory.ctibook.rssMB} MB (${v.memory.ctibook.peakMB} MB)` : '–'} | ${v.memory.slapd ? `${v.memory.slapd.rssMB} MB (${v.memory.slapd.peakMB} MB)` : '–'} |`,
    `| start-up until it answers | ${int(m.startup.openMs + m.startup.httpReadyMs)} ms (open + HTTP ready; ${int(m.startup.processToReadyMs)} ms from process start) | ${int(v.anchors.slapdStartMs)} ms |`,
    `| bulk load | ${results.insert ? `${int(results.insert.perSecond)} contacts/s` : '–'} | \`slapadd -q\` ${int(v.options.contacts / v.anchors.slapaddSeconds)} entries/s (${sec(v.anchors.slapaddSeconds)}) |`,
    `| data on disk | ${results.insert ? `${(results.insert.storeBytes / 1e6).toFixed(0)} MB` : '–'} | ${(v.anchors.slapdDbBytes / 1e6).toFixed(0)} MB |`,
  );
  if (v.clientSync !== undefined) {
    const c = v.clientSync;
    lines.push(
      '',
      `Client first and delta sync (scenario 5, \`bench/client-sync.ts\`, ${sec(c.seconds)}, exit code ${c.exitCode ?? 'none'}):`,
      '',
      c.output.trim(),
    );
  } else {
    lines.push(
      '',
      'Client first and delta sync (scenario 5): `bench/client-sync.ts` not present in this run.',
    );
  }
  lines.push('', '| target (issue 6) | goal | measured | met |', '| --- | --- | ---: | --- |');
  for (const t of results.versusTargets ?? []) {
    lines.push(`| ${t.name} | ${t.target} | ${t.value} | ${t.met ? 'yes' : '**no**'} |`);
  }
  if (results.totalSeconds !== undefined)
    lines.push('', `Whole run: ${sec(results.totalSeconds)}.`);
  return `${lines.join('\n')}\n`;
}
