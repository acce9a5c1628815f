import { FilterParser } from 'ldapts';
import { describe, expect, it } from 'vitest';
import {
  changedSinceFilter,
  escapeFilterValue,
  filterProblem,
  generalizedTime,
  idFilter,
  isBalancedFilter,
  normalizeFilter,
} from './ldap-filter.js';

describe('escapeFilterValue', () => {
  it('escapes the five characters RFC 4515 reserves, and nothing else', () => {
    expect(escapeFilterValue('*)(uid=*')).toBe('\\2a\\29\\28uid=\\2a');
    expect(escapeFilterValue('a\\b\0c')).toBe('a\\5cb\\00c');
    expect(escapeFilterValue("Groß & Söhne 'O\"Brien' =<>~|!")).toBe(
      "Groß & Söhne 'O\"Brien' =<>~|!",
    );
    expect(escapeFilterValue('')).toBe('');
  });

  it('yields values ldapts reads back as the very same text, never as filter syntax', () => {
    for (const value of ['*)(uid=*', '*', 'x)(|(objectClass=*', '\\2a', 'Łódź (Süd) *', '\0']) {
      const filter = FilterParser.parseString(`(uid=${escapeFilterValue(value)})`);
      expect(filter.constructor.name).toBe('EqualityFilter');
      expect((filter as unknown as { value: string }).value).toBe(value);
    }
  });
});

describe('idFilter and changedSinceFilter', () => {
  it('put the escaped id and the time inside the admin filter', () => {
    expect(idFilter('(objectClass=inetOrgPerson)', 'uid', '*)(uid=*')).toBe(
      '(&(objectClass=inetOrgPerson)(uid=\\2a\\29\\28uid=\\2a))',
    );
    expect(changedSinceFilter('objectClass=person', new Date('2026-11-25T19:18:40.999Z'))).toBe(
      '(&(objectClass=person)(modifyTimestamp>=20261125191840Z))',
    );
  });

  it('writes GeneralizedTime in UTC, rounded down to the second', () => {
    expect(generalizedTime(new Date('2026-01-02T03:04:05.678+02:00'))).toBe('20260102010405Z');
  });
});

describe('checking an admin filter', () => {
  it('accepts balanced filters, bare ones too', () => {
    for (const filter of [
      '(objectClass=inetOrgPerson)',
      'objectClass=person',
      '(&(objectCategory=person)(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))',
      '(|(cn=Gro\\c3\\9f*)(sn=M\\c3\\bcller)(o=a\\28b\\29))',
    ]) {
      expect(filterProblem(filter), filter).toBeUndefined();
    }
  });

  it('names what is wrong', () => {
    expect(isBalancedFilter('(&(a=b)')).toBe(false);
    expect(isBalancedFilter('(a=b))')).toBe(false);
    expect(isBalancedFilter('(a=b)(c=d)')).toBe(false);
    expect(isBalancedFilter(')a=b(')).toBe(false);
    expect(filterProblem('(&(a=b)')).toMatch(/unbalanced parentheses/);
    expect(filterProblem('(cn=a(b)')).toMatch(/unbalanced parentheses/);
    expect(filterProblem('(objectGUID=\\e0\\04\\25\\3f)')).toMatch(/binary values/);
    expect(filterProblem('(=x)')).toMatch(/not a valid LDAP filter/);
  });

  it('turns escaped UTF-8 into characters, which ldapts would garble, and keeps ASCII escapes', () => {
    expect(normalizeFilter('sn=M\\c3\\bcller')).toBe('(sn=Müller)');
    expect(normalizeFilter('(cn=\\2a\\c3\\bc\\29)')).toBe('(cn=\\2aü\\29)');
    expect(normalizeFilter('(cn=\\2a)')).toBe('(cn=\\2a)');
  });
});
