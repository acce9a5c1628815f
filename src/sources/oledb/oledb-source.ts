import { CtibookError, isCtibookError } from '../../domain/errors.js';
import { AccessSource } from '../access/access-source.js';
import { OdbcSource } from '../odbc/odbc-source.js';
import type { SourceFileRules } from '../source-file.js';
import type {
  SkippedRow,
  SourceCapabilities,
  SourceConnector,
  SourceRow,
} from '../source-connector.js';
import type { OledbFamily, OledbTarget } from './map-oledb-connection-string.js';
import { mapOledbConnectionString } from './map-oledb-connection-string.js';
import type { OledbSourceConfig } from './oledb-config.js';
import { OledbConnectionString, scrubSecrets } from './oledb-connection-string.js';
import { SqlServerSource } from './sql-server-source.js';

export interface OledbSourceOptions {
  config: OledbSourceConfig;
  /** Which files the server lets a source open: an Access file's path (see `openSourceFile`). */
  files?: SourceFileRules;
}

/**
 * An OLE DB connection string from a Windows installation, served on Linux by the
 * connector it maps to (see `mapOledbConnectionString`): the Access reader, an ODBC
 * driver, or SQL Server through `tedious`. Always read-only. The constructor maps the
 * string (no I/O) and throws VALIDATION_FAILED when it cannot be served; every error of
 * the connector behind it leaves with the string's secrets masked.
 */
export class OledbSource implements SourceConnector {
  readonly capabilities: SourceCapabilities;
  /** Which database the provider stands for. */
  readonly family: OledbFamily;
  /** `Provider=` as written. */
  readonly provider: string;
  readonly #target: SourceConnector;
  readonly #secrets: string[];

  constructor(options: OledbSourceOptions) {
    const target = mapOledbConnectionString(options.config);
    this.family = target.family;
    this.provider = target.provider;
    this.#secrets = OledbConnectionString.parse(options.config.connectionString).secrets();
    this.#target = createTargetConnector(target, options.files);
    this.capabilities = { ...this.#target.capabilities, write: false };
  }

  async open(): Promise<void> {
    await this.#guard(() => this.#target.open());
  }

  async close(): Promise<void> {
    await this.#guard(() => this.#target.close());
  }

  async columns(): Promise<string[]> {
    return this.#guard(() => this.#target.columns());
  }

  async *readAll(skip: (row: SkippedRow) => void): AsyncIterable<SourceRow> {
    yield* this.#guardRows(this.#target.readAll(skip));
  }

  /** The ids, from the connector's own `readIds` or else from its rows. */
  async *readIds(): AsyncIterable<string> {
    if (this.#target.readIds) {
      yield* this.#guardRows(this.#target.readIds());
      return;
    }
    for await (const row of this.readAll(() => undefined)) if (row.id) yield row.id;
  }

  async readOne(id: string): Promise<SourceRow | undefined> {
    const readOne = this.#target.readOne?.bind(this.#target);
    return readOne ? this.#guard(() => readOne(id)) : undefined;
  }

  async #guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.#masked(error);
    }
  }

  async *#guardRows<T>(rows: AsyncIterable<T>): AsyncIterable<T> {
    try {
      yield* rows;
    } catch (error) {
      throw this.#masked(error);
    }
  }

  /** The error with the connection string's secrets masked in its message and details. */
  #masked(error: unknown): unknown {
    if (!isCtibookError(error)) return error;
    const message = scrubSecrets(error.message, this.#secrets);
    const details = scrubDeep(error.details, this.#secrets) as typeof error.details;
    if (message === error.message && JSON.stringify(details) === JSON.stringify(error.details)) {
      return error;
    }
    return new CtibookError(error.code, message, details, { cause: error.cause });
  }
}

function scrubDeep(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return scrubSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, secrets));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, scrubDeep(item, secrets)]),
    );
  }
  return value;
}

/** The connector for a mapped connection string; does no I/O. */
export function createTargetConnector(
  target: OledbTarget,
  files?: SourceFileRules,
): SourceConnector {
  switch (target.family) {
    case 'access':
      return new AccessSource({
        config: target.access,
        ...(target.password !== undefined ? { password: target.password } : {}),
        files,
      });
    case 'sqlserver':
      return new SqlServerSource({ config: target.sqlServer });
    default:
      return new OdbcSource({
        config: target.odbc,
        writable: false,
        timeoutMs: target.timeoutMs,
        files,
      });
  }
}
