import { describe, expect, it } from 'vitest';
import { ChangePageSchema, ContactSchema, isContact } from './api-types.js';

const good = {
  id: 'c1',
  displayName: 'Anna',
  lastName: 'Schmidt',
  phonebook: 'Sales',
  etag: '"1-2"',
  updatedAt: '2026-11-26T00:00:00.000Z',
  extra: { Column: 'x' },
  normalized: { businessPhone: '+49891' },
};

describe('isContact', () => {
  it('agrees with the contact schema', () => {
    const cases: unknown[] = [
      good,
      { ...good, id: '' },
      { ...good, id: 'x'.repeat(513) },
      { ...good, lastName: 5 },
      { ...good, extra: { a: 1 } },
      { ...good, extra: [] },
      { ...good, normalized: null },
      { ...good, etag: undefined },
      { ...good, unknown: 7 },
      null,
      [],
      'c1',
    ];
    for (const value of cases) {
      expect(isContact(value), JSON.stringify(value)).toBe(ContactSchema.safeParse(value).success);
    }
  });

  it('makes a change page with a bad contact fail, naming where', () => {
    const parsed = ChangePageSchema.safeParse({
      token: '1.2',
      reset: false,
      more: false,
      upserts: [good, { ...good, phonebook: 3 }],
      deletes: [],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['upserts', 1]);
  });
});
