/**
 * Seeded, deterministic benchmark data: contacts as people enter them (names with umlauts,
 * ß and accents; companies with a main number and staff on direct-dial extensions; numbers
 * in every common written form; some duplicates and a little junk) and incoming numbers as
 * a PBX delivers them, each with the answer a caller lookup should give.
 *
 * Every contact is a pure function of (seed, count, index), so any contact can be rebuilt
 * without the others: writers stream millions of them, and lookups pick random ones
 * without holding the data set in memory.
 *
 * Numbering plan, so the expected answers are exact:
 * - Every number is known as E.164 (`e164`) besides its written form.
 * - Company base numbers (direct-dial) have a subscriber part starting with 2–5; private
 *   and other numbers start with 6–9; private landlines of a country have one fixed length.
 *   So no private number is the base of another, and unknown numbers never extend a base.
 * - The digit sum of the national number of every generated private-range number is not a
 *   multiple of 11; unknown numbers are made with a digit sum that is. They never collide.
 * - Staff extensions start at 2·10^(w−1); unknown direct-dial extensions start with 9.
 */
import type { ContactData, PhoneField } from '../src/domain/contact.js';
import type { LocationSettings } from '../src/domain/phone-number.js';
import type { City, CountryKey, CountryPlan } from './pools.js';
import {
  COMPANY_TRADES,
  COMPANY_WORDS,
  COUNTRIES,
  COUNTRY_WEIGHTS,
  DEPARTMENTS,
  JOB_TITLES,
  JUNK_NUMBERS,
  TITLES,
} from './pools.js';

/** The site the data is written from: a company in Munich whose PBX dials 0 for a line. */
export const BENCH_LOCATION: LocationSettings = {
  countryCode: '49',
  areaCode: '89',
  internationalPrefix: '00',
  nationalPrefix: '0',
  outsideLinePrefix: '0',
  pbxBaseNumber: '+49 89 1000-0',
  internalNumberMaxLength: 4,
};

export const DEFAULT_SEED = 20261101;

/** Bumped whenever the generated data changes, so a filled home is not reused by mistake. */
export const GENERATOR_VERSION = 2;

/** Contacts per company slot: a company gets every C-th contact, C = ceil(count / this). */
const CONTACTS_PER_COMPANY = 50;

export interface GeneratorOptions {
  /** How many contacts the data set has; companies and extensions depend on it. */
  count: number;
  seed?: number;
}

/** One phone value of a contact: as written, and the number it means (null: junk). */
export interface GeneratedNumber {
  field: PhoneField;
  written: string;
  e164: string | null;
}

export type ContactKind = 'company' | 'staff' | 'private' | 'service' | 'duplicate' | 'junk';

export interface GeneratedContact {
  index: number;
  id: string;
  kind: ContactKind;
  data: ContactData;
  numbers: GeneratedNumber[];
  /** The company slot of company entries and staff. */
  company?: number;
  /** The contact this one is a copy of. */
  duplicateOf?: number;
}

/** A company: name, place and numbers. Direct-dial companies have a base number. */
export interface GeneratedCompany {
  index: number;
  name: string;
  country: CountryKey;
  city: City;
  domain: string;
  /** E.164 base number of direct-dial companies (no extension); undefined otherwise. */
  base?: string;
  /** Digits of a staff extension at direct-dial companies. */
  extensionWidth: number;
  /** E.164 main number of companies without direct dial. */
  main?: string;
}

// ---------------------------------------------------------------------------------------
// Random numbers

/** A 32-bit mix of two integers (murmur3 finaliser). */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Small fast PRNG (mulberry32) with the helpers the generator needs. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.#state ^ (this.#state >>> 15), 1 | this.#state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** One of a few items, each with its weight (built per call: for rarely used picks). */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    return this.from(new Table(items));
  }

  /** An item of a prepared table, by weight. */
  from<T>(table: Table<T>): T {
    const { cumulative, items } = table;
    const r = this.next() * (cumulative[cumulative.length - 1] ?? 0);
    let i = 0;
    while (i < cumulative.length - 1 && r >= (cumulative[i] ?? 0)) i++;
    return items[i] as T;
  }

  digits(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += String(this.int(10));
    return out;
  }
}

/** Items with weights, summed once, for {@link Rng.from}. */
export class Table<T> {
  readonly items: readonly T[];
  readonly cumulative: Float64Array;

