import { CtibookError } from '../../domain/errors.js';
import type { SourceRow } from '../source-connector.js';
import type { OdbcParameter } from './odbc-driver.js';
import type { PooledConnection } from './odbc-pool.js';
import type { OdbcColumnInfo, OdbcSchema } from './odbc-schema.js';
import { canBeIdOf, isCharacterType, isDateTimeType, toText } from './sql-types.js';
import { isDataException } from './translate-odbc-error.js';

/** Column = value pairs of one write, as SQL pieces; values are always parameters. */
interface Assignments {
  columns: string[];
  /** `?` for a parameter, `CURRENT_TIMESTAMP` for the modified-time column. */
  placeholders: string[];
  parameters: OdbcParameter[];
  /** The id the values set, when they set one. */
  id?: string;
}

/**
 * INSERT, UPDATE and DELETE on the table of an ODBC source: parametrised statements only,
 * names quoted for the dialect. Unknown keys of `values` are ignored; `''` is written as
 * NULL to columns that are not text (an integer, a date), as NULL reads back as `''`.
 * A date/time modified column the values do not set is set to the database's
 * CURRENT_TIMESTAMP, so changed-only syncs see ctibook's own writes.
 */
export class OdbcWriter {
  readonly #schema: OdbcSchema;
  readonly #readOne: (id: string) => Promise<SourceRow | undefined>;
  readonly #table: string;
  readonly #id: OdbcColumnInfo;

  constructor(schema: OdbcSchema, readOne: (id: string) => Promise<SourceRow | undefined>) {
    if (!schema.table || !schema.id) throw new CtibookError('PHONEBOOK_READ_ONLY');
    this.#schema = schema;
    this.#readOne = readOne;
    this.#table = schema.table;
    this.#id = schema.id;
  }

  /**
   * Inserts a row and returns it as stored. Without an id in `values` the database makes
   * one (identity, serial, auto-increment, SQLite rowid) and it is read back.
   * @throws CtibookError SOURCE_REJECTED (duplicate id, constraint, bad value) with the
   *   driver's message in `details.sourceMessage`.
   */
  async insert(values: Record<string, string>): Promise<SourceRow> {
    const { dialect, pool } = this.#schema;
    const set = this.#assignments(values);
    if (set.columns.length === 0) {
      throw new CtibookError('VALIDATION_FAILED', 'Nothing to insert: no value names a column', {
        columns: this.#schema.columns.map((c) => c.name),
      });
    }
    const sql = `INSERT INTO ${this.#table} (${set.columns.join(', ')}) VALUES (${set.placeholders.join(', ')})`;
    const idText = dialect.castText(dialect.quote(this.#id.name));
    const id = await pool
      .use(async (connection) => {
        if (set.id) {
          await connection.query(sql, set.parameters);
          return set.id;
        }
        if (dialect.returning) {
          const rows = await connection.query(
            `${sql} RETURNING ${idText} AS new_id`,
            set.parameters,
          );
          return toText(rows[0]?.['new_id']);
        }
        if (!dialect.lastInsertQuery) {
          throw new CtibookError(
            'VALIDATION_FAILED',
            `The values must include the id column ${this.#id.name}: this database does not tell the id of a new row`,
            { field: this.#id.name },
          );
        }
        await connection.query(sql, set.parameters);
        const rows = await connection.query(dialect.lastInsertQuery(this.#table, idText));
        return toText(rows[0]?.['id']);
      })
      .catch((error: unknown) => {
        throw this.#schema.translate(error, 'write');
      });
    return (await this.#readOne(id)) ?? { id, values: { ...values } };
  }

  /**
   * Changes the row with this id and returns it as stored (its new id when `values`
   * changed the id).
   * @throws CtibookError CONTACT_NOT_FOUND, SOURCE_REJECTED.
   */
  async update(id: string, values: Record<string, string>): Promise<SourceRow> {
    const set = this.#assignments(values);
    const newId = set.id ?? id;
    if (set.columns.length > 0) {
      const assignments = set.columns.map((column, i) => `${column} = ${set.placeholders[i]}`);
      const sql = `UPDATE ${this.#table} SET ${assignments.join(', ')} WHERE ${this.#idName()} = ?`;
      const changed = await this.#change(id, (c) => c.query(sql, [...set.parameters, id]));
      // MariaDB counts changed rows, not matched ones: 0 may mean "same values".
      if (changed === 0 && !(await this.#exists(id))) throw this.#notFound(id);
    } else if (!(await this.#exists(id))) {
      throw this.#notFound(id);
    }
    return (await this.#readOne(newId)) ?? { id: newId, values: { ...values } };
  }

  /** @throws CtibookError CONTACT_NOT_FOUND, SOURCE_REJECTED (a row other rows refer to). */
  async delete(id: string): Promise<void> {
    const sql = `DELETE FROM ${this.#table} WHERE ${this.#idName()} = ?`;
    const deleted = await this.#change(id, (c) => c.query(sql, [id]));
    if (deleted === 0) throw this.#notFound(id);
  }

  /** Runs a change and returns the rows it touched; a bad id is CONTACT_NOT_FOUND. */
  async #change(
    id: string,
    run: (connection: PooledConnection) => Promise<{ count: number }>,
  ): Promise<number> {
    if (!canBeIdOf(this.#id.dataType, id)) throw this.#notFound(id);
    try {
      return (await this.#schema.pool.use(run)).count;
    } catch (error) {
      if (isDataException(error) && !(await this.#exists(id))) throw this.#notFound(id);
      throw this.#schema.translate(error, 'write');
    }
  }

  async #exists(id: string): Promise<boolean> {
    if (!canBeIdOf(this.#id.dataType, id)) return false;
    const sql = `SELECT 1 AS found FROM ${this.#table} WHERE ${this.#idName()} = ?`;
    try {
      return (await this.#schema.pool.use((c) => c.query(sql, [id]))).length > 0;
    } catch (error) {
      if (isDataException(error)) return false;
      throw this.#schema.translate(error, 'read');
    }
  }

  #idName(): string {
    return this.#schema.dialect.quote(this.#id.name);
  }

  #notFound(id: string): CtibookError {
    return new CtibookError('CONTACT_NOT_FOUND', `No record ${id} in ${this.#schema.subject}`, {
      id,
    });
  }

  #assignments(values: Record<string, string>): Assignments {
    const { dialect, columns, modified } = this.#schema;
    const byColumn = new Map<OdbcColumnInfo, string>();
    for (const [key, value] of Object.entries(values)) {
      const column =
        columns.find((c) => c.name === key) ??
        columns.find((c) => c.name.toLowerCase() === key.toLowerCase());
      if (column) byColumn.set(column, value);
    }
    const set: Assignments = { columns: [], placeholders: [], parameters: [] };
    for (const [column, value] of byColumn) {
      set.columns.push(dialect.quote(column.name));
      set.placeholders.push('?');
      set.parameters.push(value === '' && !isCharacterType(column.dataType) ? null : value);
      if (column === this.#id && value !== '') set.id = value;
    }
    if (
      byColumn.size > 0 &&
      modified &&
      isDateTimeType(modified.dataType) &&
      !byColumn.has(modified)
    ) {
      set.columns.push(dialect.quote(modified.name));
      set.placeholders.push('CURRENT_TIMESTAMP');
    }
    return set;
  }
}
