/** The database families ctibook writes SQL for; `ansi` is the fallback for any other. */
export type DialectName = 'postgresql' | 'mysql' | 'sqlite' | 'ansi';

/**
 * What differs between databases behind ODBC: identifier quoting, the text type of CAST,
 * how the current time and a new row's id are read, and the drivers' quirks.
 */
export interface SqlDialect {
  readonly name: DialectName;
  /** One identifier, quoted (`"x"` or `` `x` ``), the quote character doubled inside. */
  quote(identifier: string): string;
  /** An expression converted to text. */
  castText(expression: string): string;
  /** A query whose one column `now` is the database's local time as `YYYY-MM-DD HH:MM:SS`. */
  readonly nowQuery: string;
  /** `INSERT … RETURNING` gives the new row's id back. */
  readonly returning: boolean;
  /** A query for the id of the row just inserted on the same connection, when no RETURNING. */
  lastInsertQuery?(table: string, idExpression: string): string;
  /**
   * Rows per fetch of a cursor. Block fetches are broken in two drivers (MariaDB ends the
   * cursor after the first block, SQLite cuts long text): 1 there, and tables with an id
   * column are read in id-ordered pages instead (`keysetPaging`).
   */
  readonly fetchSize: number;
  /** Read tables by `WHERE id > ? ORDER BY id LIMIT n` pages instead of one cursor. */
  readonly keysetPaging: boolean;
  /** Attributes added to the connection string unless the admin set them. */
  connectionDefaults(timeoutSeconds: number): Record<string, string>;
}

const doubleQuoted = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;

const DIALECTS: Readonly<Record<DialectName, SqlDialect>> = {
  postgresql: {
    name: 'postgresql',
    quote: doubleQuoted,
    castText: (expression) => `CAST(${expression} AS VARCHAR)`,
    nowQuery: 'SELECT CAST(LOCALTIMESTAMP(0) AS VARCHAR(30)) AS now',
    returning: true,
    fetchSize: 1000,
    keysetPaging: false,
    // Without UseDeclareFetch psqlODBC reads a whole result into memory before the
    // first row; with it, a cursor streams in blocks of `Fetch` rows.
    connectionDefaults: () => ({ UseDeclareFetch: '1', Fetch: '1000' }),
  },
  mysql: {
    name: 'mysql',
    quote: (identifier) => `\`${identifier.replaceAll('`', '``')}\``,
    castText: (expression) => `CAST(${expression} AS CHAR)`,
    nowQuery: 'SELECT CAST(NOW() AS CHAR) AS now',
    // MySQL has no INSERT … RETURNING (MariaDB only since 10.5).
    returning: false,
    lastInsertQuery: () => 'SELECT CAST(LAST_INSERT_ID() AS CHAR) AS id',
    fetchSize: 1,
    keysetPaging: true,
    // MariaDB Connector/ODBC ignores SQL_ATTR_LOGIN_TIMEOUT: a server that accepts the
    // connection and never answers would hang the login without CONN_TIMEOUT.
    connectionDefaults: (seconds) => ({ CONN_TIMEOUT: String(seconds) }),
  },
  sqlite: {
    name: 'sqlite',
    quote: doubleQuoted,
    castText: (expression) => `CAST(${expression} AS TEXT)`,
    nowQuery: "SELECT datetime('now') AS now",
    // The SQLite ODBC driver runs INSERT … RETURNING but returns no rows.
    returning: false,
    lastInsertQuery: (table, idExpression) =>
      `SELECT ${idExpression} AS id FROM ${table} WHERE rowid = last_insert_rowid()`,
    // With more than one row per fetch the SQLite driver cuts long text (at 209,716
    // characters) and slows down to a few hundred rows a second.
    fetchSize: 1,
    keysetPaging: true,
    // NoCreat: a mistyped path is an error, not a new empty database. Timeout: how long
    // to wait for another program's lock (the driver's default is 100 s).
    connectionDefaults: (seconds) => ({ NoCreat: '1', Timeout: String(seconds * 1000) }),
  },
  ansi: {
    name: 'ansi',
    quote: doubleQuoted,
    castText: (expression) => `CAST(${expression} AS VARCHAR(255))`,
    nowQuery: 'SELECT CAST(CURRENT_TIMESTAMP AS VARCHAR(30)) AS now',
    returning: false,
    fetchSize: 100,
    keysetPaging: false,
    connectionDefaults: () => ({}),
  },
};

/** The dialect of a database family. */
export function sqlDialect(name: DialectName): SqlDialect {
  return DIALECTS[name];
}

/** The dialect an ODBC driver name (`PostgreSQL Unicode`, `MariaDB Unicode`, `SQLite3`) implies. */
export function dialectOfDriver(driver: string | undefined): SqlDialect | undefined {
  if (!driver) return undefined;
  if (/postgres|psql/i.test(driver)) return DIALECTS.postgresql;
  if (/maria|mysql/i.test(driver)) return DIALECTS.mysql;
  if (/sqlite/i.test(driver)) return DIALECTS.sqlite;
  return undefined;
}

/**
 * The dialect of a connected database whose driver name says nothing (a `DSN=`): asks it.
 * `ask` runs a query and returns its first value, or throws.
 */
export async function probeDialect(ask: (sql: string) => Promise<unknown>): Promise<SqlDialect> {
  try {
    const version = String(await ask('SELECT version() AS v'));
    return /postgres/i.test(version) ? DIALECTS.postgresql : DIALECTS.mysql;
  } catch {
    // not PostgreSQL or MySQL
  }
  try {
    await ask('SELECT sqlite_version() AS v');
    return DIALECTS.sqlite;
  } catch {
    return DIALECTS.ansi;
  }
}

/** A table name from the settings (`table` or `schema.table`), each part quoted. */
export function quoteTable(dialect: SqlDialect, table: string): string {
  return table
    .split('.')
    .map((part) => dialect.quote(part.trim()))
    .join('.');
}
