import { SECRET_MASK, redactConnectionString } from '../source-kind.js';

/** Keys whose values are secrets (as in `redactConnectionString`). */
const SECRET_KEY = /\b(?:pwd|password|pass|passwd|secret|key|token|accesstoken)$/i;

/**
 * An ODBC connection string read as `key=value` pairs split by `;`, values bare or braced
 * (`{…}`, `}}` inside). Keys are case-insensitive; the last one of a key counts.
 */
export class OdbcConnectionString {
  readonly text: string;
  readonly #values = new Map<string, string>();

  constructor(text: string) {
    this.text = text;
    let pos = 0;
    while (pos < text.length) {
      const equals = text.indexOf('=', pos);
      const semicolon = text.indexOf(';', pos);
      if (equals < 0 || (semicolon >= 0 && semicolon < equals)) {
        if (semicolon < 0) break;
        pos = semicolon + 1;
        continue;
      }
      const key = text.slice(pos, equals).trim().toLowerCase();
      let value: string;
      let next = equals + 1;
      while (text[next] === ' ') next++;
      if (text[next] === '{') {
        // Braced: up to the first `}` that is not doubled.
        let end = next + 1;
        value = '';
        for (;;) {
          const close = text.indexOf('}', end);
          if (close < 0) {
            value += text.slice(end);
            end = text.length;
            break;
          }
          value += text.slice(end, close);
          if (text[close + 1] === '}') {
            value += '}';
            end = close + 2;
            continue;
          }
          end = close + 1;
          break;
        }
        const after = text.indexOf(';', end);
        pos = after < 0 ? text.length : after + 1;
      } else {
        const end = semicolon < 0 ? text.length : semicolon;
        value = text.slice(next, end).trim();
        pos = end + 1;
      }
      this.#values.set(key, value);
    }
  }

  /** The value of a key (any case), unbraced. */
  get(key: string): string | undefined {
    return this.#values.get(key.toLowerCase());
  }

  /** The `Driver=` name, or undefined for a `DSN=` string. */
  get driver(): string | undefined {
    return this.get('driver');
  }

  /** The values of password-like keys, to scrub from any message a driver sends back. */
  get secrets(): string[] {
    return [...this.#values]
      .filter(([key, value]) => SECRET_KEY.test(key) && value)
      .map(([, v]) => v);
  }

  /** The string with `attributes` appended for each key it does not set itself. */
  withDefaults(attributes: Readonly<Record<string, string>>): string {
    const missing = Object.entries(attributes).filter(([key]) => this.get(key) === undefined);
    if (missing.length === 0) return this.text;
    const base = this.text.trimEnd();
    const separator = base === '' || base.endsWith(';') ? '' : ';';
    return `${base}${separator}${missing.map(([key, value]) => `${key}=${value};`).join('')}`;
  }

  /**
   * `message` safe to show: `Pwd=`-style values masked and every secret of this connection
   * string replaced, wherever a driver may have echoed it.
   */
  scrub(message: string): string {
    let safe = redactConnectionString(message);
    for (const secret of this.secrets) safe = safe.split(secret).join(SECRET_MASK);
    return safe;
  }
}
