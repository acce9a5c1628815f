import { describe, expect, it } from 'vitest';
import type { DatabaseEngine, TestDatabase } from '../../test-support/databases.js';
import {
  DATABASE_ENGINES,
  createContactsTable,
  databasePerEngine,
  insertRow,
  unusedPort,
} from '../../test-support/databases.js';
import { CONTRACT_ROWS, describeSourceContract } from '../../test-support/source-contract.js';
import type { SkippedRow, SourceRow } from '../source-connector.js';
import { OdbcSourceConfig } from './odbc-config.js';
import { odbcKind } from './odbc-kind.js';
import type { OdbcSourceSettings } from './odbc-schema.js';
import type { OdbcSourceOptions } from './odbc-source.js';
import { OdbcSource } from './odbc-source.js';

/** One database per engine for this file; each test makes its own tables. */
const database = databasePerEngine();

let tables = 0;
const newTable = (): string => `contacts_${++tables}`;

function source(
  db: TestDatabase,
  table: string,
  options: Omit<Partial<OdbcSourceOptions>, 'config'> & {
    config?: Partial<OdbcSourceSettings>;
  } = {},
): OdbcSource {
  return new OdbcSource({
    writable: true,
    ...options,
    config: {
      connectionString: db.connectionString,
      table,
      idColumn: 'id',
      modifiedColumn: 'modified',
      memoColumn: 'memo',
      ...options.config,
    },
  });
}

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

async function readAll(
  connector: OdbcSource,
): Promise<{ rows: SourceRow[]; skipped: SkippedRow[] }> {
  const skipped: SkippedRow[] = [];
  const rows = await collect(connector.readAll((s) => skipped.push(s)));
  return { rows, skipped };
}

/** Runs `test` with a fresh seeded table and an open writable source on it. */
async function withTable(
  engine: DatabaseEngine,
  test: (context: { db: TestDatabase; table: string; connector: OdbcSource }) => Promise<void>,
  rows: readonly Record<string, string>[] = CONTRACT_ROWS,
): Promise<void> {
  const db = await database(engine);
  const table = newTable();
  await createContactsTable(db, table, rows);
  const connector = source(db, table);
  try {
    await connector.open();
    await test({ db, table, connector });
  } finally {
    await connector.close();
    await db.sql(`DROP TABLE ${db.quote(table)}`);
  }
}

for (const engine of DATABASE_ENGINES) {
  describeSourceContract(`odbc (${engine})`, async () => {
    const db = await database(engine);
    const table = newTable();
    const seeded = CONTRACT_ROWS.map((row) => ({ ...row }));
    await createContactsTable(db, table, seeded);
    const port = await unusedPort();
    const secret = 'Geheim-7f3a9';
    const unreachable =
      engine === 'sqlite'
        ? `Driver={SQLite3};Database=/nonexistent-ctibook-dir/book.db;Pwd=${secret};`
        : db.connectionString.replace(/Port=\d+/, `Port=${port}`).replace(db.password, secret);
    const q = (name: string): string => db.quote(name);
    return {
      connector: source(db, table),
      idColumn: 'id',
      seeded,
      external: {
        add: (values) => insertRow(db, table, values),
        async update(id, values) {
          const columns = Object.keys(values);
          await db.sql(
            `UPDATE ${q(table)} SET ${columns.map((c) => `${q(c)} = ?`).join(', ')}, modified = CURRENT_TIMESTAMP WHERE id = ?`,
            [...Object.values(values), id],
          );
        },
        async remove(id) {
          await db.sql(`DELETE FROM ${q(table)} WHERE id = ?`, [id]);
        },
      },
      unreachable: () =>
        source(db, table, { config: { connectionString: unreachable }, timeoutMs: 5000 }),
      secret,
      async cleanup() {
        await db.sql(`DROP TABLE ${q(table)}`);
      },
    };
  });
}

