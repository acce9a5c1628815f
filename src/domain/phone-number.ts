/**
 * Phone number normalisation for a site (country, area code, PBX prefixes):
 * turns numbers in any written form into canonical keys (`+E164` or
 * `ext:<digits>`), derives search digits and display forms. Pure, no I/O.
 *
 * @module
 */
import type { CleanedInput, Reading, SiteRules } from './phone-number-rules.js';
import {
  callingCodeLength,
  canSplitExtension,
  cleanInput,
  compileRules,
  formatInternational,
  isPlausible,
  readDigits,
} from './phone-number-rules.js';

/** Where the phone book lives and how its PBX dials. */
export interface LocationSettings {
  /** Country calling code, digits without `+`, e.g. `'49'`. */
  countryCode: string;
  /** Area code without national prefix, e.g. `'89'`; may be `''`. */
  areaCode: string;
  /** Prefix for international calls, e.g. `'00'`. */
  internationalPrefix: string;
  /** Prefix for national calls (trunk prefix), e.g. `'0'`; may be `''`. */
  nationalPrefix: string;
  /** What the PBX puts in front of external numbers, e.g. `'0'`; may be `''`. */
  outsideLinePrefix: string;
  /** The company's base number for direct-dial extensions in any written form, or `''`. */
  pbxBaseNumber: string;
  /** Digit strings without prefix of at most this length are internal extensions (1..8). */
  internalNumberMaxLength: number;
}

/** Defaults: Germany, no area code, no outside-line prefix, 4-digit extensions. */
export const DEFAULT_LOCATION: LocationSettings = Object.freeze({
  countryCode: '49',
  areaCode: '',
  internationalPrefix: '00',
  nationalPrefix: '0',
  outsideLinePrefix: '',
  pbxBaseNumber: '',
  internalNumberMaxLength: 4,
});

/** A normalised phone number: external (E.164) or an internal extension. */
export type NormalizedNumber =
  | { kind: 'external'; canonical: string; base?: string; extension?: string; plausible: boolean }
  | { kind: 'internal'; canonical: string; extension: string };

/** Normaliser bound to one location; create it with {@link createNumberNormalizer}. */
export interface NumberNormalizer {
  readonly location: Readonly<LocationSettings>;
  /** null when the input holds no usable number (junk, empty, letters only, too many digits > 17). */
  normalize(raw: string): NormalizedNumber | null;
  /** When `canonical` (external, E.164) is the PBX base number followed by 1..internalNumberMaxLength digits, those digits; else undefined. */
  pbxExtension(canonical: string): string | undefined;
  /**
   * Digit strings under which the search index keeps this number: for the site's own
   * country its national form (`0891234567` of `+49 89 1234567`), for another country its
   * E.164 digits and its national significant number (`34600123456`, `600123456`).
   * Internal: just the extension. A typed word is matched through {@link queryDigits}; the
   * national form keeps area-code queries (`089`) on the index's 1–3 character prefixes.
   */
  searchDigits(raw: string): string[];
  /**
   * An incoming number: `number` is {@link normalize}'s answer; `readings` the ways to look
   * it up, best first. With an outside-line prefix in front of a national or international
   * number (`0` + `0151…`, `0` + `0043…`), the number without the prefix, then the number
   * as delivered: plausible external readings only. Otherwise, or when neither is
   * plausible, just `number` (or nothing).
   */
  readIncoming(raw: string): { number: NormalizedNumber | null; readings: NormalizedNumber[] };
  /** Normalises once and gives the search digits too (what storing a number needs). */
  index(raw: string): { number: NormalizedNumber; digits: string[] } | null;
  /**
   * {@link index}'s digits of a number whose canonical form is known already (a stored
   * phone row keyed with this location): the same strings without libphonenumber.
   */
  storedDigits(canonical: string): string[];
  /**
   * The index digits a word of digits typed into a search may be the start of: the word
   * itself (a national form, an extension, another country's number, a written digit
   * group), an international form as national (`0049 89…` → `089…`) or as E.164 digits
   * (`0034 600…` → `34600…`), a form with the site's country code as national (`+49 89` →
   * `089`), and a local number behind the site's area code (`1234567` → `0891234567` in
   * Munich).
   */
  queryDigits(word: string): string[];
  /** A human display form: international format from libphonenumber for plausible external numbers, else the canonical form (internal: the extension digits). */
  format(n: NormalizedNumber): string;
}

