import { describe, expect, it } from 'vitest';
import { createNumberNormalizer } from '../src/domain/phone-number.js';
import {
  BENCH_LOCATION,
  QUERY_KINDS,
  companyAt,
  contactAt,
  generateContacts,
  incomingNumbers,
  isUnknownRange,
  searchQueries,
} from './generate.js';

const COUNT = 5000;
const normalizer = createNumberNormalizer(BENCH_LOCATION);
const contacts = [...generateContacts({ count: COUNT, seed: 7 })];

describe('benchmark data generator', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const again = [...generateContacts({ count: COUNT, seed: 7 })];
    expect(again).toEqual(contacts);
    expect(contactAt(7, COUNT, 4321)).toEqual(contacts[4321]);
    const other = [...generateContacts({ count: 50, seed: 8 })];
    expect(other.map((c) => c.data)).not.toEqual(contacts.slice(0, 50).map((c) => c.data));
    expect(incomingNumbers({ contacts: COUNT, count: 200, seed: 7 })).toEqual(
      incomingNumbers({ contacts: COUNT, count: 200, seed: 7 }),
    );
    expect(searchQueries({ contacts: COUNT, count: 20, kind: 'prefix2', seed: 7 })).toEqual(
      searchQueries({ contacts: COUNT, count: 20, kind: 'prefix2', seed: 7 }),
    );
  });

  it('writes numbers that normalise to the number they mean', () => {
    const numbers = contacts.flatMap((c) => c.numbers).filter((n) => n.e164 !== null);
    const wrong = numbers.filter((n) => normalizer.normalize(n.written)?.canonical !== n.e164);
    expect(numbers.length).toBeGreaterThan(COUNT);
    expect(wrong.map((n) => `${n.written} → ${n.e164}`)).toEqual([]);
    // Every written form the generator knows shows up.
    const written = numbers.map((n) => n.written);
    for (const form of [
      /^\+49 \(0\)89 /,
      /^089\/\d+/,
      /^\(089\) /,
      /^0049 /,
      /^017\d /,
      /^\+43 /,
    ]) {
      expect(written.some((w) => form.test(w))).toBe(true);
    }
    expect(written.some((w) => /^[1-9][\d ]+$/.test(w))).toBe(true); // local, no area code
  });

  it('has companies with a main number and staff on direct-dial extensions', () => {
    const company = contacts.find(
      (c) => c.kind === 'company' && c.data.businessPhone?.endsWith('-0'),
    );
    expect(company).toBeDefined();
    const base = companyAt(7, company?.company ?? 0).base ?? '';
    const staff = contacts.filter((c) => c.kind === 'staff' && c.company === company?.company);
    expect(staff.length).toBeGreaterThan(5);
    const direct = staff.flatMap((c) => c.numbers).filter((n) => n.e164?.startsWith(base));
    expect(direct.length).toBeGreaterThan(0);
    for (const n of direct) {
      expect(normalizer.normalize(n.written)).toMatchObject({ canonical: n.e164 });
    }
  });

  it('uses umlauts, ß and accents, duplicates and some junk', () => {
    const names = contacts
      .map((c) => `${c.data.firstName ?? ''} ${c.data.lastName ?? ''}`)
      .join(' ');
    expect(names).toMatch(/[äöü]/);
    expect(names).toMatch(/ß/);
    expect(names).toMatch(/[éèçô]/);
    expect(contacts.some((c) => c.kind === 'duplicate')).toBe(true);
    expect(contacts.some((c) => c.numbers.some((n) => n.e164 === null))).toBe(true);
  });

  it('gives incoming numbers with the answer a lookup must give', () => {
    const calls = incomingNumbers({ contacts: COUNT, count: 2000, seed: 7 });
    const stored = new Set(contacts.flatMap((c) => c.numbers.map((n) => n.e164)));
    const kinds = new Set(calls.map((c) => c.expected.kind));
    expect(kinds).toEqual(new Set(['exact', 'company', 'none']));
    for (const call of calls) {
      if (call.expected.kind === 'exact') {
        const contact = contacts[call.expected.index];
        expect(contact?.numbers.map((n) => n.e164)).toContain(call.e164);
      } else {
        expect(stored.has(call.e164)).toBe(false);
      }
      if (call.expected.kind === 'none') {
        expect(isUnknownRange(call.e164.replace(/^\+(49|43|41|44|1)/, ''))).toBe(true);
      }
    }
    // The PBX forms read back to the number meant, but for the ones an outside-line
    // prefix makes ambiguous (a German mobile behind "0" can read as a US number).
    const misread = calls.filter((c) => normalizer.normalize(c.number)?.canonical !== c.e164);
    expect(misread.length).toBeLessThan(calls.length * 0.05);
  });

  it('makes search queries of every kind', () => {
    for (const kind of QUERY_KINDS) {
      const queries = searchQueries({ contacts: COUNT, count: 50, kind, seed: 7 });
      expect(queries).toHaveLength(50);
      if (kind === 'twoWords') expect(queries.every((q) => q.split(' ').length === 2)).toBe(true);
      else expect(queries.every((q) => q.length === Number(kind.slice(-1)))).toBe(true);
    }
  });
});
