/**
 * A second, empty ctibook home for the sync scenarios (CSV and LDAP books), apart from the
 * filled one, so a sync's cost is not mixed with the builtin books' million rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Ctibook } from '../../src/app.js';
import { createCtibook } from '../../src/app.js';
import type { SyncReport } from '../../src/sync/sync-report.js';
import { BENCH_LOCATION } from '../generate.js';

export interface SyncHome {
  app: Ctibook;
  dir: string;
  close(): Promise<void>;
}

export async function openSyncHome(): Promise<SyncHome> {
  const dir = mkdtempSync(join(tmpdir(), 'ctibook-bench-sync-'));
  const app = await createCtibook({
    home: dir,
    adminPassword: 'bench-admin-password',
    logger: pino({ level: 'silent' }),
    synchronous: 'NORMAL',
    schedule: false,
  });
  await app.location.set(BENCH_LOCATION);
  return {
    app,
    dir,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TimedSync {
  seconds: number;
  /** CPU seconds of this process during the sync. */
  cpuSeconds: number;
  report: Pick<SyncReport, 'mode' | 'added' | 'updated' | 'deleted' | 'unchanged' | 'skipped'>;
}

/** Times a sync through the app's sync engine (`run` creates a book or presses "Update"). */
export async function timedSync(run: () => Promise<SyncReport>): Promise<TimedSync> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const report = await run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const { mode, added, updated, deleted, unchanged, skipped } = report;
  return {
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    report: { mode, added, updated, deleted, unchanged, skipped },
  };
}

/** Creates an external book (which starts its first sync) and waits for that sync. */
export async function createAndSync(
  app: Ctibook,
  input: Parameters<Ctibook['external']['create']>[0],
): Promise<SyncReport> {
  const book = await app.external.create(input);
  return app.sync.sync(book);
}

/** Presses "Update" on a book and waits for the sync. */
export function update(app: Ctibook, name: string): Promise<SyncReport> {
  return app.sync.sync(app.phonebooks.require(name));
}

/** Wall seconds of a child program run to its end. */
export function timeChild(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}
