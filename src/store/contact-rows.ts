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
  const { id, data, json, hash } = cleaned;
  const phones: PhoneRow[] = [];
  const digits = new Set<string>();
  for (const field of PHONE_FIELDS) {
    const raw = data[field];
    if (!raw) continue;
    const indexed = numbers.index(raw);
    if (!indexed) continue;
    const { number } = indexed;
    const base = number.kind === 'external' ? (number.base ?? null) : null;
    phones.push({ field, raw, canonical: number.canonical, base });
    for (const d of indexed.digits) digits.add(d);
  }
  const displayName = deriveDisplayName(data);
  const names = indexSpellings(NAME_FIELDS.map((f) => data[f] ?? '').join(' ')).join(' ');
  const otherText = [...OTHER_FIELDS.map((f) => data[f] ?? ''), ...phones.map((p) => p.raw)];
  const other = [indexSpellings(otherText.join(' ')).join(' '), [...digits].join(' ')].join(' ');
  return {
    id,
    data,
    json,
    hash,
    displayName,
    company: data.company ?? null,
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
