import type { Entry } from 'ldapts';
import { describe, expect, it } from 'vitest';
import {
  attributeValue,
  entryValues,
  guidToBytes,
  guidToString,
  MAX_VALUES,
  sidToString,
} from './ldap-entry.js';

// The GUID of RFC 4122's example, as Active Directory stores it (first 3 groups little-endian).
const GUID = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
const GUID_BYTES = Buffer.from('e004253f894fd3119a0c0305e82c3301', 'hex');

describe('binary Active Directory attributes', () => {
  it('writes objectGUID as the usual GUID string, and back', () => {
    expect(guidToString(GUID_BYTES)).toBe(GUID);
    expect(guidToBytes(GUID)).toEqual(GUID_BYTES);
    expect(guidToBytes(`{${GUID.toUpperCase()}}`)).toEqual(GUID_BYTES);
    expect(guidToBytes('*)(uid=*')).toBeUndefined();
    expect(guidToString(Buffer.alloc(15))).toBeUndefined();
  });

  it('writes objectSid as S-1-5-21-…', () => {
    const sub = [21, 3623811015, 3361044348, 30300820, 1013];
    const sid = Buffer.alloc(8 + 4 * sub.length);
    sid.writeUInt8(1, 0);
    sid.writeUInt8(sub.length, 1);
    sid.writeUIntBE(5, 2, 6);
    sub.forEach((n, i) => sid.writeUInt32LE(n, 8 + 4 * i));
    expect(sidToString(sid)).toBe('S-1-5-21-3623811015-3361044348-30300820-1013');
    expect(sidToString(sid.subarray(0, 10))).toBeUndefined();
  });

  it('converts them inside entries', () => {
    const entry: Entry = { dn: 'CN=Anna,DC=corp', objectGUID: GUID_BYTES, cn: 'Anna' };
    expect(entryValues(entry)).toEqual({ dn: 'CN=Anna,DC=corp', objectGUID: GUID, cn: 'Anna' });
    expect(attributeValue(entry, 'objectguid')).toBe(GUID);
  });
});

describe('entryValues', () => {
  it('gives multi-valued attributes as name, name#2, … up to a limit', () => {
    const many = Array.from({ length: 15 }, (_, i) => `cn=group ${i},ou=groups`);
    const values = entryValues({
      dn: 'uid=a',
      telephoneNumber: ['089 1', '089 2'],
      memberOf: many,
    });
    expect(values).toMatchObject({ telephoneNumber: '089 1', 'telephoneNumber#2': '089 2' });
    expect(values['memberOf#10']).toBe(many[9]);
    expect(Object.keys(values).filter((k) => k.startsWith('memberOf'))).toHaveLength(MAX_VALUES);
  });

  it('leaves out object classes, passwords, photos and other bytes', () => {
    const values = entryValues({
      dn: 'uid=a',
      objectClass: ['top', 'inetOrgPerson'],
      userPassword: '{SSHA}abc',
      jpegPhoto: Buffer.from('ffd8ff', 'hex'),
      'userCertificate;binary': Buffer.from('3082', 'hex'),
      x500UniqueIdentifier: Buffer.from('ff00', 'hex'),
      sn: 'Weiß',
      description: [],
    });
    expect(values).toEqual({ dn: 'uid=a', sn: 'Weiß' });
  });
});
