import { invalidField } from '../../domain/errors.js';
import { SECRET_MASK, redactConnectionString } from '../source-kind.js';

/** One `key=value` pair as written (the key's spelling kept, the value unquoted). */
export interface ConnectionStringEntry {
  key: string;
  value: string;
}

/** Keys whose values are secrets: never shown, never in a message. */
const SECRET_KEY = /(?:pwd|password|pass|passwd|secret|key|token|accesstoken)$/i;

/**
 * A connection string as admins paste it from Windows (OLE DB's "Data Link" or a `.udl`
 * file), parsed: `key=value` pairs split by `;`, keys case-insensitive with spaces
 * collapsed (`user  id` = `User ID`), values bare, quoted with `"…"` or `'…'` (the quote
 * doubled inside) or braced ODBC-style `{…}` (`}}` inside). A key given twice counts the
 * last time, as in OLE DB. ODBC strings (`Extended Properties`) follow the same rules.
 */
export class OledbConnectionString {
  readonly #text: string;
  readonly #entries: Map<string, ConnectionStringEntry>;
  /** Where each secret value is written in the text, quotes included. */
  readonly #secretSpans: [number, number][];

  private constructor(
    text: string,
    entries: Map<string, ConnectionStringEntry>,
    secretSpans: [number, number][],
  ) {
    this.#text = text;
    this.#entries = entries;
    this.#secretSpans = secretSpans;
  }

  /**
   * Parses `text`.
   * @throws CtibookError VALIDATION_FAILED (field `source.<field>`) for a value whose
   *   quote is never closed or a part that is no `key=value`; the message names the key
   *   before the fault, never a value.
   */
  static parse(text: string, field = 'connectionString'): OledbConnectionString {
    const entries = new Map<string, ConnectionStringEntry>();
    const secretSpans: [number, number][] = [];
    const fail = (problem: string): never => {
      throw invalidField(`source.${field}`, problem);
    };
    let pos = 0;
    let previous: string | undefined;
    while (pos < text.length) {
      const semicolon = text.indexOf(';', pos);
      const partEnd = semicolon < 0 ? text.length : semicolon;
      let keyEnd = text.indexOf('=', pos);
      // `==` inside a key stands for `=`.
      while (keyEnd >= 0 && keyEnd < partEnd && text[keyEnd + 1] === '=') {
        keyEnd = text.indexOf('=', keyEnd + 2);
      }
      if (keyEnd < 0 || keyEnd > partEnd) {
        if (text.slice(pos, partEnd).trim() !== '') {
          fail(
            `${previous === undefined ? 'the first part' : `the part after ${previous}=`} is not key=value (quote a value that contains ;)`,
          );
        }
        pos = partEnd + 1;
        continue;
      }
      const key = text.slice(pos, keyEnd).replaceAll('==', '=').trim();
      if (key === '') fail('a value without a key');
      const read = readValue(text, keyEnd + 1);
      if (read === undefined)
        fail(`the quoted value of ${key} is not closed, or text follows its closing quote`);
      else {
        entries.set(normalizeKey(key), { key, value: read.value });
        if (isSecretKey(key)) secretSpans.push([read.start, read.end]);
        pos = read.next;
      }
      previous = key;
    }
    return new OledbConnectionString(text, entries, secretSpans);
  }

  /** The value of the first of these keys that is given (case and spacing ignored). */
  get(...keys: string[]): string | undefined {
    for (const key of keys) {
      const entry = this.#entries.get(normalizeKey(key));
      if (entry !== undefined) return entry.value;
    }
    return undefined;
  }

  has(...keys: string[]): boolean {
    return this.get(...keys) !== undefined;
  }

  /** Every pair in order, keys as written. */
  entries(): ConnectionStringEntry[] {
    return [...this.#entries.values()];
  }

  /** The values of password-like keys, to keep out of messages. */
  secrets(): string[] {
    return this.entries()
      .filter((entry) => isSecretKey(entry.key) && entry.value !== '')
      .map((entry) => entry.value);
  }

  /** The text as given, each secret value (with its quotes) replaced by the mask. */
  redacted(): string {
    let text = this.#text;
    for (const [start, end] of [...this.#secretSpans].reverse()) {
      text = `${text.slice(0, start)}${SECRET_MASK}${text.slice(end)}`;
    }
    return text;
  }
}

function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.replaceAll(' ', ''));
}

export function normalizeKey(key: string): string {
  return key.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** The value from `from` on: its text, where it is written (`start`…`end`) and where the next pair starts. */
function readValue(
  text: string,
  from: number,
): { value: string; start: number; end: number; next: number } | undefined {
  let pos = from;
  while (text[pos] === ' ' || text[pos] === '\t') pos++;
  const start = pos;
  const open = text[pos];
  const close = open === '{' ? '}' : open === '"' || open === "'" ? open : undefined;
  if (close === undefined) {
    const semicolon = text.indexOf(';', pos);
    const end = semicolon < 0 ? text.length : semicolon;
    const value = text.slice(pos, end).trim();
    return { value, start, end: start + value.length, next: end + 1 };
  }
  let value = '';
  let rest = pos + 1;
  for (;;) {
    const at = text.indexOf(close, rest);
    if (at < 0) return undefined;
    value += text.slice(rest, at);
    if (text[at + 1] === close) {
      value += close;
      rest = at + 2;
      continue;
    }
    pos = at + 1;
    break;
  }
  const end = pos;
  // Only blanks may follow the closing quote before the next `;`.
  while (text[pos] === ' ' || text[pos] === '\t') pos++;
  if (pos < text.length && text[pos] !== ';') return undefined;
  return { value, start, end, next: pos + 1 };
}

/**
 * Writes pairs as an ODBC connection string: a value is braced when it needs it (`;`, braces,
 * `=`, edge blanks) and `Driver` always, as unixODBC expects.
 */
export function formatOdbcConnectionString(entries: readonly ConnectionStringEntry[]): string {
  return entries
    .map(({ key, value }) => {
      const braced =
        /^driver$/i.test(key) || /[;{}=]|^\s|\s$/.test(value)
          ? `{${value.replaceAll('}', '}}')}}`
          : value;
      return `${key}=${braced};`;
    })
    .join('');
}

/**
 * The connection string with every secret masked, whatever its quoting; when it cannot be
 * parsed, what {@link redactConnectionString} finds.
 */
export function redactOledbConnectionString(connectionString: string): string {
  let parsed: OledbConnectionString;
  try {
    parsed = OledbConnectionString.parse(connectionString);
  } catch {
    return redactConnectionString(connectionString);
  }
  return redactConnectionString(parsed.redacted());
}

/**
 * Masks the secrets of a connection string in a message (a driver may echo them). Secrets
 * under four characters are left: masking every "p" would garble the message.
 */
export function scrubSecrets(message: string, secrets: readonly string[]): string {
  let scrubbed = message;
  for (const secret of secrets) {
    if (secret.length >= 4) scrubbed = scrubbed.replaceAll(secret, SECRET_MASK);
  }
  return scrubbed;
}