const DIGITS_ONLY = /^\d*$/;
const MAX_INTERNAL_LENGTH = 8;
const INTERNAL_PREFIX = 'ext:';

/**
 * The key under which an internal extension is stored: `'ext:' + extension`.
 *
 * @param extension - the extension digits
 */
export function internalKey(extension: string): string {
  return `${INTERNAL_PREFIX}${extension}`;
}

/** Checks one digit-string field; `required` demands at least one digit. */
function checkDigits(problems: string[], name: string, value: unknown, required: boolean): void {
  if (typeof value !== 'string' || !DIGITS_ONLY.test(value)) problems.push(`${name}: digits only`);
  else if (required && value === '') problems.push(`${name}: required`);
}

/** Problems with the code fields, i.e. everything except `pbxBaseNumber`. */
function validateCodes(loc: LocationSettings): string[] {
  const problems: string[] = [];
  checkDigits(problems, 'countryCode', loc.countryCode, true);
  if (problems.length === 0 && callingCodeLength(loc.countryCode) !== loc.countryCode.length) {
    problems.push('countryCode: unknown country calling code');
  }
  checkDigits(problems, 'areaCode', loc.areaCode, false);
  checkDigits(problems, 'internationalPrefix', loc.internationalPrefix, true);
  checkDigits(problems, 'nationalPrefix', loc.nationalPrefix, false);
  checkDigits(problems, 'outsideLinePrefix', loc.outsideLinePrefix, false);
  const { areaCode, internationalPrefix, nationalPrefix: np } = loc;
  if (problems.length === 0 && np !== '') {
    if (internationalPrefix === np)
      problems.push('internationalPrefix: must differ from nationalPrefix');
    if (areaCode.startsWith(np)) problems.push('areaCode: without national prefix');
  }
  const max = loc.internalNumberMaxLength;
  if (!Number.isInteger(max) || max < 1 || max > MAX_INTERNAL_LENGTH) {
    problems.push(`internalNumberMaxLength: integer from 1 to ${MAX_INTERNAL_LENGTH}`);
  }
  return problems;
}

/**
 * Lists the problems of a location, e.g. `"areaCode: digits only"`; `[]` when
 * it is fine. The PBX base number is only checked when the codes are fine.
 *
 * @param loc - the settings to check
 */
export function validateLocation(loc: LocationSettings): string[] {
  const problems = validateCodes(loc);
  if (typeof loc.pbxBaseNumber !== 'string') {
    problems.push('pbxBaseNumber: must be a string');
  } else if (problems.length === 0 && loc.pbxBaseNumber.trim() !== '') {
    if (pbxBaseOf(loc) === undefined) problems.push('pbxBaseNumber: not an external phone number');
  }
  return problems;
}

/**
 * Turns one reading into a normalised number. Trailing dash digits become an
 * extension unless the whole number is valid while the part in front is not
 * (then the dash was only grouping, as in `+1 212 555-0100`).
 */
function toNormalized(reading: Reading | null, extensionLength: number): NormalizedNumber | null {
  if (reading === null) return null;
  if (reading.kind === 'internal') {
    return {
      kind: 'internal',
      canonical: internalKey(reading.extension),
      extension: reading.extension,
    };
  }
  const canonical = `+${reading.digits}`;
  const nsnLength = reading.nsnLength;
  if (!canSplitExtension(nsnLength, extensionLength)) {
    // Validity is the costly part of normalising; storing a number never needs it, so it
    // is worked out on first read only.
    let plausible: boolean | undefined;
    return {
      kind: 'external',
      canonical,
      get plausible(): boolean {
        plausible ??= isPlausible(canonical, nsnLength);
        return plausible;
      },
    };
  }
  const base = canonical.slice(0, -extensionLength);
  // A plausible base makes the number base + extension whatever the whole number is, so
  // the whole one (a new number each time: the dear, uncached check) is checked only when
  // the base is not plausible. (Bases repeat: a company's, memoised.)
  const basePlausible = isPlausible(base, reading.nsnLength - extensionLength);
  if (!basePlausible && isPlausible(canonical, reading.nsnLength)) {
    return { kind: 'external', canonical, plausible: true };
  }
  const extension = canonical.slice(-extensionLength);
  return { kind: 'external', canonical, base, extension, plausible: basePlausible };
}