  constructor(entries: readonly (readonly [T, number])[]) {
    if (entries.length === 0) throw new Error('empty table');
    this.items = entries.map(([item]) => item);
    this.cumulative = new Float64Array(entries.length);
    let total = 0;
    entries.forEach(([, weight], i) => {
      total += weight;
      this.cumulative[i] = total;
    });
  }
}

// ---------------------------------------------------------------------------------------
// Numbers

function digitSum(text: string): number {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i) - 48;
  return sum;
}

/** Whether a national number belongs to the "unknown" half of the numbering plan. */
export function isUnknownRange(nsn: string): boolean {
  return digitSum(nsn) % 11 === 0;
}

/** `head` + `length` random digits, the first of them 6–9, with a digit sum off 0 mod 11. */
function privateNsn(rng: Rng, head: string, length: number, lead = '6789'): string {
  const rest = lead.charAt(rng.int(lead.length)) + rng.digits(length - 1);
  let nsn = head + rest;
  if (isUnknownRange(nsn)) {
    const last = nsn.charCodeAt(nsn.length - 1) - 48;
    nsn = nsn.slice(0, -1) + String((last + 1) % 10);
  }
  return nsn;
}

/** Like {@link privateNsn} but with a digit sum that is 0 mod 11: never a stored number. */
function unknownNsn(rng: Rng, head: string, length: number, lead = '6789'): string {
  for (;;) {
    const body = head + lead.charAt(rng.int(lead.length)) + rng.digits(length - 2);
    const last = (11 - (digitSum(body) % 11)) % 11;
    if (last < 10) return body + String(last);
  }
}

function subscriberLength(plan: CountryPlan, area: string): number {
  return plan.landlineLength - area.length;
}

/** Groups digits from the left in the given sizes, the rest as one group. */
function groups(digits: string, sizes: readonly number[], sep = ' '): string {
  const parts: string[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at + size >= digits.length) break;
    parts.push(digits.slice(at, at + size));
    at += size;
  }
  parts.push(digits.slice(at));
  return parts.join(sep);
}

/** Pairs from the right, as Germans group a subscriber number: `12 34 56`. */
function pairs(digits: string, sep = ' '): string {
  const out: string[] = [];
  let end = digits.length;
  while (end > 0) {
    const start = Math.max(0, end - 2);
    out.unshift(digits.slice(start, end));
    end = start;
  }
  if ((out[0]?.length ?? 0) === 1 && out.length > 1) out.splice(0, 2, `${out[0]}${out[1]}`);
  return out.join(sep);
}

const SITE_AREA = BENCH_LOCATION.areaCode;

/** How a number is written: area code, subscriber number and optional extension in. */
type Format = (area: string, subscriber: string, extension: string) => string;

const US_FORMATS = new Table<Format>([
  [(a, s) => `+1 (${a}) ${s.slice(0, 3)}-${s.slice(3)}`, 4],
  [(a, s) => `+1 ${a}-${s.slice(0, 3)}-${s.slice(3)}`, 3],
  [(a, s) => `001 ${a} ${s.slice(0, 3)} ${s.slice(3)}`, 2],
  [(a, s) => `+1.${a}.${s.slice(0, 3)}.${s.slice(3)}`, 1],
]);

/** Austrian, Swiss and British numbers as written at a German site. */
function foreignFormats(cc: string, group: (s: string) => string): Table<Format> {
  const tail = (s: string, e: string): string => (e === '' ? s : `${s}-${e}`);
  return new Table<Format>([
    [(a, s, e) => `+${cc} ${a} ${e === '' ? group(s) : tail(s, e)}`, 5],
    [(a, s, e) => `+${cc} (0)${a} ${tail(s, e)}`, 3],
    [(a, s, e) => `00${cc} ${a} ${tail(s, e)}`, 3],
    [(a, s, e) => `00${cc} (0)${a} ${e === '' ? group(s) : tail(s, e)}`, 1],
    [(a, s, e) => `+${cc}-${a}-${tail(s, e)}`, 1],
  ]);
}

const FOREIGN_FORMATS: Record<'AT' | 'CH' | 'UK', Table<Format>> = {
  AT: foreignFormats('43', (s) => groups(s, [4])),
  CH: foreignFormats('41', (s) => groups(s, [3, 2])),
  UK: foreignFormats('44', (s) => groups(s, [4])),
};

