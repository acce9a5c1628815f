import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMdb } from '../../../test/fixtures/write-mdb.js';
import { CtibookError } from '../../domain/errors.js';
import { CONTRACT_ROWS, describeSourceContract } from '../../test-support/source-contract.js';
import type { SkippedRow, SourceConnector, SourceRow } from '../source-connector.js';
import { OledbSourceConfig } from './oledb-config.js';
import { oledbKind } from './oledb-kind.js';
import { OledbSource } from './oledb-source.js';

const FRUIT = fileURLToPath(new URL('../../../test/fixtures/fruit.mdb', import.meta.url));
const SECRET = 'Geheim-5d1c';

function oledb(connectionString: string, select: Partial<OledbSourceConfig>): OledbSource {
  return new OledbSource({ config: OledbSourceConfig.parse({ connectionString, ...select }) });
}

async function collect(
  connector: SourceConnector,
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
    const failed = error as CtibookError;
    expect(JSON.stringify({ m: failed.message, d: failed.details })).not.toContain(SECRET);
    return failed;
  }
  throw new Error('expected a CtibookError');
}

/** A TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A stand-in SQL Server speaking just enough TDS: it answers PRELOGIN (no encryption) and
 * refuses every LOGIN7 with the given error, as a real server does for a bad password.
 */
