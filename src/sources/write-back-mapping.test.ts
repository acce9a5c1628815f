import { describe, expect, it } from 'vitest';
import { compileMapping } from './mapping.js';
import { createWriteBackMapping } from './write-back-mapping.js';

const COLUMNS = ['Nr', 'Vorname', 'Nachname', 'Vorwahl', 'Rufnummer', 'Handy', 'Notiz', 'Raum'];
const MAPPING = {
  id: 'Nr',
  firstName: 'Vorname',
  lastName: 'Nachname',
  businessPhone: 'Vorwahl + Rufnummer',
  mobilePhone: 'Handy',
  note: 'Notiz',
};

describe('createWriteBackMapping', () => {
  const back = createWriteBackMapping(MAPPING, COLUMNS);

  it('writes 1:1 fields, a mapped note and extra entries named after unmapped columns', () => {
    expect(
      back.values({
        firstName: ' Anna ',
        mobilePhone: '0171 1',
        extra: { note: 'VIP', Raum: 'B 12' },
      }),
    ).toEqual({ Vorname: 'Anna', Handy: '0171 1', Notiz: 'VIP', Raum: 'B 12' });
  });

  it('clears mapped fields missing from a replacement, and leaves unnamed columns alone', () => {
    expect(back.values({ lastName: 'Groß' }, { clearMissing: true })).toEqual({
      Vorname: '',
      Nachname: 'Groß',
      Handy: '',
    });
  });

  it('refuses to change a joined number, naming the field, but takes it back unchanged', () => {
    const current = { businessPhone: '089 4711', lastName: 'Groß' };
    expect(() => back.values({ businessPhone: '089 4712' }, { current })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        details: expect.objectContaining({ field: 'businessPhone' }),
        message: expect.stringContaining('Vorwahl + Rufnummer'),
      }),
    );
    expect(back.values({ businessPhone: '089 4711', lastName: 'Groß' }, { current })).toEqual({
      Nachname: 'Groß',
    });
  });

  it('refuses fields and extra entries that have no column, unless sent back unchanged', () => {
    expect(() => back.values({ company: 'ACME' })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ field: 'company' }) }),
    );
    expect(() => back.values({ extra: { Fax: '1' } })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ field: 'extra.Fax' }) }),
    );
    expect(() => back.values({ extra: { Vorname: 'X' } })).toThrow(/mapped to a contact field/);
    const current = { displayName: 'Anna Groß', extra: { Fax: '1' } };
    expect(back.values({ displayName: 'Anna Groß', extra: { Fax: '1' } }, { current })).toEqual({});
  });

  it('round-trips with the mapping a sync applies', () => {
    const row = { Nr: '7', Vorname: 'Jürgen', Nachname: 'Weiß', Handy: '0171 2', Raum: 'C' };
    const mapped = compileMapping(MAPPING, COLUMNS)(row);
    const values = back.values(mapped.data, { clearMissing: true });
    expect(values).toEqual({ Vorname: 'Jürgen', Nachname: 'Weiß', Handy: '0171 2', Raum: 'C' });
  });

  it('keeps a column named __proto__ a column', () => {
    const odd = createWriteBackMapping({}, ['__proto__']);
    const values = odd.values({
      extra: JSON.parse('{"__proto__": "x"}') as Record<string, string>,
    });
    expect(Object.keys(values)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
  });
});
