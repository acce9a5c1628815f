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
  skip(row: SkippedRow): void;
}

/**
 * Reads a source and turns each row into a prepared contact: mapping applied, numbers
 * normalised, search text made. Rows without an id and duplicate ids are reported and
 * left out.
 */
export async function* pullContacts(options: PullOptions): AsyncGenerator<PreparedContact> {
  const { connector, since, skip, normalizer } = options;
  const columns = await connector.columns();
  const map = compileMapping(options.mapping, columns);
  const rows: AsyncIterable<SourceRow> =
    since && connector.readChanged ? connector.readChanged(since, skip) : connector.readAll(skip);
  const seen = new Set<string>();
  let index = 0;
  for await (const row of rows) {
    index++;
    const at = row.at ?? `record ${index}`;
    const mapped = map(row.values);
    const id = (row.id ?? mapped.id ?? '').trim();
    if (!id) {
      skip({ at, reason: 'no id: the id column is empty' });
      continue;
    }
    if (seen.has(id)) {
      skip({ at, reason: `duplicate id ${id}` });
      continue;
    }
    seen.add(id);
    const data = mapped.note
      ? { ...mapped.data, extra: { ...mapped.data.extra, note: mapped.note } }
      : mapped.data;
    yield prepareContact(id, data, normalizer);
  }
}
