/**
 * Fresh databases on the real servers of this machine, for the ODBC tests and benchmarks:
 * a SQLite file, or a PostgreSQL or MariaDB database with a user of its own (with a
 * password). A server that is not running is started; one that cannot be is an error,
 * never a skipped test.
 *
 * @module
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll } from 'vitest';
import type { OdbcConnection, OdbcParameter } from '../sources/odbc/odbc-driver.js';
import { loadOdbc } from '../sources/odbc/odbc-driver.js';

const run = promisify(execFile);

export type DatabaseEngine = 'sqlite' | 'postgresql' | 'mariadb';

export const DATABASE_ENGINES: readonly DatabaseEngine[] = ['sqlite', 'postgresql', 'mariadb'];

/** A database made for one test file or benchmark; `drop()` removes it. */
export interface TestDatabase {
  readonly engine: DatabaseEngine;
  /** Database name (SQLite: the file's path). */
  readonly name: string;
  /** ODBC connection string for the database's own user, password included. */
  readonly connectionString: string;
  /** That user's password ('' for SQLite): it must never show in an error. */
  readonly password: string;
  /** `host`, `port` and `user` for connection strings a test builds itself. */
  readonly server?: { host: string; port: number; user: string };
  /** Runs one statement as the database's user, values as parameters; returns its rows. */
  sql(statement: string, parameters?: OdbcParameter[]): Promise<Record<string, unknown>[]>;
  /** Runs a script of statements (`;`-separated) with the engine's own client. */
  exec(script: string): Promise<void>;
  /** An identifier quoted as this engine wants it. */
  quote(identifier: string): string;
  /** Removes the database, its user and files. Safe twice. */
  drop(): Promise<void>;
}

let counter = 0;

/** A name no other test run uses: `ctb_<pid>_<n>_<random>`. */
function uniqueName(): string {
  counter++;
  return `ctb_${process.pid}_${counter}_${randomBytes(3).toString('hex')}`;
}

