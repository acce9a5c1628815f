/** One record of a CSV text. */
export interface CsvRecord {
  fields: string[];
  /** 1-based line the record starts on. */
  line: number;
  /** Offsets of the record's text (without its line ending) in the input. */
  start: number;
  end: number;
}

/** A stretch of the input that is no valid record, and why. */
export interface CsvFault {
  line: number;
  reason: string;
}

const QUOTE = 34;
const CR = 13;
const LF = 10;

/**
 * Parses CSV text (RFC 4180 with the usual liberties) record by record. Unlike a plain
 * parser it recovers from an unbalanced quote: the record is reported as a fault and
 * parsing resumes on the next physical line, so one bad line never swallows the file.
 */
export function* parseCsv(text: string, delimiter: string): Generator<CsvRecord | CsvFault> {
  const sep = delimiter.charCodeAt(0);
  const length = text.length;
  let pos = 0;
  let line = 1;
  while (pos < length) {
    const start = pos;
    const startLine = line;
    const fields: string[] = [];
    let fault: string | undefined;
    for (;;) {
      if (text.charCodeAt(pos) === QUOTE) {
        // Quoted field: up to the closing quote, doubled quotes inside.
        let value = '';
        let from = pos + 1;
        for (;;) {
          const close = text.indexOf('"', from);
          if (close < 0) {
            fault = 'unbalanced quote: a quoted field is never closed';
            break;
          }
          value += text.slice(from, close);
          if (text.charCodeAt(close + 1) === QUOTE) {
            value += '"';
            from = close + 2;
            continue;
          }
          pos = close + 1;
          break;
        }
        if (fault) break;
        const next = text.charCodeAt(pos);
        if (pos < length && next !== sep && next !== CR && next !== LF) {
          fault = 'unbalanced quote: text after a closing quote';
          break;
        }
        for (let i = value.indexOf('\n'); i >= 0; i = value.indexOf('\n', i + 1)) line++;
        fields.push(value);
      } else {
        let end = pos;
        while (end < length) {
          const c = text.charCodeAt(end);
          if (c === sep || c === CR || c === LF) break;
          end++;
        }
        fields.push(text.slice(pos, end));
        pos = end;
      }
      if (pos >= length) break;
      const c = text.charCodeAt(pos);
      if (c === sep) {
        pos++;
        if (pos >= length) {
          fields.push('');
          break;
        }
        continue;
      }
      break; // end of line
    }
    if (fault) {
      // Resume on the line after the one the bad record started on.
      const nl = text.indexOf('\n', start);
      pos = nl < 0 ? length : nl + 1;
      line = startLine + 1;
      yield { line: startLine, reason: fault };
      continue;
    }
    const end = pos;
    if (text.charCodeAt(pos) === CR) pos++;
    if (text.charCodeAt(pos) === LF) pos++;
    line++;
    if (fields.length === 1 && fields[0] === '' && end === start) continue; // blank line
    yield { fields, line: startLine, start, end };
  }
}

export function isFault(item: CsvRecord | CsvFault): item is CsvFault {
  return 'reason' in item;
}
