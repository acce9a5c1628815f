import { createHash } from 'node:crypto';
import { CtibookError } from '../../domain/errors.js';
import type {
  SkippedRow,
  SourceCapabilities,
  SourceConnector,
  SourceRow,
} from '../source-connector.js';
import type { SourceFileRules } from '../source-file.js';
import type { OdbcLoader, OdbcParameter } from './odbc-driver.js';
import { loadOdbc } from './odbc-driver.js';
import type { PooledConnection } from './odbc-pool.js';
import type { OdbcSchema, OdbcSourceSettings } from './odbc-schema.js';
import { databaseClockOffset, openSchema } from './odbc-schema.js';
import { OdbcWriter } from './odbc-writer.js';
import { canBeIdOf, toText } from './sql-types.js';
import { isDataException } from './translate-odbc-error.js';

export type { OdbcSourceSettings } from './odbc-schema.js';

/** Connecting gives up after this long unless `timeoutMs` says otherwise. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** A statement or a batch of rows gives up after this long unless `timeoutMs` says otherwise. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

/** Rows per page where tables are read page by page (MariaDB, SQLite: see `SqlDialect.fetchSize`). */
const PAGE_SIZE = 1000;

export interface OdbcSourceOptions {
  /**
   * A table (`odbc` kind) or a query (`odbc-query` kind, always read-only). Names are
   * checked as identifiers and quoted for the database; values are always parameters.
   */
  config: OdbcSourceSettings;
  /** Writes allowed (table mode with an id column only). */
  writable: boolean;
  /**
   * Limit for connecting and for each statement or batch of rows, in ms. Default: 10 s to
   * connect, 30 s per statement.
   */
  timeoutMs?: number;
  /** Loads the ODBC module; tests may hand in a stand-in. Default: the `odbc` package. */
  loadOdbc?: OdbcLoader;
  /** Which files the connection string may point a driver at (see `openSourceFile`). */
  files?: SourceFileRules | undefined;
}

/**
 * A table or query of a database reached through unixODBC (SQLite, PostgreSQL, MariaDB
 * and any other driver) as a phone book.
 *
 * The constructor does no I/O; `open()` connects (a small pool, with a login timeout) and
 * reads the columns; reads stream through cursors (or id-ordered pages), so a million
 * rows never sit in memory at once. Every value comes back as text. Table mode writes
 * with parametrised INSERT/UPDATE/DELETE only. Driver errors become `CtibookError`s with
 * the driver's message in `details.sourceMessage`, the original as `cause`, and never a
 * password anywhere.
 */
export class OdbcSource implements SourceConnector {
  readonly capabilities: SourceCapabilities;
  readonly #settings: OdbcSourceSettings;
  readonly #load: OdbcLoader;
  readonly #files: SourceFileRules | undefined;
  readonly #connectTimeoutMs: number;
  readonly #statementTimeoutMs: number;
  #opening: Promise<OdbcSchema> | undefined;

  constructor(options: OdbcSourceOptions) {
    const { config } = options;
    this.#settings = config;
    this.#load = options.loadOdbc ?? loadOdbc;
    this.#files = options.files;
    this.#connectTimeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.#statementTimeoutMs = options.timeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    const isTable = config.table !== undefined && config.query === undefined;
    this.capabilities = {
      write: options.writable && isTable && config.idColumn !== undefined,
      changedSince: config.modifiedColumn !== undefined,
      readOne: config.idColumn !== undefined,
    };
  }

  /**
   * Connects and reads the table's or query's columns. Other methods call it when needed.
   * @throws CtibookError SOURCE_UNAVAILABLE (no ODBC, no driver, no answer),
   *   SOURCE_AUTH_FAILED, SOURCE_NOT_FOUND (table, column, database), VALIDATION_FAILED.
   */
  async open(): Promise<void> {
    await this.#schema();
  }

  /** Closes the connections (lent ones when their operation ends). Safe twice. */
  async close(): Promise<void> {
    const opening = this.#opening;
    this.#opening = undefined;
    const schema = await opening?.catch(() => undefined);
    await schema?.pool.close();
  }