function isPlausibleExternal(n: NormalizedNumber | null): boolean {
  return n !== null && n.kind === 'external' && n.plausible;
}

/**
 * Normalises a cleaned input. With an outside-line prefix both readings
 * (prefix kept / stripped) are tried; the unstripped one wins unless only
 * the stripped one is plausible.
 */
function normalizeCleaned(input: CleanedInput, rules: SiteRules): NormalizedNumber | null {
  const { digits, plus, extensionLength } = input;
  const kept = toNormalized(readDigits(digits, plus, rules), extensionLength);
  const olp = rules.outsideLinePrefix;
  if (olp === '' || plus || !digits.startsWith(olp) || digits.length === olp.length) return kept;
  if (isPlausibleExternal(kept)) return kept;
  const stripped = toNormalized(
    readDigits(digits.slice(olp.length), false, rules),
    extensionLength,
  );
  return isPlausibleExternal(stripped) || kept === null ? stripped : kept;
}

/** See {@link NumberNormalizer.readIncoming}. */
function readIncomingOf(
  raw: string,
  rules: SiteRules,
): { number: NormalizedNumber | null; readings: NormalizedNumber[] } {
  const input = cleanInput(raw, rules);
  const number = input === null ? null : normalizeCleaned(input, rules);
  const only = { number, readings: number === null ? [] : [number] };
  if (input === null) return only;
  const { digits, plus, extensionLength } = input;
  const olp = rules.outsideLinePrefix;
  const rest = digits.slice(olp.length);
  const prefixed = (prefix: string): boolean => prefix !== '' && rest.startsWith(prefix);
  // Only a complete number behind the prefix: a local number would be a guess at the area.
  const complete = prefixed(rules.internationalPrefix) || prefixed(rules.nationalPrefix);
  if (olp === '' || plus || !digits.startsWith(olp) || !complete) return only;
  const readings = [
    toNormalized(readDigits(rest, false, rules), extensionLength),
    toNormalized(readDigits(digits, false, rules), extensionLength),
  ].filter((n): n is NormalizedNumber => isPlausibleExternal(n));
  const unique = readings.filter(
    (n, i) => readings.findIndex((m) => m.canonical === n.canonical) === i,
  );
  return unique.length > 0 ? { number, readings: unique } : only;
}

/** Compiles the rules of a location whose code fields passed {@link validateCodes}. */
function rulesOf(loc: LocationSettings): SiteRules {
  return compileRules({
    countryCode: loc.countryCode,
    areaCode: loc.areaCode,
    internationalPrefix: loc.internationalPrefix,
    nationalPrefix: loc.nationalPrefix,
    outsideLinePrefix: loc.outsideLinePrefix,
    internalNumberMaxLength: loc.internalNumberMaxLength,
  });
}

/** The canonical PBX base number of a location (the part before a dash, if written with one). */
function pbxBaseOf(loc: LocationSettings): string | undefined {
  const rules = rulesOf(loc);
  const input = cleanInput(loc.pbxBaseNumber, rules);
  const n = input === null ? null : normalizeCleaned(input, rules);
  return n?.kind === 'external' ? (n.base ?? n.canonical) : undefined;
}

/** Display form of an external number; a plausible number with a base always has a plausible base. */
function formatExternal(n: Extract<NormalizedNumber, { kind: 'external' }>): string {
  if (!n.plausible) return n.canonical;
  if (n.base !== undefined && n.extension !== undefined) {
    const base = formatInternational(n.base);
    if (base !== undefined) return `${base}-${n.extension}`;
  }
  return formatInternational(n.canonical) ?? n.canonical;
}

/** The 1..`maxLength` digits following `base` in `canonical`, else undefined. */
function extensionAfter(
  canonical: string,
  base: string | undefined,
  maxLength: number,
): string | undefined {
  if (base === undefined || typeof canonical !== 'string' || !canonical.startsWith(base)) {
    return undefined;
  }
  const rest = canonical.slice(base.length);
  return rest.length >= 1 && rest.length <= maxLength && /^\d+$/.test(rest) ? rest : undefined;
}

