/**
 * Turns ldapts search entries into a source's string values. Pure, no I/O.
 *
 * - A single-valued attribute is its value. A multi-valued one gives its first value
 *   under its own name and the next ones under `name#2`, `name#3`, … (up to
 *   {@link MAX_VALUES}), in the order the server sent them: each value stays whole
 *   (values may themselves contain `;` or `,`), a phone mapping gets one number, and the
 *   rest land in `extra` under names an admin can still map (`telephoneNumber#2`).
 * - `objectGUID` becomes the usual GUID string (`3f2504e0-4f89-11d3-9a0c-0305e82c3301`,
 *   the first three groups little-endian as Windows writes them); `objectSid` becomes
 *   `S-1-5-21-…`.
 * - Other binary values (photos, certificates) are left out, as are `objectClass` and
 *   password attributes: a phone book must never copy password hashes.
 *
 * @module
 */
import type { Entry } from 'ldapts';

/** Values of one attribute kept at most; `memberOf` lists can run into the thousands. */
export const MAX_VALUES = 10;

/** Attributes that hold GUIDs in binary (Active Directory). */
const GUID_ATTRIBUTES: ReadonlySet<string> = new Set(['objectguid', 'msexchmailboxguid']);
/** Attributes that hold security identifiers in binary (Active Directory). */
const SID_ATTRIBUTES: ReadonlySet<string> = new Set(['objectsid']);
/**
 * Never copied: object classes are no contact data, passwords must not leave the directory,
 * and photos, sounds and certificates are bytes even when they happen to be valid UTF-8.
 */
const LEFT_OUT: ReadonlySet<string> = new Set([
  'objectclass',
  'jpegphoto',
  'photo',
  'thumbnailphoto',
  'audio',
  'usercertificate',
  'usersmimecertificate',
  'cacertificate',
  'userpassword',
  'authpassword',
  'unicodepwd',
  'dbcspwd',
  'ntpwdhistory',
  'lmpwdhistory',
  'supplementalcredentials',
  'sambantpassword',
  'sambalmpassword',
  'userpkcs12',
]);

/** Attributes whose single text values still need a look: converted or left out. */
const SPECIAL: ReadonlySet<string> = new Set([...GUID_ATTRIBUTES, ...SID_ATTRIBUTES, ...LEFT_OUT]);

/** Whether an attribute holds binary GUIDs (then ids are matched as bytes, see {@link guidToBytes}). */
export function isGuidAttribute(name: string): boolean {
  return GUID_ATTRIBUTES.has(name.toLowerCase());
}

/** The names to hand ldapts as `explicitBufferAttributes`, so GUIDs are never misread as text. */
export function binaryAttributeNames(): string[] {
  const names = ['objectGUID', 'objectSid', 'msExchMailboxGuid'];
  return names.flatMap((name) => [name, name.toLowerCase()]);
}

/** An entry's attributes as strings (see the module comment), `dn` included. */
export function entryValues(entry: Entry): Record<string, string> {
  const values: Record<string, string> = { dn: entry.dn };
  for (const name in entry) {
    if (name === 'dn') continue;
    const raw = entry[name];
    if (raw === undefined) continue;
    // The common case, one text value, without building lists.
    if (typeof raw === 'string' && !SPECIAL.has(name.toLowerCase())) {
      values[name] = raw;
      continue;
    }
    const texts = attributeTexts(name, raw);
    for (let i = 0; i < texts.length && i < MAX_VALUES; i++) {
      values[i === 0 ? name : `${name}#${i + 1}`] = texts[i] ?? '';
    }
  }
  return values;
}

/** The first value of an attribute, found regardless of the case the server wrote its name in. */
export function attributeValue(entry: Entry, attribute: string): string | undefined {
  const wanted = attribute.toLowerCase();
  for (const [name, raw] of Object.entries(entry)) {
    if (name === 'dn' || name.toLowerCase() !== wanted) continue;
    return attributeTexts(name, raw, true)[0];
  }
  return undefined;
}

function attributeTexts(name: string, raw: Entry[string], evenIfLeftOut = false): string[] {
  const lower = name.toLowerCase();
  if (!evenIfLeftOut && (LEFT_OUT.has(lower) || lower.endsWith(';binary'))) return [];
  const list: (string | Buffer)[] = Array.isArray(raw) ? raw : [raw];
  const texts: string[] = [];
  for (const value of list) {
    if (GUID_ATTRIBUTES.has(lower)) {
      const guid = Buffer.isBuffer(value) ? guidToString(value) : value;
      if (guid !== undefined) texts.push(guid);
    } else if (SID_ATTRIBUTES.has(lower)) {
      const sid = Buffer.isBuffer(value) ? sidToString(value) : value;
      if (sid !== undefined) texts.push(sid);
    } else if (typeof value === 'string') {
      texts.push(value);
    }
    // Any other Buffer is a value that is not UTF-8 text: binary, left out.
  }
  return texts;
}

/**
 * A 16-byte binary GUID as Windows writes it: the first three groups little-endian,
 * lower-case hex. Undefined when the value is not 16 bytes.
 */
export function guidToString(bytes: Buffer): string | undefined {
  if (bytes.length !== 16) return undefined;
  const hex = (from: number, to: number, reverse: boolean): string => {
    const part = [...bytes.subarray(from, to)];
    return (reverse ? part.reverse() : part).map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return [
    hex(0, 4, true),
    hex(4, 6, true),
    hex(6, 8, true),
    hex(8, 10, false),
    hex(10, 16, false),
  ].join('-');
}

/** The 16 bytes of a GUID string, the inverse of {@link guidToString}; undefined when malformed. */
export function guidToBytes(guid: string): Buffer | undefined {
  const match =
    /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i.exec(
      guid.trim(),
    );
  if (!match) return undefined;
  const [, a = '', b = '', c = '', d = '', e = ''] = match;
  const le = (hex: string): Buffer => Buffer.from(hex, 'hex').reverse();
  return Buffer.concat([le(a), le(b), le(c), Buffer.from(d + e, 'hex')]);
}

/** A binary security identifier as `S-1-5-21-…`; undefined when malformed. */
export function sidToString(bytes: Buffer): string | undefined {
  if (bytes.length < 8) return undefined;
  const revision = bytes[0] ?? 0;
  const count = bytes[1] ?? 0;
  if (bytes.length !== 8 + 4 * count) return undefined;
  const authority = bytes.readUIntBE(2, 6);
  const subAuthorities = Array.from({ length: count }, (_, i) => bytes.readUInt32LE(8 + 4 * i));
  return ['S', revision, authority, ...subAuthorities].join('-');
}
