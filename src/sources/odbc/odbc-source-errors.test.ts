import { existsSync } from 'node:fs';
import type { Server } from 'node:net';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CtibookError } from '../../domain/errors.js';
import type { DatabaseEngine, TestDatabase } from '../../test-support/databases.js';
import {
  DATABASE_ENGINES,
  createContactsTable,
  createTestDatabase,
  unusedPort,
} from '../../test-support/databases.js';
import { OdbcConnectionString } from './odbc-connection-string.js';
import { ODBC_NOT_INSTALLED } from './odbc-driver.js';
import type { OdbcSourceOptions } from './odbc-source.js';
import { OdbcSource } from './odbc-source.js';
import { translateOdbcError } from './translate-odbc-error.js';

const databases = {} as Record<DatabaseEngine, TestDatabase>;
/** Every error a test saw, to check that no password is in any of them. */
const seen: { error: CtibookError; secrets: string[] }[] = [];

beforeAll(async () => {
  for (const engine of DATABASE_ENGINES) {
    const db = await createTestDatabase(engine);
    databases[engine] = db;
    await createContactsTable(db, 'contacts', [{ id: '1', last: 'Eins' }]);
  }
});

afterAll(async () => {
  for (const db of Object.values(databases)) await db.drop();
});

function source(
  connectionString: string,
  config: Partial<OdbcSourceOptions['config']> = {},
  options: Partial<OdbcSourceOptions> = {},
): OdbcSource {
  return new OdbcSource({
    config: { connectionString, table: 'contacts', idColumn: 'id', ...config },
    writable: true,
    ...options,
  });
}

/** The error `work` ends with, and how long it took; remembered for the secrets check. */
async function failure(
  connector: OdbcSource,
  work: (c: OdbcSource) => Promise<unknown> = (c) => c.open(),
  secrets: string[] = [],
): Promise<{ error: CtibookError; ms: number }> {
  const started = Date.now();
  try {
    await work(connector);
  } catch (error) {
    expect(error).toBeInstanceOf(CtibookError);
    seen.push({ error: error as CtibookError, secrets });
    return { error: error as CtibookError, ms: Date.now() - started };
  } finally {
    await connector.close();
  }
  throw new Error('expected an error');
}

const networked = ['postgresql', 'mariadb'] as const;

describe.each(networked)('odbc errors on %s', (engine) => {
  const db = (): TestDatabase => databases[engine];
  const withPort = (port: number): string =>
    db().connectionString.replace(/Port=\d+/, `Port=${port}`);

  it('says SOURCE_AUTH_FAILED for a wrong password or an unknown user', async () => {
    // PostgreSQL here trusts every local connection (pg_hba), so only an unknown role fails.
    const bad =
      engine === 'mariadb'
        ? db().connectionString.replace(db().password, 'Wrong-Pw-123')
        : db().connectionString.replace(/Uid=[^;]+/, 'Uid=nobody_here');
    const { error } = await failure(source(bad), undefined, ['Wrong-Pw-123', db().password]);
    expect(error.code).toBe('SOURCE_AUTH_FAILED');
    expect(error.details?.['sourceMessage']).toMatch(/access denied|role "nobody_here"/i);
  });

  it('says SOURCE_UNAVAILABLE at once for a closed port', async () => {
    const { error, ms } = await failure(source(withPort(await unusedPort())), undefined, [
      db().password,
    ]);
    expect(error.code).toBe('SOURCE_UNAVAILABLE');
    expect(ms).toBeLessThan(2000);
  });

  it('gives up on a server that accepts but never answers', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const connector = source(withPort(port), {}, { timeoutMs: 1000 });
      const { error, ms } = await failure(connector, undefined, [db().password]);
      expect(error.code).toBe('SOURCE_UNAVAILABLE');
      expect(ms).toBeLessThan(4000);
    } finally {
      silent.close();
    }
  });

  it('ends a statement that does not answer with SOURCE_UNAVAILABLE, and goes on', async () => {
    const sleep =
      engine === 'postgresql' ? 'SELECT 1 AS id FROM pg_sleep(5)' : 'SELECT SLEEP(5) AS id';
    const connector = new OdbcSource({
      config: { connectionString: db().connectionString, query: sleep },
      writable: false,
      timeoutMs: 1000,
    });
    const { error, ms } = await failure(connector, async (c) => {
      for await (const row of c.readAll(() => undefined)) void row;
    });
    expect(error.code).toBe('SOURCE_UNAVAILABLE');
    expect(ms).toBeLessThan(4000);
    const table = source(db().connectionString, {}, { timeoutMs: 1000 });
    expect((await table.readOne('1'))?.values['last']).toBe('Eins');
    await table.close();
  });

  it('says which database is missing', async () => {
    const missing = db().connectionString.replace(/Database=[^;]+/, 'Database=no_such_db');
    const { error } = await failure(source(missing), undefined, [db().password]);
    // MariaDB does not tell a missing database from one the user may not see.
    expect(error.code).toBe(engine === 'postgresql' ? 'SOURCE_NOT_FOUND' : 'SOURCE_AUTH_FAILED');
    expect(error.details?.['sourceMessage']).toContain('no_such_db');
  });
});

