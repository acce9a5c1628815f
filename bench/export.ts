/**
 * The benchmark's contacts in the formats other systems take: CSV (UTF-8 and
 * Windows-1252) for a ctibook CSV book and `sqlite3 .import`, LDIF for slapd
 * (inetOrgPerson, numbers as people wrote them) and SQL for an ODBC database. Same contacts
 * as the store fill (`contactAt(seed, count, i)`), streamed, so a million rows never sit in
 * memory at once.
 */
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { once } from 'node:events';
import iconv from 'iconv-lite';
import type { ContactData } from '../src/domain/contact.js';
import { PHONE_FIELDS, deriveDisplayName } from '../src/domain/contact.js';
import type { LdifEntry } from '../src/test-support/slapd.js';
import { SUFFIX, toLdif } from '../src/test-support/slapd.js';
import type { GeneratedContact } from './generate.js';
import { contactAt } from './generate.js';

/** The CSV columns: the record id, then contact fields under their own names. */
export const CSV_COLUMNS = [
  'id',
  'firstName',
  'lastName',
  'company',
  'department',
  'jobTitle',
  'email',
  'street',
  'postalCode',
  'city',
  'country',
  'categories',
  ...PHONE_FIELDS,
] as const;

type CsvColumn = (typeof CSV_COLUMNS)[number];

/** The mapping of a ctibook CSV book over these columns (each field from its own column). */
export const CSV_MAPPING: Record<string, string> = Object.fromEntries(
  CSV_COLUMNS.map((column) => [column, column]),
);

/** SQL column names (snake case: valid unquoted in SQLite, PostgreSQL and MariaDB). */
export const SQL_COLUMNS: readonly string[] = CSV_COLUMNS.map((c) =>
  c.replace(/[A-Z0-9]/g, (ch) => `_${ch.toLowerCase()}`),
);

/** Entries below `ou=people` (the LDAP sync's base) by default; the rest go below `ou=more`. */
export const LDAP_SYNC_ENTRIES = 100_000;
export const LDAP_SYNC_BASE = `ou=people,${SUFFIX}`;
export const LDAP_MORE_BASE = `ou=more,${SUFFIX}`;

function valueOf(contact: GeneratedContact, column: CsvColumn): string {
  return column === 'id' ? contact.id : (contact.data[column] ?? '');
}

/** One CSV field: quoted when it holds the delimiter, a quote or a line break. */
function csvField(value: string): string {
  return /[;"\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(';')}\r\n`;
}

/** One contact as a `;`-separated CSV line (German Excel style), CRLF-terminated. */
export function csvLine(contact: GeneratedContact): string {
  return `${CSV_COLUMNS.map((c) => csvField(valueOf(contact, c))).join(';')}\r\n`;
}

/** One SQL string literal, standard quoting (no backslash escapes are produced). */
function sqlLiteral(value: string): string {
  return value === '' ? 'NULL' : `'${value.replaceAll("'", "''")}'`;
}

export function sqlCreateTable(table = 'contacts'): string {
  const columns = SQL_COLUMNS.map((c) =>
    c === 'id' ? 'id VARCHAR(16) PRIMARY KEY' : `${c} VARCHAR(200)`,
  );
  return `CREATE TABLE ${table} (${columns.join(', ')});\n`;
}

/** One multi-row `INSERT` of the contacts. */
export function sqlInsert(contacts: readonly GeneratedContact[], table = 'contacts'): string {
  const rows = contacts.map(
    (c) => `(${CSV_COLUMNS.map((k) => sqlLiteral(valueOf(c, k))).join(', ')})`,
  );
  return `INSERT INTO ${table} (${SQL_COLUMNS.join(', ')}) VALUES\n${rows.join(',\n')};\n`;
}

/** What the telephoneNumber syntax (PrintableString) lets slapd store. */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:?=]+$/;
const ASCII = /^[\x20-\x7e]+$/;

function phones(data: ContactData, fields: readonly (keyof ContactData)[]): string[] {
  const out: string[] = [];
  for (const field of fields) {
    const value = data[field];
    if (typeof value === 'string' && PRINTABLE.test(value) && !out.includes(value)) out.push(value);
  }
  return out;
}

/**
 * The contact as an inetOrgPerson, numbers as written: `telephoneNumber` holds the
 * business, second business, home and other numbers, `mobile` the mobile,
 * `facsimileTelephoneNumber` the fax. Values slapd's syntax rejects (junk such as
 * `k.A.`) are left out, as a directory admin's import would drop them.
 */
