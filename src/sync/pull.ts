import type { NumberNormalizer } from '../domain/phone-number.js';
import type { Mapping } from '../sources/mapping.js';
import { compileMapping } from '../sources/mapping.js';
import type { KnownRecords } from '../sources/known-records.js';
import type {
  KnownRow,
  RecordRead,
  SkippedRow,
  SourceConnector,
  SourceRow,
} from '../sources/source-connector.js';
import { PHONE_FIELDS } from '../domain/contact.js';
import type { CleanedContact, PreparedContact } from '../store/contact-rows.js';
import { cleanContact, prepareCleaned } from '../store/contact-rows.js';

export interface PullOptions {
  connector: SourceConnector;
  mapping: Mapping;
  normalizer: NumberNormalizer;
  /** Changed-only: records modified since this time (the connector must support it). */
  since?: Date;
  /** A column left out of the copy (a memo column whose notes are read live). */
  omitColumn?: string;
  skip(row: SkippedRow): void;
  /** A row kept with a number no call can match (junk in a phone column). */
  warn?(row: SkippedRow): void;
}

/**
 * {@link prepareCleaned}, telling `warn` of each phone field whose text is no number: the
 * row is kept (the text stays in the record), but no call is ever matched to it.
 */
function prepareWarned(
  cleaned: CleanedContact,
  options: Pick<PullOptions, 'normalizer' | 'warn'>,
  at: string,
): PreparedContact {
  const prepared = prepareCleaned(cleaned, options.normalizer);
  if (!options.warn) return prepared;
  for (const field of PHONE_FIELDS) {
    const raw = cleaned.data[field];
    if (raw && !prepared.phones.some((phone) => phone.field === field)) {
      options.warn({
        at,
        reason: `${field} "${raw}" is not a phone number: kept as text, no call is matched to it`,
      });
    }
  }
  return prepared;
}

export interface RowPreparerOptions {
  mapping: Mapping;
  /** The source's columns, as `connector.columns()` names them; absent: decided per row. */
  columns?: readonly string[];
  normalizer: NumberNormalizer;
  omitColumn?: string;
}

/**
 * Turns one source row into a prepared contact, as every sync, live read and write-back
 * does: the omitted column dropped, the mapping applied, a mapped note column kept in
 * `extra.note`, numbers normalised, search text made. Returns the reason instead when the
 * row has no id.
 */
export function createRowPreparer(
  options: RowPreparerOptions,
): (row: SourceRow) => PreparedContact | { reason: string } {
  const clean = createRowCleaner(options);
  return (row) => {
    const cleaned = clean(row);
    return 'reason' in cleaned ? cleaned : prepareCleaned(cleaned, options.normalizer);
  };
}

/** The first, cheap half of {@link createRowPreparer}: mapped, cleaned and hashed. */
function createRowCleaner(
  options: Omit<RowPreparerOptions, 'normalizer'>,
): (row: SourceRow) => CleanedContact | { reason: string } {
  const map = compileMapping(options.mapping, options.columns);
  const omit = options.omitColumn?.toLowerCase();
  return (row) => {
    const values = omit === undefined ? row.values : withoutColumn(row.values, omit);
    const mapped = map(values);
    const id = (row.id ?? mapped.id ?? '').trim();
    if (!id) return { reason: 'no id: the id column is empty' };
    const data = mapped.note
      ? { ...mapped.data, extra: { ...mapped.data.extra, note: mapped.note } }
      : mapped.data;
    return cleanContact(id, data);
  };
}

function withoutColumn(values: Record<string, string>, lowerName: string): Record<string, string> {
  const column = Object.keys(values).find((name) => name.toLowerCase() === lowerName);
  if (column === undefined) return values;
  const { [column]: _omitted, ...rest } = values;
  return rest;
}

/** A row whose content hash equals the cached copy's: left unprepared. */
export interface UnchangedRow {
  id: string;
  hash: number;
  unchanged: true;
}

/**
 * Reads a source and turns each row into a prepared contact (see
 * {@link createRowPreparer}). Rows without an id and duplicate ids are reported and left
 * out.
 */
