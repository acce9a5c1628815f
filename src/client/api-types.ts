import { z } from 'zod';
import { CONTACT_FIELDS, PHONE_FIELDS } from '../domain/contact.js';
import type { LookupResult } from '../directory/caller-lookup.js';
import type { PreparedRow } from '../store/change-feed.js';

/**
 * The shapes of the server answers the client relies on, checked with zod where a wrong
 * answer would corrupt the offline copy (the change feed, the book list, the location).
 */

const fieldShape = Object.fromEntries(
  CONTACT_FIELDS.map((field) => [field, z.string().optional()]),
) as Record<(typeof CONTACT_FIELDS)[number], z.ZodOptional<z.ZodString>>;

/** A contact as the server sends it. */
export const ContactSchema = z.object({
  ...fieldShape,
  id: z.string().min(1).max(512),
  displayName: z.string(),
  extra: z.record(z.string(), z.string()).optional(),
  phonebook: z.string(),
  etag: z.string(),
  updatedAt: z.string(),
  normalized: z.record(z.string(), z.string()).optional(),
});
export type Contact = z.infer<typeof ContactSchema>;

const STRING_KEYS = new Set<string>([
  ...CONTACT_FIELDS,
  'id',
  'displayName',
  'phonebook',
  'etag',
  'updatedAt',
]);
const REQUIRED_KEYS = ['displayName', 'phonebook', 'etag', 'updatedAt'] as const;

function isStringRecord(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const key in value) {
    if (typeof (value as Record<string, unknown>)[key] !== 'string') return false;
  }
  return true;
}

/**
 * The check of {@link ContactSchema}, written out: a full copy brings a million contacts,
 * and this is ten times faster than the object schema (unknown keys are left for
 * `cleanContactData` to drop).
 */
export function isContact(value: unknown): value is Contact {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  const id = record.id;
  if (typeof id !== 'string' || id.length === 0 || id.length > 512) return false;
  for (const key of REQUIRED_KEYS) if (typeof record[key] !== 'string') return false;
  for (const key in record) {
    const field = record[key];
    if (field === undefined) continue;
    if (STRING_KEYS.has(key)) {
      if (typeof field !== 'string') return false;
    } else if ((key === 'extra' || key === 'normalized') && !isStringRecord(field)) return false;
  }
  return true;
}

/** The writable fields of a contact (create, replace, patch). */
export type ContactInput = Partial<Record<(typeof CONTACT_FIELDS)[number], string>> & {
  extra?: Record<string, string>;
};

/** What every page of `GET /api/v1/phonebooks/{name}/changes` has, whatever its form. */
const pageShape = {
  token: z.string().regex(/^\d+\.\d+$/),
  reset: z.boolean(),
  more: z.boolean(),
  deletes: z.array(z.string().min(1)),
};

/** One page of `GET /api/v1/phonebooks/{name}/changes`. */
export const ChangePageSchema = z.object({
  ...pageShape,
  upserts: z.array(
    z.custom<Contact>(
      isContact,
      'not a contact: needs id, displayName, phonebook, etag, updatedAt; fields are strings',
    ),
  ),
});
export type ChangePage = z.infer<typeof ChangePageSchema>;

export type { PreparedRow };

const PHONE_FIELD_NAMES = new Set<string>(PHONE_FIELDS);

function isPhoneRow(value: unknown): boolean {
  if (!Array.isArray(value) || value.length !== 4) return false;
  const [field, raw, canonical, base] = value as unknown[];
  return (
    typeof field === 'string' &&
    PHONE_FIELD_NAMES.has(field) &&
    typeof raw === 'string' &&
    typeof canonical === 'string' &&
    canonical !== '' &&
    (base === null || typeof base === 'string')
  );
}

/** Whether a stored JSON text holds a contact's data: an object of strings (and `extra`). */
function isDataText(text: string): boolean {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const record = data as Record<string, unknown>;
  for (const key in record) {
    const field = record[key];
    if (key === 'extra' ? !isStringRecord(field) : typeof field !== 'string') return false;
  }
  return true;
}

