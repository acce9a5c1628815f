import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { KnownRecords, RecordListBuilder } from '../known-records.js';
import type { KnownRow, RecordRead, SkippedRow, SourceRow } from '../source-connector.js';
import { CsvSourceConfig } from './csv-config.js';
import { CsvSource } from './csv-source.js';

const dir = mkdtempSync(join(tmpdir(), 'ctibook-csv-records-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function source(content: string | Buffer, extra: Partial<CsvSourceConfig> = {}): CsvSource {
  const path = join(dir, `f${files++}.csv`);
  writeFileSync(path, content);
  return new CsvSource({ config: CsvSourceConfig.parse({ path, ...extra }), writable: false });
}

async function readAll(csv: CsvSource): Promise<{ rows: SourceRow[]; skipped: SkippedRow[] }> {
  const rows: SourceRow[] = [];
  const skipped: SkippedRow[] = [];
  for await (const row of csv.readAll((s) => skipped.push(s))) rows.push(row);
  return { rows, skipped };
}

async function readRecords(
  csv: CsvSource,
  known?: KnownRecords,
): Promise<{ read: RecordRead; rows: SourceRow[]; runs: KnownRow[]; skipped: SkippedRow[] }> {
  const skipped: SkippedRow[] = [];
  const read = await csv.readRecords(known, 'context', (s) => skipped.push(s));
  const rows: SourceRow[] = [];
  const runs: KnownRow[] = [];
  for await (const row of read.rows) {
    if ('count' in row) runs.push(row);
    else rows.push(row);
  }
  return { read, rows, runs, skipped };
}

/** The list a sync would store after reading every record of `csv`. */
async function listOf(csv: CsvSource): Promise<KnownRecords> {
  const { read, rows } = await readRecords(csv);
  const list = new RecordListBuilder();
  rows.forEach((row, i) => list.add(row.rawHash ?? [0, 0], i, row.id ?? ''));
  return new KnownRecords(list.build(read.fingerprint));
}

const TRICKY: [string, string | Buffer, Partial<CsvSourceConfig>][] = [
  ['CRLF, LF and bare CR line ends', 'id;a;b\r\n1;x;y\n2;x;y\r3;x;y\r\n\r\n\n4;x;y', {}],
  [
    'quoted line breaks and doubled quotes',
    'id,a,b\n1,"x\r\ny","""q"""\n2,"",\n"3",x,"a""\n""b"\n',
    {},
  ],
  [
    'unbalanced quotes',
    'id;a;b\n1;"never closed;y\n2;"x"y;z\n3;x;y\n4;"spans\nlines";y\n5;"open\n',
    {},
  ],
  ['a trailing delimiter at the end', 'id;a;b\n1;x;y\n2;x;', {}],
  ['wrong field counts, empty and duplicate ids', 'id;a;b\n1;x\n;x;y\n2;x;y\n2;z;z\n3;x;y;z\n', {}],
  [
    'a byte-order mark',
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id;a\n1;ä\n')]),
    {},
  ],
  ['Windows-1252', iconv.encode('id;a\n1;Müller\n2;Weiß\n', 'win1252'), {}],
  [
    'bytes that are not UTF-8',
    Buffer.concat([Buffer.from('id;a\n1;x'), Buffer.from([0xc3]), Buffer.from('\n2;y\n')]),
    { encoding: 'utf8' },
  ],
  ['no header row', '1;x;y\n2;x;y\n2;z;z\n', { headerRow: false, idColumn: 'Column 1' }],
  ['no id column (ids are hashes)', 'a;b\nx;y\nx;y\nz;z\n', { idColumn: undefined }],
  ['faults before the header', '"bad\nid;a\n1;x\n', { delimiter: ';' }],
];

describe('CsvSource.readRecords: the records of readAll, found in the raw bytes', () => {
  for (const [label, content, extra] of TRICKY) {
    it(`reads what readAll reads: ${label}`, async () => {
      const csv = source(content, { idColumn: 'id', ...extra });
      const all = await readAll(csv);
      const records = await readRecords(csv);
      expect(records.runs).toEqual([]);
      expect(records.rows.map(({ rawHash: _hash, ...row }) => row)).toEqual(all.rows);
      expect(records.skipped).toEqual(all.skipped);
      // Read again with the list: nothing decoded, the same faults and duplicates reported.
      const again = await readRecords(csv, await listOf(csv));
      expect(again.rows).toEqual([]);
      expect(again.runs).toEqual(all.rows.length > 0 ? [{ index: 0, count: all.rows.length }] : []);
      expect(again.skipped).toEqual(all.skipped);
    });
  }

  it('decodes only the records whose bytes changed, and finds moved records by their hash', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => `K${i};Name ${i};089 ${i}\n`);
    const known = await listOf(source(`id;name;phone\n${lines.join('')}`, { idColumn: 'id' }));
    lines[3] = 'K3;Changed;089 3\n';
    lines.unshift('K99;New;089 99\n');
    lines.splice(8, 1); // K7
    const { rows, runs, skipped } = await readRecords(
      source(`id;name;phone\n${lines.join('')}`, { idColumn: 'id' }),
      known,
    );
    expect(rows.map((r) => r.id)).toEqual(['K99', 'K3']);
    expect(runs).toEqual([
      { index: 0, count: 3 },
      { index: 4, count: 3 },
      { index: 8, count: 2 },
    ]);
    expect(skipped).toEqual([]);
    expect(known.takenBy(7)).toBe(0); // K7: deleted
    expect(known.takenBy(3)).toBe(6); // K3 came with a decoded record on line 6
  });

  it('matches no bytes when the header, delimiter or context changed', async () => {
    const text = 'id;a;b\n1;x;y\n2;x;y\n';
    const known = await listOf(source(text, { idColumn: 'id' }));
    const renamed = await readRecords(source('id;a;c\n1;x;y\n2;x;y\n', { idColumn: 'id' }), known);
    expect(renamed.rows).toHaveLength(2);
    const csv = source(text, { idColumn: 'id' });
    const read = await csv.readRecords(known, 'other mapping', () => undefined);
    expect(read.fingerprint).not.toBe(known.fingerprint);
  });
});

describe('RecordListBuilder', () => {
  it('keeps as many ids as records when records are gone from the end', () => {
    const first = new RecordListBuilder();
    for (const [i, id] of ['a', 'b', 'c'].entries()) first.add([i, i], i, id);
    const known = new KnownRecords(first.build('f'));
    const next = new RecordListBuilder(known);
    next.addKnown(known, 0, 2);
    const list = next.build('f');
    expect(list.sameIds).toBe(false);
    expect(list.ids.toArray()).toEqual(['a', 'b']);
    expect(list.contentHashes.length).toBe(2);
    const same = new RecordListBuilder(known);
    same.addKnown(known, 0, 3);
    expect(same.build('f')).toMatchObject({ sameIds: true });
  });
});
