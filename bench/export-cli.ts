/**
 * `npm run bench:export -- --out DIR [--contacts N] [--seed S]`: writes the benchmark's
 * contacts (the same ones `npm run bench` stores) as `contacts.csv` (UTF-8, `;`),
 * `contacts-cp1252.csv` (Windows-1252), `contacts.ldif` (inetOrgPerson for slapadd) and
 * `contacts.sql` (CREATE TABLE + INSERTs for an ODBC database).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeExports } from './export.js';
import { DEFAULT_SEED } from './generate.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      contacts: { type: 'string', default: '100000' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
    },
  });
  if (!values.out) throw new Error('--out DIR is required');
  const dir = resolve(values.out);
  const count = Number(values.contacts.replaceAll('_', ''));
  const seed = Number(values.seed);
  if (!Number.isInteger(count) || count <= 0 || !Number.isInteger(seed)) {
    throw new Error('--contacts and --seed need integers');
  }
  mkdirSync(dir, { recursive: true });
  const files = {
    csv: join(dir, 'contacts.csv'),
    csv1252: join(dir, 'contacts-cp1252.csv'),
    ldif: join(dir, 'contacts.ldif'),
    sql: join(dir, 'contacts.sql'),
  };
  await writeExports({ count, seed, files });
  process.stdout.write(`${Object.values(files).join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
