import { describe, expect, it } from 'vitest';
import type { CsvFault, CsvRecord } from './csv-parser.js';
import { isFault, parseCsv } from './csv-parser.js';

function parse(text: string, delimiter = ';'): (CsvRecord | CsvFault)[] {
  return [...parseCsv(text, delimiter)];
}

describe('parseCsv', () => {
  it('reads plain, quoted and multi-line fields with their line numbers', () => {
    const items = parse('a;b;c\r\n1;"x;y";"say ""hi"""\n2;"two\nlines";z\n\n3;;\n');
    expect(
      items.filter((i) => !isFault(i)).map((i) => [(i as CsvRecord).line, (i as CsvRecord).fields]),
    ).toEqual([
      [1, ['a', 'b', 'c']],
      [2, ['1', 'x;y', 'say "hi"']],
      [3, ['2', 'two\nlines', 'z']],
      [6, ['3', '', '']],
    ]);
  });

  it('reports an unbalanced quote with its line and resumes on the next line', () => {
    const items = parse('a,b\n1,"open\n2,b\n3,"x"y\n4,d', ',');
    const summary = items.map((i) =>
      isFault(i) ? `${i.line}: ${i.reason}` : `${i.line}: ${i.fields.join('|')}`,
    );
    expect(summary).toEqual([
      '1: a|b',
      '2: unbalanced quote: text after a closing quote',
      '3: 2|b',
      '4: unbalanced quote: text after a closing quote',
      '5: 4|d',
    ]);
    expect(
      parse('a\n"never closed\nb\n').map((i) => (isFault(i) ? i.reason : i.fields[0])),
    ).toEqual(['a', 'unbalanced quote: a quoted field is never closed', 'b']);
  });

  it('keeps the raw text span of each record', () => {
    const text = 'x\t"y"\n';
    const [record] = parse(text, '\t') as CsvRecord[];
    expect(text.slice(record?.start, record?.end)).toBe('x\t"y"');
  });
});
