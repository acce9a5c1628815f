/**
 * The field mapping of an external phone book: which source column (CSV header, database
 * column, LDAP attribute) feeds which contact field. Proposes a mapping from the column
 * names, validates an admin's mapping, and applies it to rows. Pure, no I/O.
 *
 * A mapping value is one column name, or for a phone field 2 to 4 columns joined with
 * ` + `, read by position: `country + area + number + extension`, `country + area + number`,
 * or two parts written side by side.
 *
 * @module
 */
import type { ContactData, ContactField, PhoneField } from '../domain/contact.js';
import { CONTACT_FIELDS, isPhoneField } from '../domain/contact.js';
import { CtibookError } from '../domain/errors.js';
import { foldText } from '../domain/search-text.js';

/** Mapping keys that are not contact fields: record id, modification time, note column. */
export const SPECIAL_KEYS = ['id', 'modifiedAt', 'note'] as const;

type SpecialKey = (typeof SPECIAL_KEYS)[number];
type MappingKey = ContactField | SpecialKey;

/** Mapping key (contact field or special key) → source column, or phone columns joined by ` + `. */
export type Mapping = Record<string, string>;

/** One source row after mapping: the special columns, and the contact data. */
export interface MappedRecord {
  id?: string;
  modifiedAt?: string;
  note?: string;
  data: ContactData;
}

const MAPPING_KEYS: ReadonlySet<string> = new Set<string>([...CONTACT_FIELDS, ...SPECIAL_KEYS]);
const JOIN_SEPARATOR = ' + ';
const JOIN_PATTERN = /\s+\+\s+/;
const MAX_JOINED_PARTS = 4;
/** In a joined number, a part the source has no column for (`- + Vorwahl + Rufnummer + Durchwahl`). */
export const NO_COLUMN = '-';

// Aliases are written folded (see foldColumnName). Within a key they are in order of
// preference (a key may continue on the next lines); no alias serves two keys.
const ALIASES: ReadonlyArray<readonly [MappingKey, readonly string[]]> = [
  ['id', ['entryuuid', 'objectguid', 'id', 'contactid', 'kontaktid', 'uuid', 'guid']],
  ['modifiedAt', ['modifytimestamp', 'whenchanged', 'modifiedat', 'updatedat', 'lastmodified']],
  ['modifiedAt', ['modified', 'updated', 'changed', 'changedat', 'lastchanged', 'geaendert']],
  ['modifiedAt', ['geaendertam', 'aenderungsdatum', 'zuletztgeaendert']],
  ['note', ['notes', 'notizen', 'note', 'notiz', 'memo', 'bemerkung', 'bemerkungen']],
  ['note', ['comment', 'comments', 'kommentar', 'info']],
  ['displayName', ['displayname', 'anzeigename', 'fullname', 'name', 'cn', 'commonname']],
  ['firstName', ['firstname', 'givenname', 'vorname']],
  ['lastName', ['lastname', 'familyname', 'surname', 'sn', 'nachname']],
  ['company', ['company', 'organizationname', 'organization1name', 'firma', 'organization']],
  ['company', ['organisation', 'o', 'unternehmen']],
  ['department', ['department', 'organizationdepartment', 'organization1department']],
  ['department', ['abteilung', 'ou']],
  ['jobTitle', ['jobtitle', 'organizationtitle', 'organization1title', 'position', 'title']],
  ['businessPhone', ['businessphone', 'telefongeschaeftlich', 'telephonenumber', 'phone1value']],
  ['businessPhone', ['phonebusiness', 'workphone', 'officephone', 'phone', 'telephone', 'tel']],
  ['businessPhone', ['telefon', 'telefonnummer', 'phonenumber', 'rufnummer']],
  ['businessPhone2', ['businessphone2', 'telefongeschaeftlich2', 'othertelephone']],
  ['mobilePhone', ['mobilephone', 'mobiltelefon', 'mobile', 'phone2value', 'cell', 'cellphone']],
  ['mobilePhone', ['handy', 'mobil', 'mobilenumber', 'handynummer']],
  ['homePhone', ['homephone', 'telefonprivat', 'phone3value', 'privat', 'privatetelephone']],
  ['businessFax', ['businessfax', 'faxgeschaeftlich', 'facsimiletelephonenumber', 'fax']],
  ['businessFax', ['telefax', 'faxnumber', 'faxnummer']],
  ['otherPhone', ['otherphone', 'weiterestelefon', 'ipphone', 'phone4value']],
  ['email', ['emailaddress', 'emailadresse', 'email1value', 'mail', 'email']],
  ['email2', ['email2address', 'email2adresse', 'email2value', 'email2', 'mail2']],
  ['street', ['businessstreet', 'strassegeschaeftlich', 'street', 'streetaddress']],
  ['street', ['address1street', 'strasse']],
  ['postalCode', ['businesspostalcode', 'postleitzahlgeschaeftlich', 'postalcode']],
  ['postalCode', ['address1postalcode', 'zip', 'zipcode', 'plz', 'postleitzahl']],
  ['city', ['businesscity', 'ortgeschaeftlich', 'city', 'l', 'address1city', 'ort', 'town']],
  ['city', ['stadt']],
  ['state', ['businessstate', 'regiongeschaeftlich', 'state', 'st', 'address1region']],
  ['state', ['region', 'bundesland']],
  ['country', ['businesscountryregion', 'landregiongeschaeftlich', 'country', 'co', 'c']],
  ['country', ['address1country', 'land']],
  ['url', ['webpage', 'webseite', 'wwwhomepage', 'labeleduri', 'website1value', 'url']],
  ['url', ['website', 'homepage', 'web']],
  ['birthday', ['birthday', 'geburtstag', 'birthdate', 'dateofbirth', 'geburtsdatum']],
  ['categories', ['categories', 'kategorien', 'labels', 'groupmembership', 'category']],
  ['categories', ['kategorie']],
];

