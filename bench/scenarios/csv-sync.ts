/**
 * Scenario 3: a full sync of a CSV book of N rows through ctibook's sync engine, against
 * `sqlite3 file.db` importing the same file (`.mode csv`, `.separator ;`, `.import`), a
 * changed-only sync after 1 % of the rows changed, and a full sync of the book (switched to
 * full mode) after they changed back.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CSV_MAPPING, writeExports } from '../export.js';
import type { SyncHome, TimedSync } from './sync-home.js';
import { createAndSync, timeChild, timedSync, update } from './sync-home.js';
import { SQLITE3 } from './slapd.js';

export const CSV_BOOK = 'CsvBench';

export interface CsvSyncResult {
  rows: number;
  fileBytes: number;
  full: TimedSync;
  /** Seconds of `sqlite3 .import` of the same file into a new database (median of runs). */
  sqliteImportSeconds: number[];
  /** Rows changed in the source before the changed-only sync. */
  changedRows: number;
  changed: TimedSync;
  /** The book switched to full mode and the file changed back: every row read again. */
  fullAgain: TimedSync;
}

/** Every 100th contact changes: 1 %. */
const isChanged = (index: number): boolean => index % 100 === 37;

function sqliteImport(dir: string, csv: string, run: number): number {
  const db = join(dir, `import-${run}.db`);
  rmSync(db, { force: true });
  const seconds = timeChild(() =>
    execFileSync(SQLITE3, [db, '.mode csv', '.separator ;', `.import ${csv} contacts`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  const rows = execFileSync(SQLITE3, [db, 'SELECT count(*) FROM contacts'], { encoding: 'utf8' });
  rmSync(db, { force: true });
  if (!Number.isFinite(Number(rows.trim()))) throw new Error(`sqlite3 imported ${rows}`);
  return seconds;
}

/**
 * The changed file (1 % of the rows) is written over the book's file before the
 * changed-only sync.
 */
export async function csvSync(
  home: SyncHome,
  options: {
    /** CSV of the whole data set. */
    csv: string;
    contacts: number;
    /** Rows the book gets: the first of the data set (a file of its own when fewer). */
    rows: number;
    seed: number;
    workDir: string;
    sqliteRuns: number;
  },
): Promise<CsvSyncResult> {
  const { app } = home;
  const { contacts, rows, seed, workDir } = options;
  let csv = options.csv;
  if (rows < contacts) {
    csv = join(workDir, 'book.csv');
    await writeExports({ count: contacts, limit: rows, seed, files: { csv } });
  }
  const sqliteImportSeconds: number[] = [];
  for (let run = 0; run < options.sqliteRuns; run++) {
    sqliteImportSeconds.push(sqliteImport(workDir, csv, run));
  }
  const full = await timedSync(() =>
    createAndSync(app, {
      name: CSV_BOOK,
      kind: 'csv',
      source: { path: csv, delimiter: ';', encoding: 'utf8', idColumn: 'id' },
      mapping: CSV_MAPPING,
      cache: { mode: 'changed', everyHours: 24, at: 'startup' },
    }),
  );
  if (full.report.added + full.report.skipped !== rows) {
    throw new Error(`the CSV sync added ${full.report.added} of ${rows} rows`);
  }
  await writeExports({ count: contacts, limit: rows, seed, files: { csv }, changed: isChanged });
  let changedRows = 0;
  for (let i = 0; i < rows; i++) if (isChanged(i)) changedRows++;
  const changed = await timedSync(() => update(app, CSV_BOOK));
  await app.external.update(CSV_BOOK, { cache: { mode: 'full', everyHours: 24, at: 'startup' } });
  await writeExports({ count: contacts, limit: rows, seed, files: { csv } });
  const fullAgain = await timedSync(() => update(app, CSV_BOOK));
  return {
    rows,
    fileBytes: statSync(csv).size,
    full,
    sqliteImportSeconds,
    changedRows,
    changed,
    fullAgain,
  };
}
