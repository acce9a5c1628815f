import { CtibookError } from '../../domain/errors.js';
import type { SourceFileRules } from '../source-file.js';
import { checkSourceFile } from '../source-file.js';
import { normaliseQuery, selectQueryProblem } from '../odbc-query/odbc-query-config.js';
import { identifierProblem } from './odbc-config.js';
import { OdbcConnectionString } from './odbc-connection-string.js';
import type { OdbcLoader } from './odbc-driver.js';
import { odbcNotInstalled } from './odbc-driver.js';
import { OdbcPool } from './odbc-pool.js';
import type { SqlDialect } from './sql-dialect.js';
import { dialectOfDriver, probeDialect, quoteTable } from './sql-dialect.js';
import { isBinaryType, isCharacterType, isExactNumericType, toText } from './sql-types.js';
import type { OdbcPhase } from './translate-odbc-error.js';
import { translateOdbcError } from './translate-odbc-error.js';

/** The settings an ODBC source reads: a table, or a query (then read-only). */
export interface OdbcSourceSettings {
  connectionString: string;
  table?: string;
  query?: string;
  idColumn?: string;
  modifiedColumn?: string;
  memoColumn?: string;
}

export interface OdbcColumnInfo {
  name: string;
  dataType: number;
}

/** What `open()` learned about a source: its connections, dialect and columns. */
export interface OdbcSchema {
  pool: OdbcPool;
  dialect: SqlDialect;
  /** `"table" t` or `(query) q`: what SELECTs read from. */
  from: string;
  /** The quoted table for INSERT/UPDATE/DELETE; undefined for a query. */
  table?: string;
  /** The table's name or `query`, for messages and `at`. */
  subject: string;
  /** The readable columns (binary ones left out). */
  columns: OdbcColumnInfo[];
  /** The SELECT list: every readable column, exact numbers read as text. */
  projection: string;
  id?: OdbcColumnInfo;
  modified?: OdbcColumnInfo;
  memo?: OdbcColumnInfo;
  /** A column in a WHERE or ORDER BY, qualified by the alias of `from`. */
  column(column: OdbcColumnInfo): string;
  /** A driver error as a CtibookError, without secrets. */
  translate(error: unknown, phase: OdbcPhase): CtibookError;
}

export interface OpenOptions {
  settings: OdbcSourceSettings;
  loadOdbc: OdbcLoader;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** Which files a driver may be pointed at (see {@link checkDriverFiles}). */
  files?: SourceFileRules | undefined;
}

/** Connection string keys that name the file a driver opens (SQLite, Access, text drivers). */
const FILE_KEYS = ['database', 'dbq', 'datasource', 'data source', 'filename'];

/**
 * Refuses a connection string whose driver would open a file the server does not allow
 * file sources (ctibook's own store, a file outside `CTIBOOK_SOURCE_ROOTS`): a value of
 * {@link FILE_KEYS} with a slash, or any of them for a SQLite driver, is a file
 * (PostgreSQL's and MariaDB's database names have none).
 * @throws CtibookError VALIDATION_FAILED on `source.connectionString`.
 */
async function checkDriverFiles(cs: OdbcConnectionString, files: SourceFileRules): Promise<void> {
  const sqlite = /sqlite/i.test(cs.driver ?? '');
  for (const key of FILE_KEYS) {
    const value = cs.get(key);
    if (!value || (!sqlite && !value.includes('/'))) continue;
    // SQLite's URI form: file:/path or file:///path, with ?mode=… after it.
    const path = value.startsWith('file:')
      ? decodeURIComponent(
          value
            .slice('file:'.length)
            .replace(/^\/\/(?=\/)/, '')
            .split('?')[0] ?? '',
        )
      : value;
    await checkSourceFile('database file', path, files, 'source.connectionString');
  }
}

/** Connections per source: one for a streaming read, more for live reads and writes. */
const POOL_SIZE = 4;

function invalid(field: string, problem: string): CtibookError {
  return new CtibookError('VALIDATION_FAILED', `source.${field}: ${problem}`, {
    field: `source.${field}`,
    problem,
  });
}

/** The settings checked again (another kind may build on this class without the schema). */
function checkSettings(settings: OdbcSourceSettings): void {
  if (!settings.connectionString.trim()) throw invalid('connectionString', 'must not be empty');
  if ((settings.table === undefined) === (settings.query === undefined)) {
    throw invalid('table', 'give either a table or a query');
  }
  if (settings.query !== undefined) {
    const problem = selectQueryProblem(settings.query);
    if (problem) throw invalid('query', problem);
  }
  for (const field of ['table', 'idColumn', 'modifiedColumn', 'memoColumn'] as const) {
    const name = settings[field];
    const problem = name === undefined ? undefined : identifierProblem(name);
    if (problem) throw invalid(field, problem);
  }
}

/**
 * Connects and learns the source: checks the settings, loads the ODBC module, picks the
 * dialect, reads the columns of the table or query and finds the configured columns
 * among them (case-insensitively), and measures the database clock.
 * @throws CtibookError VALIDATION_FAILED, SOURCE_UNAVAILABLE, SOURCE_AUTH_FAILED, SOURCE_NOT_FOUND.
 */