type SplitRole = 'country' | 'area' | 'number' | 'extension' | 'none';

const SPLIT_ALIASES: Readonly<Record<Exclude<SplitRole, 'none'>, readonly string[]>> = {
  country: ['countrycode', 'countrycallingcode', 'callingcode', 'laendervorwahl', 'landesvorwahl'],
  area: ['areacode', 'vorwahl', 'ortsvorwahl', 'ortskennzahl'],
  number: ['number', 'nummer', 'rufnummer', 'basenumber', 'subscribernumber'],
  extension: ['extension', 'ext', 'durchwahl', 'nebenstelle', 'phoneextension'],
};
/** A plain phone column is the base number only beside a country or area code column. */
const GENERIC_PHONE = ['phone', 'telephone', 'tel', 'telefon', 'telefonnummer', 'phonenumber'];
/** The shapes a joined number can take (positional), best first. */
const SPLIT_SHAPES: ReadonlyArray<readonly SplitRole[]> = [
  ['country', 'area', 'number', 'extension'],
  ['country', 'area', 'number'],
  ['none', 'area', 'number', 'extension'],
  ['area', 'number'],
  ['number', 'extension'],
];

/** Countries whose area codes keep their leading 0 in international form (+39 06 …). */
const LEADING_ZERO_COUNTRIES: ReadonlySet<string> = new Set(['39', '378', '379']);

