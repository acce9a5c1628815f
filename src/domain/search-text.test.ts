import { describe, expect, it } from 'vitest';
import {
  foldText,
  foldedWords,
  indexSpellings,
  nameKey,
  nameKeyPrefixes,
  prefixUpperBound,
} from './search-text.js';

describe('search text folding', () => {
  it('folds umlauts to digraphs and removes accents', () => {
    expect(foldText('Müller')).toBe('mueller');
    expect(foldText('Straße')).toBe('strasse');
    expect(foldText('José Ærø Zoë')).toBe('jose aerø zoe');
    expect(foldedWords('Dr. Jürgen Groß-Weiß')).toEqual(['dr', 'juergen', 'gross', 'weiss']);
  });

  it('indexes every spelling so each query spelling finds each name spelling', () => {
    const mueller = indexSpellings('Müller');
    for (const query of ['müller', 'muller', 'mueller']) {
      const folded = foldText(query);
      expect(mueller.some((s) => s.startsWith(folded))).toBe(true);
    }
    expect(indexSpellings('Mueller')).toContain('muller');
    expect(indexSpellings('Straße')).toContain('strasse');
  });

  it('makes name keys without punctuation', () => {
    expect(nameKey('  Öztürk, Ayşe ')).toBe('oeztuerk ayse');
  });

  it('reads a number written in groups as one word of digits', () => {
    expect(foldedWords('089 / 123 45-67')).toEqual(['0891234567']);
    expect(foldedWords('+49 (0)89 1234567')).toEqual(['49891234567']);
    expect(foldedWords('(089) 1234')).toEqual(['0891234']);
    expect(foldedWords('Müller 089 12')).toEqual(['mueller', '08912']);
    expect(foldedWords('a1 b2')).toEqual(['a1', 'b2']);
  });

  it('guesses umlaut digraphs for name-key prefixes', () => {
    expect(nameKeyPrefixes('muller')).toEqual(['muller', 'mueller']);
    expect(nameKeyPrefixes('mueller')).toEqual(['mueller']);
    expect(nameKeyPrefixes('mu')).toEqual(['mu']);
    expect(nameKeyPrefixes('m')).toEqual(['m']);
    expect(nameKeyPrefixes('')).toEqual(['']);
    expect(nameKeyPrefixes('hausaufgabe')).toHaveLength(8);
  });

  it('bounds a prefix above every longer key', () => {
    const hi = prefixUpperBound('ab');
    for (const key of ['ab', 'abz', 'ab\uffff', 'ab\u{1d400}']) {
      expect(Buffer.compare(Buffer.from(key), Buffer.from(hi))).toBeLessThan(0);
    }
    expect(Buffer.compare(Buffer.from('ac'), Buffer.from(hi))).toBeGreaterThan(0);
  });
});

describe('search text folding of ASCII words (fast path)', () => {
  /** The folding without the ASCII shortcut, as it was before it. */
  const fullFold = (word: string): string =>
    word
      .normalize('NFD')
      .replace(/\p{M}+/gu, '')
      .normalize('NFC');
  const reference = (text: string): string[] => {
    const spellings = new Set<string>();
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      const digraph = fullFold(word.replace(/[äöüßæœ]/g, (ch) => DIGRAPHS[ch] ?? ch));
      spellings.add(digraph);
      spellings.add(fullFold(word.replace(/[äöüßæœ]/g, (ch) => BASES[ch] ?? ch)));
      if (/[aou]e/.test(digraph)) spellings.add(digraph.replace(/([aou])e/g, '$1'));
    }
    return [...spellings];
  };
  const DIGRAPHS: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue', ß: 'ss', æ: 'ae', œ: 'oe' };
  const BASES: Record<string, string> = { ä: 'a', ö: 'o', ü: 'u', ß: 'ss', æ: 'ae', œ: 'oe' };

  it('indexes and folds exactly as the full folding does', () => {
    const texts = [
      'Schmitz & Frank GmbH & Co. KG',
      'Mueller Hoeness Goethe Str. 30 80992 info@schmitz.de',
      'Müller Öztürk Ayşe José Zoë Ærø Straße Crème brûlée',
      'Mixed Müller Mueller mueller MÜLLER 089 20000-100 +49 (0)89',
      'ǅemal Ǆ ﬁne ½ ² Ⅻ ㎏ é e\u0301',
      'Tab\tand\r\nnew line, Grüße',
      'snake_case under_score 4u2 a-b.c/d@e~f{g}',
      '',
    ];
    for (const text of texts) {
      expect(indexSpellings(text)).toEqual(reference(text));
      const folded = fullFold(text.toLowerCase().replace(/[äöüßæœ]/g, (ch) => DIGRAPHS[ch] ?? ch));
      expect(foldText(text)).toBe(folded);
    }
  });
});
