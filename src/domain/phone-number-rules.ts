/**
 * Low-level rules behind the phone number normaliser: input cleaning, the
 * site-specific prefix readings and thin, never-throwing wrappers around
 * libphonenumber-js. Pure functions, no I/O.
 *
 * @module
 */
import {
  getCountries,
  getCountryCallingCode,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/max';

/** Most digits an input may hold (E.164 has at most 15, plus a two-digit international prefix). */
export const MAX_DIGITS = 17;

/** Most digits after the last dash that count as a DIN 5008 direct-dial extension. */
const MAX_DASH_EXTENSION = 5;

/** Fewest digits of a national significant number in front of a dash extension. */
const MIN_BASE_NSN = 4;

/** Fewest digits of a national significant number that can be plausible at all. */
const MIN_PLAUSIBLE_NSN = 5;

/** Longest input (in characters) that is looked at; anything longer is junk. */
const MAX_INPUT_CHARS = 200;

/** Site settings reduced to what the hot path needs, all prefixes as digit strings. */
export interface SiteRules {
  readonly countryCode: string;
  readonly areaCode: string;
  readonly internationalPrefix: string;
  readonly nationalPrefix: string;
  readonly outsideLinePrefix: string;
  readonly internalNumberMaxLength: number;
  /** Matches an international prefix plus country code followed by a `(0)`; group 1 is kept. */
  readonly trunkZero: RegExp;
}

/** The result of cleaning one raw input. */
export interface CleanedInput {
  /** The input started with `+`. */
  readonly plus: boolean;
  /** All digits, joined, without `+`, `(0)` after a country code removed. */
  readonly digits: string;
  /** Number of trailing digits written after the last dash (0 when there is no such extension). */
  readonly extensionLength: number;
}

/** One interpretation of a digit string under the site's prefix rules. */
export type Reading =
  | { readonly kind: 'internal'; readonly extension: string }
  | {
      readonly kind: 'external';
      /** E.164 digits without `+`. */
      readonly digits: string;
      /** Length of the national significant number; 0 when the country code is unknown. */
      readonly nsnLength: number;
    };

const CALLING_CODES: ReadonlySet<string> = new Set(
  getCountries().map((country) => getCountryCallingCode(country)),
);

const UNICODE_DASHES = /[\u2010-\u2015\u2212]/g;
const EXTENSION_MARKER = /\s*(?:ext\.?|x)\s*(\d+)\s*$/i;
const ALLOWED = /^\+?[\d\s./()[\]-]*$/;
const DASH_EXTENSION = new RegExp(`^\\s*\\d{1,${MAX_DASH_EXTENSION}}\\s*$`);
const NON_DIGITS = /\D/g;
const TEL_EXT_PARAM = /^ext=(\d+)$/i;

/**
 * Precomputes the rules for a location whose fields are already digit strings.
 *
 * @param loc - sanitised location fields
 */
export function compileRules(loc: Omit<SiteRules, 'trunkZero'>): SiteRules {
  const lead = `(?:\\+|(?:${loc.outsideLinePrefix})?${loc.internationalPrefix})`;
  const trunkZero = new RegExp(`^(${lead}[\\s./-]*\\d{1,3})[\\s./-]*[([]\\s*0\\s*[)\\]]`);
  return { ...loc, trunkZero };
}

/** Returns only the digits of `text`. */
export function digitsOf(text: string): string {
  return text.replace(NON_DIGITS, '');
}

/**
 * Length of the ITU country calling code at the start of `digits` (E.164
 * digits without `+`), or 0 when none is known. Calling codes are prefix-free.
 */
export function callingCodeLength(digits: string): number {
  for (let len = 1; len <= 3 && len <= digits.length; len++) {
    if (CALLING_CODES.has(digits.slice(0, len))) return len;
  }
  return 0;
}

/** Rewrites a `tel:` URI (RFC 3966) into plain written form; `;ext=` becomes a dash extension. */
function fromTelUri(uri: string): string {
  const [body = '', ...params] = uri.slice(4).split(';');
  // In tel: URIs dashes are only visual separators.
  let text = body.replace(/-/g, ' ');
  for (const param of params) {
    const ext = TEL_EXT_PARAM.exec(param.trim());
    if (ext) text += `-${ext[1] ?? ''}`;
  }
  return text;
}

/** Counts the digits after the last dash when they form a DIN 5008 extension, else 0. */
function dashExtensionLength(text: string): number {
  const dash = text.lastIndexOf('-');
  if (dash < 0) return 0;
  const after = text.slice(dash + 1);
  if (!DASH_EXTENSION.test(after) || digitsOf(text.slice(0, dash)) === '') return 0;
  return digitsOf(after).length;
}

/**
 * Cleans a raw input: accepts separators, `tel:` URIs, a trailing `x`/`ext`
 * extension marker and a `(0)` after the country code. Returns null for junk
 * (letters, no digits, more than {@link MAX_DIGITS} digits).
 *
 * @param raw - the number as written
 * @param rules - compiled site rules
 */
export function cleanInput(raw: string, rules: SiteRules): CleanedInput | null {
  if (typeof raw !== 'string') return null;
  let text = raw.trim();
  if (text.length === 0 || text.length > MAX_INPUT_CHARS) return null;
  if (/^tel:/i.test(text)) text = fromTelUri(text).trim();
  text = text.replace(UNICODE_DASHES, '-').replace(EXTENSION_MARKER, '-$1');
  text = text.replace(rules.trunkZero, '$1 ');
  if (!ALLOWED.test(text)) return null;
  const digits = digitsOf(text);
  if (digits.length === 0 || digits.length > MAX_DIGITS) return null;
  return {
    plus: text.startsWith('+'),
    digits,
    extensionLength: dashExtensionLength(text),
  };
}

/**
 * Reads digits that follow `+` or the international prefix; null when they start with 0,
 * as no country calling code does (`000 44…` is an outside-line `0` before `0044…`, never
 * a country `+044…`).
 */
function readInternational(digits: string): Reading | null {
  if (digits.startsWith('0')) return null;
  const ccLength = callingCodeLength(digits);
  return { kind: 'external', digits, nsnLength: ccLength > 0 ? digits.length - ccLength : 0 };
}

/**
 * Applies the prefix rules (international, national, internal, local) to a
 * digit string. Returns null when only a prefix is left and it is too long to
 * be an internal extension.
 *
 * @param digits - the digits (without `+`)
 * @param plus - the input started with `+`
 * @param rules - compiled site rules
 */
export function readDigits(digits: string, plus: boolean, rules: SiteRules): Reading | null {
  if (plus) return readInternational(digits);
  const { internationalPrefix: ip, nationalPrefix: np } = rules;
  let rest: string | undefined;
  if (ip !== '' && digits.startsWith(ip)) {
    rest = digits.slice(ip.length);
    if (rest !== '') return readInternational(rest);
  } else if (np !== '' && digits.startsWith(np)) {
    rest = digits.slice(np.length);
    if (rest !== '') {
      return { kind: 'external', digits: rules.countryCode + rest, nsnLength: rest.length };
    }
  }
  if (digits.length <= rules.internalNumberMaxLength)
    return { kind: 'internal', extension: digits };
  if (rest !== undefined) return null;
  const nsn = rules.areaCode + digits;
  return { kind: 'external', digits: rules.countryCode + nsn, nsnLength: nsn.length };
}

/**
 * Whether the trailing `extensionLength` digits may be split off as an
 * extension: the part in front must keep a national significant number of at
 * least four digits.
 */
export function canSplitExtension(nsnLength: number, extensionLength: number): boolean {
  return extensionLength > 0 && nsnLength - extensionLength >= MIN_BASE_NSN;
}

const validityCache = new Map<string, boolean>();
const VALIDITY_CACHE_SIZE = 4096;

/** libphonenumber-js validity of an E.164 string, memoised, never throws. */
function isValidE164(e164: string): boolean {
  const hit = validityCache.get(e164);
  if (hit !== undefined) return hit;
  let valid = false;
  try {
    valid = parsePhoneNumberFromString(e164)?.isValid() === true;
  } catch {
    valid = false;
  }
  if (validityCache.size >= VALIDITY_CACHE_SIZE) validityCache.clear();
  validityCache.set(e164, valid);
  return valid;
}

/**
 * Whether an E.164 number is plausible: a national significant number of at
 * least five digits that libphonenumber-js considers valid.
 *
 * @param e164 - `+` and digits
 * @param nsnLength - length of its national significant number (0 when unknown)
 */
export function isPlausible(e164: string, nsnLength: number): boolean {
  return nsnLength >= MIN_PLAUSIBLE_NSN && isValidE164(e164);
}

/** International format (`+49 89 1234567`) from libphonenumber-js, undefined on failure. */
export function formatInternational(e164: string): string | undefined {
  try {
    return parsePhoneNumberFromString(e164)?.formatInternational();
  } catch {
    return undefined;
  }
}