const DE_MOBILE_FORMATS = new Table<Format>([
  [(a, s) => `0${a} ${s}`, 5],
  [(a, s) => `0${a}/${s}`, 3],
  [(a, s) => `0${a}-${s}`, 2],
  [(a, s) => `0${a} ${groups(s, [3, 2])}`, 2],
  [(a, s) => `+49 ${a} ${s}`, 4],
  [(a, s) => `+49 (0)${a} ${s}`, 2],
  [(a, s) => `0049 ${a} ${s}`, 1],
]);

const DE_DIRECT_DIAL_FORMATS = new Table<Format>([
  [(a, s, e) => `0${a} ${s}-${e}`, 6],
  [(a, s, e) => `0${a}/${s}-${e}`, 4],
  [(a, s, e) => `(0${a}) ${s}-${e}`, 2],
  [(a, s, e) => `+49 ${a} ${s}-${e}`, 5],
  [(a, s, e) => `+49 (0)${a} ${s}-${e}`, 3],
  [(a, s, e) => `0049 ${a} ${s}-${e}`, 1],
  [(a, s, e) => `0${a} ${s}${e}`, 1],
]);

const DE_LANDLINE_ENTRIES: readonly (readonly [Format, number])[] = [
  [(a, s) => `0${a} ${s}`, 20],
  [(a, s) => `0${a}/${s}`, 12],
  [(a, s) => `0${a} / ${pairs(s)}`, 5],
  [(a, s) => `(0${a}) ${pairs(s)}`, 8],
  [(a, s) => `+49 ${a} ${s}`, 15],
  [(a, s) => `+49 (0)${a} ${s}`, 10],
  [(a, s) => `+49 ${a} ${groups(s, [3, 2])}`, 5],
  [(a, s) => `0049 ${a} ${s}`, 5],
  [(a, s) => `+49-${a}-${s}`, 3],
  [(a, s) => `0${a}-${s}`, 3],
  [(a, s) => `0${a}.${pairs(s, '.')}`, 2],
  // Numbers of the site's own area are often written without the area code.
  [(a, s) => (a === SITE_AREA ? pairs(s) : `0${a} ${s}`), 10],
];

/**
 * Private landlines, some written with a dash as if the last digits were an extension
 * (`089/1234-56`). Business numbers never are: by DIN 5008 that names a base number that
 * the whole company answers under, and a lookup rightly names the company for it.
 */
const DE_PRIVATE_LANDLINE_FORMATS = new Table<Format>([
  ...DE_LANDLINE_ENTRIES,
  [(a, s) => `0${a}/${s.slice(0, -2)}-${s.slice(-2)}`, 3],
]);
const DE_LANDLINE_FORMATS = new Table<Format>(DE_LANDLINE_ENTRIES);

/** A number as people at the (German) site write it. */
function writeNumber(
  rng: Rng,
  plan: CountryPlan,
  area: string,
  subscriber: string,
  options: { mobile?: boolean; extension?: string; home?: boolean } = {},
): string {
  const ext = options.extension ?? '';
  const formats =
    plan.key === 'US'
      ? US_FORMATS
      : plan.key !== 'DE'
        ? FOREIGN_FORMATS[plan.key]
        : options.mobile
          ? DE_MOBILE_FORMATS
          : ext !== ''
            ? DE_DIRECT_DIAL_FORMATS
            : options.home
              ? DE_PRIVATE_LANDLINE_FORMATS
              : DE_LANDLINE_FORMATS;
  return rng.from(formats)(area, subscriber, ext);
}

interface Landline {
  e164: string;
  area: string;
  subscriber: string;
}

function privateLandline(rng: Rng, plan: CountryPlan, city: City): Landline {
  const nsn = privateNsn(rng, city.area, subscriberLength(plan, city.area), city.lead);
  return {
    e164: `+${plan.callingCode}${nsn}`,
    area: city.area,
    subscriber: nsn.slice(city.area.length),
  };
}

function privateMobile(rng: Rng, plan: CountryPlan): Landline | undefined {
  if (plan.mobiles.length === 0) return undefined;
  const { prefix, digits } = rng.pick(plan.mobiles);
  const nsn = privateNsn(rng, prefix, digits);
  return { e164: `+${plan.callingCode}${nsn}`, area: prefix, subscriber: nsn.slice(prefix.length) };
}

// ---------------------------------------------------------------------------------------
// Names and text

const TRANSLIT: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue', ß: 'ss', ø: 'o', æ: 'ae' };

/** ASCII slug for mail addresses and domains: `Müller-Lüdenscheidt` → `mueller-luedenscheidt`. */
export function asciiSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[äöüßøæ]/g, (ch) => TRANSLIT[ch] ?? ch)
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

