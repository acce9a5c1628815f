import { createHash } from 'node:crypto';
import type { Connection, ConnectionConfiguration, ConnectionError, RequestError } from 'tedious';
import type * as TediousModule from 'tedious';
import type { ErrorCode } from '../../domain/errors.js';
import { CtibookError } from '../../domain/errors.js';
import { toText } from '../access/access-source.js';
import type {
  SkippedRow,
  SourceCapabilities,
  SourceConnector,
  SourceRow,
} from '../source-connector.js';
import { scrubSecrets } from './oledb-connection-string.js';
import type { SqlServerConfig } from './sql-server-config.js';

export interface SqlServerSourceOptions {
  config: SqlServerConfig;
  /** Longest time one statement may run (default 5 minutes): a hanging server fails, not hangs. */
  requestTimeoutMs?: number;
}

type Tedious = typeof TediousModule;
let tedious: Tedious | undefined;

/** tedious (with its Azure identity libraries) takes ~0.35 s to import: done at first use. */
async function loadTedious(): Promise<Tedious> {
  tedious ??= await import('tedious');
  return tedious;
}

/** The part of tedious' column metadata used here. */
interface ColumnInfo {
  colName: string;
  type: { name: string };
}

interface Result {
  columns: string[];
  rows: Record<string, string>[];
}

/** Column types that hold no text a phone book could use: they are left out. */
const BINARY_TYPES = new Set(['Binary', 'VarBinary', 'Image', 'UDT']);
/** Conversion failed (an id that cannot be the id column's type): no such record. */
const CONVERSION_FAILED = new Set([245, 8114]);
const ORDER_BY_IN_SUBQUERY = 1033;

/**
 * A SQL Server table or query reached with `tedious` (TDS over TCP, SQL Server
 * authentication), for `oledb` books whose provider is SQLOLEDB, MSOLEDBSQL or SQLNCLI.
 * Read-only. The constructor does no I/O; `open()` connects and logs in. Failures become
 * SOURCE_UNAVAILABLE (no answer), SOURCE_AUTH_FAILED (login failed, error 18456),
 * SOURCE_NOT_FOUND (no such database or table), never with the password in the message.
 */
export class SqlServerSource implements SourceConnector {
  readonly capabilities: SourceCapabilities;
  readonly #config: SqlServerConfig;
  readonly #requestTimeoutMs: number;
  #connection: Connection | undefined;
  #connecting: Promise<Connection> | undefined;
  /** tedious runs one request at a time on a connection. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: SqlServerSourceOptions) {
    this.#config = options.config;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 300_000;
    this.capabilities = {
      write: false,
      changedSince: false,
      readOne: options.config.idColumn !== undefined,
    };
  }

  /** The server as written in `Data Source`, for messages. */
  get server(): string {
    const { host, port, instance } = this.#config;
    return `${host}${instance ? `\\${instance}` : ''}${port ? `,${port}` : ''}`;
  }

  async open(): Promise<void> {
    await this.#connect();
  }

  async close(): Promise<void> {
    const pending = this.#connecting;
    this.#connecting = undefined;
    const connection = this.#connection ?? (await pending?.catch(() => undefined));
    this.#connection = undefined;
    connection?.close();
  }

  async columns(): Promise<string[]> {
    return (await this.#query(this.#selectAll(0))).columns;
  }

  async *readAll(skip: (row: SkippedRow) => void): AsyncIterable<SourceRow> {
    yield* this.#withIds(await this.#query(this.#selectAll()), skip);
  }

  async *readIds(): AsyncIterable<string> {
    for await (const row of this.readAll(() => undefined)) if (row.id) yield row.id;
  }

  async readOne(id: string): Promise<SourceRow | undefined> {
    const idColumn = this.#config.idColumn;
    if (idColumn === undefined) return undefined;
    let result: Result;
    try {
      result = await this.#query(
        `SELECT * FROM ${this.#from()} WHERE ${quote(idColumn)} = @id`,
        id,
      );
    } catch (error) {
      const number = sqlErrorNumber(error);
      if (number !== undefined && CONVERSION_FAILED.has(number)) return undefined;
      if (number !== ORDER_BY_IN_SUBQUERY) throw error;
      result = await this.#query(this.#selectAll());
    }
    return this.#withIds(result, () => undefined).find((row) => row.id === id);
  }

