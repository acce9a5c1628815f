import type { AccessService, Principal } from '../access/access-service.js';
import { CtibookError } from '../domain/errors.js';
import type { NormalizedNumber, NumberNormalizer } from '../domain/phone-number.js';
import { internalKey } from '../domain/phone-number.js';
import type { NumberHit, NumberIndex, NumberScope } from '../store/number-index.js';
import type { PhonebookStore } from '../store/phonebook-store.js';
import type { LocationService } from './location-service.js';

/** How a match was found: equal numbers, the company's base number, or an internal extension. */
export type MatchKind = 'exact' | 'company' | 'internal';

/** One contact that the incoming number names; `number` is the stored number as entered. */
export interface CallerMatch {
  phonebook: string;
  id: string;
  displayName: string;
  company: string | null;
  field: string;
  number: string;
  match: MatchKind;
  /** Only when the lookup is `ambiguous`: the reading of the incoming number this matched. */
  reading?: string;
}

/** The answer to a caller lookup; `normalized` is the canonical form of the input. */
export interface LookupResult {
  input: string;
  normalized: string | null;
  matches: CallerMatch[];
  /**
   * Present (true) when two readings of the number (with and without the outside-line
   * prefix) named different contacts: all are listed, each with its `reading`.
   */
  ambiguous?: boolean;
}

type External = Extract<NormalizedNumber, { kind: 'external' }>;

/** Most digits a direct-dial extension adds to a company's base number. */
const MAX_EXTENSION_DIGITS = 5;
/** Fewest digits of a base number after the country code (area code and subscriber). */
const MIN_BASE_NATIONAL_DIGITS = 4;
const MAX_MATCHES = 50;

/**
 * Caller identification across the books a user may read: exact canonical matches, then
 * a company whose main or base number starts the incoming direct-dial number, then
 * internal extensions (typed as such, or the PBX's base number plus an extension).
 * Matching is always on whole canonical numbers or whole base numbers, never on a suffix.
 */
export class CallerLookup {
  readonly #index: NumberIndex;
  readonly #access: AccessService;
  readonly #books: PhonebookStore;
  readonly #location: LocationService;

  constructor(
    index: NumberIndex,
    access: AccessService,
    books: PhonebookStore,
    location: LocationService,
  ) {
    this.#index = index;
    this.#access = access;
    this.#books = books;
    this.#location = location;
  }

