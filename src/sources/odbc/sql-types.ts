/** ODBC SQL data type codes (`SQLDescribeCol`), as node-odbc reports them in `dataType`. */
const CHARACTER = new Set([1, 12, -1, -8, -9, -10, -11]); // CHAR VARCHAR LONGVARCHAR WCHAR WVARCHAR WLONGVARCHAR GUID
const EXACT_NUMERIC = new Set([2, 3, 4, 5, -5, -6]); // NUMERIC DECIMAL INTEGER SMALLINT BIGINT TINYINT
const BINARY = new Set([-2, -3, -4]); // BINARY VARBINARY LONGVARBINARY
const DATE_TIME = new Set([9, 11, 91, 93, -155]); // DATE TIMESTAMP TYPE_DATE TYPE_TIMESTAMP TIMESTAMPOFFSET

/** Text columns: an empty string is written as itself, not as NULL. */
export function isCharacterType(dataType: number): boolean {
  return CHARACTER.has(dataType);
}

/**
 * Integers and decimals: read as text by the database itself, so BIGINTs, 20-digit
 * numbers and `3.10` arrive exactly (and the SQLite driver's INTEGER over 32 bits,
 * otherwise read wrongly, arrives right).
 */
export function isExactNumericType(dataType: number): boolean {
  return EXACT_NUMERIC.has(dataType);
}

const INTEGER = new Set([4, 5, -5, -6]);

/**
 * Whether `id` can be a value of an id column of this type. MariaDB compares `'1abc'`
 * with an integer column as 1, so a text that is no number must not reach the query.
 */
export function canBeIdOf(dataType: number, id: string): boolean {
  if (INTEGER.has(dataType)) return /^-?\d+$/.test(id);
  if (EXACT_NUMERIC.has(dataType)) return /^-?\d+(?:\.\d+)?$/.test(id);
  return true;
}

/** Binary columns (photos, attachments): left out of the columns and values. */
export function isBinaryType(dataType: number): boolean {
  return BINARY.has(dataType);
}

/** Date and time columns: a modified-time column of this type is set on ctibook's writes. */
export function isDateTimeType(dataType: number): boolean {
  return DATE_TIME.has(dataType);
}

/**
 * A value as ctibook's sources deliver it: text. NULL is `''`, numbers and BigInts their
 * decimal form, dates ISO 8601, bytes (in a column not declared binary) base64.
 */
export function toText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (value instanceof Date) return value.toISOString();
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString('base64');
  if (ArrayBuffer.isView(value)) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  }
  return String(value);
}
