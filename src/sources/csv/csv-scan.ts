import type { CsvFault } from './csv-parser.js';

const QUOTE = 34;
const CR = 13;
const LF = 10;

/**
 * Finds the records of a CSV file in its raw bytes, without decoding them, and hashes each
 * record's bytes: what lets a changed-only sync skip the records it has seen before. The
 * boundaries, line numbers and faults are exactly those of `parseCsv` on the decoded text
 * (same rules, ported to bytes: the delimiter, quote and line ends are ASCII, and neither
 * UTF-8 nor Windows-1252 uses those bytes inside another character). One scanner walks
 * the file once; `next()` moves to the next record or fault, reusing its fields (a million
 * records allocate nothing).
 */
export class RecordScanner {
  readonly #bytes: Buffer;
  readonly #sep: number;
  #pos: number;
  #line = 1;
  /** The current record's byte range (without its line ending) and 1-based first line. */
  start = 0;
  end = 0;
  line = 0;
  /** Two independent 32-bit hashes of the record's bytes. */
  h1 = 0;
  h2 = 0;
  /** Set when the current item is a fault instead of a record. */
  fault: CsvFault | undefined;

  /** `from`: where the text starts (after a byte-order mark). */
  constructor(bytes: Buffer, from: number, delimiter: string) {
    this.#bytes = bytes;
    this.#pos = from;
    this.#sep = delimiter.charCodeAt(0);
  }

  /** Moves to the next record or fault; false at the end of the file. */
  next(): boolean {
    const bytes = this.#bytes;
    const length = bytes.length;
    while (this.#pos < length) {
      const start = this.#pos;
      const startLine = this.#line;
      const reason = this.#record();
      if (reason !== undefined) {
        // As parseCsv: resume on the line after the one the bad record started on.
        const nl = bytes.indexOf(LF, start);
        this.#pos = nl < 0 ? length : nl + 1;
        this.#line = startLine + 1;
        this.fault = { line: startLine, reason };
        return true;
      }
      const end = this.#pos;
      if (bytes[this.#pos] === CR) this.#pos++;
      if (bytes[this.#pos] === LF) this.#pos++;
      this.#line++;
      if (end === start) continue; // blank line
      this.fault = undefined;
      this.start = start;
      this.end = end;
      this.line = startLine;
      this.#hash(start, end);
      return true;
    }
    return false;
  }

  /** Walks one record's fields up to its line end; returns a fault's reason. */
  #record(): string | undefined {
    const bytes = this.#bytes;
    const length = bytes.length;
    const sep = this.#sep;
    let pos = this.#pos;
    for (;;) {
      if (bytes[pos] === QUOTE) {
        let from = pos + 1;
        for (;;) {
          const close = bytes.indexOf(QUOTE, from);
          if (close < 0) return 'unbalanced quote: a quoted field is never closed';
          for (let i = bytes.indexOf(LF, from); i >= 0 && i < close; i = bytes.indexOf(LF, i + 1))
            this.#line++;
          if (bytes[close + 1] === QUOTE) {
            from = close + 2;
            continue;
          }
          pos = close + 1;
          break;
        }
        const next = bytes[pos];
        if (pos < length && next !== sep && next !== CR && next !== LF) {
          return 'unbalanced quote: text after a closing quote';
        }
      } else {
        while (pos < length) {
          const c = bytes[pos];
          if (c === sep || c === CR || c === LF) break;
          pos++;
        }
      }
      if (pos >= length || bytes[pos] !== sep) break;
      pos++;
      if (pos >= length) break;
    }
    this.#pos = pos;
    return undefined;
  }

  #hash(start: number, end: number): void {
    const bytes = this.#bytes;
    // FNV-1a and a multiply-xorshift hash with other constants: 64 bits together.
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c ^ (end - start);
    for (let i = start; i < end; i++) {
      const c = bytes[i] as number;
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 + c, 0x2c1b3c6d);
      h2 ^= h2 >>> 15;
    }
    this.h1 = h1 >>> 0;
    this.h2 = (Math.imul(h2 ^ (h2 >>> 13), 0x5bd1e995) ^ h1) >>> 0;
  }
}
