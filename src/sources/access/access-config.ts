import { z } from 'zod';

/** The `source` settings of an `access` phone book. */
export const AccessSourceConfig = z.strictObject({
  path: z
    .string()
    .min(1)
    .max(4096)
    .regex(/\.(mdb|accdb|mde|accde)$/i, 'must name an .mdb or .accdb file')
    .describe('Absolute path of the Access database (.mdb or .accdb) on the server'),
  table: z.string().min(1).max(256).describe('Table of the database that holds the phone book'),
  idColumn: z.string().min(1).max(256).optional().describe('Column with a permanent record id'),
});

export type AccessSourceConfig = z.infer<typeof AccessSourceConfig>;
