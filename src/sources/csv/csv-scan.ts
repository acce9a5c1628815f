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
  /** Where the next quote and CR are (or the length): most lines have neither. */
  #nextQuote = -1;
  #nextCr = -1;
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
      if (this.#plainLine(start)) {
        if (this.end === start) continue; // blank line
        this.fault = undefined;
        this.start = start;
        this.line = startLine;
        this.#hash(start, this.end);
        return true;
      }
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

  /**
   * A line without quotes and without a bare CR is one record: found with two native
   * searches instead of a loop over its bytes. Sets `end` and moves past the line.
   */
  #plainLine(start: number): boolean {
    const bytes = this.#bytes;
    const length = bytes.length;
    const lf = bytes.indexOf(LF, start);
    const lineEnd = lf < 0 ? length : lf;
    if (this.#nextQuote < start) this.#nextQuote = indexOrLength(bytes, QUOTE, start);
    if (this.#nextQuote < lineEnd) return false;
    if (this.#nextCr < start) this.#nextCr = indexOrLength(bytes, CR, start);
    if (this.#nextCr < lineEnd - 1) return false;
    this.end = lineEnd > start && bytes[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    this.#pos = lf < 0 ? length : lf + 1;
    this.#line++;
    return true;
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

  /** Two 32-bit hashes (MurmurHash3's and xxHash32's rounds, 4 bytes a step): 64 bits. */
  #hash(start: number, end: number): void {
    const bytes = this.#bytes;
    let h1 = 0x9747b28c;
    let h2 = 0x165667b1;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const word =
        (bytes[i] as number) |
        ((bytes[i + 1] as number) << 8) |
        ((bytes[i + 2] as number) << 16) |
        ((bytes[i + 3] as number) << 24);
      h1 ^= Math.imul(rotl(Math.imul(word, 0xcc9e2d51), 15), 0x1b873593);
      h1 = (Math.imul(rotl(h1, 13), 5) + 0xe6546b64) | 0;
      h2 = Math.imul(rotl((h2 + Math.imul(word, 0x85ebca77)) | 0, 13), 0x9e3779b1);
    }
    let tail = 0;
    for (let shift = 0; i < end; i++, shift += 8) tail |= (bytes[i] as number) << shift;
    h1 ^= Math.imul(rotl(Math.imul(tail, 0xcc9e2d51), 15), 0x1b873593);
    h2 = Math.imul(rotl((h2 + Math.imul(tail, 0x85ebca77)) | 0, 13), 0x9e3779b1);
    this.h1 = mix(h1 ^ (end - start));
    this.h2 = mix(h2 ^ (end - start));
  }
}

function indexOrLength(bytes: Buffer, byte: number, from: number): number {
  const at = bytes.indexOf(byte, from);
  return at < 0 ? bytes.length : at;
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** MurmurHash3's finaliser: every input bit reaches every output bit. */
function mix(h: number): number {
  let x = h;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}