/** Search digit strings of a raw input; see {@link NumberNormalizer.searchDigits}. */
function searchDigitsOf(raw: string, rules: SiteRules): string[] {
  return indexOf(raw, rules)?.digits ?? [];
}

function indexOf(
  raw: string,
  rules: SiteRules,
): { number: NormalizedNumber; digits: string[] } | null {
  const input = cleanInput(raw, rules);
  const n = input === null ? null : normalizeCleaned(input, rules);
  if (input === null || n === null) return null;
  return { number: n, digits: digitsOf(n, rules) };
}

/** {@link digitsOf} for a stored number: its canonical form stands for the normalised one. */
function storedDigitsOf(canonical: string, rules: SiteRules): string[] {
  return digitsOf(
    canonical.startsWith(INTERNAL_PREFIX)
      ? { kind: 'internal', canonical, extension: canonical.slice(INTERNAL_PREFIX.length) }
      : { kind: 'external', canonical, plausible: true },
    rules,
  );
}

function digitsOf(n: NormalizedNumber, rules: SiteRules): string[] {
  if (n.kind === 'internal') return [n.extension];
  const digits = n.canonical.slice(1);
  const national = ownNational(digits, rules);
  if (national !== undefined) return [rules.nationalPrefix + national];
  const ccLength = callingCodeLength(digits);
  return ccLength > 0 && digits.length > ccLength ? [digits, digits.slice(ccLength)] : [digits];
}

/** The national significant digits of E.164 digits of the site's own country, else undefined. */
function ownNational(digits: string, rules: SiteRules): string | undefined {
  const { countryCode } = rules;
  return digits.startsWith(countryCode) && digits.length > countryCode.length
    ? digits.slice(countryCode.length)
    : undefined;
}

/** See {@link NumberNormalizer.queryDigits}. */
function queryDigitsOf(word: string, rules: SiteRules): string[] {
  const { areaCode, internationalPrefix, nationalPrefix } = rules;
  const out = new Set([word]);
  const national = (significant: string | undefined): void => {
    if (significant) out.add(nationalPrefix + significant);
  };
  if (internationalPrefix !== '' && word.startsWith(internationalPrefix)) {
    const e164 = word.slice(internationalPrefix.length);
    const significant = ownNational(e164, rules);
    if (significant !== undefined) national(significant);
    else if (e164 !== '') out.add(e164);
  } else if ((nationalPrefix === '' || !word.startsWith(nationalPrefix)) && areaCode !== '') {
    national(areaCode + word);
  }
  // Typed with the country code but without a prefix (`+49 89` folds to `4989`).
  national(ownNational(word, rules));
  return [...out];
}

/**
 * Creates a normaliser for a location. Everything derived from the location
 * is computed once here.
 *
 * @param location - the site settings; see {@link validateLocation}
 * @throws RangeError when a code field is invalid (see {@link validateLocation});
 *   an unusable `pbxBaseNumber` is not an error here, it just disables {@link NumberNormalizer.pbxExtension}
 */
export function createNumberNormalizer(location: LocationSettings): NumberNormalizer {
  const problems = validateCodes(location);
  if (problems.length > 0) throw new RangeError(`invalid location: ${problems.join('; ')}`);
  const rules = rulesOf(location);
  const pbxBase = typeof location.pbxBaseNumber === 'string' ? pbxBaseOf(location) : undefined;
  const normalize = (raw: string): NormalizedNumber | null => {
    const input = cleanInput(raw, rules);
    return input === null ? null : normalizeCleaned(input, rules);
  };
  return {
    location: Object.freeze({ ...location }),
    normalize,
    pbxExtension: (canonical: string) =>
      extensionAfter(canonical, pbxBase, rules.internalNumberMaxLength),
    searchDigits: (raw: string) => searchDigitsOf(raw, rules),
    index: (raw: string) => indexOf(raw, rules),
    storedDigits: (canonical: string) => storedDigitsOf(canonical, rules),
    queryDigits: (word: string) => queryDigitsOf(word, rules),
    readIncoming: (raw: string) => readIncomingOf(raw, rules),
    format(n: NormalizedNumber): string {
      return n.kind === 'internal' ? n.extension : formatExternal(n);
    },
  };
}
