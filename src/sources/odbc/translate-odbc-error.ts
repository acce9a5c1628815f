import type { ErrorCode } from '../../domain/errors.js';
import { CtibookError } from '../../domain/errors.js';
import type { OdbcConnectionString } from './odbc-connection-string.js';
import type { OdbcDiagnostic } from './odbc-driver.js';
import { odbcDiagnostics } from './odbc-driver.js';

/** What ctibook was doing when the driver failed: it decides the code of an unclear error. */
export type OdbcPhase = 'connect' | 'read' | 'write';

export interface OdbcErrorContext {
  phase: OdbcPhase;
  connectionString: OdbcConnectionString;
  /** The source reads a query (a bad query is the admin's to fix: VALIDATION_FAILED). */
  query?: boolean;
  /** The table or query the statement was about, for the message. */
  subject?: string;
}

const AUTH_STATES = new Set(['28000', '28P01']);
const AUTH_CODES = new Set([1044, 1045, 1698]);
const AUTH_TEXT =
  /password authentication failed|role "[^"]*" does not exist|access denied for user|no pg_hba\.conf entry|is not permitted to log in|authentication failed/i;
const NOT_FOUND_STATES = new Set(['42S02', '42P01', '42S22', '42703', '3D000']);
const NOT_FOUND_CODES = new Set([1146, 1054, 1049]);
const NOT_FOUND_TEXT =
  /no such table|no such column|database "[^"]*" does not exist|unknown database|doesn't exist/i;
const DRIVER_MISSING_TEXT =
  /can't open lib|data source name not found|driver.*not (found|installed)/i;
const TIMEOUT_STATES = new Set(['HYT00', 'HYT01', '57014']);
const TIMEOUT_TEXT = /timeout expired|timed out|statement timeout|system error: 110/i;

/** The driver's message without the `[unixODBC][Driver Manager]`-style prefixes and psqlODBC's tail. */
export function plainMessage(diagnostic: OdbcDiagnostic): string {
  return diagnostic.message
    .replace(/^(?:\[[^\]]*\])+/, '')
    .replace(/;?\s*Error while executing the query\s*$/i, '')
    .replace(/\s+$/, '')
    .replace(/^(?:ERROR|FATAL):\s+/, '');
}

/**
 * Turns whatever an ODBC call threw into a `CtibookError`, keeping the original as `cause`:
 * - a missing driver or DSN (IM002, "Can't open lib") → SOURCE_UNAVAILABLE naming the driver;
 * - bad credentials (28000, 28P01, MariaDB 1045) → SOURCE_AUTH_FAILED;
 * - a missing database, table or column (42S02, 42P01, 42S22, 42703, MariaDB 1146) → SOURCE_NOT_FOUND;
 * - refused connections, unknown hosts, timeouts → SOURCE_UNAVAILABLE;
 * - anything else while writing (constraints, bad values) → SOURCE_REJECTED;
 * - a query the database cannot run → VALIDATION_FAILED on `source.query`.
 * The driver's text is in `details.sourceMessage`; no password is ever in the message or details.
 */
export function translateOdbcError(error: unknown, context: OdbcErrorContext): CtibookError {
  if (error instanceof CtibookError) return error;
  const diagnostics = odbcDiagnostics(error);
  const first = diagnostics[0];
  const cs = context.connectionString;
  const raw = first
    ? diagnostics.map(plainMessage).join('; ')
    : error instanceof Error
      ? error.message
      : String(error);
  const sourceMessage = cs.scrub(raw.trim() || 'no message');
  const details: Record<string, unknown> = {
    sourceMessage,
    ...(first ? { sqlState: first.state, nativeCode: first.code } : {}),
    ...(cs.driver ? { driver: cs.driver } : {}),
  };
  const make = (code: ErrorCode, message: string, extra: Record<string, unknown> = {}) =>
    new CtibookError(code, cs.scrub(message), { ...details, ...extra }, { cause: error });
  const states = new Set(diagnostics.map((d) => d.state));
  const codes = new Set(diagnostics.map((d) => d.code));
  const has = (set: ReadonlySet<string>): boolean => [...states].some((s) => set.has(s));
  const subject = context.subject ? ` (${context.subject})` : '';

  if (states.has('IM002') || DRIVER_MISSING_TEXT.test(raw)) {
    const what = cs.driver
      ? `The ODBC driver "${cs.driver}" is not installed`
      : `The ODBC data source "${cs.get('dsn') ?? ''}" is not defined`;
    return make(
      'SOURCE_UNAVAILABLE',
      `${what}; installed drivers are listed by odbcinst -q -d (data sources by odbcinst -q -s): ${sourceMessage}`,
      { reason: 'ODBC_DRIVER_MISSING' },
    );
  }
  if (has(AUTH_STATES) || [...codes].some((c) => AUTH_CODES.has(c)) || AUTH_TEXT.test(raw)) {
    return make('SOURCE_AUTH_FAILED', `The database refused the login: ${sourceMessage}`);
  }
  if (
    has(NOT_FOUND_STATES) ||
    [...codes].some((c) => NOT_FOUND_CODES.has(c)) ||
    NOT_FOUND_TEXT.test(raw)
  ) {
    return make(
      'SOURCE_NOT_FOUND',
      `The database has no such table or column${subject}: ${sourceMessage}`,
    );
  }
  if (has(TIMEOUT_STATES) || TIMEOUT_TEXT.test(raw)) {
    return make('SOURCE_UNAVAILABLE', `The database did not answer in time: ${sourceMessage}`, {
      reason: 'TIMEOUT',
    });
  }
  const connectionLost = [...states].some((s) => s.startsWith('08'));
  const file = cs.get('database');
  if (context.phase === 'connect' && /sqlite/i.test(cs.driver ?? '') && file) {
    return make(
      'SOURCE_UNAVAILABLE',
      `SQLite cannot open ${file}: no such file, or no permission to read it (${sourceMessage})`,
      { path: file },
    );
  }
  if (context.phase === 'connect' || connectionLost || !first) {
    return make('SOURCE_UNAVAILABLE', `The database cannot be reached: ${sourceMessage}`);
  }
  if (context.phase === 'write') {
    return make('SOURCE_REJECTED', `The database refused the change: ${sourceMessage}`);
  }
  const unrunnable =
    [...states].some((s) => s.startsWith('42')) || /syntax error|no such function/i.test(raw);
  if (context.query && unrunnable) {
    return make(
      'VALIDATION_FAILED',
      `source.query: the database cannot run the query: ${sourceMessage}`,
      {
        field: 'source.query',
        problem: sourceMessage,
      },
    );
  }
  return make('SOURCE_UNAVAILABLE', `The database failed to answer${subject}: ${sourceMessage}`);
}

/** A data exception (SQLSTATE class 22): e.g. `abc` compared with an integer id column. */
export function isDataException(error: unknown): boolean {
  return odbcDiagnostics(error).some((d) => d.state.startsWith('22'));
}
