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

/** Printable ASCII only: no umlauts, no marks, nothing to normalise. */
const PLAIN = /^[ -~]*$/;
/** {@link WORD} in lower-case plain text. */
const PLAIN_WORD = /[a-z0-9]+/g;
/** A written umlaut digraph (`ae`, `oe`, `ue`), indexed as its base letter too. */
const DIGRAPH = /[aou]e/;
const DIGRAPHS = /([aou])e/g;

function stripMarks(text: string): string {
  if (PLAIN.test(text)) return text; // most words; NFD is the dear part of indexing
  return text.normalize('NFD').replace(COMBINING_MARKS, '').normalize('NFC');
}

/** Lower-case, umlauts to `ae oe ue ss`, other accents removed: the form queries use. */
export function foldText(text: string): string {
  if (PLAIN.test(text)) return text.toLowerCase();
  return stripMarks(text.toLowerCase().replace(UMLAUTS, (ch) => UMLAUT_DIGRAPHS[ch] ?? ch));
}

/** `(0)` after digits, as in `+49 (0)89`: the trunk zero, which is not dialled. */
const TRUNK_ZERO = /(\d)\s*\(\s*0\s*\)/g;
/** Digit groups joined by the separators phone numbers are written with. */
const DIGIT_GROUPS = /\d(?:[\s./()-]*\d)+/g;
const NOT_DIGITS = /\D/g;

/**
 * The words of a search query, folded as {@link foldText} does. A phone number written in
 * groups (`089 / 123 45-67`, `+49 (0)89 1234567`) is one word of its digits, so it matches
 * the digits of a stored number however either was written.
 */
export function foldedWords(text: string): string[] {
  const joined = text
    .replace(TRUNK_ZERO, '$1 ')
    .replace(DIGIT_GROUPS, (group) => group.replace(NOT_DIGITS, ''));
  return foldText(joined).match(WORD) ?? [];
}

/** Most a/o/u letters of a query word that are also tried as umlaut digraphs. */
const MAX_UMLAUT_GUESSES = 3;

/**
 * The name-key prefixes a folded query word stands for: the word itself and each spelling
 * with an `e` after an a, o or u that is not followed by one already, so that `muller`
 * finds the key `mueller` of Müller just as the search index does. A vowel at the end of
 * the word needs no guess: the shorter prefix covers it. At most eight prefixes.
 *
 * @param word - one word from {@link foldedWords}
 */
export function nameKeyPrefixes(word: string): string[] {
  let prefixes = [''];
  let guesses = 0;
  for (let i = 0; i < word.length; i++) {
    const ch = word.charAt(i);
    const next = word.charAt(i + 1);
    const guess = 'aou'.includes(ch) && next !== '' && next !== 'e';
    if (guess && guesses < MAX_UMLAUT_GUESSES) {
      guesses++;
      prefixes = prefixes.flatMap((p) => [p + ch, `${p}${ch}e`]);
    } else {
      prefixes = prefixes.map((p) => p + ch);
    }
  }
  return prefixes;
}

/**
 * Every spelling under which a word is indexed: umlaut as digraph (`mueller`), umlaut as
 * base letter (`muller`), and a written digraph read back as base letter (`Mueller` also as
 * `muller`), so each spelling of a query finds each spelling of a name.
 */
export function indexSpellings(text: string): string[] {
  const lower = text.toLowerCase();
  // Plain text (most): its words are [a-z0-9]+ and need no folding.
  const plain = PLAIN.test(lower);
  const spellings = new Set<string>();
  for (const word of lower.match(plain ? PLAIN_WORD : WORD) ?? []) {
    if (plain || PLAIN.test(word)) {
      // Both umlaut spellings are the word itself.
      spellings.add(word);
      if (DIGRAPH.test(word)) spellings.add(word.replace(DIGRAPHS, '$1'));
      continue;
    }
    const digraph = stripMarks(word.replace(UMLAUTS, (ch) => UMLAUT_DIGRAPHS[ch] ?? ch));
    spellings.add(digraph);
    spellings.add(stripMarks(word.replace(UMLAUTS, (ch) => UMLAUT_BASES[ch] ?? ch)));
    if (DIGRAPH.test(digraph)) spellings.add(digraph.replace(DIGRAPHS, '$1'));
  }
  return [...spellings];
}

/** The sort and name-start key of a display name. */
export function nameKey(displayName: string): string {
  return foldText(displayName)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The highest code point; in UTF-8 it sorts after every other character. */
const MAX_CHAR = String.fromCodePoint(0x10ffff);

/** A string greater than every string that starts with `prefix` (in SQLite's binary order). */
export function prefixUpperBound(prefix: string): string {
  return prefix + MAX_CHAR;
}