export function ldifEntry(contact: GeneratedContact, base: string): LdifEntry {
  const d = contact.data;
  const cn = deriveDisplayName(d);
  const attributes: LdifEntry['attributes'] = {
    objectClass: ['top', 'inetOrgPerson'],
    uid: contact.id,
    cn,
    sn: d.lastName ?? d.company ?? cn,
  };
  const text: [string, string | undefined][] = [
    ['givenName', d.firstName],
    ['o', d.company],
    ['ou', d.department],
    ['title', d.jobTitle],
    ['street', d.street],
    ['postalCode', d.postalCode],
    ['l', d.city],
  ];
  for (const [name, value] of text) if (value) attributes[name] = value;
  if (d.email && ASCII.test(d.email)) attributes.mail = d.email;
  const tel = phones(d, ['businessPhone', 'businessPhone2', 'homePhone', 'otherPhone']);
  const mobile = phones(d, ['mobilePhone']);
  const fax = phones(d, ['businessFax']);
  if (tel.length > 0) attributes.telephoneNumber = tel;
  if (mobile.length > 0) attributes.mobile = mobile;
  if (fax.length > 0) attributes.facsimileTelephoneNumber = fax;
  return { dn: `uid=${contact.id},${base}`, attributes };
}

/** The suffix, `ou=people` and `ou=more`: what the entries hang below. */
export function ldifBase(): string {
  return toLdif([
    {
      dn: SUFFIX,
      attributes: { objectClass: ['top', 'dcObject', 'organization'], dc: 'example', o: 'Example' },
    },
    {
      dn: LDAP_SYNC_BASE,
      attributes: { objectClass: ['top', 'organizationalUnit'], ou: 'people' },
    },
    { dn: LDAP_MORE_BASE, attributes: { objectClass: ['top', 'organizationalUnit'], ou: 'more' } },
  ]);
}

export interface ExportFiles {
  /** UTF-8 CSV, `;`, header row. */
  csv?: string;
  /** The same in Windows-1252 (characters it lacks become `?`). */
  csv1252?: string;
  ldif?: string;
  sql?: string;
}

export interface ExportOptions {
  /** Size of the data set (contacts depend on it, see `contactAt`). */
  count: number;
  seed: number;
  /** Write only contacts 0 … limit−1 of the data set (default: all). */
  limit?: number;
  /** Entries below `ou=people`, the LDAP sync's base (default {@link LDAP_SYNC_ENTRIES}). */
  ldapSyncEntries?: number;
  files: ExportFiles;
  /** Contacts whose last name gets ` (geändert)`: a changed-only sync's 1 %. */
  changed?: (index: number) => boolean;
}

class Output {
  readonly #stream: WriteStream;
  readonly #encode: (text: string) => Buffer;
  #pending: string[] = [];
  #size = 0;

  constructor(path: string, encoding: 'utf8' | 'windows-1252') {
    this.#stream = createWriteStream(path);
    this.#encode =
      encoding === 'utf8' ? (t) => Buffer.from(t, 'utf8') : (t) => iconv.encode(t, 'windows-1252');
  }

  async write(text: string): Promise<void> {
    this.#pending.push(text);
    this.#size += text.length;
    if (this.#size >= 1 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const chunk = this.#encode(this.#pending.join(''));
    this.#pending = [];
    this.#size = 0;
    if (!this.#stream.write(chunk)) await once(this.#stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.#stream.end();
    await once(this.#stream, 'finish');
  }
}

/** Writes the requested files for contacts 0 … count−1; resolves when all are on disk. */
export async function writeExports(options: ExportOptions): Promise<void> {
  const { files, count, seed } = options;
  const csv = files.csv ? new Output(files.csv, 'utf8') : undefined;
  const csv1252 = files.csv1252 ? new Output(files.csv1252, 'windows-1252') : undefined;
  const ldif = files.ldif ? new Output(files.ldif, 'utf8') : undefined;
  const sql = files.sql ? new Output(files.sql, 'utf8') : undefined;
  await csv?.write(csvHeader());
  await csv1252?.write(csvHeader());
  await ldif?.write(ldifBase());
  await sql?.write(sqlCreateTable());
  let batch: GeneratedContact[] = [];
  const syncEntries = options.ldapSyncEntries ?? LDAP_SYNC_ENTRIES;
  const end = Math.min(count, options.limit ?? count);
  for (let i = 0; i < end; i++) {
    const contact = contactAt(seed, count, i);
    if (options.changed?.(i)) {
      contact.data = { ...contact.data, lastName: `${contact.data.lastName ?? ''} (geändert)` };
    }
    if (csv || csv1252) {
      const line = csvLine(contact);
      await csv?.write(line);
      await csv1252?.write(line);
    }
    if (ldif) {
      const base = i < syncEntries ? LDAP_SYNC_BASE : LDAP_MORE_BASE;
      await ldif.write(`\n${toLdif([ldifEntry(contact, base)])}`);
    }
    if (sql) {
      batch.push(contact);
      if (batch.length === 1000) {
        await sql.write(sqlInsert(batch));
        batch = [];
      }
    }
  }
  if (sql && batch.length > 0) await sql.write(sqlInsert(batch));
  await Promise.all([csv, csv1252, ldif, sql].map((o) => o?.close()));
}
