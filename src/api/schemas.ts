import { z } from 'zod';
import { CONTACT_FIELDS, MAX_FIELD_LENGTH } from '../domain/contact.js';
import { PHONEBOOK_KINDS } from '../domain/phonebook.js';

/** A UTF-16 half without its other half: no character, and SQLite would store U+FFFD. */
const LONE_SURROGATE = /\p{Cs}/u;

const field = z
  .string()
  .max(MAX_FIELD_LENGTH)
  .refine((text) => !LONE_SURROGATE.test(text), 'must be valid Unicode text');

const contactFieldShape = Object.fromEntries(
  CONTACT_FIELDS.map((name) => [name, field.optional()]),
) as Record<(typeof CONTACT_FIELDS)[number], z.ZodOptional<z.ZodString>>;

export const Extra = z
  .record(z.string().max(256), field)
  .refine((extra) => Object.keys(extra).length <= 200, {
    message: 'at most 200 extra columns',
  });

/** Read-only fields that a client may send back unchanged; they are ignored. */
const readOnlyShape = {
  phonebook: z.string().optional(),
  etag: z.string().optional(),
  updatedAt: z.string().optional(),
  normalized: z.record(z.string(), z.string()).optional(),
};

export const ContactBody = z.strictObject({
  ...contactFieldShape,
  extra: Extra.optional(),
  ...readOnlyShape,
  id: z.string().optional(),
});
/** Most contacts one bulk write takes: a transaction of ~50–100 ms, a body of ~0.5 MB. */
export const MAX_BULK = 1000;

export const BulkContactsBody = z.strictObject({
  contacts: z.array(ContactBody).min(1).max(MAX_BULK),
  existing: z
    .enum(['skip', 'replace', 'new-id'])
    .default('skip')
    .describe(
      'A contact whose id the book has already: skip it (listed as ALREADY_EXISTS), replace ' +
        'that contact, or add it under a new id',
    ),
});
export const BulkResults = z.object({
  results: z.array(
    z.object({
      id: z.string().optional(),
      status: z.enum(['added', 'replaced', 'new-id', 'skipped']),
      code: z.string().optional(),
      message: z.string().optional(),
      field: z.string().optional(),
    }),
  ),
  added: z.number(),
  replaced: z.number(),
  skipped: z.number(),
});
export const ContactPatchBody = z.strictObject({ ...contactFieldShape, extra: Extra.optional() });

export const Contact = z.object({
  id: z.string(),
  ...contactFieldShape,
  displayName: z.string(),
  extra: z.record(z.string(), z.string()).optional(),
  phonebook: z.string(),
  etag: z.string(),
  updatedAt: z.string(),
  normalized: z
    .record(z.string(), z.string())
    .describe('Canonical form of each phone field (E.164 or ext:NNN)'),
});

export const Rights = z.object({ read: z.boolean(), write: z.boolean(), offline: z.boolean() });

export const NotesMode = z.union([
  z.enum(['none', 'builtin', 'server']),
  z.strictObject({ memoColumn: z.string().min(1).max(128) }),
]);

export const Phonebook = z.object({
  name: z.string(),
  kind: z.enum(PHONEBOOK_KINDS),
  readOnly: z.boolean(),
  notes: NotesMode,
  contactCount: z.number().int(),
  rights: Rights,
  sync: z.object({
    lastSync: z.string().nullable(),
    status: z.string(),
    error: z.string().nullable(),
  }),
});

export const CacheSettings = z.strictObject({
  mode: z.enum(['full', 'changed']),
  everyHours: z
    .number()
    .positive()
    .max(24 * 366),
  at: z.union([
    z.literal('startup'),
    z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'startup or HH:MM'),
  ]),
});

export const PhonebookCreate = z.strictObject({
  name: z.string().max(256),
  kind: z.enum(PHONEBOOK_KINDS.filter((k) => k !== 'local-numbers') as [string, ...string[]]),
  source: z.record(z.string(), z.unknown()).optional(),
  mapping: z.record(z.string(), z.string()).optional(),
  cache: CacheSettings.optional(),
  readOnly: z.boolean().optional(),
  notes: NotesMode.optional(),
});

export const PhonebookPreview = z.strictObject({
  kind: z.enum(['csv', 'odbc', 'odbc-query', 'oledb', 'ldap', 'access']),
  source: z.record(z.string(), z.unknown()),
  mapping: z.record(z.string(), z.string()).optional(),
  limit: z.number().int().min(1).max(100).default(20),
});

