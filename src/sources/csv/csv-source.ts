import { createHash, webcrypto } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { CtibookError } from '../../domain/errors.js';
import type { SourceFileRules } from '../source-file.js';
import { openSourceFile, readSourceFile, unreadableFile } from '../source-file.js';
import { writeFileAtomic } from '../../store/folder-config.js';
import type { KnownRecords } from '../known-records.js';
import type {
  KnownRow,
  RecordRead,
  SkippedRow,
  SourceCapabilities,
  SourceConnector,
  SourceRow,
} from '../source-connector.js';
import type { CsvSourceConfig } from './csv-config.js';
import type { CsvEncoding, CsvFormat } from './csv-format.js';
import {
  decode,
  detectDelimiter,
  detectEncoding,
  encode,
  firstLine,
  formatRecord,
} from './csv-format.js';
import type { CsvRecord } from './csv-parser.js';
import { isFault, parseCsv } from './csv-parser.js';
import { RecordScanner } from './csv-scan.js';

/** Changes when the way a record's bytes become a row changes: stored raw hashes then go stale. */
const RECORD_FORMAT_VERSION = 1;

/** The file as last read: what a write must find unchanged on disk. */
interface Snapshot {
  text: string;
  format: CsvFormat;
  columns: string[];
  records: { id: string; record: CsvRecord }[];
  stamp: string;
}

/** How much of the file `columns()` decodes to find the header. */
const HEADER_BYTES = 1 << 20;

/** A file as read for one pass: its text, format and (once the header is parsed) columns. */
interface OpenedFile {
  text: string;
  encoding: CsvEncoding;
  delimiter: string;
  lineEnding: CsvFormat['lineEnding'];
  stamp: string;
  columns: string[];
}

export interface CsvSourceOptions {
  config: CsvSourceConfig;
  /** Write protection removed by an admin. */
  writable: boolean;
  /** Which files the server lets a source open (see `openSourceFile`). */
  files?: SourceFileRules;
}

/**
 * A CSV file as a phone book. Reads detect encoding and delimiter; writes rewrite the file
 * atomically in its own encoding, delimiter, line endings and quoting, keeping every line
 * ctibook did not change byte for byte, and refuse (409) when the file changed on disk
 * since it was last read in full (or since the version given to `assumeVersion`). Between
 * calls only that version (a hash) is kept, never the file, so a connector may stay open.
 */
export class CsvSource implements SourceConnector {
  readonly capabilities: SourceCapabilities;
  readonly #config: CsvSourceConfig;
  readonly #files: SourceFileRules;
  /** Hash of the file as last read in full or written; writes require it unchanged. */
  #version: string | undefined;

  constructor(options: CsvSourceOptions) {
    this.#config = options.config;
    this.#files = options.files ?? {};
    this.capabilities = { write: options.writable, changedSince: false, readOne: false };
  }

