import { createHash } from 'node:crypto';
import type { Column, Table, Value } from 'mdb-reader';
import MDBReader from 'mdb-reader';
import { CtibookError } from '../../domain/errors.js';
import type { SourceFileRules } from '../source-file.js';
import { openSourceFile, readSourceFile } from '../source-file.js';
import type {
  SkippedRow,
  SourceCapabilities,
  SourceConnector,
  SourceRow,
} from '../source-connector.js';
import type { AccessSourceConfig } from './access-config.js';

export interface AccessSourceOptions {
  config: AccessSourceConfig;
  /**
   * The password of an encrypted `.accdb` (from `Jet OLEDB:Database Password=` of an OLE DB
   * connection string). Plain `.mdb` database passwords do not encrypt and need none.
   */
  password?: string;
  /** Which files the server lets a source open (see `openSourceFile`). */
  files?: SourceFileRules;
}

/** The file as last read, valid while its stamp (inode, size, times) is unchanged. */
interface Snapshot {
  stamp: string;
  /** sha256 of the bytes: decides when the stamp cannot (see `RACY_MS`). */
  hash: string;
  /** The file was modified so shortly before it was read that its stamp proves nothing. */
  racy: boolean;
  columns: string[];
  rows: SourceRow[];
  byId: Map<string, SourceRow>;
  skipped: SkippedRow[];
}

/**
 * File times come from a coarse clock: a file rewritten within a few milliseconds of being
 * read may keep its size and times. Until its mtime is this old, a snapshot is checked
 * against the bytes as well (git's "racily clean" rule).
 */
const RACY_MS = 2000;

/** Column types that hold no text a phone book could use: they are left out. */
const SKIPPED_TYPES: ReadonlySet<string> = new Set(['binary', 'ole', 'complex']);

/**
 * A table of a Microsoft Access database (`.mdb`, `.accdb`) as a read-only phone book,
 * read with `mdb-reader` (pure JavaScript, no ODBC driver). The whole file is read into
 * memory; every call checks the file's stamp first and re-reads it when another program
 * changed it, so `readOne` is always current. Values become text: numbers and booleans
 * (`true`/`false`) as written, dates as ISO 8601 in the file's own wall-clock time
 * (`2024-03-01`, `2024-03-01T08:30:00`, a time alone as `08:30:00`); binary, OLE object and
 * attachment columns are left out.
 *
 * Also the reader behind `ctibook phonebook import` (the migration from the Windows
 * product): open it, `columns()`, then `readAll()`.
 */
export class AccessSource implements SourceConnector {
  readonly capabilities: SourceCapabilities;
  readonly #config: AccessSourceConfig;
  readonly #password: string | undefined;
  readonly #files: SourceFileRules;
  #snapshot: Snapshot | undefined;

  constructor(options: AccessSourceOptions) {
    this.#config = options.config;
    this.#password = options.password;
    this.#files = options.files ?? {};
    this.capabilities = {
      write: false,
      changedSince: false,
      readOne: options.config.idColumn !== undefined,
    };
  }

  /**
   * Reads the file and finds the table.
   * @throws CtibookError SOURCE_UNAVAILABLE (missing, unreadable or damaged file),
   *   SOURCE_NOT_FOUND (no such table; the message lists the tables there are),
   *   SOURCE_AUTH_FAILED (an encrypted file and no or a wrong password),
   *   VALIDATION_FAILED (no such id column).
   */
  async open(): Promise<void> {
    await this.#load();
  }

  async close(): Promise<void> {
    this.#snapshot = undefined;
  }

