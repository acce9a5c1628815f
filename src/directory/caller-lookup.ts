import type { AccessService, Principal } from '../access/access-service.js';
import { CtibookError } from '../domain/errors.js';
import type { NormalizedNumber } from '../domain/phone-number.js';
import { internalKey } from '../domain/phone-number.js';
import type { NumberHit, NumberIndex } from '../store/number-index.js';
import type { PhonebookStore } from '../store/phonebook-store.js';
import type { LocationService } from './location-service.js';

export type MatchKind = 'exact' | 'company' | 'internal';

export interface CallerMatch {
  phonebook: string;
  id: string;
  displayName: string;
  company: string | null;
  field: string;
  number: string;
  match: MatchKind;
}

export interface LookupResult {
  input: string;
  normalized: string | null;
  matches: CallerMatch[];
}

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

  lookup(principal: Principal, input: string): LookupResult {
    const normalizer = this.#location.normalizer;
    const number = normalizer.normalize(input);
    if (!number) {
      throw new CtibookError('INVALID_NUMBER', `"${input.slice(0, 64)}" is not a phone number`, {
        field: 'number',
      });
    }
    const scope = this.#access.readableBooks(principal);
    const visible = scope === 'all' ? () => true : (hit: NumberHit) => scope.includes(hit.bookId);
    const matches: CallerMatch[] = [];
    const seen = new Set<number>();
    const add = (hits: NumberHit[], match: MatchKind): void => {
      for (const hit of hits.filter(visible).sort(byName)) {
        if (seen.has(hit.rowid) || matches.length >= MAX_MATCHES) continue;
        seen.add(hit.rowid);
        matches.push(this.#toMatch(hit, match));
      }
    };
    if (number.kind === 'internal') {
      add(this.#index.exact(number.canonical), 'internal');
    } else if (number.plausible) {
      add(this.#index.exact(number.canonical), 'exact');
      if (matches.length === 0) add(this.#companyHits(number), 'company');
      const extension = normalizer.pbxExtension(number.canonical);
      if (extension !== undefined) add(this.#index.exact(internalKey(extension)), 'internal');
    }
    return { input, normalized: number.canonical, matches };
  }

  /** Hits for the longest base number that the incoming number extends by 1–5 digits. */
  #companyHits(number: Extract<NormalizedNumber, { kind: 'external' }>): NumberHit[] {
    const countryDigits = this.#location.get().countryCode.length;
    const shortest = 1 + countryDigits + MIN_BASE_NATIONAL_DIGITS;
    for (let cut = 1; cut <= MAX_EXTENSION_DIGITS; cut++) {
      const prefix = number.canonical.slice(0, -cut);
      if (prefix.length < shortest) break;
      const hits = this.#index.company(prefix);
      if (hits.length > 0) return hits;
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

function byName(a: NumberHit, b: NumberHit): number {
  return a.displayName.localeCompare(b.displayName) || a.rowid - b.rowid;
}