const COUNTRY_TLD: Record<CountryKey, string> = {
  DE: 'de',
  AT: 'at',
  CH: 'ch',
  US: 'com',
  UK: 'co.uk',
};

const ENGLISH_WORDS = ['Consulting', 'Logistics', 'Software', 'Foods', 'Design', 'Holdings'];
const CATEGORIES = ['Familie', 'Freunde', 'Verein', 'Nachbarn', 'Handwerker', 'Ärzte'];
const SERVICES = [
  'Pizzeria Da Mario', 'Taxi-Zentrale', 'Hausarztpraxis Dr. Huber', 'Kfz-Werkstatt Öztürk',
  'Schlüsseldienst Schnell', 'Tierarztpraxis am Park', 'Friseursalon Schöne Haare',
  'Restaurant Zur Post', 'Café Sacher', 'Boulangerie Léon', 'Physiotherapie Weiß',
  'Rechtsanwälte Groß & Partner', 'Hotel Bayerischer Hof', 'Stadtwerke Kundencenter',
]; // prettier-ignore

const CITY_TABLES = new Map<CountryPlan, Table<City>>();

function pickCity(rng: Rng, plan: CountryPlan): City {
  let table = CITY_TABLES.get(plan);
  if (!table) {
    table = new Table(plan.cities.map((c) => [c, c.weight] as const));
    CITY_TABLES.set(plan, table);
  }
  return rng.from(table);
}

const COUNTRY_TABLE = new Table(COUNTRY_WEIGHTS);

function companyName(rng: Rng, plan: CountryPlan, city: City): string {
  const suffix = rng.pick(plan.companySuffixes);
  const last = (): string => rng.pick(plan.lastNames);
  if (plan.key === 'US' || plan.key === 'UK') {
    return rng.weighted([
      [`${last()} ${suffix}`, 3],
      [`${last()} & ${last()} ${suffix}`, 1],
      [`${city.name} ${rng.pick(ENGLISH_WORDS)} ${suffix}`, 2],
    ]);
  }
  return rng.weighted([
    [`${last()} ${suffix}`, 3],
    [`${last()} & ${last()} ${suffix}`, 1],
    [`${rng.pick(COMPANY_WORDS)} ${last()} ${suffix}`, 3],
    [`${rng.pick(COMPANY_WORDS)}${rng.pick(COMPANY_TRADES)} ${city.name} ${suffix}`, 2],
  ]);
}

// ---------------------------------------------------------------------------------------
// Companies and contacts

/** How many company slots a data set of `count` contacts has. */
export function companyCount(count: number): number {
  return Math.max(1, Math.ceil(count / CONTACTS_PER_COMPANY));
}

const COMPANY_SALT = 0x0c0ffee;

const companyCache = new Map<string, GeneratedCompany>();

/** The company in slot `k`; base numbers are distinct up to 40,000 companies (2M contacts). */
export function companyAt(seed: number, k: number): GeneratedCompany {
  const key = `${seed}:${k}`;
  let company = companyCache.get(key);
  if (!company) {
    if (companyCache.size >= 100_000) companyCache.clear();
    company = makeCompany(seed, k);
    companyCache.set(key, company);
  }
  return company;
}

function makeCompany(seed: number, k: number): GeneratedCompany {
  const rng = new Rng(mix(seed ^ COMPANY_SALT, k));
  const country = rng.weighted<CountryKey>([
    ['DE', 75],
    ['AT', 12],
    ['CH', 8],
    ['US', 3],
    ['UK', 2],
  ]);
  const plan = COUNTRIES[country];
  const city = pickCity(rng, plan);
  const name = companyName(rng, plan, city);
  const domain = `${asciiSlug(name.split(' ').slice(0, 2).join(' '))}.${COUNTRY_TLD[country]}`;
  if (country === 'DE' || country === 'AT') {
    // A bijection of k onto 20000..59999: a five-digit base starting with 2–5.
    const slot = 20000 + ((k * 7919) % 40000);
    const room = plan.landlineLength + 1 - city.area.length - 5;
    const extensionWidth = Math.min(room, rng.chance(0.7) ? 2 : 3);
    return {
      index: k,
      name,
      country,
      city,
      domain,
      base: `+${plan.callingCode}${city.area}${slot}`,
      extensionWidth: Math.max(2, extensionWidth),
    };
  }
  const main = privateLandline(rng, plan, city).e164;
  return { index: k, name, country, city, domain, main, extensionWidth: 0 };
}