async function refusingSqlServer(
  number: number,
  message: string,
): Promise<{ port: number; close(): Promise<void> }> {
  const u16 = (n: number): Buffer => Buffer.from([n & 0xff, n >> 8]);
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const packet = (payload: Buffer): Buffer => {
    const header = Buffer.from([0x04, 0x01, 0, 0, 0, 0, 1, 0]);
    header.writeUInt16BE(payload.length + 8, 2);
    return Buffer.concat([header, payload]);
  };
  // VERSION at 11 (6 bytes), ENCRYPTION at 17 (1 byte: not supported), terminator.
  const prelogin = Buffer.from([
    0x00, 0, 11, 0, 6, 0x01, 0, 17, 0, 1, 0xff, 16, 0, 0, 0, 0, 0, 0x02,
  ]);
  const text = Buffer.from(message, 'utf16le');
  const serverName = Buffer.from('fake', 'utf16le');
  const body = Buffer.concat([
    u32(number),
    Buffer.from([1, 14]),
    u16(message.length),
    text,
    Buffer.from([4]),
    serverName,
    Buffer.from([0]),
    u32(1),
  ]);
  const refusal = Buffer.concat([
    Buffer.from([0xaa]),
    u16(body.length),
    body,
    Buffer.from([0xfd, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  ]);
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    let pending = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 8 && pending.length >= pending.readUInt16BE(2)) {
        const [type, status] = pending;
        pending = pending.subarray(pending.readUInt16BE(2));
        if (((status ?? 0) & 1) === 0) continue;
        if (type === 0x12) socket.write(packet(prelogin));
        if (type === 0x10) socket.write(packet(refusal));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sqliteBook(path: string, rows: readonly Record<string, string>[]): Database.Database {
  const db = new Database(path);
  db.exec(
    'CREATE TABLE kontakte (id INTEGER PRIMARY KEY, first TEXT, last TEXT, phone TEXT, company TEXT)',
  );
  const insert = db.prepare(
    'INSERT INTO kontakte (id, first, last, phone, company) VALUES (@id, @first, @last, @phone, @company)',
  );
  for (const row of rows) insert.run({ ...row, id: Number(row.id) });
  return db;
}

describeSourceContract('oledb (MSDASQL → ODBC SQLite3)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctibook-oledb-'));
  const path = join(dir, 'book.db');
  const db = sqliteBook(path, CONTRACT_ROWS);
  const fields = (values: Record<string, string>): Record<string, string | number> => ({
    first: '',
    last: '',
    phone: '',
    company: '',
    ...values,
    id: Number(values.id),
  });
  return {
    connector: oledb(
      `Provider=MSDASQL.1;Persist Security Info=False;Driver={SQLite3};Database=${path}`,
      { table: 'kontakte', idColumn: 'id' },
    ),
    idColumn: 'id',
    seeded: CONTRACT_ROWS.map((row) => ({ ...row })),
    external: {
      async add(values) {
        db.prepare(
          'INSERT INTO kontakte (id, first, last, phone, company) VALUES (@id, @first, @last, @phone, @company)',
        ).run(fields(values));
      },
      async update(id, values) {
        for (const [column, value] of Object.entries(values)) {
          db.prepare(`UPDATE kontakte SET "${column}" = ? WHERE id = ?`).run(value, Number(id));
        }
      },
      async remove(id) {
        db.prepare('DELETE FROM kontakte WHERE id = ?').run(Number(id));
      },
    },
    unreachable: () =>
      oledb(
        `Provider=MSDASQL;Driver={SQLite3};Database=/nonexistent-ctibook-dir/book.db;PWD=${SECRET}`,
        { table: 'kontakte', idColumn: 'id' },
      ),
    secret: SECRET,
    async cleanup() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeSourceContract('oledb (ACE → Access reader)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctibook-oledb-'));
  const path = join(dir, 'Telefonbuch.accdb');
  let rows = CONTRACT_ROWS.map((row) => ({ ...row }));
  const write = (): void =>
    writeMdb(path, [
      {
        name: 'Kontakte',
        columns: ['id', 'first', 'last', 'phone', 'company'].map((name) => ({
          name,
          type: 'text' as const,
        })),
        rows,
      },
    ]);
  write();
  return {
    connector: oledb(
      `Provider=Microsoft.ACE.OLEDB.16.0;Data Source="${path}";Persist Security Info=False`,
      { table: 'Kontakte', idColumn: 'id' },
    ),
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
    unreachable: () =>
      oledb(
        `Provider=Microsoft.Jet.OLEDB.4.0;Data Source=${join(dir, 'fehlt.mdb')};Jet OLEDB:Database Password=${SECRET}`,
        { table: 'Kontakte' },
      ),
    secret: SECRET,
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('oledb source', () => {
  it('reads fruit.mdb through an ACE connection string', async () => {
    const config = oledbKind.configSchema.parse({
      connectionString: `Provider=Microsoft.ACE.OLEDB.12.0;Data Source=${FRUIT};Persist Security Info=False;`,
      table: 'Fruit',
      idColumn: 'Fruit',
    });
    const connector = oledbKind.create(config, { writable: true });
    expect(connector).toBeInstanceOf(OledbSource);
    expect((connector as OledbSource).family).toBe('access');
    expect(connector.capabilities).toEqual({ write: false, changedSince: false, readOne: true });
    await connector.open();
    expect((await connector.columns()).slice(0, 3)).toEqual(['Fruit', 'Fiber', 'Fat']);
    const { rows, skipped } = await collect(connector);
    expect([rows.length, skipped]).toEqual([37, []]);
    expect((await connector.readOne?.('Banana'))?.values.Sugar).toBe('20');
    await connector.close();
    await connector.close();
  });

  it('opens the Access file only where the server allows file sources', async () => {
    const config = oledbKind.configSchema.parse({
      connectionString: `Provider=Microsoft.ACE.OLEDB.12.0;Data Source=${FRUIT};Jet OLEDB:Database Password=${SECRET}`,
      table: 'Fruit',
    });
    const root = mkdtempSync(join(tmpdir(), 'ctibook-oledb-root-'));
    try {
      const connector = oledbKind.create(config, { writable: false, files: { roots: [root] } });
      const error = await failure(() => connector.open());
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details).toMatchObject({ field: 'source.path', reason: 'OUTSIDE_SOURCE_ROOTS' });
      expect(JSON.stringify([error.message, error.details])).not.toContain(SECRET);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('names the tables of the Access file when the table is missing', async () => {
    const connector = oledb(`Provider=Microsoft.ACE.OLEDB.12.0;Data Source=${FRUIT}`, {
      table: 'Adressen',
    });
    const error = await failure(() => connector.open());
    expect(error.code).toBe('SOURCE_NOT_FOUND');
    expect(error.message).toContain(
      'its tables: Fruit, Fruit Salad, Veggie Salad, Muffin/Bread, Dried',
    );
  });

  describe('MSDASQL with the SQLite3 ODBC driver', () => {
    let dir: string;
    let path: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'ctibook-oledb-'));
      path = join(dir, 'book.db');
      sqliteBook(path, CONTRACT_ROWS).close();
    });
    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('reads a table of a real SQLite file', async () => {
      const connector = oledb(
        `Provider=MSDASQL;Extended Properties="Driver={SQLite3};Database=${path};"`,
        { table: 'kontakte', idColumn: 'id' },
      );
      expect(connector.family).toBe('odbc');
      try {
        expect(await connector.columns()).toEqual(['id', 'first', 'last', 'phone', 'company']);
        const { rows } = await collect(connector);
        expect(rows.map((row) => row.values.last)).toEqual(['Groß', 'Łukasiewicz', "O'Brien"]);
        expect((await connector.readOne('2'))?.values.company).toBe('Łódź Ltd');
      } finally {
        await connector.close();
      }
    });

    it('reads a query', async () => {
      const connector = oledb(`Provider=MSDASQL.1;Driver={SQLite3};Database=${path}`, {
        query: 'SELECT id, last FROM kontakte WHERE id > 1',
        idColumn: 'id',
      });
      try {
        const { rows } = await collect(connector);
        expect(rows.map((row) => row.values)).toEqual([
          { id: '2', last: 'Łukasiewicz' },
          { id: '3', last: "O'Brien" },
        ]);
      } finally {
        await connector.close();
      }
    });
  });

  describe('SQL Server through tedious', () => {
    it('ends quickly in SOURCE_UNAVAILABLE when nothing listens, without the password', async () => {
      const port = await closedPort();
      const connector = oledb(
        `Provider=SQLOLEDB.1;Data Source=127.0.0.1,${port};Initial Catalog=CRM;User ID=ctibook;Password=${SECRET};Connect Timeout=10`,
        { table: 'dbo.Kontakte', idColumn: 'KundenNr' },
      );
      expect(connector.family).toBe('sqlserver');
      const started = Date.now();
      const error = await failure(() => connector.open());
      expect(Date.now() - started).toBeLessThan(3000);
      expect(error.code).toBe('SOURCE_UNAVAILABLE');
      expect(error.message).toContain(`SQL Server 127.0.0.1,${port} does not answer`);
      expect((await failure(() => collect(connector))).code).toBe('SOURCE_UNAVAILABLE');
      await connector.close();
      await connector.close();
    });

    it('gives up on a server that accepts but never answers, after Connect Timeout', async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as AddressInfo;
      try {
        const connector = oledb(
          `Provider=MSOLEDBSQL;Server=tcp:127.0.0.1,${port};UID=ctibook;PWD=${SECRET};Connect Timeout=1`,
          { table: 'Kontakte' },
        );
        const started = Date.now();
        const error = await failure(() => connector.open());
        expect(Date.now() - started).toBeLessThan(5000);
        expect(error.code).toBe('SOURCE_UNAVAILABLE');
        await connector.close();
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }
    });

    it('says SOURCE_AUTH_FAILED when the server refuses the login (error 18456)', async () => {
      const fake = await refusingSqlServer(18456, "Login failed for user 'ctibook'.");
      try {
        const connector = oledb(
          `Provider=SQLOLEDB;Data Source=127.0.0.1,${fake.port};User ID=ctibook;Password=${SECRET}`,
          { table: 'Kontakte' },
        );
        const error = await failure(() => connector.open());
        expect(error.code).toBe('SOURCE_AUTH_FAILED');
        expect(error.message).toBe(
          `SQL Server 127.0.0.1,${fake.port} refused the login of ctibook: Login failed for user 'ctibook'.`,
        );
        await connector.close();
      } finally {
        await fake.close();
      }
    });

    it('says SOURCE_NOT_FOUND when the database does not exist (error 4060)', async () => {
      const fake = await refusingSqlServer(
        4060,
        'Cannot open database "CRM" requested by the login. The login failed.',
      );
      try {
        const connector = oledb(
          `Provider=SQLNCLI11;Server=127.0.0.1,${fake.port};Database=CRM;UID=ctibook;PWD=${SECRET}`,
          { query: 'SELECT * FROM Kontakte' },
        );
        expect((await failure(() => connector.open())).code).toBe('SOURCE_NOT_FOUND');
        await connector.close();
      } finally {
        await fake.close();
      }
    });

    it('refuses Integrated Security=SSPI before connecting', () => {
      const connectionString =
        'Provider=SQLNCLI11;Server=SRV01\\SQLEXPRESS;Database=CRM;Integrated Security=SSPI';
      expect(() => new OledbSource({ config: { connectionString, table: 'Kontakte' } })).toThrow(
        expect.objectContaining({
          code: 'VALIDATION_FAILED',
          message: expect.stringContaining('Windows authentication'),
        }),
      );
      const parsed = OledbSourceConfig.safeParse({ connectionString, table: 'Kontakte' });
      expect(parsed.error?.issues[0]?.message).toContain('use SQL authentication');
    });
  });

  it('masks every password form when the settings are shown', () => {
    const config = OledbSourceConfig.parse({
      connectionString: `Provider=SQLOLEDB;Data Source=db;User ID=u;Password='${SECRET};x'`,
      table: 'T',
    });
    expect(oledbKind.redact(config)).toEqual({
      connectionString: 'Provider=SQLOLEDB;Data Source=db;User ID=u;Password=********',
      table: 'T',
    });
    expect(oledbKind.canWrite).toBe(false);
  });
});
