import type { ContactData } from '../domain/contact.js';
import type { LocationSettings, NumberNormalizer } from '../domain/phone-number.js';
import type { WritableContact } from '../store/contact-rows.js';
import { markCompanyNumbers, prepareContact, storedPhoneRow } from '../store/contact-rows.js';
import type { StagingBatch } from '../sync/staging-batch.js';
import { decodeBatch, encodeBatch } from '../sync/staging-batch.js';
import type { ChangePage, Contact, PreparedChangePage, PreparedRow } from './api-types.js';

/** A page of changes without its contacts: what goes with them into the store. */
export type PageHead = Pick<ChangePage, 'token' | 'reset' | 'more' | 'deletes'>;

/** A contact as the store writes it, with the time the server last changed it. */
export interface DatedContact {
  contact: WritableContact;
  updatedAt: string;
}

/**
 * The contacts of a page as the store writes them: a prepared page's rows as they are when
 * the server used the copy's location, else derived here from the data they carry.
 */
export function pageContacts(
  page: ChangePage | PreparedChangePage,
  normalizer: NumberNormalizer,
): DatedContact[] {
  if ('form' in page) return fromRows(page, normalizer);
  return page.upserts.map((c) => ({
    contact: prepareContact(c.id, contactData(c), normalizer),
    updatedAt: c.updatedAt,
  }));
}

function fromRows(page: PreparedChangePage, normalizer: NumberNormalizer): DatedContact[] {
  const asIs = sameLocation(normalizer.location, page.location);
  return page.upserts.map((row) => ({
    contact: asIs
      ? preparedOf(row)
      : prepareContact(row[0], JSON.parse(row[1]) as ContactData, normalizer),
    updatedAt: row[3],
  }));
}

/** A prepared row as the store writes it; its data text was checked with the page. */
function preparedOf(row: PreparedRow): WritableContact {
  const [id, json, hash, , displayName, company, nameKey, names, other, rows] = row;
  const phones = rows.map(storedPhoneRow);
  markCompanyNumbers(phones, company, displayName);
  return { id, json, hash, displayName, company, nameKey, names, other, phones };
}

/** The stored part of a contact sent by the server. */
function contactData(contact: Contact): ContactData {
  const {
    id: _id,
    phonebook: _book,
    etag: _etag,
    updatedAt: _at,
    normalized: _n,
    ...data
  } = contact;
  return data;
}

/** Whether two locations read every number alike. */
export function sameLocation(a: LocationSettings, b: LocationSettings): boolean {
  return (Object.keys(b) as (keyof LocationSettings)[]).every((key) => a[key] === b[key]);
}

/**
 * Contacts as they cross from a reader thread: the store's fields as one flat array (see
 * {@link StagingBatch}: postMessage clones it several times faster than objects).
 */
export interface ContactBatch {
  rows: StagingBatch;
  updatedAt: string[];
}

export function encodeContacts(contacts: readonly DatedContact[]): ContactBatch {
  return {
    rows: encodeBatch(contacts.map((c) => c.contact)),
    updatedAt: contacts.map((c) => c.updatedAt),
  };
}

export function decodeContacts(batch: ContactBatch): DatedContact[] {
  return decodeBatch(batch.rows).map((contact, i) => ({
    contact,
    updatedAt: batch.updatedAt[i] ?? '',
  }));
}