function foldColumnName(name: string): string {
  return foldText(name).replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * Proposes a mapping from column names: Outlook CSV exports in English and German, Google
 * Contacts CSV, inetOrgPerson and Active Directory attributes, usual database column names
 * (snake_case, camelCase, German). Each column is used at most once; unknown columns are
 * left out (they land in `extra`).
 *
 * Names are compared folded: case, umlauts, spaces and punctuation do not matter. Split
 * phone columns (country code, area code, number, extension) become one joined
 * `businessPhone` when a number column is present.
 *
 * @param columns - the source's column or attribute names, in source order
 * @returns a mapping that {@link validateMapping} accepts for these columns
 */
export function proposeMapping(columns: readonly string[]): Mapping {
  const byFolded = new Map<string, string>();
  for (const column of columns) {
    const folded = foldColumnName(column);
    if (folded && !byFolded.has(folded)) byFolded.set(folded, column);
  }
  const used = new Set<string>();
  const find = (aliases: readonly string[]): string | undefined => {
    for (const alias of aliases) {
      const column = byFolded.get(alias);
      if (column !== undefined && !used.has(column)) return column;
    }
    return undefined;
  };

  const mapping: Mapping = {};
  const joined = proposeSplitPhone(find);
  if (joined) {
    mapping.businessPhone = joined.join(JOIN_SEPARATOR);
    for (const column of joined) used.add(column);
  }
  for (const [key, aliases] of ALIASES) {
    if (key in mapping) continue;
    const column = find(aliases);
    if (column === undefined) continue;
    mapping[key] = column;
    used.add(column);
  }
  return mapping;
}

function proposeSplitPhone(
  find: (aliases: readonly string[]) => string | undefined,
): string[] | undefined {
  const found: Partial<Record<SplitRole, string>> = {
    none: NO_COLUMN,
    country: find(SPLIT_ALIASES.country),
    area: find(SPLIT_ALIASES.area),
    extension: find(SPLIT_ALIASES.extension),
  };
  found.number = find(SPLIT_ALIASES.number);
  if (found.number === undefined && (found.country ?? found.area) !== undefined) {
    found.number = find(GENERIC_PHONE);
  }
  for (const shape of SPLIT_SHAPES) {
    const parts = shape.map((role) => found[role]);
    if (parts.every((part) => part !== undefined)) return parts as string[];
  }
  return undefined;
}

function isMappingKey(key: string): key is MappingKey {
  return MAPPING_KEYS.has(key);
}

function isSpecialKey(key: MappingKey): key is SpecialKey {
  return (SPECIAL_KEYS as readonly string[]).includes(key);
}

/** What is wrong with a key or the shape of its value, whatever the source's columns. */
function shapeProblem(key: string, value: unknown, parts: number): string | undefined {
  if (!isMappingKey(key)) {
    return `unknown key; expected a contact field or one of ${SPECIAL_KEYS.join(', ')}`;
  }
  if (typeof value !== 'string' || value.trim() === '') return 'names no source column';
  if (parts > MAX_JOINED_PARTS) {
    return `joins at most ${MAX_JOINED_PARTS} columns (country + area + number + extension)`;
  }
  return undefined;
}

function splitJoined(value: string): string[] {
  return value.split(JOIN_PATTERN).map((part) => part.trim());
}

interface MappingProblem {
  field: string;
  problem: string;
}

function mappingError(problems: readonly MappingProblem[]): CtibookError {
  const [first] = problems;
  const field = first?.field ?? 'mapping';
  const problem = first?.problem ?? 'is invalid';
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new CtibookError('VALIDATION_FAILED', `${field}: ${problem}${more}`, {
    field,
    problem,
    problems,
  });
}

/**
 * Finds a column as the source spells it: exactly, then ignoring surrounding spaces, then
 * ignoring case when that is unambiguous (LDAP attribute names are case-insensitive).
 */
function createColumnResolver(columns: readonly string[]): (name: string) => string | undefined {
  const exact = new Set(columns);
  const byLower = new Map<string, string[]>();
  for (const column of columns) {
    const lower = column.trim().toLowerCase();
    byLower.set(lower, [...(byLower.get(lower) ?? []), column]);
  }
  return (name) => {
    if (exact.has(name)) return name;
    const trimmed = name.trim();
    if (exact.has(trimmed)) return trimmed;
    const candidates = byLower.get(trimmed.toLowerCase()) ?? [];
    return candidates.length === 1 ? candidates[0] : undefined;
  };
}

/** The columns a value names, as the source spells them, or the problem with it. */
function resolveValue(
  key: MappingKey,
  value: string,
  resolve: (name: string) => string | undefined,
): string[] | string {
  const whole = resolve(value);
  if (whole !== undefined) return [whole];
  if (!JOIN_PATTERN.test(value)) return `unknown column '${value.trim()}'`;
  if (!isPhoneField(key)) return `only phone fields can join columns with '${JOIN_SEPARATOR}'`;
  const parts = splitJoined(value);
  const tooMany = shapeProblem(key, value, parts.length);
  if (tooMany !== undefined) return tooMany;
  const resolved: string[] = [];
  for (const part of parts) {
    const column = part === NO_COLUMN ? NO_COLUMN : resolve(part);
    if (column === undefined) return `unknown column '${part}'`;
    resolved.push(column);
  }
  return resolved;
}

/**
 * Checks a mapping against the source's columns: unknown keys, unknown columns, a column
 * used for two fields, a join on a non-phone field or of more than 4 columns.
 *
 * @param mapping - the admin's mapping (keys: contact fields or {@link SPECIAL_KEYS})
 * @param columns - the source's column or attribute names
 * @returns the mapping with column names spelled as the source spells them (case of LDAP
 *   attributes, surrounding spaces) and joins written with `' + '`
 * @throws CtibookError `VALIDATION_FAILED` with details `{field: 'mapping.<key>', problem}`
 *   naming the first problem and `problems: [{field, problem}]` listing all
 */
export function validateMapping(mapping: Mapping, columns: readonly string[]): Mapping {
  const resolve = createColumnResolver(columns);
  const usedBy = new Map<string, string>();
  const problems: MappingProblem[] = [];
  const result: Mapping = {};
  for (const [key, value] of Object.entries(mapping)) {
    const field = `mapping.${key}`;
    const shape = shapeProblem(key, value, 1);
    if (shape !== undefined || !isMappingKey(key)) {
      problems.push({ field, problem: shape ?? 'is invalid' });
      continue;
    }
    const resolved = resolveValue(key, value, resolve);
    const problem =
      typeof resolved === 'string' ? resolved : duplicateProblem(key, resolved, usedBy);
    if (typeof resolved === 'string' || problem !== undefined) {
      problems.push({ field, problem: problem ?? 'is invalid' });
      continue;
    }
    result[key] = resolved.join(JOIN_SEPARATOR);
  }
  if (problems.length > 0) throw mappingError(problems);
  return result;
}

function duplicateProblem(
  key: string,
  columns: readonly string[],
  usedBy: Map<string, string>,
): string | undefined {
  for (const column of columns) {
    if (column === NO_COLUMN) continue;
    const other = usedBy.get(column);
    if (other === key) return `uses column '${column}' twice`;
    if (other !== undefined) return `column '${column}' is already mapped to '${other}'`;
    usedBy.set(column, key);
  }
  return undefined;
}

function ownValue(value: string): PropertyDescriptor {
  return { value, enumerable: true, writable: true, configurable: true };
}

/** Reads one cell, trimmed; absent or non-string cells read as ''. */
function cell(values: Record<string, string>, column: string): string {
  const value = values[column];
  return typeof value === 'string' ? value.trim() : '';
}

const ALL_DIGITS = /^\d*$/;
const NON_DIGITS = /\D+/g;

/** The digits of a country or area code, without leading zeros unless `keepZero`. */
function codeDigits(text: string, keepZero: boolean): string {
  const digits = ALL_DIGITS.test(text) ? text : text.replace(NON_DIGITS, '');
  if (keepZero) return digits;
  let start = 0;
  while (digits.charCodeAt(start) === 48) start += 1;
  return start === 0 ? digits : digits.slice(start);
}

/**
 * Writes a number split over columns as one number the normaliser reads. Two parts: side
 * by side. Three or four: `+<country> <area> <base>-<extension>`, or the national form
 * `0<area> <base>-<extension>` without a country; without a base only the extension (an
 * internal number) is left. Parts come trimmed.
 */
function joinPhoneParts(parts: readonly string[]): string {
  if (parts.length < 3) return parts.filter((part) => part !== '').join(' ');
  const base = parts[2] ?? '';
  let extension = parts[3] ?? '';
  // An extension written as "-123" must not give "4711--123".
  if (extension.charCodeAt(0) === 45) extension = extension.replace(/^[-\s]+/, '');
  if (base === '') return extension;
  const country = codeDigits(parts[0] ?? '', false);
  const area = codeDigits(parts[1] ?? '', LEADING_ZERO_COUNTRIES.has(country));
  let head = '';
  if (country !== '') head = area === '' ? `+${country}` : `+${country} ${area}`;
  else if (area !== '') head = `0${area}`;
  const number = head === '' ? base : `${head} ${base}`;
  return extension === '' ? number : `${number}-${extension}`;
}

interface JoinedField {
  field: PhoneField;
  whole: string;
  parts: readonly string[];
  /** Whether `whole` is itself a column; undefined: decide per row. */
  literal: boolean | undefined;
}

/**
 * Compiles a mapping once for speed (a sync applies it to millions of rows): the returned
 * function gives the same result as {@link applyMapping}.
 *
 * @param mapping - a mapping, best one that {@link validateMapping} returned
 * @param columns - the source's columns, when known: a phone value containing `' + '` that
 *   is itself one of them is read as that one column (otherwise decided per row)
 * @throws CtibookError `VALIDATION_FAILED` for unknown keys, empty values and joins of more
 *   than 4 columns; columns missing from a row read as empty
 */
export function compileMapping(
  mapping: Mapping,
  columns?: readonly string[],
): (values: Record<string, string>) => MappedRecord {
  const known = columns === undefined ? undefined : new Set(columns);
  const fields: Array<readonly [ContactField, string]> = [];
  const specials: Array<readonly [SpecialKey, string]> = [];
  const joins: JoinedField[] = [];
  const mapped = new Set<string>();
  const problems: MappingProblem[] = [];
  for (const [key, value] of Object.entries(mapping)) {
    const parts = isPhoneField(key) && typeof value === 'string' ? splitJoined(value) : [value];
    const problem = shapeProblem(key, value, parts.length);
    if (problem !== undefined || !isMappingKey(key)) {
      problems.push({ field: `mapping.${key}`, problem: problem ?? 'is invalid' });
      continue;
    }
    mapped.add(value);
    if (isSpecialKey(key)) specials.push([key, value]);
    else if (parts.length === 1 || !isPhoneField(key)) fields.push([key, value]);
    else {
      for (const part of parts) if (part !== NO_COLUMN) mapped.add(part);
      joins.push({ field: key, whole: value, parts, literal: known?.has(value) });
    }
  }
  if (problems.length > 0) throw mappingError(problems);

  return (values) => {
    const data: ContactData = {};
    const record: MappedRecord = { data };
    for (const [key, column] of specials) {
      const value = cell(values, column);
      if (value !== '') record[key] = value;
    }
    for (const [field, column] of fields) {
      const value = cell(values, column);
      if (value !== '') data[field] = value;
    }
    for (const join of joins) {
      const literal = join.literal ?? Object.hasOwn(values, join.whole);
      const value = literal
        ? cell(values, join.whole)
        : joinPhoneParts(join.parts.map((part) => (part === NO_COLUMN ? '' : cell(values, part))));
      if (value !== '') data[join.field] = value;
    }
    let extra: Record<string, string> | undefined;
    for (const column of Object.keys(values)) {
      if (mapped.has(column)) continue;
      const value = cell(values, column);
      if (value === '') continue;
      extra ??= {};
      // A column named `__proto__` must stay a column, not replace the prototype.
      if (column === '__proto__') Object.defineProperty(extra, column, ownValue(value));
      else extra[column] = value;
    }
    if (extra !== undefined) data.extra = extra;
    return record;
  };
}

/**
 * Applies a mapping to one row: mapped fields (trimmed, empty dropped), joined phone
 * numbers, and every unmapped non-empty column in `data.extra` (column name → value; no
 * `extra` when there is none). Special keys go to `id`, `modifiedAt`, `note`.
 *
 * @param values - one source row, column name → value
 * @param mapping - a mapping, best one that {@link validateMapping} returned
 * @throws CtibookError `VALIDATION_FAILED` as {@link compileMapping} does
 */
export function applyMapping(values: Record<string, string>, mapping: Mapping): MappedRecord {
  return compileMapping(mapping)(values);
}