  #selectAll(top?: number): string {
    const { table, query } = this.#config;
    const limit = top === undefined ? '' : `TOP (${top}) `;
    return table !== undefined ? `SELECT ${limit}* FROM ${quoteTable(table)}` : (query ?? '');
  }

  #from(): string {
    const { table, query } = this.#config;
    return table !== undefined ? quoteTable(table) : `(${query ?? ''}) AS q`;
  }

  #withIds(result: Result, skip: (row: SkippedRow) => void): SourceRow[] {
    const { idColumn } = this.#config;
    const key =
      idColumn === undefined
        ? undefined
        : (result.columns.find((c) => c === idColumn) ??
          result.columns.find((c) => c.toLowerCase() === idColumn.toLowerCase()));
    if (idColumn !== undefined && key === undefined) {
      throw new CtibookError(
        'VALIDATION_FAILED',
        `source.idColumn: the result has no column "${idColumn}"`,
        { field: 'source.idColumn', columns: result.columns },
      );
    }
    const rows: SourceRow[] = [];
    const seen = new Map<string, number>();
    result.rows.forEach((values, index) => {
      const at = `row ${index + 1}`;
      const id =
        key === undefined
          ? createHash('sha256')
              .update(Object.values(values).join('\u0000'))
              .digest('base64url')
              .slice(0, 22)
          : (values[key] ?? '').trim();
      const earlier = seen.get(id);
      if (!id) skip({ at, reason: `empty id column ${key}` });
      else if (earlier !== undefined)
        skip({ at, reason: `duplicate id ${id} (first in row ${earlier})` });
      else {
        seen.set(id, index + 1);
        rows.push({ id, values, at });
      }
    });
    return rows;
  }

  /** Runs one statement (after the ones before it), `@id` bound to `id` when given. */
  async #query(sql: string, id?: string): Promise<Result> {
    const run = this.#queue.then(async () => {
      const connection = await this.#connect();
      const { Request, TYPES } = await loadTedious();
      return new Promise<Result>((resolve, reject) => {
        // Per column: its name, or undefined for a binary column left out.
        let labels: (string | undefined)[] = [];
        const rows: Record<string, string>[] = [];
        const request = new Request(sql, (error) => {
          if (error) reject(this.#translate(error));
          else resolve({ columns: labels.filter((l): l is string => l !== undefined), rows });
        });
        request.on('columnMetadata', (metadata) => {
          // With useColumnNames off, tedious hands over an array.
          const columns: ColumnInfo[] = Object.values(metadata);
          labels = names(columns).map((name, i) => (isText(columns[i]) ? name : undefined));
        });
        request.on('row', (cells: { value: unknown }[]) => {
          const values: Record<string, string> = {};
          cells.forEach((cell, i) => {
            const label = labels[i];
            if (label !== undefined) values[label] = textOf(cell.value);
          });
          rows.push(values);
        });
        if (id !== undefined) request.addParameter('id', TYPES.NVarChar, id);
        connection.execSql(request);
      });
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #connect(): Promise<Connection> {
    if (this.#connection) return Promise.resolve(this.#connection);
    this.#connecting ??= loadTedious().then((t) => this.#open(t));
    return this.#connecting;
  }

  #open({ Connection }: Tedious): Promise<Connection> {
    return new Promise<Connection>((resolve, reject) => {
      const connection = new Connection(this.#tediousConfig());
      const forget = (): void => {
        if (this.#connection === connection) this.#connection = undefined;
      };
      // Without a listener an 'error' event would end the process.
      connection.on('error', forget);
      connection.on('end', forget);
      connection.connect((error) => {
        this.#connecting = undefined;
        if (error) {
          connection.close();
          reject(this.#translate(error));
          return;
        }
        this.#connection = connection;
        resolve(connection);
      });
    });
  }

  #tediousConfig(): ConnectionConfiguration {
    const c = this.#config;
    return {
      server: c.host,
      authentication: { type: 'default', options: { userName: c.user, password: c.password } },
      options: {
        ...(c.port !== undefined
          ? { port: c.port }
          : c.instance
            ? { instanceName: c.instance }
            : {}),
        ...(c.database !== undefined ? { database: c.database } : {}),
        encrypt: c.encrypt,
        trustServerCertificate: c.trustServerCertificate,
        connectTimeout: c.connectTimeoutMs,
        requestTimeout: this.#requestTimeoutMs,
        appName: c.appName ?? 'ctibook',
        useColumnNames: false,
        rowCollectionOnRequestCompletion: false,
      },
    };
  }

  /** The vendor error as a CtibookError, with the password scrubbed from its text. */
  #translate(error: Error): CtibookError {
    const reason = scrubSecrets(error.message, [this.#config.password]);
    const at = `SQL Server ${this.server}`;
    const isRequestError = (e: Error): e is RequestError =>
      tedious !== undefined && e instanceof tedious.RequestError;
    const isConnectionError = (e: Error): e is ConnectionError =>
      tedious !== undefined && e instanceof tedious.ConnectionError;
    const number = isRequestError(error) ? (error.number ?? 0) : 0;
    const vendorCode = (error as ConnectionError | RequestError).code;
    const field = this.#config.table !== undefined ? 'source.table' : 'source.query';
    let code: ErrorCode = 'SOURCE_UNAVAILABLE';
    let message = `${at} does not answer: ${reason}`;
    if (isConnectionError(error) && vendorCode === 'ELOGIN') {
      // Error 4060 (no such database) also arrives as a failed login.
      [code, message] = /cannot open database/i.test(reason)
        ? ['SOURCE_NOT_FOUND', `${at}: ${reason}`]
        : ['SOURCE_AUTH_FAILED', `${at} refused the login of ${this.#config.user}: ${reason}`];
    } else if (number === 208) {
      [code, message] = ['SOURCE_NOT_FOUND', `${at}: ${reason}`];
    } else if (number === 229 || number === 230) {
      [code, message] = ['SOURCE_AUTH_FAILED', `${at}: ${reason}`];
    } else if (isRequestError(error) && vendorCode === 'ETIMEOUT') {
      [code, message] = ['SOURCE_LIMIT_EXCEEDED', `${at}: ${reason}`];
    } else if (number > 0) {
      [code, message] = ['VALIDATION_FAILED', `${field}: ${at} refused it: ${reason}`];
    }
    const details = {
      server: this.server,
      reason,
      ...(code === 'VALIDATION_FAILED' ? { field } : {}),
    };
    return new CtibookError(code, message, details, { cause: error });
  }
}

/** The SQL Server error number behind a translated error, if the server sent one. */
function sqlErrorNumber(error: unknown): number | undefined {
  const cause = error instanceof CtibookError ? error.cause : undefined;
  return tedious !== undefined && cause instanceof tedious.RequestError ? cause.number : undefined;
}

function names(columns: readonly ColumnInfo[]): string[] {
  const used = new Set<string>();
  return columns.map((column, i) => {
    let name = column.colName.trim() || `Column ${i + 1}`;
    for (let n = 2; used.has(name); n++)
      name = `${column.colName.trim() || `Column ${i + 1}`} (${n})`;
    used.add(name);
    return name;
  });
}

function isText(column: ColumnInfo | undefined): boolean {
  return column !== undefined && !BINARY_TYPES.has(column.type.name);
}

function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    typeof value === 'bigint' ||
    value instanceof Date
  ) {
    return toText(value, { type: typeof value === 'number' ? 'double' : 'text' });
  }
  return '';
}

/** `schema.table` or `[My Table]`, each part bracketed with `]` doubled. */
function quoteTable(table: string): string {
  const parts = table.match(/\[(?:[^\]]|\]\])*\]|[^.]+/g) ?? [table];
  return parts
    .map((part) =>
      part.startsWith('[') ? quote(part.slice(1, -1).replaceAll(']]', ']')) : quote(part.trim()),
    )
    .join('.');
}

function quote(name: string): string {
  return `[${name.replaceAll(']', ']]')}]`;
}
