/**
 * The small part of the `odbc` package (node-odbc 2) that ctibook uses, so the package can
 * stay an optional dependency and tests can hand in a stand-in.
 *
 * @module
 */
import { CtibookError } from '../../domain/errors.js';

/** A column of a result, as the driver describes it (`dataType` is the ODBC SQL type). */
export interface OdbcColumn {
  name: string;
  dataType: number;
}

/** Rows of a result (column name → value) with the driver's description of the columns. */
export interface OdbcResult extends Array<Record<string, unknown>> {
  /** Rows changed by an INSERT/UPDATE/DELETE; -1 or the row count for a SELECT. */
  count: number;
  columns: OdbcColumn[];
}

/** A result read in batches. */
export interface OdbcCursor {
  /** The last fetch reached the end. */
  readonly noData: boolean;
  fetch(): Promise<OdbcResult>;
  close(): Promise<void>;
}

/** A statement parameter; node-odbc binds `null` as SQL NULL. */
export type OdbcParameter = string | number | null;

export interface OdbcQueryOptions {
  /** Seconds before the driver cancels the statement (SQL_ATTR_QUERY_TIMEOUT). */
  timeout?: number;
  /** Bytes first allocated for each long text value (default 1 MB, grown as needed). */
  initialBufferSize?: number;
}

export interface OdbcCursorOptions extends OdbcQueryOptions {
  cursor: true;
  fetchSize: number;
}

export interface OdbcConnection {
  query(sql: string, parameters: OdbcParameter[], options: OdbcCursorOptions): Promise<OdbcCursor>;
  query(sql: string, parameters: OdbcParameter[], options?: OdbcQueryOptions): Promise<OdbcResult>;
  close(): Promise<void>;
}

/** One diagnostic record of a failed ODBC call. */
export interface OdbcDiagnostic {
  state: string;
  code: number;
  message: string;
}

export interface OdbcModule {
  connect(options: {
    connectionString: string;
    /** Seconds (SQL_ATTR_LOGIN_TIMEOUT). */
    loginTimeout?: number;
    /** Seconds (SQL_ATTR_CONNECTION_TIMEOUT). */
    connectionTimeout?: number;
  }): Promise<OdbcConnection>;
}

/** Loads the ODBC module; the default imports the `odbc` package. */
export type OdbcLoader = () => Promise<OdbcModule>;

/** The message for a server without the `odbc` package or its native part. */
export const ODBC_NOT_INSTALLED =
  'ODBC support is not installed: apt-get install unixodbc-dev and npm rebuild odbc';

/**
 * Imports the optional `odbc` package.
 * @throws CtibookError SOURCE_UNAVAILABLE when the package or its native binding (built
 *   against unixODBC) is missing, with the import error as `cause`.
 */
export const loadOdbc: OdbcLoader = async () => {
  // A variable keeps the compiler from requiring the optional package's types.
  const name = 'odbc';
  try {
    const loaded = (await import(name)) as { default?: unknown };
    const module = (loaded.default ?? loaded) as Partial<OdbcModule>;
    if (typeof module.connect !== 'function') throw new Error('odbc.connect is missing');
    return module as OdbcModule;
  } catch (error) {
    throw odbcNotInstalled(error);
  }
};

/** The SOURCE_UNAVAILABLE error for a missing `odbc` package. */
export function odbcNotInstalled(cause: unknown): CtibookError {
  return new CtibookError(
    'SOURCE_UNAVAILABLE',
    ODBC_NOT_INSTALLED,
    { reason: 'ODBC_NOT_INSTALLED' },
    { cause },
  );
}

/** The diagnostic records of an `odbc` error, or an empty list for any other error. */
export function odbcDiagnostics(error: unknown): OdbcDiagnostic[] {
  const records = (error as { odbcErrors?: unknown } | null)?.odbcErrors;
  if (!Array.isArray(records)) return [];
  return records.map((record: Partial<OdbcDiagnostic>) => ({
    state: String(record.state ?? ''),
    code: Number(record.code ?? 0),
    message: String(record.message ?? ''),
  }));
}
