import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

/** The encodings ctibook reads and writes CSV files in. */
export type CsvEncoding = 'utf8' | 'utf8-bom' | 'windows-1252';

/** How a CSV file is written, so a rewrite keeps it as its author made it. */
export interface CsvFormat {
  encoding: CsvEncoding;
  delimiter: string;
  lineEnding: '\r\n' | '\n';
  /** Every field was quoted in the file's first data line. */
  quoteAll: boolean;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const SAMPLE = 64 * 1024;
const DELIMITERS = [';', ',', '\t', '|'] as const;

/** BOM first, else valid UTF-8 in the first 64 KB (a split character at the end forgiven), else Windows-1252. */
export function detectEncoding(bytes: Buffer): CsvEncoding {
  if (bytes.subarray(0, 3).equals(UTF8_BOM)) return 'utf8-bom';
  let sample = bytes.subarray(0, SAMPLE);
  if (bytes.length > SAMPLE) {
    // Drop a multi-byte character cut by the sample's end.
    let end = sample.length;
    while (end > sample.length - 4 && end > 0 && ((sample[end - 1] ?? 0) & 0xc0) === 0x80) end--;
    if (end > 0 && ((sample[end - 1] ?? 0) & 0xc0) === 0xc0) end--;
    sample = sample.subarray(0, end);
  }
  return isUtf8(sample) ? 'utf8' : 'windows-1252';
}

export function decode(bytes: Buffer, encoding: CsvEncoding): string {
  if (encoding === 'utf8-bom') return bytes.subarray(3).toString('utf8');
  if (encoding === 'utf8') return bytes.toString('utf8');
  return iconv.decode(bytes, 'win1252');
}

export function encode(text: string, encoding: CsvEncoding): Buffer {
  if (encoding === 'utf8-bom') return Buffer.concat([UTF8_BOM, Buffer.from(text, 'utf8')]);
  if (encoding === 'utf8') return Buffer.from(text, 'utf8');
  return iconv.encode(text, 'win1252');
}

/** The delimiter that splits the header line into the most fields, outside quotes. */
export function detectDelimiter(headerLine: string): string {
  let best: string = ',';
  let bestCount = 0;
  for (const delimiter of DELIMITERS) {
    const count = countOutsideQuotes(headerLine, delimiter);
    if (count > bestCount) {
      best = delimiter;
      bestCount = count;
    }
  }
  return best;
}

function countOutsideQuotes(line: string, delimiter: string): number {
  let count = 0;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === delimiter && !quoted) count++;
  }
  return count;
}

/** The first line of a text (without its line ending). */
export function firstLine(text: string): string {
  const end = text.search(/\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}

/** Writes one record as a CSV line in the file's style. */
export function formatRecord(fields: readonly string[], format: CsvFormat): string {
  return fields
    .map((field) => {
      const needsQuotes =
        format.quoteAll ||
        field.includes(format.delimiter) ||
        field.includes('"') ||
        field.includes('\n') ||
        field.includes('\r') ||
        field.trim() !== field;
      return needsQuotes ? `"${field.replaceAll('"', '""')}"` : field;
    })
    .join(format.delimiter);
}
