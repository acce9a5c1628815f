/** The contract's contact fields, shared by every source kind. */
export const PHONE_FIELDS = [
  'businessPhone',
  'businessPhone2',
  'mobilePhone',
  'homePhone',
  'businessFax',
  'otherPhone',
] as const;

export const TEXT_FIELDS = [
  'displayName',
  'firstName',
  'lastName',
  'company',
  'department',
  'jobTitle',
  'email',
  'email2',
  'street',
  'postalCode',
  'city',
  'state',
  'country',
  'url',
  'birthday',
  'categories',
] as const;

export const CONTACT_FIELDS = [...TEXT_FIELDS, ...PHONE_FIELDS] as const;

export type PhoneField = (typeof PHONE_FIELDS)[number];
export type ContactField = (typeof CONTACT_FIELDS)[number];

/** The writable part of a contact: every field optional, plus source columns in `extra`. */
export type ContactData = { [K in ContactField]?: string } & { extra?: Record<string, string> };

/** A contact as the API returns it. */
export interface Contact extends ContactData {
  id: string;
  displayName: string;
  phonebook: string;
  etag: string;
  updatedAt: string;
}

export function isPhoneField(field: string): field is PhoneField {
  return (PHONE_FIELDS as readonly string[]).includes(field);
}

/** Longest value a single field may hold; keeps one contact from filling the store. */
export const MAX_FIELD_LENGTH = 2000;

/**
 * The display name when none is given: "First Last", else the company, else the first
 * phone number, else "(no name)".
 */
export function deriveDisplayName(data: ContactData): string {
  const given = data.displayName?.trim();
  if (given) return given;
  const person = [data.firstName, data.lastName]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ');
  if (person) return person;
  const company = data.company?.trim();
  if (company) return company;
  for (const field of PHONE_FIELDS) {
    const number = data[field]?.trim();
    if (number) return number;
  }
  return '(no name)';
}
