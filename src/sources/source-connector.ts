import type { KnownRecords } from './known-records.js';

/** One record of a source, as its columns or attributes named it. */
export interface SourceRow {
  /** The record's permanent id in the source (the ID column), when it has one. */
  id?: string;
  /** Column or attribute name → value. */
  values: Record<string, string>;
  /** Where it came from, for reports: a CSV line, an LDAP DN, a table key. */
  at?: string;
  /** Two 32-bit hashes of the record's raw bytes (`readRecords`). */
  rawHash?: readonly [number, number];
}

/**
 * Records of `readRecords` whose bytes are those of `known` records `index` to
 * `index + count - 1`, in that order: unchanged, not decoded.
 */
export interface KnownRow {
  index: number;
  count: number;
}

/** What `readRecords` reads: the columns, the fingerprint of the read, and the records. */
export interface RecordRead {
  columns: string[];
  /**
   * Everything that decides how a record's bytes become a row (the caller's `context`, the
   * file's format and header): raw hashes only compare under the same fingerprint.
   */
  fingerprint: string;
  rows: AsyncIterable<SourceRow | KnownRow>;
}

/** A record the source could not deliver, and why. */
export interface SkippedRow {
  at: string;
  reason: string;
}

/** What a connector can do beyond reading everything; the sync engine checks these. */
export interface SourceCapabilities {
  /** insert/update/delete are implemented and allowed. */
  write: boolean;
  /** readChanged is implemented (modified-time column, modifyTimestamp). */
  changedSince: boolean;
  /** readOne reads a record live from the source. */
  readOne: boolean;
}

/**
 * A source of contacts: a CSV file, an ODBC table or query, LDAP, an Access file. The
 * constructor does no I/O; `open()` connects, `close()` is safe to call twice. Errors are
 * `CtibookError`s (`SOURCE_UNAVAILABLE`, `VALIDATION_FAILED`, …) with the vendor error as
 * `cause` and never a password in the message.
 */
export interface SourceConnector {
  readonly capabilities: SourceCapabilities;
  open(): Promise<void>;
  close(): Promise<void>;
  /** The column or attribute names, for mapping proposals and previews. */
  columns(): Promise<string[]>;
  /** Every record; rows that cannot be read are reported to `skip` and left out. */
  readAll(skip: (row: SkippedRow) => void): AsyncIterable<SourceRow>;
  /**
   * Every record, like `readAll`, each with the hash of its raw bytes; a record whose bytes
   * `known` has (under the same fingerprint) comes as a {@link KnownRow}, undecoded.
   * Duplicate ids are reported to `skip` across both kinds of rows, and every id the read
   * meets is marked in `known` (`take`). `context`: the caller's part of the fingerprint.
   */
  readRecords?(
    known: KnownRecords | undefined,
    context: string,
    skip: (row: SkippedRow) => void,
  ): Promise<RecordRead>;
  /** Records changed at or after `since`. */
  readChanged?(since: Date, skip: (row: SkippedRow) => void): AsyncIterable<SourceRow>;
  /** Every id in the source (to find deletions in changed-only mode). */
  readIds?(): AsyncIterable<string>;
  readOne?(id: string): Promise<SourceRow | undefined>;
  /** Writes return the stored row (with its id). */
  insert?(values: Record<string, string>): Promise<SourceRow>;
  update?(id: string, values: Record<string, string>): Promise<SourceRow>;
  delete?(id: string): Promise<void>;
  /**
   * An opaque version of the source as this connector last read or wrote it (a CSV file's
   * hash); undefined before the first full read, or for sources whose writes are checked
   * record by record.
   */
  version?(): string | undefined;
  /**
   * Tells the connector which version of the source the cache holds (read by another
   * connector of the same book): writes refuse with 409 CONFLICT once the source moved on.
   */
  assumeVersion?(version: string): void;
}