  /**
   * Who is calling from `input`, as far as `principal` may know: matches from readable
   * books only, best first. An incoming number behind the outside-line prefix is read
   * with and without it (see `NumberNormalizer.readIncoming`): the reading with an
   * exact hit wins, the one without the prefix first; when both readings name different
   * contacts, both are listed, marked `ambiguous` with the `reading` of each match.
   * @throws CtibookError INVALID_NUMBER when `input` holds no phone number.
   */
  lookup(principal: Principal, input: string): LookupResult {
    const normalizer = this.#location.normalizer;
    const plus = unencodedPlus(input, normalizer);
    const { number, readings: all } = plus
      ? { number: plus, readings: [plus] }
      : normalizer.readIncoming(input);
    if (!number) {
      throw new CtibookError('INVALID_NUMBER', `"${input.slice(0, 64)}" is not a phone number`, {
        field: 'number',
      });
    }
    const scope = this.#books.visibleScope(this.#access.readableBooks(principal));
    const visible = scope === 'all' ? () => true : (hit: NumberHit) => scope.includes(hit.bookId);
    const matches: CallerMatch[] = [];
    const seen = new Set<number>();
    const add = (hits: NumberHit[], match: MatchKind, reading?: string): void => {
      for (const hit of hits.filter(visible).sort(byName)) {
        if (seen.has(hit.rowid) || matches.length >= MAX_MATCHES) continue;
        seen.add(hit.rowid);
        matches.push({ ...this.#toMatch(hit, match), ...(reading ? { reading } : {}) });
      }
    };
    if (number.kind === 'internal') {
      add(this.#index.exact(number.canonical, scope), 'internal');
      return { input, normalized: number.canonical, matches };
    }
    const readings = all.filter((n): n is External => n.kind === 'external' && n.plausible);
    if (readings.length === 0) return { input, normalized: number.canonical, matches };
    const exact = readings
      .map((reading) => ({
        reading,
        hits: this.#index.exact(reading.canonical, scope).filter(visible),
      }))
      .filter(({ hits }) => hits.length > 0);
    const [first, second] = exact;
    let chosen = first?.reading;
    if (first && second && !sameContacts(first.hits, second.hits)) {
      add(first.hits, 'exact', first.reading.canonical);
      add(second.hits, 'exact', second.reading.canonical);
    } else if (first) add(first.hits, 'exact');
    else {
      for (const reading of readings) {
        const hits = this.#companyHits(reading, scope, visible);
        if (hits.length === 0) continue;
        chosen = reading;
        add(hits, 'company');
        break;
      }
    }
    const canonical = (chosen ?? readings.find((r) => r.canonical === number.canonical))?.canonical;
    const extension = normalizer.pbxExtension(canonical ?? readings[0]?.canonical ?? '');
    if (extension !== undefined) add(this.#index.exact(internalKey(extension), scope), 'internal');
    const ambiguous = matches.some((m) => m.reading !== undefined);
    return {
      input,
      normalized: canonical ?? number.canonical,
      matches,
      ...(ambiguous ? { ambiguous } : {}),
    };
  }

  /**
   * Hits for the longest base number that the incoming number extends by 1–5 digits, among
   * the visible ones; one per company and book, its main number preferred.
   */
  #companyHits(
    number: External,
    scope: NumberScope,
    visible: (hit: NumberHit) => boolean,
  ): NumberHit[] {
    const countryDigits = this.#location.normalizer.location.countryCode.length;
    const shortest = 1 + countryDigits + MIN_BASE_NATIONAL_DIGITS;
    // Cut 0: the incoming number is itself a base ("+49 89 4711" for "+49 89 4711-0").
    const candidates: string[] = [];
    for (let cut = 0; cut <= MAX_EXTENSION_DIGITS; cut++) {
      const prefix = cut === 0 ? number.canonical : number.canonical.slice(0, -cut);
      if (prefix.length < shortest) break;
      candidates.push(prefix);
    }
    const hits = this.#index.company(candidates, scope).filter(visible);
    for (const prefix of candidates) {
      const under = hits.filter((hit) => hit.base === prefix || hit.canonical === prefix);
      if (under.length > 0) return onePerCompany(under, prefix);
    }
    return [];
  }

  #toMatch(hit: NumberHit, match: MatchKind): CallerMatch {
    return {
      phonebook: this.#books.nameOf(hit.bookId) ?? '',
      id: hit.id,
      displayName: hit.displayName,
      company: hit.company,
      field: hit.field,
      number: hit.raw,
      match,
    };
  }
}

/**
 * The number meant by an input that a client sent with an unencoded `+` in the query
 * string, which arrives as a leading space (` 49891234567`): read with the `+` when that
 * gives a plausible number, else undefined.
 */
function unencodedPlus(input: string, normalizer: NumberNormalizer): NormalizedNumber | undefined {
  if (!/^ \d/.test(input)) return undefined;
  const number = normalizer.normalize(`+${input.slice(1)}`);
  return number?.kind === 'external' && number.plausible ? number : undefined;
}

/**
 * How well a hit names the company whose base number is `base`: its main number (written
 * without extension or as extension 0) first, then an entry for the company itself, then
 * an employee's direct-dial number.
 */
function companyRank(hit: NumberHit, base: string): number {
  if (hit.canonical === base || hit.canonical === `${base}0`) return 0;
  return hit.displayName === hit.company ? 1 : 2;
}

/** The best hit of each company in each book, so a company is named once, not per employee. */
function onePerCompany(hits: readonly NumberHit[], base: string): NumberHit[] {
  const best = new Map<string, NumberHit>();
  for (const hit of [...hits].sort(byName)) {
    const key = `${hit.bookId}\u0000${(hit.company ?? '').trim().toLowerCase()}`;
    const kept = best.get(key);
    if (!kept || companyRank(hit, base) < companyRank(kept, base)) best.set(key, hit);
  }
  return [...best.values()];
}

/** Whether two hit lists name the same contacts. */
function sameContacts(a: readonly NumberHit[], b: readonly NumberHit[]): boolean {
  const rowids = new Set(a.map((hit) => hit.rowid));
  return a.length === b.length && b.every((hit) => rowids.has(hit.rowid));
}

function byName(a: NumberHit, b: NumberHit): number {
  return a.displayName.localeCompare(b.displayName) || a.rowid - b.rowid;
}
