import { describe, expect, it } from 'vitest';
import { foldText, foldedWords, indexSpellings, nameKey } from './search-text.js';

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
});