describe.each(DATABASE_ENGINES)('odbc source on %s', (engine) => {
  it('declares what a table with id and modified columns can do', async () => {
    const db = await database(engine);
    expect(source(db, 't').capabilities).toEqual({
      write: true,
      changedSince: true,
      readOne: true,
    });
    expect(
      source(db, 't', { writable: false, config: { modifiedColumn: undefined } }).capabilities,
    ).toEqual({ write: false, changedSince: false, readOne: true });
    expect(source(db, 't', { config: { idColumn: undefined } }).capabilities.write).toBe(false);
  });

  it('reads only rows changed since a time, its own writes included', async () => {
    await withTable(engine, async ({ db, table, connector }) => {
      const since = new Date();
      await db.sql(
        `UPDATE ${db.quote(table)} SET last = ?, modified = CURRENT_TIMESTAMP WHERE id = ?`,
        ['Neu', '1'],
      );
      await insertRow(db, table, { id: '7', last: 'Sieben', modified: '2020-01-01 00:00:00' });
      await connector.update('3', { company: 'Café Neu' });
      const changed = await collect(connector.readChanged(since, () => undefined));
      expect(changed.map((r) => r.id).sort()).toEqual(['1', '3']);
      expect(changed.find((r) => r.id === '1')?.values.last).toBe('Neu');
      const later = new Date(Date.now() + 3_600_000);
      expect(await collect(connector.readChanged(later, () => undefined))).toEqual([]);
    });
  });

  it('round-trips a 2 MB note through the memo column', async () => {
    await withTable(engine, async ({ db, table, connector }) => {
      const line = 'Grüße aus Łódź – 0815 € „Notiz“ 😀 \'quoted\' "double" \\ back\n';
      const note = line.repeat(Math.ceil((2 * 1024 * 1024) / Buffer.byteLength(line)));
      expect(Buffer.byteLength(note)).toBeGreaterThanOrEqual(2 * 1024 * 1024);
      await connector.update('2', { memo: note });
      expect((await connector.readOne('2'))?.values.memo).toBe(note);
      const inserted = await connector.insert({ id: '50', last: 'Memo', memo: note });
      expect(inserted.values.memo).toBe(note);
      const [row] = await db.sql(`SELECT memo FROM ${db.quote(table)} WHERE id = ?`, ['50']);
      expect(row?.['memo']).toBe(note);
      const { rows } = await readAll(connector);
      expect(
        rows
          .filter((r) => r.values.memo === note)
          .map((r) => r.id)
          .sort(),
      ).toEqual(['2', '50']);
    });
  });

  it('writes hostile values as plain data through parameters', async () => {
    await withTable(engine, async ({ db, table, connector }) => {
      const hostile = `'); DROP TABLE ${table}; --`;
      const values = {
        id: '60',
        first: hostile,
        last: "O'Reilly \\' \" ` ; --",
        phone: '1 OR 1=1',
      };
      const inserted = await connector.insert(values);
      expect(inserted.values).toMatchObject(values);
      await connector.update('1', { last: hostile });
      await expect(connector.update("1' OR '1'='1", { last: 'x' })).rejects.toMatchObject({
        code: 'CONTACT_NOT_FOUND',
      });
      await expect(connector.delete('1 OR 1=1')).rejects.toMatchObject({
        code: 'CONTACT_NOT_FOUND',
      });
      const { rows } = await readAll(connector);
      expect(rows).toHaveLength(4);
      expect(rows.find((r) => r.id === '1')?.values.last).toBe(hostile);
      expect(await db.sql(`SELECT id FROM ${db.quote(table)}`)).toHaveLength(4);
    });
  });

  it('lets the database make the id of a new row, and reports missing rows', async () => {
    await withTable(engine, async ({ connector }) => {
      const inserted = await connector.insert({ first: 'Ohne', last: 'Id', phone: '089 1' });
      expect(inserted.id).toMatch(/^\d+$/);
      expect(inserted.values).toMatchObject({ id: inserted.id, last: 'Id', company: '' });
      // Same values again: MariaDB counts 0 changed rows, still no error.
      await connector.update(inserted.id ?? '', { last: 'Id' });
      await expect(connector.update('424242', { last: 'x' })).rejects.toMatchObject({
        code: 'CONTACT_NOT_FOUND',
      });
      await expect(connector.delete('424242')).rejects.toMatchObject({ code: 'CONTACT_NOT_FOUND' });
      expect(await connector.readOne('abc')).toBeUndefined();
    });
  });

  it('returns BIGINTs, big decimals and exact decimals as exact strings', async () => {
    const db = await database(engine);
    const table = newTable();
    const types = {
      sqlite: ['INTEGER PRIMARY KEY', 'INTEGER', 'NUMERIC', 'REAL'],
      postgresql: ['BIGINT PRIMARY KEY', 'BIGINT', 'NUMERIC(22,2)', 'DOUBLE PRECISION'],
      mariadb: ['BIGINT PRIMARY KEY', 'BIGINT', 'DECIMAL(22,2)', 'DOUBLE'],
    }[engine];
    await db.sql(
      `CREATE TABLE ${table} (id ${types[0]}, big ${types[1]}, amount ${types[2]}, ratio ${types[3]}, photo ${engine === 'postgresql' ? 'BYTEA' : 'BLOB'})`,
    );
    await db.sql(
      `INSERT INTO ${table} (id, big, amount, ratio) VALUES (12345678901, 9007199254740993, 12.5, 0.25)`,
    );
    const connector = source(db, table, {
      config: { modifiedColumn: undefined, memoColumn: undefined },
    });
    try {
      expect(await connector.columns()).toEqual(['id', 'big', 'amount', 'ratio']);
      const { rows } = await readAll(connector);
      const expected = { id: '12345678901', big: '9007199254740993', ratio: '0.25' };
      expect(rows[0]?.values).toMatchObject(expected);
      expect(rows[0]?.values.amount).toBe(engine === 'sqlite' ? '12.5' : '12.50');
      expect(await collect(connector.readIds())).toEqual(['12345678901']);
      expect((await connector.readOne('12345678901'))?.values.big).toBe('9007199254740993');
    } finally {
      await connector.close();
      await db.sql(`DROP TABLE ${table}`);
    }
  });

  it('streams many rows across batches and pages', async () => {
    const db = await database(engine);
    const table = newTable();
    await createContactsTable(db, table);
    const count = 2500;
    await db.exec(
      engine === 'postgresql'
        ? `INSERT INTO ${table} (id, last, phone) SELECT g, 'Name ' || g, '089 ' || g FROM generate_series(1, ${count}) g;`
        : engine === 'mariadb'
          ? `INSERT INTO ${table} (id, last, phone) SELECT seq, CONCAT('Name ', seq), CONCAT('089 ', seq) FROM seq_1_to_${count};`
          : `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${count}) INSERT INTO ${table} (id, last, phone) SELECT n, 'Name ' || n, '089 ' || n FROM g;`,
    );
    const connector = source(db, table);
    try {
      const { rows, skipped } = await readAll(connector);
      expect(skipped).toEqual([]);
      expect(new Set(rows.map((r) => r.id)).size).toBe(count);
      expect(rows.find((r) => r.id === '2000')?.values.last).toBe('Name 2000');
      expect((await collect(connector.readIds())).length).toBe(count);
    } finally {
      await connector.close();
      await db.sql(`DROP TABLE ${table}`);
    }
  });

  it('finds table and column names whatever their case, and quotes odd names', async () => {
    const db = await database(engine);
    const table = `Phone Book ${++tables}`;
    await db.sql(
      `CREATE TABLE ${db.quote(table)} (${db.quote('Kunden Nr')} VARCHAR(20) PRIMARY KEY, ${db.quote('Last Name')} VARCHAR(50))`,
    );
    await insertRow(db, table, { 'Kunden Nr': 'K-1', 'Last Name': 'Groß' });
    const connector = source(db, table, {
      config: { idColumn: 'kunden nr', modifiedColumn: undefined, memoColumn: undefined },
    });
    try {
      await connector.update('K-1', { 'LAST NAME': 'Klein' });
      expect((await connector.readOne('K-1'))?.values).toEqual({
        'Kunden Nr': 'K-1',
        'Last Name': 'Klein',
      });
    } finally {
      await connector.close();
      await db.sql(`DROP TABLE ${db.quote(table)}`);
    }
  });
});

