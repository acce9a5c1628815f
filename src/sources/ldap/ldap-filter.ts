/**
 * LDAP search filters (RFC 4515) as the LDAP source builds them: escaping user input,
 * checking an admin's filter, and the filters for one record and for changed records.
 * Pure, no I/O.
 *
 * @module
 */
import { isUtf8 } from 'node:buffer';
import { FilterParser } from 'ldapts';

/**
 * Escapes a string for use as an assertion value in an LDAP filter (RFC 4515): `\`, `*`,
 * `(`, `)` and NUL become `\5c`, `\2a`, `\28`, `\29`, `\00`. Everything else, UTF-8
 * included, may stand as it is, so `*)(uid=*` becomes `\2a\29\28uid=\2a` and can only ever
 * match that literal text.
 *
 * Non-ASCII characters are left unescaped on purpose: ldapts decodes `\hh` escapes byte by
 * byte into single characters, so an escaped `ü` (`\c3\bc`) would reach the server as four
 * wrong bytes.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (ch) => `\\${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Whether a filter's parentheses are balanced and it is one parenthesised filter: every `(`
 * closed, nothing after the outermost `)`. Parentheses inside values must be escaped
 * (`\28`, `\29`) per RFC 4515, so every bare parenthesis counts.
 */
export function isBalancedFilter(filter: string): boolean {
  const text = filter.trim();
  if (!text.startsWith('(')) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth < 0) return false;
      if (depth === 0 && i !== text.length - 1) return false;
    }
  }
  return depth === 0;
}

/**
 * What is wrong with an admin's filter, or undefined when it is a usable RFC 4515 filter.
 * A filter without outer parentheses (`objectClass=person`) is accepted and wrapped.
 */
export function filterProblem(filter: string): string | undefined {
  const text = wrapFilter(filter);
  if (!isBalancedFilter(text)) {
    return 'unbalanced parentheses; write it as (attribute=value) or (&(…)(…)), with ( ) inside values escaped as \\28 \\29';
  }
  if (hasBinaryEscapes(text)) {
    return 'escaped bytes that are not UTF-8 text (binary values) are not supported in the filter';
  }
  try {
    FilterParser.parseString(normalizeFilter(text));
  } catch (error) {
    return `not a valid LDAP filter (${(error as Error).message})`;
  }
  return undefined;
}

/**
 * The admin's filter as ldapts must receive it: wrapped in parentheses when bare, and with
 * escaped UTF-8 byte runs (`\c3\bc`) turned into the characters they encode (see
 * {@link escapeFilterValue} for why). ASCII escapes such as `\2a` stay as they are.
 */
export function normalizeFilter(filter: string): string {
  return wrapFilter(filter).replace(/(?:\\[0-9a-fA-F]{2})+/g, (run) => {
    const bytes = Buffer.from(run.replaceAll('\\', ''), 'hex');
    if (bytes.every((b) => b < 0x80) || !isUtf8(bytes)) return run;
    return [...bytes.toString('utf8')]
      .map((ch) => (ch.charCodeAt(0) < 0x80 ? asciiEscape(ch) : ch))
      .join('');
  });
}

/** `(&<filter>(<attribute>=<escaped value>))`: one record by its id, within the admin's filter. */
export function idFilter(filter: string, attribute: string, id: string): string {
  return `(&${normalizeFilter(filter)}(${attribute}=${escapeFilterValue(id)}))`;
}

/** `(&<filter>(modifyTimestamp>=YYYYMMDDHHMMSSZ))`: records changed at or after `since`. */
export function changedSinceFilter(filter: string, since: Date): string {
  return `(&${normalizeFilter(filter)}(modifyTimestamp>=${generalizedTime(since)}))`;
}

/**
 * A date as LDAP GeneralizedTime in UTC at whole seconds (`20261125191840Z`), rounded down
 * so that `>=` still finds a change made in the same second.
 */
export function generalizedTime(date: Date): string {
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return (
    pad(date.getUTCFullYear(), 4) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds()) +
    'Z'
  );
}

function wrapFilter(filter: string): string {
  const text = filter.trim();
  return text.startsWith('(') ? text : `(${text})`;
}

function asciiEscape(ch: string): string {
  return `\\${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

function hasBinaryEscapes(filter: string): boolean {
  for (const run of filter.match(/(?:\\[0-9a-fA-F]{2})+/g) ?? []) {
    const bytes = Buffer.from(run.replaceAll('\\', ''), 'hex');
    if (bytes.some((b) => b >= 0x80) && !isUtf8(bytes)) return true;
  }
  return false;
}
