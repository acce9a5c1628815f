import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MdbTable } from '../../../test/fixtures/write-mdb.js';
import { writeMdb } from '../../../test/fixtures/write-mdb.js';
import { CtibookError } from '../../domain/errors.js';
import { CONTRACT_ROWS, describeSourceContract } from '../../test-support/source-contract.js';
import type { SkippedRow, SourceRow } from '../source-connector.js';
import { AccessSourceConfig } from './access-config.js';
import { accessKind } from './access-kind.js';
import { AccessSource, listTables } from './access-source.js';

const FRUIT = fileURLToPath(new URL('../../../test/fixtures/fruit.mdb', import.meta.url));
const FRUIT_TABLES = ['Fruit', 'Fruit Salad', 'Veggie Salad', 'Muffin/Bread', 'Dried'];

function contacts(rows: readonly Record<string, string>[]): MdbTable {
  return {
    name: 'Kontakte',
    columns: [
      { name: 'id', type: 'long' },
      { name: 'first', type: 'text' },
      { name: 'last', type: 'text' },
      { name: 'phone', type: 'text' },
      { name: 'company', type: 'text' },
    ],
    rows: rows.map((row) => ({ ...row, id: Number(row.id) })),
  };
}

function source(path: string, table: string, idColumn?: string): AccessSource {
  return new AccessSource({ config: AccessSourceConfig.parse({ path, table, idColumn }) });
}

async function readAll(
  connector: AccessSource,
): Promise<{ rows: SourceRow[]; skipped: SkippedRow[] }> {
  const rows: SourceRow[] = [];
  const skipped: SkippedRow[] = [];
  for await (const row of connector.readAll((s) => skipped.push(s))) rows.push(row);
  return { rows, skipped };
}

async function failure(run: () => Promise<unknown>): Promise<CtibookError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(CtibookError);
    return error as CtibookError;
  }
  throw new Error('expected a CtibookError');
}

