import type { NumberNormalizer } from '../domain/phone-number.js';
import type { Mapping } from '../sources/mapping.js';
import { compileMapping } from '../sources/mapping.js';
import type { SkippedRow, SourceConnector, SourceRow } from '../sources/source-connector.js';
import type { PreparedContact } from '../store/contact-rows.js';
import { prepareContact } from '../store/contact-rows.js';

export interface PullOptions {
  connector: SourceConnector;
  mapping: Mapping;
  normalizer: NumberNormalizer;
  /** Changed-only: records modified since this time (the connector must support it). */
  since?: Date;
  /** A column left out of the copy (a memo column whose notes are read live). */
  omitColumn?: string;
  skip(row: SkippedRow): void;
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
    return prepareContact(id, data, options.normalizer);
  };
}

function withoutColumn(values: Record<string, string>, lowerName: string): Record<string, string> {
  const column = Object.keys(values).find((name) => name.toLowerCase() === lowerName);
  if (column === undefined) return values;
  const { [column]: _omitted, ...rest } = values;
  return rest;
}

/**
 * Reads a source and turns each row into a prepared contact (see
 * {@link createRowPreparer}). Rows without an id and duplicate ids are reported and left
 * out.
 */
export async function* pullContacts(options: PullOptions): AsyncGenerator<PreparedContact> {
  const { connector, since, skip } = options;
  const prepare = createRowPreparer({
    mapping: options.mapping,
    columns: await connector.columns(),
    normalizer: options.normalizer,
    ...(options.omitColumn !== undefined ? { omitColumn: options.omitColumn } : {}),
  });
  const rows: AsyncIterable<SourceRow> =
    since && connector.readChanged ? connector.readChanged(since, skip) : connector.readAll(skip);
  const seen = new Set<string>();
  let index = 0;
  for await (const row of rows) {
    index++;
    const at = row.at ?? `record ${index}`;
    const prepared = prepare(row);
    if ('reason' in prepared) {
      skip({ at, reason: prepared.reason });
      continue;
    }
    if (seen.has(prepared.id)) {
      skip({ at, reason: `duplicate id ${prepared.id}` });
      continue;
    }
    seen.add(prepared.id);
    yield prepared;
  }
}