export async function* pullContacts(options: PullOptions): AsyncGenerator<PreparedContact> {
  for await (const row of pullRows(options, undefined)) {
    if (!('unchanged' in row)) yield row;
  }
}

/**
 * {@link pullContacts} for a changed-only sync: a row whose content hash equals `old`'s
 * for its id comes as an {@link UnchangedRow}, without normalising its numbers or making
 * its search text (most of the cost of a row).
 */
export function pullChanges(
  options: PullOptions,
  old: ReadonlyMap<string, number>,
): AsyncGenerator<PreparedContact | UnchangedRow> {
  return pullRows(options, old);
}

/** Changes whenever the preparation of a row changes: stored record lists then go stale. */
const PREPARATION_VERSION = 1;

/**
 * The sync's part of a record list's fingerprint (see `SourceConnector.readRecords`):
 * everything besides the file that decides what a record becomes.
 */
export function recordContext(options: PullOptions, location: unknown): string {
  return JSON.stringify([
    PREPARATION_VERSION,
    options.mapping,
    options.omitColumn ?? null,
    location,
  ]);
}

/** A record of {@link pullRecords} that was decoded: the contact, its raw hash, its known index. */
export interface PulledRecord {
  row: PreparedContact | UnchangedRow;
  rawHash: readonly [number, number];
  /** The index of its id in `known`, or -1 (a new id). */
  knownAt: number;
}

/**
 * {@link pullChanges} over a connector's `readRecords`: records `known` has byte for byte
 * come as {@link KnownRow} runs, undecoded; the rest are compared with the content hash
 * `known` has for their id. The connector keeps ids unique.
 */
export async function* pullRecords(
  options: PullOptions,
  read: RecordRead,
  known: KnownRecords | undefined,
): AsyncGenerator<PulledRecord | KnownRow> {
  const clean = createRowCleaner({
    mapping: options.mapping,
    columns: read.columns,
    ...(options.omitColumn !== undefined ? { omitColumn: options.omitColumn } : {}),
  });
  let index = 0;
  for await (const row of read.rows) {
    if ('count' in row) {
      index += row.count;
      yield row;
      continue;
    }
    index++;
    const at = row.at ?? `record ${index}`;
    const cleaned = clean(row);
    if ('reason' in cleaned) {
      options.skip({ at, reason: cleaned.reason });
      continue;
    }
    const knownAt = known ? known.indexOfId(cleaned.id) : -1;
    const before = knownAt >= 0 ? known?.contentHashes[knownAt] : undefined;
    yield {
      row:
        before === cleaned.hash
          ? { id: cleaned.id, hash: cleaned.hash, unchanged: true }
          : prepareWarned(cleaned, options, at),
      rawHash: row.rawHash ?? [0, 0],
      knownAt,
    };
  }
}

async function* pullRows(
  options: PullOptions,
  old: ReadonlyMap<string, number> | undefined,
): AsyncGenerator<PreparedContact | UnchangedRow> {
  const { connector, since, skip } = options;
  const clean = createRowCleaner({
    mapping: options.mapping,
    columns: await connector.columns(),
    ...(options.omitColumn !== undefined ? { omitColumn: options.omitColumn } : {}),
  });
  const rows: AsyncIterable<SourceRow> =
    since && connector.readChanged ? connector.readChanged(since, skip) : connector.readAll(skip);
  const seen = new Set<string>();
  let index = 0;
  for await (const row of rows) {
    index++;
    const at = row.at ?? `record ${index}`;
    const cleaned = clean(row);
    if ('reason' in cleaned) {
      skip({ at, reason: cleaned.reason });
      continue;
    }
    if (seen.has(cleaned.id)) {
      skip({ at, reason: `duplicate id ${cleaned.id}` });
      continue;
    }
    seen.add(cleaned.id);
    if (old?.get(cleaned.id) === cleaned.hash) {
      yield { id: cleaned.id, hash: cleaned.hash, unchanged: true };
    } else yield prepareWarned(cleaned, options, at);
  }
}
