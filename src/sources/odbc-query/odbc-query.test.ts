import { describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../test-support/databases.js';
import { DATABASE_ENGINES, databasePerEngine, unusedPort } from '../../test-support/databases.js';
import { CONTRACT_ROWS, describeSourceContract } from '../../test-support/source-contract.js';
import { OdbcSource } from '../odbc/odbc-source.js';
import type { SourceRow } from '../source-connector.js';
import { OdbcQuerySourceConfig } from './odbc-query-config.js';
import { odbcQueryKind } from './odbc-query-kind.js';

/** One database per engine for this file; each test makes its own tables. */
const database = databasePerEngine();

let schemas = 0;

/**
 * People and their companies in two tables (`people_N`, `companies_N`), and the JOIN a
 * phone book reads them through.
 */
async function peopleAndCompanies(
  db: TestDatabase,
  rows: readonly Record<string, string>[],
): Promise<{ query: string; people: string; companies: string }> {
  const n = ++schemas;
  const people = `people_${n}`;
  const companies = `companies_${n}`;
  await db.sql(`CREATE TABLE ${companies} (id INTEGER PRIMARY KEY, name VARCHAR(100))`);
  await db.sql(
    `CREATE TABLE ${people} (id INTEGER PRIMARY KEY, first VARCHAR(100), last VARCHAR(100), phone VARCHAR(50), company_id INTEGER)`,
  );
  for (const row of rows) await addPerson(db, people, companies, row);
  const query = `SELECT p.id, p.first, p.last, p.phone, c.name AS company
    FROM ${people} p LEFT JOIN ${companies} c ON c.id = p.company_id -- the company; of a person
    ORDER BY p.id;`;
  return { query, people, companies };
}

async function addPerson(
  db: TestDatabase,
  people: string,
  companies: string,
  row: Record<string, string>,
): Promise<void> {
  const id = Number(row['id']);
  await db.sql(`INSERT INTO ${companies} (id, name) VALUES (?, ?)`, [id, row['company'] ?? '']);
  await db.sql(
    `INSERT INTO ${people} (id, first, last, phone, company_id) VALUES (?, ?, ?, ?, ?)`,
    [id, row['first'] ?? '', row['last'] ?? '', row['phone'] ?? '', id],
  );
}

describeSourceContract('odbc-query (JOIN on postgresql)', async () => {
  const db = await database('postgresql');
  const seeded = CONTRACT_ROWS.map((row) => ({ ...row }));
  const { query, people, companies } = await peopleAndCompanies(db, seeded);
  const port = await unusedPort();
  const secret = 'Query-Secret-9';
  return {
    connector: odbcQueryKind.create(
      OdbcQuerySourceConfig.parse({ connectionString: db.connectionString, query, idColumn: 'id' }),
      { writable: true },
    ),
    idColumn: 'id',
    seeded,
    external: {
      add: (values) => addPerson(db, people, companies, values),
      async update(id, values) {
        for (const [column, value] of Object.entries(values)) {
          if (column === 'company') {
            await db.sql(`UPDATE ${companies} SET name = ? WHERE id = ?`, [value, Number(id)]);
          } else {
            await db.sql(`UPDATE ${people} SET ${column} = ? WHERE id = ?`, [value, Number(id)]);
          }
        }
      },
      async remove(id) {
        await db.sql(`DELETE FROM ${people} WHERE id = ?`, [Number(id)]);
      },
    },
    unreachable: () =>
      new OdbcSource({
        config: {
          connectionString: db.connectionString
            .replace(/Port=\d+/, `Port=${port}`)
            .replace(db.password, secret),
          query,
        },
        writable: false,
      }),
    secret,
    async cleanup() {
      await db.sql(`DROP TABLE ${people}`);
      await db.sql(`DROP TABLE ${companies}`);
    },
  };
});

async function collect(rows: AsyncIterable<SourceRow>): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

describe.each(DATABASE_ENGINES)('odbc-query on %s', (engine) => {
  it('reads a JOIN row by row, one record live, and refuses every write', async () => {
    const db = await database(engine);
    const rows = Array.from({ length: 1200 }, (_, i) => ({
      id: String(i + 1),
      last: `Name ${i + 1}`,
      company: i % 2 ? 'Groß & Söhne' : 'Łódź Ltd',
    }));
    const { query, people, companies } = await peopleAndCompanies(db, rows.slice(0, 3));
    await db.exec(
      engine === 'postgresql'
        ? `INSERT INTO ${people} (id, last, company_id) SELECT g, 'Name ' || g, 1 FROM generate_series(4, 1200) g;`
        : engine === 'mariadb'
          ? `INSERT INTO ${people} (id, last, company_id) SELECT seq, CONCAT('Name ', seq), 1 FROM seq_4_to_1200;`
          : `WITH RECURSIVE g(n) AS (SELECT 4 UNION ALL SELECT n + 1 FROM g WHERE n < 1200) INSERT INTO ${people} (id, last, company_id) SELECT n, 'Name ' || n, 1 FROM g;`,
    );
    const connector = odbcQueryKind.create(
      OdbcQuerySourceConfig.parse({ connectionString: db.connectionString, query, idColumn: 'id' }),
      { writable: true },
    );
    try {
      expect(connector.capabilities).toEqual({ write: false, changedSince: false, readOne: true });
      const read = await collect(connector.readAll(() => undefined));
      expect(read).toHaveLength(1200);
      expect(read.find((r) => r.id === '2')?.values).toEqual({
        id: '2',
        first: '',
        last: 'Name 2',
        phone: '',
        company: 'Groß & Söhne',
      });
      expect((await connector.readOne?.('1000'))?.values['company']).toBe('Łódź Ltd');
      for (const write of [
        () => connector.insert?.({ id: '5000', last: 'x' }),
        () => connector.update?.('1', { last: 'x' }),
        () => connector.delete?.('1'),
      ]) {
        await expect(write()).rejects.toMatchObject({ code: 'PHONEBOOK_READ_ONLY', status: 403 });
      }
    } finally {
      await connector.close();
      await db.sql(`DROP TABLE ${people}`);
      await db.sql(`DROP TABLE ${companies}`);
    }
  });
});

describe('odbc-query settings', () => {
  const connectionString = 'Driver={SQLite3};Database=/tmp/x.db;';
  const problem = (query: string): string | undefined => {
    const result = OdbcQuerySourceConfig.safeParse({ connectionString, query });
    if (result.success) return undefined;
    expect(result.error.issues[0]?.path).toEqual(['query']);
    return result.error.issues[0]?.message;
  };

  it('takes one SELECT or WITH query, semicolons inside strings and comments included', () => {
    for (const query of [
      "SELECT 'a;b' AS x;",
      'with x as (select 1 as id) select * from x',
      '  (SELECT 1 AS id) -- ; DELETE in a comment\n',
      'SELECT "update", `delete` FROM t /* ; drop */',
      "SELECT REPLACE(phone, ' ', '') AS phone FROM t",
    ]) {
      expect(problem(query), query).toBeUndefined();
    }
    expect(
      OdbcQuerySourceConfig.parse({ connectionString, query: 'SELECT 1 AS id ; \n' }).query,
    ).toBe('SELECT 1 AS id');
    expect(
      OdbcQuerySourceConfig.parse({
        connectionString,
        query: "SELECT '--;' AS x -- note; here\n/* ; */",
      }).query,
    ).toBe("SELECT '--;' AS x");
  });

  it('refuses several statements, writes and unclosed strings naming source.query', () => {
    expect(problem('SELECT 1; DROP TABLE people')).toMatch(/single SELECT/);
    expect(problem("SELECT 'x'; DELETE FROM people; --")).toMatch(/single SELECT/);
    expect(problem('DELETE FROM people')).toMatch(/not DELETE/);
    expect(problem('UPDATE people SET last = 1')).toMatch(/not UPDATE/);
    expect(problem('WITH d AS (DELETE FROM people RETURNING *) SELECT * FROM d')).toMatch(
      /DELETE is not allowed/,
    );
    expect(problem("SELECT * INTO OUTFILE '/tmp/x' FROM people")).toMatch(/INTO is not allowed/);
    expect(problem("SELECT 'open")).toMatch(/never closed/);
    expect(problem('')).toBeDefined();
  });

  it('refuses a bad query again when the source is built without the schema', async () => {
    const connector = new OdbcSource({
      config: { connectionString, query: 'SELECT 1 AS id; DROP TABLE x' },
      writable: false,
    });
    await expect(connector.open()).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'source.query' },
    });
  });

  it('says VALIDATION_FAILED for a query the database cannot run, SOURCE_NOT_FOUND for a missing table', async () => {
    const db = await database('postgresql');
    const open = (query: string) =>
      new OdbcSource({ config: { connectionString: db.connectionString, query }, writable: false })
        .open()
        .then(
          () => undefined,
          (error: unknown) => error,
        );
    expect(await open('SELECT no_such_function(1) AS x')).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'source.query' },
    });
    expect(await open('SELECT * FROM no_such_table')).toMatchObject({ code: 'SOURCE_NOT_FOUND' });
  });

  it('masks the password and is never writable', () => {
    const config = OdbcQuerySourceConfig.parse({
      connectionString: 'Driver={PostgreSQL Unicode};Server=db;Uid=pb;Pwd=s3cret;',
      query: 'SELECT 1 AS id',
    });
    expect(odbcQueryKind.redact(config).connectionString).toBe(
      'Driver={PostgreSQL Unicode};Server=db;Uid=pb;Pwd=********;',
    );
    expect(odbcQueryKind.canWrite).toBe(false);
    expect(odbcQueryKind.create(config, { writable: true }).capabilities.write).toBe(false);
  });
});