describe('odbc changed-since on a database in another time zone', () => {
  it('compares on the database’s clock, so rows an hour old stay out', async () => {
    const db = await database('postgresql');
    const table = newTable();
    await db.sql(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, last TEXT, modified TIMESTAMPTZ)`);
    await db.sql(
      `INSERT INTO ${table} VALUES (1, 'Old', now() - interval '1 hour'), (2, 'Older', now() - interval '1 day')`,
    );
    // The session of the source runs 5:30 ahead of UTC, the clock of this machine.
    const connector = source(db, table, {
      config: {
        connectionString: `${db.connectionString}ConnSettings={SET TIME ZONE 'Asia/Kolkata'};`,
        memoColumn: undefined,
      },
    });
    try {
      await connector.open();
      const since = new Date();
      await db.sql(`INSERT INTO ${table} VALUES (3, 'New', now())`);
      const changed = await collect(connector.readChanged(since, () => undefined));
      expect(changed.map((r) => r.values['last'])).toEqual(['New']);
    } finally {
      await connector.close();
      await db.sql(`DROP TABLE ${table}`);
    }
  });
});

describe('odbc settings', () => {
  it('accepts identifiers and refuses anything that could break out of quotes', () => {
    const base = { connectionString: 'Driver={SQLite3};Database=/tmp/x.db;' };
    expect(
      OdbcSourceConfig.safeParse({ ...base, table: 'public.contacts', idColumn: 'Kunden Nr' })
        .success,
    ).toBe(true);
    for (const table of [
      'contacts; DROP TABLE x',
      'a"b',
      'a`b',
      "a'b",
      '1abc',
      'x'.repeat(129),
      'a..b',
      '',
    ]) {
      const result = OdbcSourceConfig.safeParse({ ...base, table });
      expect(result.success, table).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['table']);
    }
    expect(OdbcSourceConfig.safeParse({ ...base, table: 't', idColumn: 'id"; --' }).success).toBe(
      false,
    );
    expect(OdbcSourceConfig.safeParse({ ...base, table: 't', password: 'x' }).success).toBe(false);
  });

  it('checks names again when built without the schema', async () => {
    const connector = new OdbcSource({
      config: {
        connectionString: 'Driver={SQLite3};Database=/tmp/x.db;',
        table: 'x"; DROP TABLE y; --',
      },
      writable: true,
    });
    await expect(connector.open()).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'source.table' },
    });
  });

  it('masks the password of the connection string', () => {
    const config = OdbcSourceConfig.parse({
      connectionString: 'Driver={MariaDB Unicode};Server=db;User=pb;Password=s3cret;',
      table: 'contacts',
    });
    expect(odbcKind.redact(config).connectionString).toBe(
      'Driver={MariaDB Unicode};Server=db;User=pb;Password=********;',
    );
    expect(odbcKind.canWrite).toBe(true);
    expect(odbcKind.create(config, { writable: false })).toBeInstanceOf(OdbcSource);
  });
});
