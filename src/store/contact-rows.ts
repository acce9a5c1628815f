import type { ContactData, PhoneField } from '../domain/contact.js';
import { PHONE_FIELDS, TEXT_FIELDS, deriveDisplayName } from '../domain/contact.js';
import type { NumberNormalizer } from '../domain/phone-number.js';
import { contentHash } from './content-hash.js';
import { indexSpellings, nameKey } from '../domain/search-text.js';

/** One phone number of a contact, as entered and in canonical form. */
export interface PhoneRow {
  field: PhoneField;
  raw: string;
  canonical: string;
  base: string | null;
  /**
   * The contact's company when this is a business number (not mobile or home) of a
   * contact with a company: such a number may name the company on a call to its base.
   */
  company: string | null;
  /** How well it names that company: see {@link companyRank}; null without `company`. */
  companyRank: number | null;
}

/**
 * A phone row from its stored keys (`[field, raw, canonical, base]`, as the prepared change
 * feed sends it); its company is set from the contact's data (see {@link markCompanyNumbers}).
 */
export function storedPhoneRow([field, raw, canonical, base]: readonly [
  string,
  string,
  string,
  string | null,
]): PhoneRow {
  return { field: field as PhoneField, raw, canonical, base, company: null, companyRank: null };
}

/** Numbers that never name a company: a private line says nothing about who else answers. */
const PRIVATE_FIELDS: ReadonlySet<PhoneField> = new Set(['mobilePhone', 'homePhone']);

/**
 * How well a business number names its company on a call to its base: 0 for the company's
 * main number written as extension 0 (`+49 89 4711-0`), 1 for the company's own entry,
 * 2 for an employee's direct-dial number.
 */
export function companyRank(
  canonical: string,
  base: string | null,
  isCompanyEntry: boolean,
): number {
  if (base !== null && canonical === `${base}0`) return 0;
  return isCompanyEntry ? 1 : 2;
}

/** What the store writes for one contact: derived once, before the write transaction. */
export interface PreparedContact {
  id: string;
  data: ContactData;
  json: string;
  /** {@link contentHash} of `json`: what a sync compares. */
  hash: number;
  displayName: string;
  company: string | null;
  nameKey: string;
  phones: PhoneRow[];
  names: string;
  other: string;
}

/** What the store writes of a prepared contact (a staging writer thread gets no more). */
export type WritableContact = Omit<PreparedContact, 'data'>;

const NAME_FIELDS = ['displayName', 'firstName', 'lastName', 'company'] as const;
const OTHER_FIELDS = ['department', 'email', 'email2', 'city', 'jobTitle'] as const;

/**
 * Drops empty fields and trims; the form kept in the store. `displayName` stays only when
 * it was given, so a derived one follows later name changes.
 */
export function cleanContactData(data: ContactData): ContactData {
  const clean: ContactData = {};
  for (const field of [...TEXT_FIELDS, ...PHONE_FIELDS]) {
    const value = data[field]?.trim();
    if (value) clean[field] = value;
  }
  if (data.extra && Object.keys(data.extra).length > 0) clean.extra = { ...data.extra };
  return clean;
}

/** A contact cleaned and hashed: enough to tell whether it changed, before the dear part. */
export interface CleanedContact {
  id: string;
  data: ContactData;
  json: string;
  hash: number;
}

/** Cleans a contact and hashes the stored form (what a sync compares). Pure and cheap. */
export function cleanContact(id: string, input: ContactData): CleanedContact {
  const data = cleanContactData(input);
  const json = JSON.stringify(data);
  return { id, data, json, hash: contentHash(json) };
}

/** Derives the rows and index text of one contact. Pure; call it outside transactions. */
export function prepareContact(
  id: string,
  input: ContactData,
  numbers: NumberNormalizer,
): PreparedContact {
  return prepareCleaned(cleanContact(id, input), numbers);
}

/** {@link prepareContact} for a contact already cleaned: numbers, names and search text. */
export function prepareCleaned(
  cleaned: CleanedContact,
  numbers: NumberNormalizer,
): PreparedContact {
  const { data } = cleaned;
  const phones: PhoneRow[] = [];
  const digits = new Set<string>();
  for (const field of PHONE_FIELDS) {
    const raw = data[field];
    if (!raw) continue;
    const indexed = numbers.index(raw);
    if (!indexed) continue;
    const { number } = indexed;
    const base = number.kind === 'external' ? (number.base ?? null) : null;
    phones.push({
      field,
      raw,
      canonical: number.canonical,
      base,
      company: null,
      companyRank: null,
    });
    for (const d of indexed.digits) digits.add(d);
  }
  return withSearchText(cleaned, phones, digits);
}

/**
 * {@link prepareCleaned} for a stored contact whose phone rows were keyed with `numbers`'
 * location already: the same result without normalising the numbers again (what the
 * change feed sends to clients that ask for prepared rows).
 */
export function prepareStored(
  cleaned: CleanedContact,
  stored: readonly PhoneRow[],
  numbers: NumberNormalizer,
): PreparedContact {
  const phones = [...stored].sort(
    (a, b) => PHONE_FIELDS.indexOf(a.field) - PHONE_FIELDS.indexOf(b.field),
  );
  const digits = new Set<string>();
  for (const phone of phones) {
    for (const d of numbers.storedDigits(phone.canonical)) digits.add(d);
  }
  return withSearchText(cleaned, phones, digits);
}

/**
 * Sets `company` and `companyRank` of a contact's phone rows: its business numbers when it
 * has a company, nothing on mobile and home numbers or without a company.
 */
export function markCompanyNumbers(
  phones: PhoneRow[],
  company: string | null,
  displayName: string,
): void {
  for (const phone of phones) {
    const business = company !== null && !PRIVATE_FIELDS.has(phone.field);
    phone.company = business ? company : null;
    phone.companyRank = business
      ? companyRank(phone.canonical, phone.base, displayName === company)
      : null;
  }
}

/** Display name, name key and search index text of a contact with its phone rows. */
function withSearchText(
  cleaned: CleanedContact,
  phones: PhoneRow[],
  digits: ReadonlySet<string>,
): PreparedContact {
  const { id, data, json, hash } = cleaned;
  const displayName = deriveDisplayName(data);
  const company = data.company ?? null;
  markCompanyNumbers(phones, company, displayName);
  const names = indexSpellings(NAME_FIELDS.map((f) => data[f] ?? '').join(' ')).join(' ');
  const otherText = [...OTHER_FIELDS.map((f) => data[f] ?? ''), ...phones.map((p) => p.raw)];
  const other = [indexSpellings(otherText.join(' ')).join(' '), [...digits].join(' ')].join(' ');
  return {
    id,
    data,
    json,
    hash,
    displayName,
    company,
    nameKey: nameKey(displayName),
    phones,
    names,
    other,
  };
}

/** The FTS token that tags a row with its phone book, so searches filter inside the index. */
export function bookToken(bookId: number): string {
  return `b${bookId}`;
}
