/**
 * Forked by run.ts while the store fills: writes the contacts as CSV and LDIF into a work
 * directory and bulk-loads the LDIF into a fresh
 * slapd database with `slapadd -q`. Reports the file paths and timings over IPC.
 */
import { join } from 'node:path';
import type { ExportFiles } from './export.js';
import { writeExports } from './export.js';
import { loadLdif } from './scenarios/slapd.js';
import { msSince } from './stats.js';

export interface PrepareAnchorsOptions {
  dir: string;
  contacts: number;
  seed: number;
  /** Entries below `ou=people`: what the LDAP book syncs. */
  ldapSyncEntries: number;
}

export interface PreparedAnchors {
  /** The run needs CSV and LDIF only; `npm run bench:export` writes all formats. */
  files: Required<Pick<ExportFiles, 'csv' | 'ldif'>>;
  slapdDir: string;
  exportSeconds: number;
  slapaddSeconds: number;
}

export async function prepareAnchors(options: PrepareAnchorsOptions): Promise<PreparedAnchors> {
  const { dir } = options;
  const files = {
    csv: join(dir, 'contacts.csv'),
    ldif: join(dir, 'contacts.ldif'),
  };
  const start = process.hrtime.bigint();
  await writeExports({
    count: options.contacts,
    seed: options.seed,
    files,
    ldapSyncEntries: options.ldapSyncEntries,
  });
  const exportSeconds = msSince(start) / 1000;
  const slapdDir = join(dir, 'slapd');
  const slapaddSeconds = loadLdif(slapdDir, files.ldif);
  return { files, slapdDir, exportSeconds, slapaddSeconds };
}

if (process.send && process.argv[2]) {
  const options = JSON.parse(process.argv[2]) as PrepareAnchorsOptions;
  prepareAnchors(options).then(
    (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
    (error: unknown) =>
      process.send?.(
        { ok: false, error: error instanceof Error ? error.stack : String(error) },
        () => process.exit(1),
      ),
  );
}