function splitE164(e164: string, plan: CountryPlan, area: string): string {
  return e164.slice(1 + plan.callingCode.length + area.length);
}

/** Writes a direct-dial number `base`-`extension` of a company. */
function writeDirectDial(rng: Rng, company: GeneratedCompany, extension: string): string {
  const plan = COUNTRIES[company.country];
  const base = company.base ?? '';
  return writeNumber(rng, plan, company.city.area, splitE164(base, plan, company.city.area), {
    extension,
  });
}

function companyEntry(
  rng: Rng,
  index: number,
  id: string,
  company: GeneratedCompany,
): GeneratedContact {
  const plan = COUNTRIES[company.country];
  const numbers: GeneratedNumber[] = [];
  if (company.base !== undefined) {
    const area = company.city.area;
    const sub = splitE164(company.base, plan, area);
    const trunk = plan.key === 'DE' ? '0' : `00${plan.callingCode} `;
    const written = rng.weighted([
      [writeDirectDial(rng, company, '0'), 14],
      [`+${plan.callingCode} ${area} ${sub}`, 3],
      [`${trunk}${area} ${sub} 0`, 1],
    ]);
    const e164 = written.endsWith(sub) ? company.base : `${company.base}0`;
    numbers.push({ field: 'businessPhone', written, e164 });
    if (rng.chance(0.5)) {
      const fax = `1${'0'.repeat(company.extensionWidth - 1)}`;
      numbers.push({
        field: 'businessFax',
        written: writeDirectDial(rng, company, fax),
        e164: `${company.base}${fax}`,
      });
    }
  } else if (company.main !== undefined) {
    const area = company.city.area;
    numbers.push({
      field: 'businessPhone',
      written: writeNumber(rng, plan, area, splitE164(company.main, plan, area)),
      e164: company.main,
    });
  }
  const data: ContactData = {
    company: company.name,
    city: company.city.name,
    postalCode: postalCode(rng, plan, company.city),
    street: `${rng.pick(plan.streets)} ${1 + rng.int(120)}`,
    url: `https://www.${company.domain}`,
    email: `info@${company.domain}`,
  };
  if (rng.chance(0.3)) data.country = plan.countryName;
  applyNumbers(data, numbers);
  return { index, id, kind: 'company', data, numbers, company: company.index };
}

function postalCode(rng: Rng, plan: CountryPlan, city: City): string {
  if (plan.key === 'UK') return `${city.postal}${1 + rng.int(20)} ${rng.int(10)}AB`;
  const length = plan.key === 'DE' || plan.key === 'US' ? 5 : 4;
  return (city.postal + rng.digits(length)).slice(0, length);
}

function applyNumbers(data: ContactData, numbers: readonly GeneratedNumber[]): void {
  for (const n of numbers) data[n.field] = n.written;
}

interface Person {
  plan: CountryPlan;
  firstName: string;
  lastName: string;
  data: ContactData;
}

function person(rng: Rng, plan: CountryPlan): Person {
  const firstName = rng.pick(plan.firstNames);
  const lastName = rng.pick(plan.lastNames);
  const data: ContactData = { firstName, lastName };
  const style = rng.next();
  if (style < 0.1) data.displayName = `${lastName}, ${firstName}`;
  else if (style < 0.14) data.displayName = `${rng.pick(TITLES)} ${firstName} ${lastName}`;
  return { plan, firstName, lastName, data };
}

function mailbox(p: Person, rng: Rng): string {
  const first = asciiSlug(p.firstName);
  const last = asciiSlug(p.lastName);
  return rng.weighted([
    [`${first}.${last}`, 5],
    [`${first[0] ?? 'x'}.${last}`, 3],
    [`${first}${last}${rng.int(100)}`, 2],
  ]);
}