/** A password with letters, digits, `-` and `_` only (no `;`, `{`, quotes to escape). */
function newPassword(): string {
  return `Pw-${randomBytes(12).toString('base64url')}`;
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function isPortOpen(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A loopback port nothing listens on (connections to it are refused). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitForPort(port: number, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await isPortOpen(port, 500)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not start listening on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

const started = new Map<DatabaseEngine, Promise<void>>();

/**
 * Makes sure the server of `engine` runs, starting it when it does not (Debian's
 * `pg_ctlcluster`; `mariadbd` through `start-stop-daemon`).
 * @throws Error naming what was tried when the server cannot be started.
 */
export function ensureDatabaseServer(engine: DatabaseEngine): Promise<void> {
  if (engine === 'sqlite') return Promise.resolve();
  let starting = started.get(engine);
  if (!starting) {
    starting = (engine === 'postgresql' ? startPostgresql() : startMariadb()).catch(
      (error: unknown) => {
        started.delete(engine);
        throw error;
      },
    );
    started.set(engine, starting);
  }
  return starting;
}

async function startPostgresql(): Promise<void> {
  if (await isPortOpen(5432)) return;
  const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
  if (versions.length === 0)
    throw new Error('PostgreSQL is not installed (/etc/postgresql is empty)');
  for (const version of versions) {
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']).catch(
      (error: Error) => {
        throw new Error(`PostgreSQL ${version} did not start: ${error.message}`);
      },
    );
  }
  await waitForPort(5432, 'PostgreSQL');
}

async function startMariadb(): Promise<void> {
  if ((await isPortOpen(3306)) && (await mariadbAnswers())) return;
  if (!existsSync('/usr/sbin/mariadbd'))
    throw new Error('MariaDB is not installed (/usr/sbin/mariadbd)');
  mkdirSync('/run/mysqld', { recursive: true });
  const { stdout } = await run('id', ['-u', 'mysql']);
  const { stdout: group } = await run('id', ['-g', 'mysql']);
  chownSync('/run/mysqld', Number(stdout.trim()), Number(group.trim()));
  await run('start-stop-daemon', [
    '--start',
    '--oknodo',
    '--background',
    '--exec',
    '/usr/sbin/mariadbd',
    '--',
    '--user=mysql',
    '--bind-address=127.0.0.1',
  ]).catch((error: Error) => {
    throw new Error(`MariaDB did not start: ${error.message}`);
  });
  await waitForPort(3306, 'MariaDB');
  const until = Date.now() + 30_000;
  while (!(await mariadbAnswers())) {
    if (Date.now() > until)
      throw new Error('MariaDB listens but root cannot log in over the socket');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function mariadbAnswers(): Promise<boolean> {
  return run('mariadb', ['-uroot', '-e', 'SELECT 1']).then(
    () => true,
    () => false,
  );
}

/** Runs a client with `script` on its standard input. */
function client(command: string, args: string[], script: string, env: NodeJS.ProcessEnv = {}) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} failed (${code}): ${stderr.trim()}`)),
    );
    child.stdin.end(script);
  });
}

const doubleQuote = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;

/** An ODBC connection of the database's user for `sql()`, opened on first use. */
function odbcRunner(connectionString: string) {
  let connection: Promise<OdbcConnection> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    sql(statement: string, parameters: OdbcParameter[] = []) {
      connection ??= loadOdbc().then((odbc) =>
        odbc.connect({ connectionString, loginTimeout: 10 }),
      );
      const open = connection;
      const next = queue.then(async () => [...(await (await open).query(statement, parameters))]);
      queue = next.catch(() => undefined);
      return next;
    },
    async close() {
      const open = connection;
      connection = undefined;
      await queue;
      await (await open?.catch(() => undefined))?.close().catch(() => undefined);
    },
  };
}

/**
 * A new, empty database on the server of `engine` (started when needed), owned by a new
 * user with a password. Drop it when done.
 */
export async function createTestDatabase(engine: DatabaseEngine): Promise<TestDatabase> {
  await ensureDatabaseServer(engine);
  if (engine === 'sqlite') return createSqlite();
  return engine === 'postgresql' ? createPostgresql() : createMariadb();
}

function createSqlite(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'ctibook-odbc-'));
  const path = join(dir, 'book.db');
  new Database(path).close();
  const open = () => new Database(path, { timeout: 5000 });
  return {
    engine: 'sqlite',
    name: path,
    connectionString: `Driver={SQLite3};Database=${path};`,
    password: '',
    async sql(statement, parameters = []) {
      const db = open();
      try {
        const prepared = db.prepare(statement);
        if (prepared.reader) return prepared.all(...parameters) as Record<string, unknown>[];
        prepared.run(...parameters);
        return [];
      } finally {
        db.close();
      }
    },
    async exec(script) {
      const db = open();
      try {
        db.exec(script);
      } finally {
        db.close();
      }
    },
    quote: doubleQuote,
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function createPostgresql(): Promise<TestDatabase> {
  const name = uniqueName();
  const password = newPassword();
  const admin = [
    '-h',
    '127.0.0.1',
    '-U',
    'postgres',
    '-d',
    'postgres',
    '-v',
    'ON_ERROR_STOP=1',
    '-q',
  ];
  await client(
    'psql',
    admin,
    `CREATE ROLE ${name} LOGIN PASSWORD '${password}';\nCREATE DATABASE ${name} OWNER ${name};\n`,
  );
  const connectionString = `Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Database=${name};Uid=${name};Pwd=${password};`;
  const runner = odbcRunner(connectionString);
  let dropped = false;
  return {
    engine: 'postgresql',
    name,
    connectionString,
    password,
    server: { host: '127.0.0.1', port: 5432, user: name },
    sql: runner.sql,
    exec: (script) =>
      client(
        'psql',
        ['-h', '127.0.0.1', '-U', name, '-d', name, '-v', 'ON_ERROR_STOP=1', '-q'],
        script,
        {
          PGPASSWORD: password,
        },
      ),
    quote: doubleQuote,
    async drop() {
      if (dropped) return;
      dropped = true;
      await runner.close();
      await client(
        'psql',
        admin,
        `DROP DATABASE IF EXISTS ${name} WITH (FORCE);\nDROP ROLE IF EXISTS ${name};\n`,
      );
    },
  };
}

async function createMariadb(): Promise<TestDatabase> {
  const name = uniqueName();
  const password = newPassword();
  const users = `'${name}'@'localhost', '${name}'@'127.0.0.1'`;
  await client(
    'mariadb',
    ['-uroot'],
    [
      `CREATE DATABASE ${name} CHARACTER SET utf8mb4;`,
      `CREATE USER '${name}'@'localhost' IDENTIFIED BY '${password}';`,
      `CREATE USER '${name}'@'127.0.0.1' IDENTIFIED BY '${password}';`,
      `GRANT ALL ON ${name}.* TO '${name}'@'localhost';`,
      `GRANT ALL ON ${name}.* TO '${name}'@'127.0.0.1';`,
    ].join('\n'),
  );
  const connectionString = `Driver={MariaDB Unicode};Server=127.0.0.1;Port=3306;Database=${name};User=${name};Password=${password};`;
  const runner = odbcRunner(connectionString);
  let dropped = false;
  return {
    engine: 'mariadb',
    name,
    connectionString,
    password,
    server: { host: '127.0.0.1', port: 3306, user: name },
    sql: runner.sql,
    exec: (script) =>
      client('mariadb', ['-h', '127.0.0.1', '-u', name, name], script, { MYSQL_PWD: password }),
    quote: (identifier) => `\`${identifier.replaceAll('`', '``')}\``,
    async drop() {
      if (dropped) return;
      dropped = true;
      await runner.close();
      await client(
        'mariadb',
        ['-uroot'],
        `DROP DATABASE IF EXISTS ${name};\nDROP USER IF EXISTS ${users};\n`,
      );
    },
  };
}

/** The columns of {@link createContactsTable}, besides `id`. */
/**
 * One database per engine for a test file, made when first asked for and dropped after
 * the file's tests (each test makes its own tables): `const database = databasePerEngine();`.
 */
export function databasePerEngine(): (engine: DatabaseEngine) => Promise<TestDatabase> {
  const databases = new Map<DatabaseEngine, Promise<TestDatabase>>();
  afterAll(async () => {
    for (const db of databases.values()) await (await db).drop();
  });
  return (engine) => {
    let db = databases.get(engine);
    if (!db) {
      db = createTestDatabase(engine);
      databases.set(engine, db);
    }
    return db;
  };
}

export const CONTACT_COLUMNS = ['first', 'last', 'phone', 'company', 'memo', 'modified'] as const;

/**
 * Creates `table` with an id the database generates when none is given, text columns
 * `first last phone company`, a memo column for notes of any length (LONGTEXT on
 * MariaDB) and a `modified` date/time column, and inserts `rows` (modified: `2020-01-01`).
 */
export async function createContactsTable(
  db: TestDatabase,
  table: string,
  rows: readonly Record<string, string>[] = [],
): Promise<void> {
  const q = db.quote(table);
  const ddl = {
    sqlite: `CREATE TABLE ${q} (id INTEGER PRIMARY KEY, first TEXT, last TEXT, phone TEXT, company TEXT, memo TEXT, modified DATETIME DEFAULT CURRENT_TIMESTAMP)`,
    postgresql: `CREATE TABLE ${q} (id BIGINT GENERATED BY DEFAULT AS IDENTITY (START WITH 1000) PRIMARY KEY, first VARCHAR(100), last VARCHAR(100), phone VARCHAR(50), company VARCHAR(100), memo TEXT, modified TIMESTAMP DEFAULT CURRENT_TIMESTAMP)`,
    mariadb: `CREATE TABLE ${q} (id BIGINT AUTO_INCREMENT PRIMARY KEY, first VARCHAR(100), last VARCHAR(100), phone VARCHAR(50), company VARCHAR(100), memo LONGTEXT, modified DATETIME DEFAULT CURRENT_TIMESTAMP) AUTO_INCREMENT = 1000`,
  }[db.engine];
  await db.sql(ddl);
  for (const row of rows) await insertRow(db, table, { modified: '2020-01-01 00:00:00', ...row });
}

/** Inserts one row with plain SQL, values as parameters (as another program would). */
export async function insertRow(
  db: TestDatabase,
  table: string,
  values: Record<string, string>,
): Promise<void> {
  const columns = Object.keys(values);
  await db.sql(
    `INSERT INTO ${db.quote(table)} (${columns.map((c) => db.quote(c)).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    Object.values(values),
  );
}