  async open(): Promise<void> {
    // Only whether the file can be read: reading and hashing it is left to the read itself.
    await checkReadable(this.#config.path, this.#files);
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }

  version(): string | undefined {
    return this.#version;
  }

  assumeVersion(version: string): void {
    this.#version = version;
  }

  async columns(): Promise<string[]> {
    // The header is read before the first record is yielded: the start of the file is
    // enough unless the header is longer than it (then the whole file is decoded).
    const start = await this.#read(HEADER_BYTES);
    const scan = this.#scan(start, () => undefined);
    const first = scan.next();
    if (first.done !== true && first.value.record.end < start.text.length - 1) {
      scan.return(undefined);
      return start.columns;
    }
    const file = await this.#read();
    this.#scan(file, () => undefined).next();
    return file.columns;
  }

  /** Streams the records as they are parsed: a large file is never held as records at once. */
  async *readAll(skip: (row: SkippedRow) => void): AsyncIterable<SourceRow> {
    const file = await this.#read();
    this.#version = file.stamp;
    for (const { id, record } of this.#scan(file, skip)) {
      yield { id, values: valuesOf(file.columns, record.fields), at: `line ${record.line}` };
    }
  }

  /**
   * {@link readAll} for a changed-only sync: the records are found and hashed in the file's
   * raw bytes, and only those whose bytes `known` does not have are decoded and parsed.
   * Lines, faults and duplicates are reported as `readAll` reports them.
   */
  async readRecords(
    known: KnownRecords | undefined,
    context: string,
    skip: (row: SkippedRow) => void,
  ): Promise<RecordRead> {
    const bytes = await readSourceFile('CSV file', this.#config.path, this.#files);
    // Hashed on another thread while the records are scanned; set before the read ends.
    const stamp = stampInBackground(bytes);
    stamp.catch(() => undefined); // awaited at the end of the read; a read may stop early
    const encoding: CsvEncoding =
      this.#config.encoding === 'auto' ? detectEncoding(bytes) : this.#config.encoding;
    const from = encoding === 'utf8-bom' ? 3 : 0;
    const textOf = (start: number, end: number): string =>
      decode(bytes.subarray(start, end), encoding === 'utf8-bom' ? 'utf8' : encoding);
    const firstEnd = bytes.indexOf(10, from);
    const delimiter =
      this.#config.delimiter === 'auto'
        ? detectDelimiter(firstLine(textOf(from, firstEnd < 0 ? bytes.length : firstEnd)))
        : this.#config.delimiter;
    const at = (line: number): string => `${this.#config.path}:${line}`;
    const scanner = new RecordScanner(bytes, from, delimiter);
    const fieldsOf = (): string[] | string => {
      const item = parseCsv(textOf(scanner.start, scanner.end), delimiter).next().value;
      if (item === undefined) return [''];
      return isFault(item) ? item.reason : item.fields;
    };
    // The header (or the first record, numbering the columns) decides the columns.
    let columns: string[] = [];
    let first = true;
    while (first && scanner.next()) {
      if (scanner.fault) skip({ at: at(scanner.fault.line), reason: scanner.fault.reason });
      else first = false;
    }
    const firstFields = first ? undefined : fieldsOf();
    if (Array.isArray(firstFields)) {
      columns = this.#config.headerRow
        ? uniqueColumns(firstFields)
        : firstFields.map((_, i) => `Column ${i + 1}`);
    }
    this.#checkIdColumn(columns);
    const { idColumn, headerRow } = this.#config;
    const fingerprint = JSON.stringify([
      RECORD_FORMAT_VERSION,
      context,
      encoding,
      delimiter,
      idColumn ?? null,
      headerRow,
      columns,
    ]);
    const file = { columns, encoding };
    const matching = known?.matches(fingerprint) === true ? known : undefined;
    const problemOf = (fields: string[]): string | undefined => this.#problemOf(file, fields);
    const stamped = async (): Promise<void> => {
      this.#version = await stamp;
    };
    const idOf = (fields: string[]): string => this.#idOf(columns, fields);
    async function* rows(): AsyncGenerator<SourceRow | KnownRow> {
      const seen = new Map<string, number>();
      let run: KnownRow | undefined;
      // The first record is data when there is no header line.
      let pending = !first && !headerRow;
      while (pending || scanner.next()) {
        pending = false;
        const { fault, line } = scanner;
        if (fault) {
          skip({ at: at(fault.line), reason: fault.reason });
          continue;
        }
        const index = matching ? matching.find(scanner.h1, scanner.h2) : -1;
        if (index >= 0 && matching) {
          const earlier = matching.takenBy(index);
          if (earlier !== 0) {
            skip({ at: at(line), reason: duplicate(matching.ids.at(index), earlier) });
            continue;
          }
          matching.take(index, line);
          if (run && run.index + run.count === index) run.count++;
          else {
            if (run) yield run;
            run = { index, count: 1 };
          }
          continue;
        }
        if (run) yield run;
        run = undefined;
        const fields = fieldsOf();
        const reason = typeof fields === 'string' ? fields : problemOf(fields);
        if (reason !== undefined || typeof fields === 'string') {
          skip({ at: at(line), reason: reason ?? '' });
          continue;
        }
        const id = idOf(fields);
        const knownAt = known ? known.indexOfId(id) : -1;
        const earlier = knownAt >= 0 ? known?.takenBy(knownAt) : seen.get(id);
        if (earlier) {
          skip({ at: at(line), reason: duplicate(id, earlier) });
          continue;
        }
        if (knownAt >= 0) known?.take(knownAt, line);
        else seen.set(id, line);
        const rawHash = [scanner.h1, scanner.h2] as const;
        yield { id, values: valuesOf(columns, fields), at: `line ${line}`, rawHash };
      }
      if (run) yield run;
      await stamped();
    }
    return { columns, fingerprint, rows: rows() };
  }

  async insert(values: Record<string, string>): Promise<SourceRow> {
    return this.#write((snapshot) => {
      const fields = snapshot.columns.map((c) => values[c] ?? '');
      const id = this.#idOf(snapshot.columns, fields);
      if (snapshot.records.some((r) => r.id === id)) {
        throw new CtibookError('ALREADY_EXISTS', `A record with id ${id} is already in the file`, {
          id,
        });
      }
      return {
        changed: new Map(),
        added: [fields],
        removed: new Set(),
        result: { id, values: valuesOf(snapshot.columns, fields) },
      };
    });
  }