  /** The readable columns (binary ones left out), as the database names them. */
  async columns(): Promise<string[]> {
    return (await this.#schema()).columns.map((c) => c.name);
  }

  async *readAll(skip: (row: SkippedRow) => void): AsyncIterable<SourceRow> {
    yield* this.#read([], [], skip);
  }

  /**
   * Rows whose modified-time column is at or after `since` (read on the database's clock,
   * a second early, so nothing changed within the second is missed).
   */
  async *readChanged(since: Date, skip: (row: SkippedRow) => void): AsyncIterable<SourceRow> {
    const schema = await this.#schema();
    if (!schema.modified) {
      throw new CtibookError(
        'VALIDATION_FAILED',
        'source.modifiedColumn: this source has no modified-time column',
        { field: 'source.modifiedColumn' },
      );
    }
    const offset = await databaseClockOffset(schema);
    const local = Math.floor((since.getTime() + offset) / 1000) * 1000 - 1000;
    const text = new Date(local).toISOString().slice(0, 19).replace('T', ' ');
    yield* this.#read([`${schema.column(schema.modified)} >= ?`], [text], skip);
  }

  async *readIds(): AsyncIterable<string> {
    const schema = await this.#schema();
    const id = this.#requireId(schema);
    const select = `${schema.dialect.castText(schema.column(id))} AS ${schema.dialect.quote(id.name)}`;
    for await (const row of this.#rows(schema, select, [], [])) {
      const value = toText(row[id.name]);
      if (value !== '') yield value;
    }
  }

  /** The record with this id, read live; undefined when there is none. */
  async readOne(id: string): Promise<SourceRow | undefined> {
    const schema = await this.#schema();
    const idColumn = this.#requireId(schema);
    if (!canBeIdOf(idColumn.dataType, id)) return undefined;
    const sql = `SELECT ${schema.projection} FROM ${schema.from} WHERE ${schema.column(idColumn)} = ?`;
    try {
      const rows = await schema.pool.use((c) => c.query(sql, [id]));
      const row = rows[0];
      return row ? this.#toRow(schema, row, 1) : undefined;
    } catch (error) {
      // `abc` for an integer id: no such record rather than an error.
      if (isDataException(error)) return undefined;
      throw schema.translate(error, 'read');
    }
  }

  async insert(values: Record<string, string>): Promise<SourceRow> {
    return (await this.#writer()).insert(values);
  }

  async update(id: string, values: Record<string, string>): Promise<SourceRow> {
    return (await this.#writer()).update(id, values);
  }

  async delete(id: string): Promise<void> {
    await (await this.#writer()).delete(id);
  }

  async #writer(): Promise<OdbcWriter> {
    if (!this.capabilities.write) {
      throw new CtibookError(
        'PHONEBOOK_READ_ONLY',
        this.#settings.table === undefined
          ? 'A query source is read-only'
          : this.#settings.idColumn === undefined
            ? 'Writing to an ODBC table needs an id column (source.idColumn)'
            : undefined,
      );
    }
    const schema = await this.#schema();
    return new OdbcWriter(schema, (id) => this.readOne(id));
  }

  #schema(): Promise<OdbcSchema> {
    this.#opening ??= openSchema({
      settings: this.#settings,
      loadOdbc: this.#load,
      connectTimeoutMs: this.#connectTimeoutMs,
      statementTimeoutMs: this.#statementTimeoutMs,
      files: this.#files,
    }).catch((error: unknown) => {
      this.#opening = undefined;
      throw error;
    });
    return this.#opening;
  }

  #requireId(schema: OdbcSchema): NonNullable<OdbcSchema['id']> {
    if (schema.id) return schema.id;
    throw new CtibookError('VALIDATION_FAILED', 'source.idColumn: this source has no id column', {
      field: 'source.idColumn',
    });
  }

  /** Rows as SourceRows; rows without an id, or with one seen before, go to `skip`. */
  async *#read(
    where: string[],
    parameters: OdbcParameter[],
    skip: (row: SkippedRow) => void,
  ): AsyncIterable<SourceRow> {
    const schema = await this.#schema();
    const seen = new Set<string>();
    let n = 0;
    for await (const raw of this.#rows(schema, schema.projection, where, parameters)) {
      n++;
      const row = this.#toRow(schema, raw, n);
      if (row.id === '' || row.id === undefined) {
        skip({ at: row.at ?? `row ${n}`, reason: `empty id column ${schema.id?.name ?? ''}` });
        continue;
      }
      if (seen.has(row.id)) {
        skip({ at: row.at ?? `row ${n}`, reason: `duplicate id ${row.id}` });
        continue;
      }
      seen.add(row.id);
      yield row;
    }
  }

  #toRow(schema: OdbcSchema, raw: Record<string, unknown>, n: number): SourceRow {
    const values: Record<string, string> = {};
    for (const column of schema.columns) values[column.name] = toText(raw[column.name]);
    if (schema.id) {
      const id = values[schema.id.name] ?? '';
      return { id, values, at: id ? `${schema.subject} ${schema.id.name}=${id}` : `row ${n}` };
    }
    // No id column: the content stands for the record, as for a CSV file without one.
    const id = createHash('sha256')
      .update(Object.values(values).join('\u0000'))
      .digest('base64url')
      .slice(0, 22);
    return { id, values, at: `${schema.subject} row ${n}` };
  }

  /**
   * The raw rows of `SELECT select FROM … WHERE …`, on one connection of the pool: through
   * a cursor, or for MariaDB tables in pages ordered by id (see `SqlDialect.keysetPaging`).
   */
  async *#rows(
    schema: OdbcSchema,
    select: string,
    where: string[],
    parameters: OdbcParameter[],
  ): AsyncGenerator<Record<string, unknown>> {
    const connection = await schema.pool.acquire();
    try {
      const pageBy = schema.dialect.keysetPaging && schema.table ? schema.id : undefined;
      if (pageBy) {
        yield* this.#pages(schema, connection, select, where, parameters, schema.column(pageBy));
        return;
      }
      const condition = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
      const cursor = await connection.cursor(
        `SELECT ${select} FROM ${schema.from}${condition}`,
        parameters,
        schema.dialect.fetchSize,
      );
      try {
        for (;;) {
          const batch = await cursor.fetch();
          yield* batch;
          if (batch.length === 0 || cursor.noData) break;
        }
      } finally {
        if (!connection.broken) await cursor.close().catch(() => undefined);
      }
    } catch (error) {
      throw schema.translate(error, 'read');
    } finally {
      schema.pool.release(connection);
    }
  }

  async *#pages(
    schema: OdbcSchema,
    connection: PooledConnection,
    select: string,
    where: string[],
    parameters: OdbcParameter[],
    id: string,
  ): AsyncGenerator<Record<string, unknown>> {
    const idName = schema.id?.name ?? '';
    let last: string | undefined;
    for (;;) {
      const conditions = last === undefined ? where : [...where, `${id} > ?`];
      const condition = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
      const page = await connection.query(
        `SELECT ${select} FROM ${schema.from}${condition} ORDER BY ${id} LIMIT ${PAGE_SIZE}`,
        last === undefined ? parameters : [...parameters, last],
      );
      yield* page;
      if (page.length < PAGE_SIZE) return;
      last = toText(page[page.length - 1]?.[idName]);
    }
  }
}
