import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTRACT_ROWS, describeSourceContract } from '../../test-support/source-contract.js';
import type { SkippedRow, SourceRow } from '../source-connector.js';
import { CsvSourceConfig } from './csv-config.js';
import type { CsvEncoding } from './csv-format.js';
import { encode } from './csv-format.js';
import { CsvSource } from './csv-source.js';

const COLUMNS = ['id', 'first', 'last', 'phone', 'company'];

function csvText(rows: readonly Record<string, string>[], delimiter: string, eol = '\r\n'): string {
  const quote = (v: string): string => (/[";,\t\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return [
    COLUMNS.join(delimiter),
    ...rows.map((row) => COLUMNS.map((c) => quote(row[c] ?? '')).join(delimiter)),
  ]
    .map((line) => line + eol)
    .join('');
}

function source(path: string, extra: Partial<CsvSourceConfig> = {}, writable = false): CsvSource {
  return new CsvSource({
    config: CsvSourceConfig.parse({ path, idColumn: 'id', ...extra }),
    writable,
  });
}

async function readAll(csv: CsvSource): Promise<{ rows: SourceRow[]; skipped: SkippedRow[] }> {
  const rows: SourceRow[] = [];
  const skipped: SkippedRow[] = [];
  for await (const row of csv.readAll((s) => skipped.push(s))) rows.push(row);
  return { rows, skipped };
}

for (const [label, encoding, delimiter] of [
  ['UTF-8 with ;', 'utf8', ';'],
  ['UTF-8 with BOM and ,', 'utf8-bom', ','],
  ['Windows-1252 with tab', 'windows-1252', '\t'],
] as const) {
  describeSourceContract(`csv (${label})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctibook-csv-'));
    const path = join(dir, 'book.csv');
    let rows = CONTRACT_ROWS.filter(
      (r) => encoding !== 'windows-1252' || !/[Łł]/.test(JSON.stringify(r)),
    ).map((r) => ({ ...r }));
    const write = (): void =>
      writeFileSync(path, encode(csvText(rows, delimiter), encoding as CsvEncoding));
    write();
    return {
      connector: source(path, {}, true),
      idColumn: 'id',
      seeded: rows.map((r) => ({ ...r })),
      external: {
        async add(values) {
          rows.push({ ...values });
          write();
        },
        async update(id, values) {
          rows = rows.map((r) => (r.id === id ? { ...r, ...values } : r));
          write();
        },
        async remove(id) {
          rows = rows.filter((r) => r.id !== id);
          write();
        },
      },
      unreachable: () => source(join(dir, 'missing.csv')),
      async cleanup() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}

describe('csv source specifics', () => {
  const withFile = async (
    bytes: Buffer | string,
    test: (path: string) => Promise<void>,
  ): Promise<void> => {
    const dir = mkdtempSync(join(tmpdir(), 'ctibook-csv-'));
    const path = join(dir, 'book.csv');
    writeFileSync(path, bytes);
    try {
      await test(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('detects Windows-1252 and reads € „ “ ß right', async () => {
    await withFile(
      encode('id;last;company\r\n1;Weiß;„Euro“ € GmbH\r\n', 'windows-1252'),
      async (path) => {
        const { rows } = await readAll(source(path));
        expect(rows[0]?.values).toEqual({ id: '1', last: 'Weiß', company: '„Euro“ € GmbH' });
      },
    );
  });

  it('reports malformed lines with their line numbers and reads the rest', async () => {
    const text =
      'id;last;phone\n1;Ok;089 1\n2;"open quote;089 2\n3;Wrong\n4;Bad\uFFFD;089 4\n5;Fine;089 5\n5;Dup;089 6\n;NoId;089 7\n';
    await withFile(text, async (path) => {
      const { rows, skipped } = await readAll(source(path));
      expect(rows.map((r) => r.id)).toEqual(['1', '5']);
      expect(skipped.map((s) => [s.at.split(':').pop(), s.reason])).toEqual([
        ['3', 'unbalanced quote: a quoted field is never closed'],
        ['4', '2 fields, expected 3'],
        ['5', 'bytes that are not UTF-8 text'],
        ['7', 'duplicate id 5 (first on line 6)'],
        ['8', 'empty id column id'],
      ]);
    });
  });

  it('rewrites atomically in the file’s own encoding, delimiter, quoting and line endings, keeping unknown columns', async () => {
    const original = encode(
      '"id";"last";"Kundennr";"phone"\r\n"1";"Weiß";"K-1";"089 1"\r\n"2";"Groß";"K-2";"089 2"\r\n',
      'windows-1252',
    );
    await withFile(original, async (path) => {
      const csv = source(path, {}, true);
      await csv.update('2', { last: 'Groß-Müller' });
      await csv.insert({ id: '3', last: 'Öz', phone: '089 3' });
      const bytes = readFileSync(path);
      expect(bytes.includes(Buffer.from('Groß', 'utf8'))).toBe(false);
      const text = bytes.toString('latin1');
      expect(text).toBe(
        '"id";"last";"Kundennr";"phone"\r\n"1";"Weiß";"K-1";"089 1"\r\n"2";"Groß-Müller";"K-2";"089 2"\r\n"3";"Öz";"";"089 3"\r\n',
      );
    });
  });

  it('refuses to write over a file that changed on disk since it was read', async () => {
    await withFile('id,last\n1,A\n', async (path) => {
      const csv = source(path, {}, true);
      await readAll(csv);
      writeFileSync(path, 'id,last\n1,A\n2,Re-exported\n');
      await expect(csv.update('1', { last: 'B' })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(readFileSync(path, 'utf8')).toBe('id,last\n1,A\n2,Re-exported\n');
    });
  });

  it('opens, reads and writes back only files the server allows', async () => {
    const text = 'id;last\n1;A\n';
    await withFile(text, async (path) => {
      const root = mkdtempSync(join(tmpdir(), 'ctibook-csv-root-'));
      try {
        const config = CsvSourceConfig.parse({ path, idColumn: 'id' });
        for (const [files, reason] of [
          [{ roots: [root] }, 'OUTSIDE_SOURCE_ROOTS'],
          [{ home: dirname(path) }, 'INSIDE_HOME'],
        ] as const) {
          const csv = new CsvSource({ config, writable: true, files });
          const refused = { code: 'VALIDATION_FAILED', details: { field: 'source.path', reason } };
          await expect(csv.open()).rejects.toMatchObject(refused);
          await expect(readAll(csv)).rejects.toMatchObject(refused);
          await expect(csv.columns()).rejects.toMatchObject(refused);
          await expect(csv.update('1', { last: 'B' })).rejects.toMatchObject(refused);
          await expect(csv.insert({ id: '2', last: 'C' })).rejects.toMatchObject(refused);
        }
        expect(readFileSync(path, 'utf8')).toBe(text);
        const allowed = new CsvSource({
          config,
          writable: true,
          files: { roots: [dirname(path)] },
        });
        await allowed.open();
        await allowed.update('1', { last: 'B' });
        expect(readFileSync(path, 'utf8')).toBe('id;last\n1;B\n');
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  });

  it('refuses writes while write-protected', async () => {
    await withFile('id,last\n1,A\n', async (path) => {
      await expect(source(path).update('1', { last: 'B' })).rejects.toMatchObject({
        code: 'PHONEBOOK_READ_ONLY',
      });
    });
  });

  it('gives records without an id column a content id', async () => {
    await withFile('last,phone\nA,1\nB,2\n', async (path) => {
      const csv = new CsvSource({ config: CsvSourceConfig.parse({ path }), writable: false });
      const { rows } = await readAll(csv);
      expect(rows).toHaveLength(2);
      expect(rows[0]?.id).toMatch(/^[\w-]{22}$/);
      expect(rows[0]?.id).not.toBe(rows[1]?.id);
    });
  });
});
