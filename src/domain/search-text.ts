/**
 * Folding of names and search text, so that `müller`, `muller` and `mueller` find Müller
 * and `strasse` finds Straße. Indexing stores several spellings of each word; a query is
 * folded one way only (umlauts to their two-letter spelling).
 */

const UMLAUT_DIGRAPHS: Record<string, string> = {
  ä: 'ae',
  ö: 'oe',
  ü: 'ue',
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
};
const UMLAUT_BASES: Record<string, string> = { ä: 'a', ö: 'o', ü: 'u', ß: 'ss', æ: 'ae', œ: 'oe' };
const UMLAUTS = /[äöüßæœ]/g;
const COMBINING_MARKS = /\p{M}+/gu;
const WORD = /[\p{L}\p{N}]+/gu;

function stripMarks(text: string): string {
  return text.normalize('NFD').replace(COMBINING_MARKS, '').normalize('NFC');
}

/** Lower-case, umlauts to `ae oe ue ss`, other accents removed: the form queries use. */
export function foldText(text: string): string {
  return stripMarks(text.toLowerCase().replace(UMLAUTS, (ch) => UMLAUT_DIGRAPHS[ch] ?? ch));
}

/** The words of a text, folded as {@link foldText} does. */
export function foldedWords(text: string): string[] {
  return foldText(text).match(WORD) ?? [];
}

/**
 * Every spelling under which a word is indexed: umlaut as digraph (`mueller`), umlaut as
 * base letter (`muller`), and a written digraph read back as base letter (`Mueller` also as
 * `muller`), so each spelling of a query finds each spelling of a name.
 */
export function indexSpellings(text: string): string[] {
  const spellings = new Set<string>();
  for (const word of text.toLowerCase().match(WORD) ?? []) {
    const digraph = stripMarks(word.replace(UMLAUTS, (ch) => UMLAUT_DIGRAPHS[ch] ?? ch));
    spellings.add(digraph);
    spellings.add(stripMarks(word.replace(UMLAUTS, (ch) => UMLAUT_BASES[ch] ?? ch)));
    if (/[aou]e/.test(digraph)) spellings.add(digraph.replace(/([aou])e/g, '$1'));
  }
  return [...spellings];
}

/** The sort and name-start key of a display name. */
export function nameKey(displayName: string): string {
  return foldText(displayName)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The smallest string greater than every string that starts with `prefix`. */
export function prefixUpperBound(prefix: string): string {
  return prefix + '\uffff';
}