/** The check of one {@link PreparedRow}, written out for speed like {@link isContact}. */
export function isPreparedRow(value: unknown): value is PreparedRow {
  if (!Array.isArray(value) || value.length !== 10) return false;
  const [id, data, hash, updatedAt, displayName, company, key, names, other, phones] =
    value as unknown[];
  return (
    typeof id === 'string' &&
    id.length > 0 &&
    id.length <= 512 &&
    typeof data === 'string' &&
    isDataText(data) &&
    typeof hash === 'number' &&
    Number.isInteger(hash) &&
    typeof updatedAt === 'string' &&
    typeof displayName === 'string' &&
    (company === null || typeof company === 'string') &&
    typeof key === 'string' &&
    typeof names === 'string' &&
    typeof other === 'string' &&
    Array.isArray(phones) &&
    phones.every(isPhoneRow)
  );
}

/**
 * One page of the changes with `form=prepared`: upserts as rows the store writes as they
 * are, derived with the server's `location`.
 */
export const PreparedChangePageSchema = z.object({
  ...pageShape,
  form: z.literal('prepared'),
  location: z.lazy(() => LocationSchema),
  upserts: z.array(
    z.custom<PreparedRow>(
      isPreparedRow,
      'not a prepared contact row: [id, data, hash, updatedAt, displayName, company, nameKey, names, other, phones]',
    ),
  ),
});
export type PreparedChangePage = z.infer<typeof PreparedChangePageSchema>;

export const RightsSchema = z.object({
  read: z.boolean(),
  write: z.boolean(),
  offline: z.boolean(),
});
export type Rights = z.infer<typeof RightsSchema>;

/** A book the user may read, as `GET /api/v1/phonebooks` lists it. */
export const BookSchema = z.object({
  name: z.string().min(1),
  kind: z.string(),
  readOnly: z.boolean(),
  notes: z.unknown(),
  contactCount: z.number().int().nonnegative(),
  rights: RightsSchema,
  sync: z
    .object({
      lastSync: z.string().nullable().optional(),
      status: z.string().nullable().optional(),
      error: z.unknown().optional(),
    })
    .optional(),
});
export type Book = z.infer<typeof BookSchema>;
export const BookListSchema = z.array(BookSchema);

export const LocationSchema = z.object({
  countryCode: z.string(),
  areaCode: z.string(),
  internationalPrefix: z.string(),
  nationalPrefix: z.string(),
  outsideLinePrefix: z.string(),
  pbxBaseNumber: z.string(),
  internalNumberMaxLength: z.number().int(),
});

/** A shared note of a contact or a phone number; an empty note has `etag: null`. */
export interface Note {
  text: string;
  etag: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** One contact an incoming number names (the server's shape). */
export type { CallerMatch } from '../directory/caller-lookup.js';

/** `GET /api/v1/lookup` plus where the answer came from. */
export type LookupAnswer = LookupResult & {
  /** True when the server could not be reached and the offline copy answered. */
  offline: boolean;
};

/** One hit of a search over all readable books. */
export type SearchItem = { phonebook: string; id: string; displayName: string } & Record<
  string,
  string | null
>;

export interface SearchAnswer {
  items: SearchItem[];
  total: number;
  offline: boolean;
}

/** A readable book with the user's rights, and whether an offline copy exists here. */
export interface BookInfo {
  name: string;
  kind: string;
  readOnly: boolean;
  contactCount: number;
  rights: Rights;
  /** An offline copy of this book is kept in the working directory. */
  cached: boolean;
}

export interface BooksAnswer {
  books: BookInfo[];
  offline: boolean;
}

/** What the server pushes on `GET /api/v1/events`. */
export const ServerEventSchema = z.union([
  z.object({ type: z.literal('hello'), user: z.object({ username: z.string() }).loose() }),
  z.object({ type: z.literal('phonebooks-changed') }),
  z.object({
    type: z.literal('contacts-changed'),
    phonebook: z.string(),
    ids: z.array(z.string()),
    reset: z.boolean().optional(),
  }),
  z.object({
    type: z.literal('sync-progress'),
    phonebook: z.string(),
    done: z.number(),
    total: z.number().nullable(),
    phase: z.string(),
  }),
  z.object({ type: z.literal('error'), error: z.object({ code: z.string() }).loose() }),
]);
export type ServerEvent = z.infer<typeof ServerEventSchema>;
