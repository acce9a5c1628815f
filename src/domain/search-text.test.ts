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