describe.each(DATABASE_ENGINES)('odbc errors on %s tables', (engine) => {
  const db = (): TestDatabase => databases[engine];

  it('says SOURCE_NOT_FOUND for a missing table or column', async () => {
    const table = await failure(source(db().connectionString, { table: 'no_such_table' }));
    expect(table.error.code).toBe('SOURCE_NOT_FOUND');
    expect(table.error.message).toContain('no_such_table');
    const column = await failure(source(db().connectionString, { modifiedColumn: 'changed_at' }));
    expect(column.error).toMatchObject({
      code: 'SOURCE_NOT_FOUND',
      details: { field: 'source.modifiedColumn', column: 'changed_at' },
    });
    const memo = await failure(source(db().connectionString, { memoColumn: 'modified' }));
    expect(memo.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'source.memoColumn' },
    });
  });

  it('finds a table written in another case, where the database ignores case', async () => {
    const connector = source(db().connectionString, { table: 'CONTACTS', idColumn: 'ID' });
    try {
      if (engine === 'mariadb') {
        // MariaDB on Linux keeps table names case-sensitive: a clear "not found", no guess.
        await expect(connector.readOne('1')).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND' });
      } else {
        expect((await connector.readOne('1'))?.values['last']).toBe('Eins');
      }
    } finally {
      await connector.close();
    }
  });

  it('says SOURCE_REJECTED with the driver’s message for a duplicate id', async () => {
    const { error } = await failure(
      source(db().connectionString),
      (c) => c.insert({ id: '1', last: 'Doppelt' }),
      [db().password],
    );
    expect(error.code).toBe('SOURCE_REJECTED');
    expect(error.status).toBe(409);
    expect(error.details?.['sourceMessage']).toMatch(
      {
        sqlite: /UNIQUE constraint failed/,
        postgresql: /duplicate key/,
        mariadb: /Duplicate entry/,
      }[engine],
    );
  });
});

describe('odbc errors without a database', () => {
  it('says SOURCE_UNAVAILABLE for a missing SQLite file and does not create it', async () => {
    const path = `${databases.sqlite.name}.missing.db`;
    const { error } = await failure(source(`Driver={SQLite3};Database=${path};`));
    expect(error).toMatchObject({ code: 'SOURCE_UNAVAILABLE', details: { path } });
    expect(error.message).toContain(path);
    expect(existsSync(path)).toBe(false);
  });

  it('names a driver that is not installed and how to list the installed ones', async () => {
    const { error } = await failure(
      source('Driver={No Such Driver};Server=x;Pwd=Secret-42;'),
      undefined,
      ['Secret-42'],
    );
    expect(error.code).toBe('SOURCE_UNAVAILABLE');
    expect(error.message).toContain('"No Such Driver"');
    expect(error.message).toContain('odbcinst -q -d');
    const dsn = await failure(source('DSN=nowhere;Pwd=Secret-42;'), undefined, ['Secret-42']);
    expect(dsn.error.message).toContain('"nowhere"');
  });

  it('says how to install ODBC support when the odbc package is missing', async () => {
    const missing = Object.assign(new Error("Cannot find package 'odbc'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const connector = source(
      'Driver={SQLite3};Database=/tmp/x.db;',
      {},
      {
        loadOdbc: () => Promise.reject(missing),
      },
    );
    const { error } = await failure(connector);
    expect(error).toMatchObject({ code: 'SOURCE_UNAVAILABLE', message: ODBC_NOT_INSTALLED });
    expect(error.cause).toBe(missing);
  });

  it('scrubs a password a driver echoes back', () => {
    const cs = new OdbcConnectionString('Driver={X};Uid=a;Pwd={p;w}}1};');
    const echoed = Object.assign(new Error('[odbc] Error'), {
      odbcErrors: [{ state: '08001', code: 1, message: 'bad login a/p;w}1 with Pwd=p;w}1' }],
    });
    const error = translateOdbcError(echoed, { phase: 'connect', connectionString: cs });
    expect(JSON.stringify({ m: error.message, d: error.details })).not.toContain('p;w}1');
    expect(error.cause).toBe(echoed);
  });

  it('never shows a password in any error of this file', () => {
    expect(seen.length).toBeGreaterThan(10);
    for (const { error, secrets } of seen) {
      const text = JSON.stringify({ message: error.message, details: error.details });
      for (const secret of secrets.filter(Boolean)) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/Pwd=(?!\*)|Password=(?!\*)/i);
    }
  });
});

describe('OdbcConnectionString', () => {
  it('reads braced values and adds defaults only where the admin set none', () => {
    const cs = new OdbcConnectionString(
      'Driver={MariaDB Unicode};Server=db;PASSWORD={a;b}}c};conn_timeout=5',
    );
    expect(cs.driver).toBe('MariaDB Unicode');
    expect(cs.get('password')).toBe('a;b}c');
    expect(cs.secrets).toEqual(['a;b}c']);
    expect(cs.withDefaults({ CONN_TIMEOUT: '10', Option: '3' })).toBe(
      'Driver={MariaDB Unicode};Server=db;PASSWORD={a;b}}c};conn_timeout=5;Option=3;',
    );
  });
});