// Nothing here writes .mdb files, so the fixture rewrites the whole file with the test
// writer each time "another program" changes it (a new file renamed over the old one).
describeSourceContract('access', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctibook-access-'));
  const path = join(dir, 'Telefonbuch.mdb');
  let rows = CONTRACT_ROWS.map((row) => ({ ...row }));
  const write = (): void => writeMdb(path, [contacts(rows)]);
  write();
  return {
    connector: source(path, 'Kontakte', 'id'),
    idColumn: 'id',
    seeded: rows.map((row) => ({ ...row })),
    external: {
      async add(values) {
        rows.push({ ...values });
        write();
      },
      async update(id, values) {
        rows = rows.map((row) => (row.id === id ? { ...row, ...values } : row));
        write();
      },
      async remove(id) {
        rows = rows.filter((row) => row.id !== id);
        write();
      },
    },
    unreachable: () => source(join(dir, 'missing.mdb'), 'Kontakte', 'id'),
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('access source on fruit.mdb (a file made by Access)', () => {
  it('lists the five tables', async () => {
    expect(await listTables(FRUIT)).toEqual(FRUIT_TABLES);
  });

  it('lists the columns and reads the rows of every table', async () => {
    const expected: Record<string, { columns: string[]; count: number; first: string }> = {
      Fruit: {
        columns: ['Fruit', 'Fiber', 'Fat', 'Protien', 'Sugar', 'Vit A', 'Vit C'],
        count: 37,
        first: 'Apple',
      },
      'Fruit Salad': { columns: ['Fruit'], count: 18, first: 'Apple' },
      'Veggie Salad': { columns: ['fruit'], count: 4, first: 'Avocado' },
      'Muffin/Bread': { columns: ['fruit'], count: 13, first: 'Banana' },
      Dried: { columns: ['Fruit'], count: 12, first: 'Apple' },
    };
    for (const table of FRUIT_TABLES) {
      const want = expected[table];
      const connector = source(FRUIT, table);
      await connector.open();
      const columns = await connector.columns();
      expect(columns.slice(0, want?.columns.length), table).toEqual(want?.columns);
      const { rows, skipped } = await readAll(connector);
      expect(skipped, table).toEqual([]);
      expect(rows, table).toHaveLength(want?.count ?? -1);
      expect(Object.values(rows[0]?.values ?? {})[0], table).toBe(want?.first);
      for (const row of rows) expect(Object.keys(row.values), table).toEqual(columns);
      expect(new Set(rows.map((row) => row.id)).size, `${table} content ids`).toBe(rows.length);
      await connector.close();
    }
  });

  it('reads numbers as text', async () => {
    const { rows } = await readAll(source(FRUIT, 'Fruit', 'Fruit'));
    expect(rows.find((row) => row.id === 'Apricot')?.values).toMatchObject({
      Fruit: 'Apricot',
      Fiber: '2',
      Protien: '1',
      'Vit A': '420',
    });
  });

  it('reads one record, by an id that is a text column', async () => {
    const connector = source(FRUIT, 'Fruit', 'Fruit');
    expect(connector.capabilities).toEqual({ write: false, changedSince: false, readOne: true });
    await connector.open();
    expect((await connector.readOne('Banana'))?.values.Sugar).toBe('20');
    expect(await connector.readOne('Durian')).toBeUndefined();
    const ids: string[] = [];
    for await (const id of connector.readIds()) ids.push(id);
    expect(ids).toHaveLength(37);
    expect(ids).toContain('Blackberry');
  });

  it('finds a table whose name differs in case, as Access does', async () => {
    const { rows } = await readAll(source(FRUIT, 'veggie salad'));
    expect(rows.map((row) => row.values.fruit)).toEqual([
      'Avocado',
      'Carrots',
      'Pepper, Red Bell',
      'Tomato',
    ]);
  });

  it('names the tables there are when the table is missing', async () => {
    const error = await failure(() => source(FRUIT, 'Telefonbuch').open());
    expect(error.code).toBe('SOURCE_NOT_FOUND');
    expect(error.message).toBe(
      `Access file ${FRUIT} has no table "Telefonbuch"; its tables: Fruit, Fruit Salad, Veggie Salad, Muffin/Bread, Dried`,
    );
    expect(error.details).toMatchObject({ table: 'Telefonbuch', tables: FRUIT_TABLES });
  });

  it('says VALIDATION_FAILED for an id column the table lacks', async () => {
    const error = await failure(() => source(FRUIT, 'Fruit', 'ID').open());
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('has no column "ID"');
  });
});

describe('access source faults and values', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-access-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('does no I/O before open and closes twice', async () => {
    const connector = source(join(dir, 'later.mdb'), 'Kontakte');
    await connector.close();
    await connector.close();
  });

  it('says SOURCE_UNAVAILABLE for a missing file', async () => {
    const path = join(dir, 'missing.mdb');
    const error = await failure(() => source(path, 'Fruit').open());
    expect(error.code).toBe('SOURCE_UNAVAILABLE');
    expect(error.message).toBe(`Access file ${path} does not exist`);
    expect((await failure(() => listTables(path))).code).toBe('SOURCE_UNAVAILABLE');
  });

  it('says SOURCE_UNAVAILABLE with the reason for a corrupt, truncated or empty file', async () => {
    const garbage = join(dir, 'garbage.mdb');
    writeFileSync(
      garbage,
      Buffer.from('PK\u0003\u0004 this is not an Access database '.repeat(200)),
    );
    const error = await failure(() => source(garbage, 'Fruit').open());
    expect(error.code).toBe('SOURCE_UNAVAILABLE');
    expect(error.message).toMatch(/is not an Access database or is damaged: .+/);
    expect(error.details?.reason).toEqual(expect.any(String));
    expect(error.cause).toBeInstanceOf(Error);

    const truncated = join(dir, 'truncated.mdb');
    writeFileSync(truncated, readFileSync(FRUIT).subarray(0, 3 * 4096 + 100));
    expect((await failure(() => source(truncated, 'Fruit').open())).code).toBe(
      'SOURCE_UNAVAILABLE',
    );

    const empty = join(dir, 'empty.mdb');
    writeFileSync(empty, '');
    const emptyError = await failure(() => source(empty, 'Fruit').open());
    expect([emptyError.code, emptyError.message]).toEqual([
      'SOURCE_UNAVAILABLE',
      `Access file ${empty} is empty`,
    ]);
  });

  it('re-reads the file when another program replaced it', async () => {
    const path = join(dir, 'book.mdb');
    copyFileSync(FRUIT, path);
    const connector = source(path, 'Kontakte', 'id');
    expect((await failure(() => connector.open())).code).toBe('SOURCE_NOT_FOUND');
    writeMdb(path, [contacts(CONTRACT_ROWS)]);
    await connector.open();
    expect((await connector.readOne('3'))?.values.last).toBe("O'Brien");
    writeMdb(path, [contacts(CONTRACT_ROWS.map((row) => ({ ...row, last: `${row.last}!` })))]);
    expect((await connector.readOne('3'))?.values.last).toBe("O'Brien!");
    expect(await connector.readOne('99')).toBeUndefined();
  });

  it('writes dates as ISO 8601, numbers and booleans as text, and leaves binary columns out', async () => {
    const path = join(dir, 'types.accdb');
    writeMdb(path, [
      {
        name: 'Typen',
        columns: [
          { name: 'Nr', type: 'long' },
          { name: 'Aktiv', type: 'boolean' },
          { name: 'Geburtstag', type: 'datetime' },
          { name: 'Termin', type: 'datetime' },
          { name: 'Rabatt', type: 'double' },
          { name: 'Foto', type: 'binary' },
          { name: 'Notiz', type: 'text' },
        ],
        rows: [
          {
            Nr: 1,
            Aktiv: true,
            Geburtstag: new Date(Date.UTC(1975, 11, 24)),
            Termin: new Date(Date.UTC(2024, 2, 1, 8, 30, 15)),
            Rabatt: 2.5,
            Foto: Buffer.from([0xff, 0xd8, 0xff]),
            Notiz: 'Grüße „aus“ Köln',
          },
          {
            Nr: -7,
            Aktiv: false,
            Geburtstag: null,
            Termin: new Date(Date.UTC(1899, 11, 30, 17, 45)),
            Rabatt: null,
            Foto: null,
            Notiz: null,
          },
        ],
      },
    ]);
    const connector = source(path, 'Typen', 'Nr');
    expect(await connector.columns()).toEqual([
      'Nr',
      'Aktiv',
      'Geburtstag',
      'Termin',
      'Rabatt',
      'Notiz',
    ]);
    const { rows } = await readAll(connector);
    expect(rows.map((row) => [row.id, row.values, row.at])).toEqual([
      [
        '1',
        {
          Nr: '1',
          Aktiv: 'true',
          Geburtstag: '1975-12-24',
          Termin: '2024-03-01T08:30:15',
          Rabatt: '2.5',
          Notiz: 'Grüße „aus“ Köln',
        },
        'Typen row 1',
      ],
      [
        '-7',
        { Nr: '-7', Aktiv: 'false', Geburtstag: '', Termin: '17:45:00', Rabatt: '', Notiz: '' },
        'Typen row 2',
      ],
    ]);
  });

  it('skips rows with an empty or duplicate id and says why', async () => {
    const path = join(dir, 'dup.mdb');
    writeMdb(path, [
      {
        name: 'T',
        columns: [
          { name: 'Kennung', type: 'text' },
          { name: 'Name', type: 'text' },
        ],
        rows: [
          { Kennung: 'a', Name: 'Erste' },
          { Kennung: null, Name: 'Ohne' },
          { Kennung: 'a', Name: 'Doppelt' },
          { Kennung: 'b', Name: 'Zweite' },
        ],
      },
    ]);
    const { rows, skipped } = await readAll(source(path, 'T', 'Kennung'));
    expect(rows.map((row) => row.values.Name)).toEqual(['Erste', 'Zweite']);
    expect(skipped).toEqual([
      { at: 'T row 2', reason: 'empty id column Kennung' },
      { at: 'T row 3', reason: 'duplicate id a (first in row 1)' },
    ]);
  });
});

describe('access source and the rules of file sources', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-access-rules-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens, reads and lists only files the server allows', async () => {
    const inside = join(dir, 'fruit.mdb');
    copyFileSync(FRUIT, inside);
    const config = AccessSourceConfig.parse({ path: FRUIT, table: 'Fruit', idColumn: 'Fruit' });
    const refused = accessKind.create(config, { writable: false, files: { roots: [dir] } });
    const error = await failure(() => refused.open());
    expect([error.code, error.details?.field, error.details?.reason]).toEqual([
      'VALIDATION_FAILED',
      'source.path',
      'OUTSIDE_SOURCE_ROOTS',
    ]);
    expect((await failure(() => refused.readOne?.('Banana') ?? Promise.resolve())).code).toBe(
      'VALIDATION_FAILED',
    );
    expect((await failure(() => listTables(FRUIT, undefined, { roots: [dir] }))).code).toBe(
      'VALIDATION_FAILED',
    );
    const home = (
      await failure(() =>
        new AccessSource({ config: { ...config, path: inside }, files: { home: dir } }).open(),
      )
    ).details?.reason;
    expect(home).toBe('INSIDE_HOME');

    const allowed = new AccessSource({
      config: { ...config, path: inside },
      files: { home: join(dir, 'home'), roots: [dir] },
    });
    await allowed.open();
    expect((await allowed.readOne('Banana'))?.values.Sugar).toBe('20');
    expect(await listTables(inside, undefined, { roots: [dir] })).toEqual(FRUIT_TABLES);
  });
});

describe('accessKind', () => {
  it('is read-only, validates strictly and creates an AccessSource', () => {
    expect(accessKind.canWrite).toBe(false);
    const config = accessKind.configSchema.parse({ path: FRUIT, table: 'Fruit' });
    const connector = accessKind.create(config, { writable: true });
    expect(connector).toBeInstanceOf(AccessSource);
    expect(connector.capabilities.write).toBe(false);
    expect(accessKind.redact(config)).toEqual(config);
    expect(accessKind.configSchema.safeParse({ path: FRUIT, table: 'T', sheet: 1 }).success).toBe(
      false,
    );
    expect(accessKind.configSchema.safeParse({ path: '/data/tel.xlsx', table: 'T' }).success).toBe(
      false,
    );
  });
});