  async columns(): Promise<string[]> {
    return [...(await this.#load()).columns];
  }

  async *readAll(skip: (row: SkippedRow) => void): AsyncIterable<SourceRow> {
    const snapshot = await this.#load();
    for (const skipped of snapshot.skipped) skip(skipped);
    for (const row of snapshot.rows) yield copyOf(row);
  }

  async *readIds(): AsyncIterable<string> {
    yield* (await this.#load()).byId.keys();
  }

  /** The record with this id, read from the file as it is now (re-read when it changed). */
  async readOne(id: string): Promise<SourceRow | undefined> {
    const row = (await this.#load()).byId.get(id);
    return row && copyOf(row);
  }

  async #load(): Promise<Snapshot> {
    const { path } = this.#config;
    const { stamp, mtimeMs } = await stampOf(path, this.#files);
    const cached = this.#snapshot;
    if (cached?.stamp === stamp && !cached.racy) return cached;
    const bytes = await readSourceFile('Access file', path, this.#files);
    const hash = createHash('sha256').update(bytes).digest('base64url');
    const racy = Date.now() - mtimeMs < RACY_MS;
    if (cached?.hash === hash) {
      this.#snapshot = { ...cached, stamp, racy };
      return this.#snapshot;
    }
    const reader = openDatabase(path, bytes, this.#password);
    const table = findTable(reader, path, this.#config.table);
    const snapshot = { ...readSnapshot(table, this.#config), stamp, hash, racy };
    this.#snapshot = snapshot;
    return snapshot;
  }
}

/**
 * The tables of an Access database, for the admin wizard's table picker (system and
 * linked tables left out).
 * @throws CtibookError SOURCE_UNAVAILABLE or SOURCE_AUTH_FAILED as {@link AccessSource.open}.
 */
export async function listTables(
  path: string,
  password?: string,
  files?: SourceFileRules,
): Promise<string[]> {
  const bytes = await readSourceFile('Access file', path, files);
  return tableNames(path, openDatabase(path, bytes, password));
}

function readSnapshot(
  table: Table,
  config: AccessSourceConfig,
): Omit<Snapshot, 'stamp' | 'hash' | 'racy'> {
  const { path } = config;
  const at = (n: number): string => `${table.name} row ${n}`;
  const columns = translate(path, () => table.getColumns()).filter(
    (c) => !SKIPPED_TYPES.has(c.type),
  );
  const names = columns.map((c) => c.name);
  const idColumn = config.idColumn === undefined ? undefined : findName(names, config.idColumn);
  if (config.idColumn !== undefined && idColumn === undefined) {
    throw new CtibookError(
      'VALIDATION_FAILED',
      `source.idColumn: table "${table.name}" of ${path} has no column "${config.idColumn}"`,
      { field: 'source.idColumn', columns: names },
    );
  }
  const data = translate(path, () => table.getData({ columns: names }));
  const rows: SourceRow[] = [];
  const byId = new Map<string, SourceRow>();
  const firstRow = new Map<string, number>();
  const skipped: SkippedRow[] = [];
  data.forEach((record, index) => {
    const n = index + 1;
    const values: Record<string, string> = {};
    for (const column of columns) values[column.name] = toText(record[column.name] ?? null, column);
    const id = idColumn === undefined ? contentId(names, values) : (values[idColumn] ?? '').trim();
    if (!id) {
      skipped.push({ at: at(n), reason: `empty id column ${idColumn}` });
      return;
    }
    const earlier = firstRow.get(id);
    if (earlier !== undefined) {
      skipped.push({ at: at(n), reason: `duplicate id ${id} (first in row ${earlier})` });
      return;
    }
    firstRow.set(id, n);
    const row: SourceRow = { id, values, at: at(n) };
    rows.push(row);
    byId.set(id, row);
  });
  return { columns: names, rows, byId, skipped };
}

async function stampOf(
  path: string,
  files: SourceFileRules,
): Promise<{ stamp: string; mtimeMs: number }> {
  const handle = await openSourceFile('Access file', path, files);
  const info = await handle.stat({ bigint: true }).finally(() => handle.close());
  return {
    stamp: `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`,
    mtimeMs: Number(info.mtimeMs),
  };
}

function openDatabase(path: string, bytes: Buffer, password: string | undefined): MDBReader {
  if (bytes.length === 0) {
    throw new CtibookError('SOURCE_UNAVAILABLE', `Access file ${path} is empty`, {
      path,
      reason: 'empty file',
    });
  }
  try {
    return new MDBReader(bytes, password === undefined ? {} : { password });
  } catch (error) {
    if (error instanceof Error && /password/i.test(error.message)) {
      throw new CtibookError(
        'SOURCE_AUTH_FAILED',
        `Access file ${path} is encrypted and the database password is ${password === undefined ? 'missing' : 'wrong'}`,
        { path },
        { cause: error },
      );
    }
    throw damaged(path, error);
  }
}

/** Runs an `mdb-reader` call on a file that opened, turning its failures into SOURCE_UNAVAILABLE. */
function translate<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw damaged(path, error);
  }
}

function damaged(path: string, error: unknown): CtibookError {
  const reason = error instanceof Error ? error.message : String(error);
  return new CtibookError(
    'SOURCE_UNAVAILABLE',
    `Access file ${path} is not an Access database or is damaged: ${reason}`,
    { path, reason },
    { cause: error },
  );
}

function tableNames(
  path: string,
  reader: MDBReader,
  which: { normalTables?: boolean; linkedTables?: boolean } = {},
): string[] {
  // A damaged catalogue may hold rows without a name.
  return translate(path, () => reader.getTableNames(which)).filter(
    (name): name is string => typeof name === 'string',
  );
}

function findTable(reader: MDBReader, path: string, wanted: string): Table {
  const tables = tableNames(path, reader);
  const name = findName(tables, wanted);
  if (name !== undefined) return translate(path, () => reader.getTable(name));
  const linked = tableNames(path, reader, { normalTables: false, linkedTables: true });
  const linkedName = findName(linked, wanted);
  if (linkedName !== undefined) {
    throw new CtibookError(
      'SOURCE_NOT_FOUND',
      `"${linkedName}" in Access file ${path} is a linked table: its rows live in another database; point the book at that file`,
      { path, table: wanted, tables },
    );
  }
  throw new CtibookError(
    'SOURCE_NOT_FOUND',
    `Access file ${path} has no table "${wanted}"; its tables: ${tables.length > 0 ? tables.join(', ') : '(none)'}`,
    { path, table: wanted, tables },
  );
}

/** Access names are case-insensitive: the exact name first, else the one that differs in case. */
function findName(names: readonly string[], wanted: string): string | undefined {
  if (names.includes(wanted)) return wanted;
  const folded = wanted.toLowerCase();
  return names.find((name) => name.toLowerCase() === folded);
}

/** The snapshot is kept between calls: callers get rows of their own. */
function copyOf(row: SourceRow): SourceRow {
  return { ...row, values: { ...row.values } };
}

function contentId(names: readonly string[], values: Record<string, string>): string {
  return createHash('sha256')
    .update(names.map((name) => values[name] ?? '').join('\u0000'))
    .digest('base64url')
    .slice(0, 22);
}

/** One value as text: see {@link AccessSource} for the forms. */
export function toText(value: Value, column: Pick<Column, 'type'>): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '';
    // A single-precision float read as a double shows digits the user never typed.
    return String(column.type === 'float' ? Number(value.toPrecision(7)) : value);
  }
  if (value instanceof Date) return formatDate(value);
  return '';
}

/**
 * Access keeps a date as wall-clock time without a zone; `mdb-reader` hands it over as that
 * wall-clock in UTC, so the UTC fields are the ones the user typed.
 */
function formatDate(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const day = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  // Day 0 of Access (1899-12-30) carries a time alone.
  if (day === '1899-12-30') return time;
  return time === '00:00:00' ? day : `${day}T${time}`;
}
