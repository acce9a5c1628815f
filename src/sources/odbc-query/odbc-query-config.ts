import { z } from 'zod';
import { odbcConnectionString, sqlIdentifier } from '../odbc/odbc-config.js';

/** Words that change data or the database, or write files (`SELECT … INTO OUTFILE`). */
const FORBIDDEN = new Set([
  'ALTER',
  'ATTACH',
  'CALL',
  'COPY',
  'CREATE',
  'DELETE',
  'DETACH',
  'DROP',
  'EXEC',
  'EXECUTE',
  'GRANT',
  'INSERT',
  'INTO',
  'LOCK',
  'MERGE',
  'PRAGMA',
  'REVOKE',
  'TRUNCATE',
  'UPDATE',
  'VACUUM',
]);

/** The end of a quoted part starting at `start` (after its closing quote), or -1 when never closed. */
function skipQuoted(text: string, start: number, close: string): number {
  let pos = start + 1;
  for (;;) {
    const end = text.indexOf(close, pos);
    if (end < 0) return -1;
    // A doubled quote stands for itself (`''`, `""`, ``` `` ```), except for `]`.
    if (close !== ']' && text[end + 1] === close) {
      pos = end + 2;
      continue;
    }
    return end + 1;
  }
}

/**
 * The words and statement separators of a query outside strings, quoted names and
 * comments, read the standard way (a backslash escapes nothing): an ambiguity makes the
 * query look longer, so it is refused rather than let through. `text` is the query with
 * each comment replaced by a space.
 */
function scan(query: string): {
  words: string[];
  separators: number[];
  text: string;
  unclosed?: string;
} {
  const words: string[] = [];
  const separators: number[] = [];
  let text = '';
  let pos = 0;
  while (pos < query.length) {
    const ch = query[pos] ?? '';
    const next = query[pos + 1];
    if (ch === "'" || ch === '"' || ch === '`' || ch === '[') {
      const end = skipQuoted(query, pos, ch === '[' ? ']' : ch);
      if (end < 0) {
        return { words, separators, text, unclosed: ch === "'" ? 'a string' : 'a quoted name' };
      }
      text += query.slice(pos, end);
      pos = end;
    } else if (ch === '-' && next === '-') {
      const end = query.indexOf('\n', pos);
      text += ' ';
      pos = end < 0 ? query.length : end + 1;
    } else if (ch === '/' && next === '*') {
      const end = query.indexOf('*/', pos + 2);
      if (end < 0) return { words, separators, text, unclosed: 'a comment' };
      text += ' ';
      pos = end + 2;
    } else if (ch === ';') {
      separators.push(words.length);
      text += ch;
      pos++;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(query.slice(pos, pos + 128)) ?? [ch];
      words.push(match[0].toUpperCase());
      text += match[0];
      pos += match[0].length;
    } else {
      text += ch;
      pos++;
    }
  }
  return { words, separators, text };
}

/**
 * What is wrong with a phone book query, or undefined: it must be one SELECT (or WITH …
 * SELECT) statement that only reads. A `;` at the very end is allowed.
 */
export function selectQueryProblem(query: string): string | undefined {
  const { words, separators, unclosed } = scan(query);
  if (unclosed) return `${unclosed} is never closed`;
  if (separators.some((at) => at < words.length)) {
    return 'must be a single SELECT statement; ";" separates statements';
  }
  const first = words[0];
  if (first !== 'SELECT' && first !== 'WITH') {
    return `must be a SELECT (or WITH … SELECT) query, not ${first ?? 'empty'}`;
  }
  const forbidden = words.find((word) => FORBIDDEN.has(word));
  if (forbidden) return `must only read; ${forbidden} is not allowed in the query`;
  return undefined;
}

/**
 * The query ready to be wrapped as a subquery: comments removed (the SQLite driver takes a
 * `;` in a comment for a second statement; a `--` comment would hide the wrapper's end)
 * and trailing `;` and blanks cut.
 */
export function normaliseQuery(query: string): string {
  const { text, unclosed } = scan(query);
  return (unclosed ? query : text).replace(/[\s;]+$/, '');
}

/** The `source` settings of an `odbc-query` phone book: the rows of one SELECT, read-only. */
export const OdbcQuerySourceConfig = z.strictObject({
  connectionString: odbcConnectionString,
  query: z
    .string()
    .min(1)
    .max(100_000)
    .superRefine((query, ctx) => {
      const problem = selectQueryProblem(query);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .transform(normaliseQuery)
    .describe('One SELECT (or WITH … SELECT) statement; its columns are the fields'),
  idColumn: sqlIdentifier('Result column with a permanent record id').optional(),
});

export type OdbcQuerySourceConfig = z.infer<typeof OdbcQuerySourceConfig>;