function staffEntry(
  rng: Rng,
  index: number,
  id: string,
  company: GeneratedCompany,
  slotRank: number,
): GeneratedContact {
  const plan = COUNTRIES[company.country];
  const p = person(rng, plan);
  const numbers: GeneratedNumber[] = [];
  if (company.base !== undefined) {
    const extension = String(2 * 10 ** (company.extensionWidth - 1) + slotRank);
    numbers.push({
      field: 'businessPhone',
      written: writeDirectDial(rng, company, extension),
      e164: `${company.base}${extension}`,
    });
  } else {
    const line = privateLandline(rng, plan, company.city);
    numbers.push({
      field: 'businessPhone',
      written: writeNumber(rng, plan, line.area, line.subscriber),
      e164: line.e164,
    });
  }
  if (rng.chance(0.35)) {
    const mobile = privateMobile(rng, plan);
    if (mobile) {
      numbers.push({
        field: 'mobilePhone',
        written: writeNumber(rng, plan, mobile.area, mobile.subscriber, { mobile: true }),
        e164: mobile.e164,
      });
    }
  }
  const data = p.data;
  data.company = company.name;
  if (rng.chance(0.7)) data.department = rng.pick(DEPARTMENTS);
  if (rng.chance(0.3)) data.jobTitle = rng.pick(JOB_TITLES);
  if (rng.chance(0.8)) data.email = `${mailbox(p, rng)}@${company.domain}`;
  data.city = company.city.name;
  if (rng.chance(0.5)) data.postalCode = postalCode(rng, plan, company.city);
  applyNumbers(data, numbers);
  return { index, id, kind: 'staff', data, numbers, company: company.index };
}

function privateEntry(
  rng: Rng,
  index: number,
  id: string,
  kind: 'private' | 'junk',
): GeneratedContact {
  const country = rng.from(COUNTRY_TABLE);
  const plan = COUNTRIES[country];
  const p = person(rng, plan);
  const city = pickCity(rng, plan);
  const numbers: GeneratedNumber[] = [];
  if (kind === 'junk') {
    numbers.push({ field: 'homePhone', written: rng.pick(JUNK_NUMBERS), e164: null });
  } else if (rng.chance(0.85) || plan.mobiles.length === 0) {
    const line = privateLandline(rng, plan, city);
    numbers.push({
      field: 'homePhone',
      written: writeNumber(rng, plan, line.area, line.subscriber, { home: true }),
      e164: line.e164,
    });
  }
  if (rng.chance(numbers.length === 0 ? 1 : 0.6)) {
    const mobile = privateMobile(rng, plan);
    if (mobile) {
      numbers.push({
        field: 'mobilePhone',
        written: writeNumber(rng, plan, mobile.area, mobile.subscriber, { mobile: true }),
        e164: mobile.e164,
      });
    }
  }
  const data = p.data;
  if (rng.chance(0.4)) data.email = `${mailbox(p, rng)}@${rng.pick(plan.mailDomains)}`;
  data.city = city.name;
  if (rng.chance(0.4)) {
    data.street = `${rng.pick(plan.streets)} ${1 + rng.int(200)}`;
    data.postalCode = postalCode(rng, plan, city);
  }
  if (rng.chance(0.1)) {
    data.birthday = `${1940 + rng.int(65)}-${String(1 + rng.int(12)).padStart(2, '0')}-${String(1 + rng.int(28)).padStart(2, '0')}`;
  }
  if (rng.chance(0.1)) data.categories = rng.pick(CATEGORIES);
  applyNumbers(data, numbers);
  return { index, id, kind, data, numbers };
}

function serviceEntry(rng: Rng, index: number, id: string): GeneratedContact {
  const plan = COUNTRIES.DE;
  const city = pickCity(rng, plan);
  const line = privateLandline(rng, plan, city);
  const numbers: GeneratedNumber[] = [
    {
      field: 'businessPhone',
      written: writeNumber(rng, plan, line.area, line.subscriber),
      e164: line.e164,
    },
  ];
  const data: ContactData = { company: `${rng.pick(SERVICES)} ${city.name}`, city: city.name };
  if (rng.chance(0.3)) data.categories = rng.pick(CATEGORIES);
  applyNumbers(data, numbers);
  return { index, id, kind: 'service', data, numbers };
}

/** The id a contact is stored under. */
export function contactId(index: number): string {
  return `c${String(index).padStart(7, '0')}`;
}

/** Contact number `index` of a data set of `count` contacts. Pure and deterministic. */
export function contactAt(seed: number, count: number, index: number): GeneratedContact {
  const companies = companyCount(count);
  const id = contactId(index);
  const rng = new Rng(mix(seed, index));
  if (index < companies) return companyEntry(rng, index, id, companyAt(seed, index));
  const roll = rng.next();
  if (roll < 0.01) {
    const original = contactAt(seed, count, rng.int(index));
    const copy = rewrite(rng, original);
    return { ...copy, index, id, kind: 'duplicate', duplicateOf: original.index };
  }
  if (roll < 0.02) return privateEntry(rng, index, id, 'junk');
  if (roll < 0.5) {
    const k = index % companies;
    return staffEntry(rng, index, id, companyAt(seed, k), Math.floor(index / companies));
  }
  if (roll < 0.95) return privateEntry(rng, index, id, 'private');
  return serviceEntry(rng, index, id);
}