export async function openSchema(options: OpenOptions): Promise<OdbcSchema> {
  const { settings } = options;
  checkSettings(settings);
  const odbc = await options.loadOdbc().catch((error: unknown) => {
    throw error instanceof CtibookError ? error : odbcNotInstalled(error);
  });
  const cs = new OdbcConnectionString(settings.connectionString);
  if (options.files) await checkDriverFiles(cs, options.files);
  const query = settings.query === undefined ? undefined : normaliseQuery(settings.query);
  const subject = settings.table ?? 'query';
  const translate = (error: unknown, phase: OdbcPhase): CtibookError =>
    translateOdbcError(error, {
      phase,
      connectionString: cs,
      query: query !== undefined,
      subject,
    });
  const seconds = Math.max(1, Math.ceil(options.connectTimeoutMs / 1000));
  let dialect = dialectOfDriver(cs.driver);
  const pool = new OdbcPool({
    odbc,
    connectionString: dialect ? cs.withDefaults(dialect.connectionDefaults(seconds)) : cs.text,
    connectTimeoutMs: options.connectTimeoutMs,
    statementTimeoutMs: options.statementTimeoutMs,
    size: POOL_SIZE,
    translateConnectError: (error) => translate(error, 'connect'),
  });
  try {
    dialect ??= await pool.use((c) =>
      probeDialect(async (sql) => Object.values((await c.query(sql))[0] ?? {})[0]),
    );
    const use = dialect;
    const { from, table, columns } = await describe(pool, use, settings.table, query, translate);
    const alias = query === undefined ? 't' : 'q';
    const column = (c: OdbcColumnInfo): string => `${alias}.${use.quote(c.name)}`;
    const find = (field: 'idColumn' | 'modifiedColumn' | 'memoColumn') =>
      findColumn(columns, settings[field], field, subject);
    const memo = find('memoColumn');
    if (memo && !isCharacterType(memo.dataType)) {
      throw invalid('memoColumn', `${memo.name} is not a text column`);
    }
    return {
      pool,
      dialect: use,
      from,
      ...(table !== undefined ? { table: quoteTable(use, table) } : {}),
      subject,
      columns,
      projection: projectionOf(columns, use, column),
      id: find('idColumn'),
      modified: find('modifiedColumn'),
      ...(memo ? { memo } : {}),
      column,
      translate,
    };
  } catch (error) {
    await pool.close();
    throw error instanceof CtibookError ? error : translate(error, 'connect');
  }
}

/**
 * The readable columns of the table or query (from a `WHERE 1 = 0` probe), and the FROM
 * clause that reads it. A table PostgreSQL does not know as written is tried in lower
 * case: PostgreSQL folds unquoted names, and admins write them as they read them.
 */
async function describe(
  pool: OdbcPool,
  dialect: SqlDialect,
  configured: string | undefined,
  query: string | undefined,
  translate: (error: unknown, phase: OdbcPhase) => CtibookError,
): Promise<{ from: string; table: string | undefined; columns: OdbcColumnInfo[] }> {
  const probe = async (table: string | undefined) => {
    const from = table !== undefined ? `${quoteTable(dialect, table)} t` : `(\n${query}\n) q`;
    try {
      const result = await pool.use((c) => c.query(`SELECT * FROM ${from} WHERE 1 = 0`));
      const columns = result.columns
        .filter((c) => !isBinaryType(c.dataType))
        .map(({ name, dataType }) => ({ name, dataType }));
      return { from, table, columns };
    } catch (error) {
      throw translate(error, 'read');
    }
  };
  try {
    return await probe(configured);
  } catch (error) {
    const lower = configured?.toLowerCase();
    const retry =
      error instanceof CtibookError &&
      error.code === 'SOURCE_NOT_FOUND' &&
      dialect.name === 'postgresql' &&
      lower !== configured;
    if (!retry) throw error;
    return probe(lower);
  }
}

/** The SELECT list: every readable column, exact numbers converted to text by the database. */
function projectionOf(
  columns: readonly OdbcColumnInfo[],
  dialect: SqlDialect,
  column: (c: OdbcColumnInfo) => string,
): string {
  // A query with two columns of one name can only be read as `*`.
  const unique = new Set(columns.map((c) => c.name.toLowerCase())).size === columns.length;
  if (!unique || columns.length === 0) return '*';
  return columns
    .map((c) =>
      isExactNumericType(c.dataType)
        ? `${dialect.castText(column(c))} AS ${dialect.quote(c.name)}`
        : column(c),
    )
    .join(', ');
}

/** A configured column among the real ones: the exact name first, else ignoring case. */
function findColumn(
  columns: readonly OdbcColumnInfo[],
  name: string | undefined,
  field: string,
  subject: string,
): OdbcColumnInfo | undefined {
  if (name === undefined) return undefined;
  const found =
    columns.find((c) => c.name === name) ??
    columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (found) return found;
  throw new CtibookError(
    'SOURCE_NOT_FOUND',
    `source.${field}: ${subject} has no column "${name}" (it has ${columns.map((c) => c.name).join(', ')})`,
    { field: `source.${field}`, column: name, columns: columns.map((c) => c.name) },
  );
}

/**
 * How far the database's local clock (the time zone its timestamps are written in) is
 * ahead of ours, measured now (time zones change with daylight saving); 0 when it cannot
 * tell.
 */
export async function databaseClockOffset(schema: OdbcSchema): Promise<number> {
  try {
    const before = Date.now();
    const rows = await schema.pool.use((c) => c.query(schema.dialect.nowQuery));
    const text = toText(rows[0]?.['now']).trim().replace(' ', 'T');
    const local = Date.parse(`${text.slice(0, 19)}Z`);
    return Number.isNaN(local) ? 0 : local - before;
  } catch {
    return 0;
  }
}
