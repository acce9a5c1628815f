/**
 * The way back from contact fields to source columns, for writable external books: the
 * inverse of a book's {@link Mapping}. Only 1:1 mappings can be written; a phone number
 * joined from several columns (` + `) cannot be split again, so changing it is an error.
 * Pure, no I/O.
 *
 * @module
 */
import type { ContactData, ContactField } from '../domain/contact.js';
import { CONTACT_FIELDS } from '../domain/contact.js';
import { invalidField } from '../domain/errors.js';
import type { Mapping } from './mapping.js';

/** What a write changes, and against what. */
export interface WriteBackOptions {
  /**
   * The record as cached (its derived `displayName` included): a field that has no column
   * of its own may be sent back unchanged.
   */
  current?: ContactData & { displayName?: string };
  /** PUT: mapped fields missing from the changes are cleared in the source. */
  clearMissing?: boolean;
}

/** A book's mapping turned around; see {@link createWriteBackMapping}. */
export interface WriteBackMapping {
  /**
   * Source column → value for a write: every given (with `clearMissing`, every mapped)
   * 1:1 field, a mapped note column from `extra.note`, and the `extra` entries whose keys
   * are columns no field is mapped to. Values are trimmed.
   * @throws CtibookError VALIDATION_FAILED naming the field (`businessPhone`,
   *   `extra.<column>`) whose new value has no column of its own to go to.
   */
  values(changes: ContactData, options?: WriteBackOptions): Record<string, string>;
}

/** A mapping turned around: which column each field goes to, and what cannot go back. */
interface Inverse {
  /** Fields mapped 1:1, to their column. */
  direct: Map<ContactField, string>;
  /** Fields joined from several columns, to the mapping's value (`a + b`). */
  joined: Map<string, string>;
  /** Every column some mapping key reads. */
  mapped: Set<string>;
  /** Columns no key reads: they travel in `extra`. */
  free: Set<string>;
  noteColumn: string | undefined;
}

/**
 * Builds the inverse of `mapping` for a source with these columns.
 * @param mapping - the book's mapping (as {@link validateMapping} returned it)
 * @param columns - the source's writable columns (without a memo column used for notes)
 */
export function createWriteBackMapping(
  mapping: Mapping,
  columns: readonly string[],
): WriteBackMapping {
  const inverse = invert(mapping, columns);
  return {
    values(changes, options = {}) {
      const out: Record<string, string> = {};
      fieldValues(inverse, changes, options, out);
      extraValues(inverse, changes, options.current, out);
      return out;
    },
  };
}

function invert(mapping: Mapping, columns: readonly string[]): Inverse {
  const resolve = columnResolver(columns);
  const inverse: Inverse = {
    direct: new Map(),
    joined: new Map(),
    mapped: new Set(),
    free: new Set(),
    noteColumn: undefined,
  };
  for (const [key, value] of Object.entries(mapping)) {
    const column = resolve(value);
    if (column === undefined) {
      inverse.joined.set(key, value);
      for (const part of value.split(/\s+\+\s+/)) inverse.mapped.add(resolve(part.trim()) ?? part);
      continue;
    }
    inverse.mapped.add(column);
    if (key === 'note') inverse.noteColumn = column;
    else if (isContactField(key)) inverse.direct.set(key, column);
  }
  for (const column of columns) if (!inverse.mapped.has(column)) inverse.free.add(column);
  return inverse;
}

/** The contact fields' columns; a field without a column of its own may only come back unchanged. */
function fieldValues(
  inverse: Inverse,
  changes: ContactData,
  { current, clearMissing = false }: WriteBackOptions,
  out: Record<string, string>,
): void {
  for (const field of CONTACT_FIELDS) {
    const given = Object.hasOwn(changes, field);
    if (!given && !clearMissing) continue;
    const value = (changes[field] ?? '').trim();
    const column = inverse.direct.get(field);
    if (column !== undefined) {
      setOwn(out, column, value);
      continue;
    }
    if (!given || value === (current?.[field] ?? '').trim()) continue;
    const join = inverse.joined.get(field);
    throw invalidField(
      field,
      join === undefined
        ? 'is mapped to no column of the source, so it cannot be stored there'
        : `is joined from the source columns ${join}; it cannot be written back`,
    );
  }
}

/** `extra.note` to a mapped note column, other entries to the unmapped columns they name. */
function extraValues(
  inverse: Inverse,
  changes: ContactData,
  current: ContactData | undefined,
  out: Record<string, string>,
): void {
  for (const [name, raw] of Object.entries(changes.extra ?? {})) {
    const value = raw.trim();
    if (name === 'note' && inverse.noteColumn !== undefined) setOwn(out, inverse.noteColumn, value);
    else if (inverse.free.has(name)) setOwn(out, name, value);
    else if (value !== (current?.extra?.[name] ?? '').trim()) {
      throw invalidField(
        `extra.${name}`,
        inverse.mapped.has(name)
          ? `column ${name} is mapped to a contact field; change that field instead`
          : `the source has no column ${name} that could hold it`,
      );
    }
  }
}

function isContactField(key: string): key is ContactField {
  return (CONTACT_FIELDS as readonly string[]).includes(key);
}

/** Finds a column as the source spells it: exactly, else ignoring case when unambiguous. */
function columnResolver(columns: readonly string[]): (name: string) => string | undefined {
  const exact = new Set(columns);
  const byLower = new Map<string, string[]>();
  for (const column of columns) {
    const lower = column.toLowerCase();
    byLower.set(lower, [...(byLower.get(lower) ?? []), column]);
  }
  return (name) => {
    if (exact.has(name)) return name;
    const candidates = byLower.get(name.trim().toLowerCase()) ?? [];
    return candidates.length === 1 ? candidates[0] : undefined;
  };
}

/** A column named `__proto__` must stay a column, not replace the prototype. */
function setOwn(target: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