/** A copy of a contact as someone entered it again: same person, numbers written anew. */
function rewrite(rng: Rng, original: GeneratedContact): GeneratedContact {
  const data: ContactData = { ...original.data };
  const numbers = original.numbers.map((n) => {
    const written = n.e164 === null ? n.written : rewriteE164(rng, n.e164);
    data[n.field] = written;
    return { ...n, written };
  });
  return { ...original, data, numbers };
}

/** E.164 in one of the international written forms. */
function rewriteE164(rng: Rng, e164: string): string {
  const digits = e164.slice(1);
  return rng.weighted([
    [e164, 2],
    [`00${digits}`, 1],
    [`+${digits.slice(0, 2)} ${digits.slice(2, 5)} ${digits.slice(5)}`, 1],
  ]);
}

/** The contacts 0..count−1 in order, one at a time. */
export function* generateContacts(options: GeneratorOptions): Generator<GeneratedContact> {
  const seed = options.seed ?? DEFAULT_SEED;
  for (let index = 0; index < options.count; index++) yield contactAt(seed, options.count, index);
}

// ---------------------------------------------------------------------------------------
// Incoming numbers

export type ExpectedMatch =
  /** The number of an existing contact: a lookup must name that contact. */
  | { kind: 'exact'; index: number; id: string }
  /** An unknown extension of a direct-dial company: a lookup must name the company. */
  | { kind: 'company'; company: string }
  /** A number no contact has (some share their last digits with one): no match. */
  | { kind: 'none' };

export interface IncomingCall {
  /** The number as the PBX delivers it. */
  number: string;
  /** What it means, as E.164. */
  e164: string;
  expected: ExpectedMatch;
}

export interface IncomingOptions {
  /** Size of the data set the numbers are drawn from. */
  contacts: number;
  /** How many incoming numbers. */
  count: number;
  seed?: number;
  /** Shares of company direct-dial and unknown numbers; the rest are contacts' numbers. */
  companyShare?: number;
  unknownShare?: number;
}

const INCOMING_SALT = 0x1ca11;

/** E.164 as a PBX at the site delivers it (SIP, ISDN national, with outside-line 0, …). */
export function pbxForm(rng: Rng, e164: string): string {
  const cc = BENCH_LOCATION.countryCode;
  const digits = e164.slice(1);
  const domestic = digits.startsWith(cc);
  const nsn = digits.slice(cc.length);
  const local = domestic && nsn.startsWith(SITE_AREA) && nsn.length === 10;
  return rng.weighted([
    [e164, 30],
    [domestic ? `0${nsn}` : `00${digits}`, 35],
    [domestic ? `00${nsn}` : `000${digits}`, 20],
    [local ? nsn.slice(SITE_AREA.length) : domestic ? `0${nsn}` : `00${digits}`, 5],
    [`tel:${e164}`, 5],
    [domestic ? `0049${nsn}` : `+${digits}`, 5],
  ]);
}

/**
 * Incoming numbers for caller lookups over a data set: numbers of existing contacts in
 * another format, unknown extensions of direct-dial companies, and unknown numbers (half of
 * them a contact's subscriber number under another area code). Deterministic.
 */
export function incomingNumbers(options: IncomingOptions): IncomingCall[] {
  const seed = options.seed ?? DEFAULT_SEED;
  const rng = new Rng(mix(seed ^ INCOMING_SALT, options.count));
  const companyShare = options.companyShare ?? 0.1;
  const unknownShare = options.unknownShare ?? 0.2;
  const calls: IncomingCall[] = [];
  while (calls.length < options.count) {
    const roll = rng.next();
    const call =
      roll < unknownShare
        ? unknownCall(rng, seed, options.contacts)
        : roll < unknownShare + companyShare
          ? companyCall(rng, seed, options.contacts)
          : knownCall(rng, seed, options.contacts);
    if (call) calls.push(call);
  }
  return calls;
}

function knownCall(rng: Rng, seed: number, count: number): IncomingCall | undefined {
  const contact = contactAt(seed, count, rng.int(count));
  const usable = contact.numbers.filter((n) => n.e164 !== null);
  if (usable.length === 0) return undefined;
  const e164 = rng.pick(usable).e164 ?? '';
  return {
    number: pbxForm(rng, e164),
    e164,
    expected: { kind: 'exact', index: contact.index, id: contact.id },
  };
}

