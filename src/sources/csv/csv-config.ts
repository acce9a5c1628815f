import { z } from 'zod';

/** The `source` settings of a `csv` phone book. */
export const CsvSourceConfig = z.strictObject({
  path: z.string().min(1).max(4096).describe('Absolute path of the CSV file on the server'),
  delimiter: z
    .enum([';', ',', '\t', '|', 'auto'])
    .default('auto')
    .describe('Field delimiter; auto picks ; , tab or | from the header line'),
  encoding: z
    .enum(['auto', 'utf8', 'utf8-bom', 'windows-1252'])
    .default('auto')
    .describe('auto: a BOM, else UTF-8 when valid, else Windows-1252'),
  idColumn: z.string().min(1).max(256).optional().describe('Column with a permanent record id'),
  headerRow: z.boolean().default(true).describe('The first line names the columns'),
});

export type CsvSourceConfig = z.infer<typeof CsvSourceConfig>;
