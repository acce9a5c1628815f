import { z } from 'zod';
import { isCtibookError } from '../../domain/errors.js';
import { mapOledbConnectionString } from './map-oledb-connection-string.js';

const OledbFields = z.strictObject({
  connectionString: z
    .string()
    .min(1)
    .max(8192)
    .describe('OLE DB connection string as pasted from Windows (Provider=…;Data Source=…)'),
  table: z.string().min(1).max(256).optional().describe('Table to read (this or query)'),
  query: z.string().min(1).max(65536).optional().describe('SQL query to read (this or table)'),
  idColumn: z.string().min(1).max(256).optional().describe('Column with a permanent record id'),
});

/**
 * The `source` settings of an `oledb` phone book. Exactly one of `table` and `query`; the
 * connection string must map to a connector ctibook has (see `mapOledbConnectionString`),
 * so a bad one is refused when the book is saved, not at its first sync.
 */
export const OledbSourceConfig = OledbFields.superRefine((config, context) => {
  if ((config.table === undefined) === (config.query === undefined)) {
    context.addIssue({
      code: 'custom',
      path: [config.table === undefined ? 'table' : 'query'],
      message: 'give exactly one of table and query',
    });
    return;
  }
  try {
    mapOledbConnectionString(config);
  } catch (error) {
    if (!isCtibookError(error)) throw error;
    const problem = error.details?.problem;
    context.addIssue({
      code: 'custom',
      path: ['connectionString'],
      message: typeof problem === 'string' ? problem : error.message,
    });
  }
});

export type OledbSourceConfig = z.infer<typeof OledbFields>;

/** What to read once connected: a table or a query, and the id column. */
export type OledbSelect = Pick<OledbSourceConfig, 'table' | 'query' | 'idColumn'>;