function companyCall(rng: Rng, seed: number, count: number): IncomingCall | undefined {
  const company = companyAt(seed, rng.int(Math.min(count, companyCount(count))));
  if (company.base === undefined) return undefined;
  const e164 = `${company.base}9${rng.digits(company.extensionWidth - 1)}`;
  return { number: pbxForm(rng, e164), e164, expected: { kind: 'company', company: company.name } };
}

const DE_AREAS_BY_LENGTH = new Map<number, string[]>();
for (const city of COUNTRIES.DE.cities) {
  const list = DE_AREAS_BY_LENGTH.get(city.area.length) ?? [];
  if (!list.includes(city.area)) list.push(city.area);
  DE_AREAS_BY_LENGTH.set(city.area.length, list);
}

function unknownCall(rng: Rng, seed: number, count: number): IncomingCall | undefined {
  let e164: string | undefined;
  if (rng.chance(0.5)) {
    // A German contact's subscriber number under another area code of the same length:
    // a Berlin caller must not match a Munich contact with the same last digits.
    const contact = contactAt(seed, count, rng.int(count));
    const home = contact.numbers.find(
      (n) => n.e164?.startsWith('+49') === true && n.field === 'homePhone',
    );
    const nsn = home?.e164?.slice(3);
    const area = COUNTRIES.DE.cities.find((c) => nsn?.startsWith(c.area))?.area;
    if (nsn !== undefined && area !== undefined) {
      const subscriber = nsn.slice(area.length);
      const other = (DE_AREAS_BY_LENGTH.get(area.length) ?? []).find(
        (a) => a !== area && isUnknownRange(a + subscriber),
      );
      if (other !== undefined) e164 = `+49${other}${subscriber}`;
    }
  }
  if (e164 === undefined) {
    const plan = COUNTRIES[rng.from(COUNTRY_TABLE)];
    const mobile = plan.mobiles.length > 0 && rng.chance(0.4);
    if (mobile) {
      const { prefix, digits } = rng.pick(plan.mobiles);
      e164 = `+${plan.callingCode}${unknownNsn(rng, prefix, digits)}`;
    } else {
      const { area, lead } = pickCity(rng, plan);
      e164 = `+${plan.callingCode}${unknownNsn(rng, area, subscriberLength(plan, area), lead)}`;
    }
  }
  return { number: pbxForm(rng, e164), e164, expected: { kind: 'none' } };
}

// ---------------------------------------------------------------------------------------
// Search queries

export const QUERY_KINDS = ['prefix1', 'prefix2', 'prefix3', 'twoWords'] as const;
export type QueryKind = (typeof QUERY_KINDS)[number];

/**
 * Search-as-you-type queries as users type them: the first 1–3 letters of a last name,
 * first name, company or city of a random contact, or a first name and the start of a
 * last name (or a last name and the start of a city). Deterministic.
 */
export function searchQueries(options: {
  contacts: number;
  count: number;
  kind: QueryKind;
  seed?: number;
}): string[] {
  const seed = options.seed ?? DEFAULT_SEED;
  const salt = QUERY_KINDS.indexOf(options.kind) + 1;
  const rng = new Rng(mix(seed ^ (0x5ea4c4 * salt), options.count));
  const out: string[] = [];
  while (out.length < options.count) {
    const { data } = contactAt(seed, options.contacts, rng.int(options.contacts));
    if (options.kind === 'twoWords') {
      const query =
        data.firstName && data.lastName && rng.chance(0.7)
          ? `${data.firstName.split(/[ -]/)[0] ?? ''} ${data.lastName.slice(0, 1 + rng.int(4))}`
          : data.lastName && data.city
            ? `${data.lastName} ${data.city.slice(0, 2)}`
            : undefined;
      if (query) out.push(query);
      continue;
    }
    const length = Number(options.kind.slice(-1));
    const source = rng.weighted([
      [data.lastName, 5],
      [data.firstName, 2],
      [data.company, 2],
      [data.city, 1],
    ]);
    const word = source?.replace(/^(von|zu|Dr\.|Prof\.) /, '').match(/[\p{L}]+/u)?.[0];
    if (word && word.length >= length) out.push(word.slice(0, length).toLowerCase());
  }
  return out;
}