  async update(id: string, values: Record<string, string>): Promise<SourceRow> {
    return this.#write((snapshot) => {
      const found = snapshot.records.find((r) => r.id === id);
      if (!found)
        throw new CtibookError('CONTACT_NOT_FOUND', `No record ${id} in the file`, { id });
      const fields = snapshot.columns.map((c, i) => values[c] ?? found.record.fields[i] ?? '');
      const newId = this.#idOf(snapshot.columns, fields);
      return {
        changed: new Map([[found.record, fields]]),
        added: [],
        removed: new Set(),
        result: { id: newId, values: valuesOf(snapshot.columns, fields) },
      };
    });
  }

  async delete(id: string): Promise<void> {
    await this.#write((snapshot) => {
      const found = snapshot.records.find((r) => r.id === id);
      if (!found)
        throw new CtibookError('CONTACT_NOT_FOUND', `No record ${id} in the file`, { id });
      return { changed: new Map(), added: [], removed: new Set([found.record]), result: undefined };
    });
  }

  async #write<T>(
    change: (snapshot: Snapshot) => {
      changed: Map<CsvRecord, string[]>;
      added: string[][];
      removed: Set<CsvRecord>;
      result: T;
    },
  ): Promise<T> {
    if (!this.capabilities.write) throw new CtibookError('PHONEBOOK_READ_ONLY');
    const expected = this.#version;
    // Read through `openSourceFile`: a file the server's rules refuse is not written either.
    const snapshot = await this.#load(() => undefined);
    // Until the file is read again in full, every write is refused: the cache is older.
    if (expected !== undefined && snapshot.stamp !== expected) {
      throw new CtibookError(
        'CONFLICT',
        `${this.#config.path} changed on disk since ctibook read it; nothing was written. The book is being re-read.`,
        { path: this.#config.path, reason: 'FILE_CHANGED' },
      );
    }
    const { changed, added, removed, result } = change(snapshot);
    const { format, text } = snapshot;
    const lines: string[] = [];
    let cursor = 0;
    // Keep everything between and inside untouched records as it was.
    for (const { record } of snapshot.records) {
      lines.push(text.slice(cursor, record.start));
      const fields = changed.get(record);
      if (removed.has(record)) {
        cursor = skipLineEnd(text, record.end);
        continue;
      }
      lines.push(fields ? formatRecord(fields, format) : text.slice(record.start, record.end));
      cursor = record.end;
    }
    let tail = text.slice(cursor);
    if (added.length > 0) {
      if (tail.length > 0 && !tail.endsWith('\n')) tail += format.lineEnding;
      if (tail.length === 0 && lines.length > 0) tail = format.lineEnding;
      tail += added.map((fields) => formatRecord(fields, format) + format.lineEnding).join('');
    }
    lines.push(tail);
    const bytes = encode(lines.join(''), format.encoding);
    writeFileAtomic(this.#config.path, bytes, await fileMode(this.#config.path));
    this.#version = stampOf(bytes);
    return result;
  }

  async #load(skip: (row: SkippedRow) => void): Promise<Snapshot> {
    const file = await this.#read();
    const records = [...this.#scan(file, skip)];
    const { text, encoding, delimiter, lineEnding, stamp, columns } = file;
    const firstRecord = records[0]?.record;
    const quoteAll =
      firstRecord !== undefined &&
      text.charCodeAt(firstRecord.start) === 34 &&
      firstRecord.fields.length > 0;
    return {
      text,
      format: { encoding, delimiter, lineEnding, quoteAll },
      columns,
      records,
      stamp,
    };
  }

  /** The file read and decoded, its format detected; `columns` is filled by {@link #scan}. */
  async #read(prefix?: number): Promise<OpenedFile> {
    const bytes = await readSourceFile('CSV file', this.#config.path, this.#files);
    const encoding: CsvEncoding =
      this.#config.encoding === 'auto' ? detectEncoding(bytes) : this.#config.encoding;
    const text = decode(prefix === undefined ? bytes : bytes.subarray(0, prefix), encoding);
    const delimiter =
      this.#config.delimiter === 'auto' ? detectDelimiter(firstLine(text)) : this.#config.delimiter;
    const lineEnding = /\r\n/.test(text.slice(0, 65536)) ? '\r\n' : '\n';
    // Only a whole read stamps the version (hashing a large file is not free).
    const stamp = prefix === undefined ? stampOf(bytes) : '';
    return { text, encoding, delimiter, lineEnding, stamp, columns: [] };
  }

  /**
   * The file's records with their ids, as they are parsed; faulty lines, wrong field counts,
   * bad bytes, empty and duplicate ids are reported to `skip`. Sets `file.columns` from the
   * header (or numbers them) before the first record.
   * @throws CtibookError VALIDATION_FAILED when the id column is not among the columns.
   */
  *#scan(
    file: OpenedFile,
    skip: (row: SkippedRow) => void,
  ): Generator<{ id: string; record: CsvRecord }> {
    const seen = new Map<string, number>();
    let first = true;
    const at = (line: number): string => `${this.#config.path}:${line}`;
    for (const item of parseCsv(file.text, file.delimiter)) {
      if (isFault(item)) {
        skip({ at: at(item.line), reason: item.reason });
        continue;
      }
      if (first) {
        first = false;
        file.columns = this.#config.headerRow
          ? uniqueColumns(item.fields)
          : item.fields.map((_, i) => `Column ${i + 1}`);
        this.#checkIdColumn(file.columns);
        if (this.#config.headerRow) continue;
      }
      const reason = this.#problemOf(file, item.fields);
      if (reason) {
        skip({ at: at(item.line), reason });
        continue;
      }
      const id = this.#idOf(file.columns, item.fields);
      const earlier = seen.get(id);
      if (earlier !== undefined) {
        skip({ at: at(item.line), reason: duplicate(id, earlier) });
        continue;
      }
      seen.set(id, item.line);
      yield { id, record: item };
    }
    if (first) this.#checkIdColumn(file.columns);
  }

  /** Why a record cannot be read, or undefined. */
  #problemOf(
    file: Pick<OpenedFile, 'columns' | 'encoding'>,
    fields: readonly string[],
  ): string | undefined {
    const { columns, encoding } = file;
    if (fields.length !== columns.length) {
      return `${fields.length} fields, expected ${columns.length}`;
    }
    if (fields.some((f) => f.includes('\uFFFD') || f.includes('\u0000'))) {
      return `bytes that are not ${encoding === 'windows-1252' ? 'Windows-1252' : 'UTF-8'} text`;
    }
    if (!this.#idOf(columns, fields)) return `empty id column ${this.#config.idColumn}`;
    return undefined;
  }

  #checkIdColumn(columns: readonly string[]): void {
    if (this.#config.idColumn && !columns.includes(this.#config.idColumn)) {
      throw new CtibookError(
        'VALIDATION_FAILED',
        `source.idColumn: ${this.#config.path} has no column "${this.#config.idColumn}"`,
        { field: 'source.idColumn', columns: [...columns] },
      );
    }
  }

  /** The id column's value, or a hash of the whole record when the file has no id column. */
  #idOf(columns: readonly string[], fields: readonly string[]): string {
    if (this.#config.idColumn) return (fields[columns.indexOf(this.#config.idColumn)] ?? '').trim();
    return createHash('sha256').update(fields.join('\u0000')).digest('base64url').slice(0, 22);
  }
}

