import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CtibookError } from '../domain/errors.js';
import type { SkippedRow, SourceConnector, SourceRow } from '../sources/source-connector.js';

/** A real source (file, database, directory) prepared for the behaviour suite. */
export interface SourceFixture {
  /** A connector on the seeded source; not yet opened. */
  connector: SourceConnector;
  /** The id column or attribute. */
  idColumn: string;
  /** The rows the source was seeded with (column → value), ids included. */
  seeded: Record<string, string>[];
  /** Changes the source behind the connector's back, as another program would. */
  external: {
    add(values: Record<string, string>): Promise<void>;
    update(id: string, values: Record<string, string>): Promise<void>;
    remove(id: string): Promise<void>;
  };
  /** A connector whose source cannot be reached (wrong host, missing file), with a secret in its settings. */
  unreachable(): SourceConnector;
  /** The secret `unreachable()` was configured with; it must never appear in an error. */
  secret?: string;
  cleanup(): Promise<void>;
}

/** The rows every fixture seeds: ids, umlauts, numbers in written forms. */
export const CONTRACT_ROWS: readonly Record<string, string>[] = [
  { id: '1', first: 'Jürgen', last: 'Groß', phone: '+49 89 1234567', company: 'Groß & Söhne' },
  { id: '2', first: 'Anna', last: 'Łukasiewicz', phone: '030/555 12-3', company: 'Łódź Ltd' },
  { id: '3', first: 'Zoë', last: "O'Brien", phone: '0171 9876543', company: 'Café "Zum Hirschen"' },
];

async function collect(rows: AsyncIterable<SourceRow>): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

function byId(rows: SourceRow[], idColumn: string): Map<string, Record<string, string>> {
  return new Map(rows.map((row) => [row.id ?? row.values[idColumn] ?? '', row.values]));
}

/**
 * The behaviour every source kind must show, run against the real thing: a real CSV file,
 * a real ODBC driver and database, a real slapd, a real Access file.
 */
export function describeSourceContract(kind: string, make: () => Promise<SourceFixture>): void {
  describe(`${kind} source: the SourceConnector contract`, () => {
    let fixture: SourceFixture;
    let skipped: SkippedRow[];
    const skip = (row: SkippedRow): void => {
      skipped.push(row);
    };

    beforeEach(async () => {
      fixture = await make();
      skipped = [];
      await fixture.connector.open();
    });
    afterEach(async () => {
      await fixture.connector.close();
      await fixture.cleanup();
    });

    it('lists its columns, the id column among them', async () => {
      const columns = await fixture.connector.columns();
      expect(columns).toContain(fixture.idColumn);
      for (const column of Object.keys(fixture.seeded[0] ?? {})) expect(columns).toContain(column);
    });

    it('reads every record with its id and values intact', async () => {
      const rows = byId(await collect(fixture.connector.readAll(skip)), fixture.idColumn);
      expect(skipped).toEqual([]);
      expect(rows.size).toBe(fixture.seeded.length);
      for (const seeded of fixture.seeded) {
        const row = rows.get(seeded[fixture.idColumn] ?? '');
        expect(row, `record ${seeded[fixture.idColumn]}`).toBeDefined();
        for (const [column, value] of Object.entries(seeded)) expect(row?.[column]).toBe(value);
      }
    });

    it('sees what another program added, changed and removed', async () => {
      const [first, second] = fixture.seeded;
      const firstId = first?.[fixture.idColumn] ?? '';
      const secondId = second?.[fixture.idColumn] ?? '';
      await fixture.external.add({ ...first, [fixture.idColumn]: '99', last: 'Neu' });
      await fixture.external.update(firstId, { last: 'Geändert' });
      await fixture.external.remove(secondId);
      const rows = byId(await collect(fixture.connector.readAll(skip)), fixture.idColumn);
      expect(rows.get('99')?.last).toBe('Neu');
      expect(rows.get(firstId)?.last).toBe('Geändert');
      expect(rows.has(secondId)).toBe(false);
    });

    it('closes twice without harm', async () => {
      await fixture.connector.close();
      await fixture.connector.close();
    });

    it('says SOURCE_UNAVAILABLE for an unreachable source, without secrets', async () => {
      const broken = fixture.unreachable();
      const failure = await (async () => {
        try {
          await broken.open();
          await collect(broken.readAll(skip));
          return undefined;
        } catch (error) {
          return error;
        } finally {
          await broken.close();
        }
      })();
      expect(failure).toBeInstanceOf(CtibookError);
      expect((failure as CtibookError).code).toBe('SOURCE_UNAVAILABLE');
      if (fixture.secret) {
        expect(
          JSON.stringify({ m: (failure as Error).message, d: (failure as CtibookError).details }),
        ).not.toContain(fixture.secret);
      }
    });

    it('reads one record live when it can', async () => {
      const { connector } = fixture;
      if (!connector.capabilities.readOne || !connector.readOne) return;
      const id = fixture.seeded[0]?.[fixture.idColumn] ?? '';
      expect((await connector.readOne(id))?.values.last).toBe(fixture.seeded[0]?.last);
      expect(await connector.readOne('no-such-id')).toBeUndefined();
    });

    it('lists every id when it can', async () => {
      const { connector } = fixture;
      if (!connector.readIds) return;
      const ids: string[] = [];
      for await (const id of connector.readIds()) ids.push(id);
      expect(ids.sort()).toEqual(fixture.seeded.map((row) => row[fixture.idColumn] ?? '').sort());
    });

    it('round-trips writes when it takes them', async () => {
      const { connector } = fixture;
      if (
        !connector.capabilities.write ||
        !connector.insert ||
        !connector.update ||
        !connector.delete
      )
        return;
      const inserted = await connector.insert({
        [fixture.idColumn]: '42',
        first: 'Ödön',
        last: 'Neumann',
        phone: '089 42',
        company: '',
      });
      await connector.update(inserted.id ?? '42', { last: 'Neumann-Groß' });
      const removed = fixture.seeded.at(-1)?.[fixture.idColumn] ?? '';
      await connector.delete(removed);
      const rows = byId(await collect(connector.readAll(skip)), fixture.idColumn);
      const updatedId = [...rows.keys()].find((id) => rows.get(id)?.first === 'Ödön');
      expect(rows.get(updatedId ?? '')?.last).toBe('Neumann-Groß');
      expect(rows.has(removed)).toBe(false);
    });
  });
}
