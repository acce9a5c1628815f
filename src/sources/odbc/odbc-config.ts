import { z } from 'zod';

/**
 * What a table or column name in the settings may look like: a letter or `_`, then letters,
 * digits, `_`, spaces (Access-style `First Name`) or `.` (`schema.table`), up to 128
 * characters. Such names are always quoted for the database's dialect in SQL, never pasted.
 */
export const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_ .]*$/;

const IDENTIFIER_HELP = 'a letter or _, then letters, digits, _, spaces or dots';

/** The problem with a table or column name from the settings, or undefined when it is fine. */
export function identifierProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 128) return 'must be at most 128 characters';
  if (!SQL_IDENTIFIER.test(name)) return `must be ${IDENTIFIER_HELP}`;
  if (name.split('.').some((part) => part.trim() === '')) return 'must not have an empty part';
  return undefined;
}

/** A zod schema for a table or column name (see {@link SQL_IDENTIFIER}). */
export function sqlIdentifier(description: string): z.ZodString {
  return z
    .string()
    .superRefine((name, ctx) => {
      const problem = identifierProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe(description);
}

/** An ODBC connection string (`Driver={…};…` or `DSN=…;…`); may hold a password. */
export const odbcConnectionString = z
  .string()
  .min(1)
  .max(4096)
  .refine((text) => /=/.test(text), 'must be key=value pairs such as Driver={SQLite3};Database=…')
  .describe('ODBC connection string, e.g. Driver={PostgreSQL Unicode};Server=…;Database=…');

/** The `source` settings of an `odbc` phone book: one table of a database reached through ODBC. */
export const OdbcSourceConfig = z.strictObject({
  connectionString: odbcConnectionString,
  table: sqlIdentifier('Table (or schema.table) that holds the phone book'),
  idColumn: sqlIdentifier('Column with a permanent record id (needed for writes)').optional(),
  modifiedColumn: sqlIdentifier(
    'Date/time column the database sets on every change (for changed-only syncs)',
  ).optional(),
  memoColumn: sqlIdentifier('Text column of any length that holds the note of a record').optional(),
});

export type OdbcSourceConfig = z.infer<typeof OdbcSourceConfig>;