export const PhonebookPatch = z.strictObject({
  name: z.string().max(256).optional(),
  readOnly: z.boolean().optional(),
  notes: NotesMode.optional(),
  source: z.record(z.string(), z.unknown()).optional(),
  mapping: z.record(z.string(), z.string()).optional(),
  cache: CacheSettings.optional(),
});

export const BookParams = z.object({ name: z.string().min(1).max(256) });
export const ContactParams = z.object({
  name: z.string().min(1).max(256),
  id: z.string().min(1).max(256),
});

const limit = (max: number, fallback: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);
// Deep pages cost the server real work; search-as-you-type never needs them.
const offset = z.coerce.number().int().min(0).max(10_000).default(0);

export const ContactListQuery = z.strictObject({
  q: z.string().max(200).optional(),
  limit: limit(1000, 50),
  offset,
});
export const SearchQuery = z.strictObject({
  q: z.string().max(200),
  limit: limit(200, 20),
  offset,
});
export const LookupQuery = z.strictObject({ number: z.string().min(1).max(64) });

export const UserCreate = z.strictObject({
  username: z.string().max(64),
  password: z.string().min(8).max(1024),
  displayName: z.string().max(200).optional(),
  extensions: z.array(z.string().max(64)).max(20).optional(),
  email: z.string().max(320).optional(),
  department: z.string().max(200).optional(),
  admin: z.boolean().optional(),
});

export const UserPatch = z.strictObject({
  password: z.string().min(8).max(1024).optional(),
  displayName: z.string().max(200).nullable().optional(),
  extensions: z.array(z.string().max(64)).max(20).optional(),
  email: z.string().max(320).nullable().optional(),
  department: z.string().max(200).nullable().optional(),
  admin: z.boolean().optional(),
});

export const User = z.object({
  username: z.string(),
  displayName: z.string().nullable(),
  email: z.string().nullable(),
  department: z.string().nullable(),
  extensions: z.array(z.string()),
  admin: z.boolean(),
  createdAt: z.string(),
});

export const UserParams = z.object({ username: z.string().min(1).max(64) });
export const GroupParams = z.object({ name: z.string().min(1).max(64) });

export const GroupCreate = z.strictObject({
  name: z.string().max(64),
  members: z.array(z.string().max(64)).max(10_000).optional(),
});
export const Members = z.array(z.string().max(64)).max(10_000);
export const Resources = z
  .array(
    z.strictObject({
      phonebook: z.string().max(256),
      read: z.boolean().default(false),
      write: z.boolean().default(false),
      offline: z.boolean().default(false),
    }),
  )
  .max(10_000);

export const Group = z.object({
  name: z.string(),
  members: z.array(z.string()),
  resources: z.array(
    z.object({
      phonebook: z.string(),
      read: z.boolean(),
      write: z.boolean(),
      offline: z.boolean(),
    }),
  ),
});

export const Login = z.strictObject({
  username: z.string().max(64),
  password: z.string().max(1024),
});

export const Location = z.strictObject({
  countryCode: z.string().max(4),
  areaCode: z.string().max(8),
  internationalPrefix: z.string().max(4),
  nationalPrefix: z.string().max(4),
  outsideLinePrefix: z.string().max(4),
  pbxBaseNumber: z.string().max(32),
  internalNumberMaxLength: z.number().int().min(1).max(8),
});

export const NoteBody = z.strictObject({ text: z.string() });
export const Note = z.object({
  text: z.string(),
  etag: z.string().nullable(),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export const NoteVersion = z.object({
  version: z.number(),
  text: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export const NumberParams = z.object({ number: z.string().min(1).max(64) });

export const LookupResult = z.object({
  input: z.string(),
  normalized: z.string().nullable(),
  matches: z.array(
    z.object({
      phonebook: z.string(),
      id: z.string(),
      displayName: z.string(),
      company: z.string().nullable(),
      field: z.string(),
      number: z.string(),
      match: z.enum(['exact', 'company', 'internal']),
      reading: z
        .string()
        .optional()
        .describe('only in an ambiguous answer: the reading of the number this matched'),
    }),
  ),
  ambiguous: z
    .boolean()
    .optional()
    .describe(
      'true when the number read with and without the outside-line prefix named different ' +
        'contacts; all are listed, the reading without the prefix first',
    ),
});

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