/** Reads the file's first byte: fails as `readSourceFile` would, without reading it all. */
async function checkReadable(path: string, files: SourceFileRules): Promise<void> {
  const handle = await openSourceFile('CSV file', path, files);
  try {
    await handle.read(Buffer.alloc(1), 0, 1, 0);
  } catch (error) {
    throw unreadableFile('CSV file', path, error);
  } finally {
    await handle.close();
  }
}

async function fileMode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

function stampOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64url');
}

/** {@link stampOf} computed on the thread pool. */
async function stampInBackground(bytes: Buffer): Promise<string> {
  const digest = await webcrypto.subtle.digest('SHA-256', bytes);
  return Buffer.from(digest).toString('base64url');
}

function duplicate(id: string, line: number): string {
  return `duplicate id ${id} (first on line ${line})`;
}

function valuesOf(columns: readonly string[], fields: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  columns.forEach((column, i) => (values[column] = fields[i] ?? ''));
  return values;
}

function uniqueColumns(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((raw, i) => {
    let name = raw.trim() || `Column ${i + 1}`;
    for (let n = 2; used.has(name); n++) name = `${raw.trim()} (${n})`;
    used.add(name);
    return name;
  });
}

function skipLineEnd(text: string, end: number): number {
  let pos = end;
  if (text.charCodeAt(pos) === 13) pos++;
  if (text.charCodeAt(pos) === 10) pos++;
  return pos;
}
