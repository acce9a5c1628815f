import { describe, expect, it } from 'vitest';
import { CtibookError } from '../domain/errors.js';
import { createNumberNormalizer, DEFAULT_LOCATION } from '../domain/phone-number.js';
import type { Mapping, MappedRecord } from './mapping.js';
import { applyMapping, compileMapping, proposeMapping, validateMapping } from './mapping.js';

// prettier-ignore
const OUTLOOK_EN = [
  'Title', 'First Name', 'Middle Name', 'Last Name', 'Suffix', 'Company', 'Department',
  'Job Title', 'Business Street', 'Business Street 2', 'Business City', 'Business State',
  'Business Postal Code', 'Business Country/Region', 'Home Street', 'Home City',
  "Assistant's Phone", 'Business Fax', 'Business Phone', 'Business Phone 2', 'Car Phone',
  'Company Main Phone', 'Home Fax', 'Home Phone', 'Home Phone 2', 'Mobile Phone', 'Other Fax',
  'Other Phone', 'Pager', 'Primary Phone', 'Birthday', 'Categories', 'E-mail Address',
  'E-mail Type', 'E-mail Display Name', 'E-mail 2 Address', 'E-mail 3 Address', 'Notes',
  'Web Page',
];

// prettier-ignore
const OUTLOOK_DE = [
  'Anrede', 'Vorname', 'Weitere Vornamen', 'Nachname', 'Firma', 'Abteilung', 'Position',
  'Straße geschäftlich', 'Straße geschäftlich 2', 'Ort geschäftlich', 'Region geschäftlich',
  'Postleitzahl geschäftlich', 'Land/Region geschäftlich', 'Straße privat', 'Fax geschäftlich',
  'Telefon geschäftlich', 'Telefon geschäftlich 2', 'Autotelefon', 'Telefon Firma',
  'Fax privat', 'Telefon privat', 'Telefon privat 2', 'Mobiltelefon', 'Weiteres Fax',
  'Weiteres Telefon', 'Pager', 'Geburtstag', 'Kategorien', 'E-Mail-Adresse', 'E-Mail-Typ',
  'E-Mail: Angezeigter Name', 'E-Mail 2: Adresse', 'Notizen', 'Webseite',
];

// prettier-ignore
const GOOGLE_OLD = [
  'Name', 'Given Name', 'Additional Name', 'Family Name', 'Nickname', 'Birthday', 'Notes',
  'Group Membership', 'E-mail 1 - Type', 'E-mail 1 - Value', 'E-mail 2 - Type',
  'E-mail 2 - Value', 'Phone 1 - Type', 'Phone 1 - Value', 'Phone 2 - Type', 'Phone 2 - Value',
  'Phone 3 - Type', 'Phone 3 - Value', 'Phone 4 - Type', 'Phone 4 - Value', 'Address 1 - Type',
  'Address 1 - Formatted', 'Address 1 - Street', 'Address 1 - City', 'Address 1 - Region',
  'Address 1 - Postal Code', 'Address 1 - Country', 'Organization 1 - Type',
  'Organization 1 - Name', 'Organization 1 - Title', 'Organization 1 - Department',
  'Website 1 - Type', 'Website 1 - Value',
];

// prettier-ignore
const GOOGLE_NEW = [
  'First Name', 'Middle Name', 'Last Name', 'Name Prefix', 'Nickname', 'File As',
  'Organization Name', 'Organization Title', 'Organization Department', 'Birthday', 'Notes',
  'Labels', 'E-mail 1 - Label', 'E-mail 1 - Value', 'Phone 1 - Label', 'Phone 1 - Value',
  'Phone 2 - Label', 'Phone 2 - Value', 'Address 1 - Street', 'Address 1 - City',
  'Address 1 - Postal Code', 'Website 1 - Value',
];

// prettier-ignore
const INET_ORG_PERSON = [
  'dn', 'objectClass', 'cn', 'sn', 'givenName', 'uid', 'o', 'ou', 'title', 'telephoneNumber',
  'mobile', 'homePhone', 'facsimileTelephoneNumber', 'mail', 'street', 'postalCode', 'l', 'st',
  'c', 'labeledURI', 'description', 'entryUUID', 'createTimestamp', 'modifyTimestamp',
];

// prettier-ignore
const ACTIVE_DIRECTORY = [
  'distinguishedName', 'cn', 'name', 'displayName', 'givenName', 'sn', 'sAMAccountName',
  'company', 'department', 'title', 'telephoneNumber', 'otherTelephone', 'mobile',
  'otherMobile', 'homePhone', 'facsimileTelephoneNumber', 'ipPhone', 'pager', 'mail',
  'streetAddress', 'postalCode', 'l', 'st', 'co', 'c', 'countryCode', 'wWWHomePage', 'info',
  'objectGUID', 'whenCreated', 'whenChanged',
];

const LDAP_UPPER = ['DN', 'CN', 'SN', 'GIVENNAME', 'TELEPHONENUMBER', 'MAIL', 'ENTRYUUID'];

// prettier-ignore
const DB_ENGLISH = [
  'id', 'first_name', 'last_name', 'company', 'department', 'job_title', 'business_phone',
  'mobile_phone', 'home_phone', 'fax', 'email', 'street', 'postal_code', 'city', 'state',
  'country', 'website', 'birthday', 'notes', 'created_at', 'updated_at',
];

// prettier-ignore
const DB_CAMEL = [
  'contactId', 'firstName', 'lastName', 'displayName', 'organization', 'title', 'phone',
  'cell', 'homePhone', 'telefax', 'eMail', 'zip', 'town', 'region', 'url', 'lastModified',
  'memo',
];

// prettier-ignore
const DB_GERMAN = [
  'kontakt_id', 'vorname', 'nachname', 'firma', 'abteilung', 'position', 'telefon', 'handy',
  'privat', 'telefax', 'e_mail', 'strasse', 'plz', 'ort', 'bundesland', 'land', 'homepage',
  'geburtstag', 'geaendert', 'bemerkung',
];

// prettier-ignore
const DB_MIXED = [
  'uuid',
  'full_name',
  'surname',
  'firstname',
  'tel',
  'mobil',
  'mail',
  'modified_at',
  'comment',
];

describe('proposeMapping', () => {
  it.each<[string, readonly string[], Mapping]>([
    [
      'Outlook, English',
      OUTLOOK_EN,
      {
        firstName: 'First Name',
        lastName: 'Last Name',
        company: 'Company',
        department: 'Department',
        jobTitle: 'Job Title',
        businessPhone: 'Business Phone',
        businessPhone2: 'Business Phone 2',
        mobilePhone: 'Mobile Phone',
        homePhone: 'Home Phone',
        businessFax: 'Business Fax',
        otherPhone: 'Other Phone',
        email: 'E-mail Address',
        email2: 'E-mail 2 Address',
        street: 'Business Street',
        postalCode: 'Business Postal Code',
        city: 'Business City',
        state: 'Business State',
        country: 'Business Country/Region',
        url: 'Web Page',
        birthday: 'Birthday',
        categories: 'Categories',
        note: 'Notes',
      },
    ],
    [
      'Outlook, German',
      OUTLOOK_DE,
      {
        firstName: 'Vorname',
        lastName: 'Nachname',
        company: 'Firma',
        department: 'Abteilung',
        jobTitle: 'Position',
        businessPhone: 'Telefon geschäftlich',
        businessPhone2: 'Telefon geschäftlich 2',
        mobilePhone: 'Mobiltelefon',
        homePhone: 'Telefon privat',
        businessFax: 'Fax geschäftlich',
        otherPhone: 'Weiteres Telefon',
        email: 'E-Mail-Adresse',
        email2: 'E-Mail 2: Adresse',
        street: 'Straße geschäftlich',
        postalCode: 'Postleitzahl geschäftlich',
        city: 'Ort geschäftlich',
        state: 'Region geschäftlich',
        country: 'Land/Region geschäftlich',
        url: 'Webseite',
        birthday: 'Geburtstag',
        categories: 'Kategorien',
        note: 'Notizen',
      },
    ],
    [
      'Google Contacts, old format',
      GOOGLE_OLD,
      {
        displayName: 'Name',
        firstName: 'Given Name',
        lastName: 'Family Name',
        company: 'Organization 1 - Name',
        department: 'Organization 1 - Department',
        jobTitle: 'Organization 1 - Title',
        businessPhone: 'Phone 1 - Value',
        mobilePhone: 'Phone 2 - Value',
        homePhone: 'Phone 3 - Value',
        otherPhone: 'Phone 4 - Value',
        email: 'E-mail 1 - Value',
        email2: 'E-mail 2 - Value',
        street: 'Address 1 - Street',
        postalCode: 'Address 1 - Postal Code',
        city: 'Address 1 - City',
        state: 'Address 1 - Region',
        country: 'Address 1 - Country',
        url: 'Website 1 - Value',
        birthday: 'Birthday',
        categories: 'Group Membership',
        note: 'Notes',
      },
    ],
    [
      'Google Contacts, new format',
      GOOGLE_NEW,
      {
        firstName: 'First Name',
        lastName: 'Last Name',
        company: 'Organization Name',
        department: 'Organization Department',
        jobTitle: 'Organization Title',
        businessPhone: 'Phone 1 - Value',
        mobilePhone: 'Phone 2 - Value',
        email: 'E-mail 1 - Value',
        street: 'Address 1 - Street',
        postalCode: 'Address 1 - Postal Code',
        city: 'Address 1 - City',
        url: 'Website 1 - Value',
        birthday: 'Birthday',
        categories: 'Labels',
        note: 'Notes',
      },
    ],
    [
      'LDAP inetOrgPerson (never dn as id)',
      INET_ORG_PERSON,
      {
        id: 'entryUUID',
        modifiedAt: 'modifyTimestamp',
        displayName: 'cn',
        firstName: 'givenName',
        lastName: 'sn',
        company: 'o',
        department: 'ou',
        jobTitle: 'title',
        businessPhone: 'telephoneNumber',
        mobilePhone: 'mobile',
        homePhone: 'homePhone',
        businessFax: 'facsimileTelephoneNumber',
        email: 'mail',
        street: 'street',
        postalCode: 'postalCode',
        city: 'l',
        state: 'st',
        country: 'c',
        url: 'labeledURI',
      },
    ],
    [
      'Active Directory (displayName over cn, co over c, countryCode left alone)',
      ACTIVE_DIRECTORY,
      {
        id: 'objectGUID',
        modifiedAt: 'whenChanged',
        note: 'info',
        displayName: 'displayName',
        firstName: 'givenName',
        lastName: 'sn',
        company: 'company',
        department: 'department',
        jobTitle: 'title',
        businessPhone: 'telephoneNumber',
        businessPhone2: 'otherTelephone',
        mobilePhone: 'mobile',
        homePhone: 'homePhone',
        businessFax: 'facsimileTelephoneNumber',
        otherPhone: 'ipPhone',
        email: 'mail',
        street: 'streetAddress',
        postalCode: 'postalCode',
        city: 'l',
        state: 'st',
        country: 'co',
        url: 'wWWHomePage',
      },
    ],
    [
      'LDAP attribute names in any case',
      LDAP_UPPER,
      {
        id: 'ENTRYUUID',
        displayName: 'CN',
        firstName: 'GIVENNAME',
        lastName: 'SN',
        businessPhone: 'TELEPHONENUMBER',
        email: 'MAIL',
      },
    ],
    ['entryUUID preferred over objectGUID', ['objectGUID', 'entryUUID', 'dn'], { id: 'entryUUID' }],
    [
      'database, English snake_case',
      DB_ENGLISH,
      {
        id: 'id',
        modifiedAt: 'updated_at',
        note: 'notes',
        firstName: 'first_name',
        lastName: 'last_name',
        company: 'company',
        department: 'department',
        jobTitle: 'job_title',
        businessPhone: 'business_phone',
        mobilePhone: 'mobile_phone',
        homePhone: 'home_phone',
        businessFax: 'fax',
        email: 'email',
        street: 'street',
        postalCode: 'postal_code',
        city: 'city',
        state: 'state',
        country: 'country',
        url: 'website',
        birthday: 'birthday',
      },
    ],
    [
      'database, camelCase',
      DB_CAMEL,
      {
        id: 'contactId',
        modifiedAt: 'lastModified',
        note: 'memo',
        displayName: 'displayName',
        firstName: 'firstName',
        lastName: 'lastName',
        company: 'organization',
        jobTitle: 'title',
        businessPhone: 'phone',
        mobilePhone: 'cell',
        homePhone: 'homePhone',
        businessFax: 'telefax',
        email: 'eMail',
        postalCode: 'zip',
        city: 'town',
        state: 'region',
        url: 'url',
      },
    ],
    [
      'database, German',
      DB_GERMAN,
      {
        id: 'kontakt_id',
        modifiedAt: 'geaendert',
        note: 'bemerkung',
        firstName: 'vorname',
        lastName: 'nachname',
        company: 'firma',
        department: 'abteilung',
        jobTitle: 'position',
        businessPhone: 'telefon',
        mobilePhone: 'handy',
        homePhone: 'privat',
        businessFax: 'telefax',
        email: 'e_mail',
        street: 'strasse',
        postalCode: 'plz',
        city: 'ort',
        state: 'bundesland',
        country: 'land',
        url: 'homepage',
        birthday: 'geburtstag',
      },
    ],
    [
      'database, mixed spellings',
      DB_MIXED,
      {
        id: 'uuid',
        modifiedAt: 'modified_at',
        note: 'comment',
        displayName: 'full_name',
        firstName: 'firstname',
        lastName: 'surname',
        businessPhone: 'tel',
        mobilePhone: 'mobil',
        email: 'mail',
      },
    ],
    [
      'split phone: country, area, number, extension',
      ['id', 'name', 'country_code', 'area_code', 'number', 'extension'],
      {
        id: 'id',
        displayName: 'name',
        businessPhone: 'country_code + area_code + number + extension',
      },
    ],
    [
      'split phone: country, area, number',
      ['CountryCode', 'AreaCode', 'Number'],
      { businessPhone: 'CountryCode + AreaCode + Number' },
    ],
    [
      'split phone, German: Vorwahl + Rufnummer + Durchwahl, no country column',
      ['Nachname', 'Vorwahl', 'Rufnummer', 'Durchwahl'],
      { lastName: 'Nachname', businessPhone: '- + Vorwahl + Rufnummer + Durchwahl' },
    ],
    [
      'split phone, German with Ländervorwahl and Nebenstelle',
      ['Ländervorwahl', 'Vorwahl', 'Rufnummer', 'Nebenstelle'],
      { businessPhone: 'Ländervorwahl + Vorwahl + Rufnummer + Nebenstelle' },
    ],
    [
      'split phone: number and extension',
      ['name', 'number', 'extension'],
      { displayName: 'name', businessPhone: 'number + extension' },
    ],
    [
      'split phone: a plain phone column is the base beside an area code',
      ['vorwahl', 'telefon', 'handy'],
      { businessPhone: 'vorwahl + telefon', mobilePhone: 'handy' },
    ],
    [
      'no number column: split parts are not joined',
      ['country_code', 'area_code', 'extension', 'mobile'],
      { mobilePhone: 'mobile' },
    ],
    [
      'a full phone beside an extension is not joined (no area or country code)',
      ['name', 'phone', 'extension'],
      { displayName: 'name', businessPhone: 'phone' },
    ],
    [
      'a lone "number" is ambiguous and left out; a lone Rufnummer is the phone',
      ['number', 'rufnummer'],
      { businessPhone: 'rufnummer' },
    ],
    [
      'a column that folds like an earlier one is left out',
      ['E-Mail', 'email', 'E_MAIL'],
      { email: 'E-Mail' },
    ],
    ['unknown and empty columns are left out', ['foo', '', '  ', 'Bar Baz'], {}],
  ])('%s', (_name, columns, expected) => {
    expect(proposeMapping(columns)).toEqual(expected);
  });

  const allSets = [
    OUTLOOK_EN,
    OUTLOOK_DE,
    GOOGLE_OLD,
    GOOGLE_NEW,
    INET_ORG_PERSON,
    ACTIVE_DIRECTORY,
    DB_ENGLISH,
    DB_CAMEL,
    DB_GERMAN,
    DB_MIXED,
  ];

  it.each([
    ...allSets.map((set) => [set] as const),
    [[...new Set(allSets.flat())]] as const,
    [
      ['phone', 'country_code', 'area_code', 'number', 'extension', 'vorwahl', 'rufnummer'],
    ] as const,
  ])('never uses a column twice and passes validation (%#)', (columns) => {
    const mapping = proposeMapping(columns);
    const used = Object.values(mapping).flatMap((value) => value.split(' + '));
    expect(new Set(used).size).toBe(used.length);
    expect(validateMapping(mapping, columns)).toEqual(mapping);
  });
});

function validationError(run: () => unknown): CtibookError {
  try {
    run();
  } catch (error) {
    if (error instanceof CtibookError) return error;
    throw error;
  }
  throw new Error('expected a CtibookError');
}

describe('validateMapping', () => {
  const columns = ['Id', 'First', 'Last', 'Phone', 'CC', 'Area', 'Base', 'Ext', 'Mail', 'A + B'];

  it.each<[string, Mapping, string, RegExp]>([
    ['unknown key', { fullName: 'First' }, 'mapping.fullName', /unknown key/],
    ['unknown column', { firstName: 'Vorname' }, 'mapping.firstName', /unknown column 'Vorname'/],
    ['empty value', { lastName: '  ' }, 'mapping.lastName', /names no source column/],
    [
      'a column for two fields',
      { firstName: 'First', displayName: 'First' },
      'mapping.displayName',
      /'First' is already mapped to 'firstName'/,
    ],
    [
      'a joined part already used',
      { id: 'Base', businessPhone: 'CC + Area + Base' },
      'mapping.businessPhone',
      /'Base' is already mapped to 'id'/,
    ],
    [
      'a column twice in one join',
      { businessPhone: 'Area + Base + Base' },
      'mapping.businessPhone',
      /twice/,
    ],
    [
      'a join on a non-phone field',
      { displayName: 'First + Last' },
      'mapping.displayName',
      /only phone fields/,
    ],
    [
      'more than four joined columns',
      { businessPhone: 'CC + Area + Base + Ext + Phone' },
      'mapping.businessPhone',
      /at most 4/,
    ],
    [
      'an unknown joined column',
      { mobilePhone: 'CC + Vorwahl + Base' },
      'mapping.mobilePhone',
      /unknown column 'Vorwahl'/,
    ],
    ['a special key on a missing column', { note: 'Memo' }, 'mapping.note', /unknown column/],
  ])('names the key: %s', (_name, mapping, field, problem) => {
    const error = validationError(() => validateMapping(mapping, columns));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.status).toBe(400);
    expect(error.details?.field).toBe(field);
    expect(String(error.details?.problem)).toMatch(problem);
    expect(error.message).toContain(field);
  });

  it('lists every problem and names the first', () => {
    const error = validationError(() =>
      validateMapping({ firstName: 'First', bogus: 'Last', email: 'Nope', lastName: 'First' }, [
        'First',
      ]),
    );
    expect(error.details?.field).toBe('mapping.bogus');
    expect(error.details?.problems).toEqual([
      { field: 'mapping.bogus', problem: expect.stringMatching(/unknown key/) },
      { field: 'mapping.email', problem: "unknown column 'Nope'" },
      { field: 'mapping.lastName', problem: "column 'First' is already mapped to 'firstName'" },
    ]);
    expect(error.message).toMatch(/and 2 more/);
  });

  it('returns the columns as the source spells them', () => {
    expect(
      validateMapping(
        {
          id: 'id',
          firstName: ' First ',
          email: 'MAIL',
          businessPhone: 'cc   +  area + BASE + ext',
          businessPhone2: 'A + B',
        },
        columns,
      ),
    ).toEqual({
      id: 'Id',
      firstName: 'First',
      email: 'Mail',
      businessPhone: 'CC + Area + Base + Ext',
      businessPhone2: 'A + B',
    });
    expect(() => validateMapping({ email: 'mail' }, ['Mail', 'MAIL'])).toThrow(/unknown column/);
  });

  it('accepts an empty mapping and leaves the columns to extra', () => {
    expect(validateMapping({}, columns)).toEqual({});
  });
});

/** Both ways of applying must agree; every apply test goes through this. */
function mapBothWays(values: Record<string, string>, mapping: Mapping): MappedRecord {
  const applied = applyMapping(values, mapping);
  expect(compileMapping(mapping)(values)).toEqual(applied);
  expect(compileMapping(mapping, Object.keys(values))(values)).toEqual(applied);
  return applied;
}

describe('applyMapping and compileMapping', () => {
  it('maps, trims, drops empty values and keeps the rest in extra', () => {
    const record = mapBothWays(
      {
        ID: ' 42 ',
        Changed: '2024-05-01T10:00:00Z',
        Memo: ' call after 10 ',
        First: ' Anna ',
        Last: 'Müller',
        Company: '   ',
        Phone: '+49 89 4711-0',
        Mobile: '',
        Middle: ' Maria ',
        Empty: '  ',
      },
      {
        id: 'ID',
        modifiedAt: 'Changed',
        note: 'Memo',
        firstName: 'First',
        lastName: 'Last',
        company: 'Company',
        businessPhone: 'Phone',
        mobilePhone: 'Mobile',
      },
    );
    expect(record).toEqual({
      id: '42',
      modifiedAt: '2024-05-01T10:00:00Z',
      note: 'call after 10',
      data: {
        firstName: 'Anna',
        lastName: 'Müller',
        businessPhone: '+49 89 4711-0',
        extra: { Middle: 'Maria' },
      },
    });
  });

  it('gives no extra when every column is mapped or empty, and reads missing columns as empty', () => {
    expect(mapBothWays({ a: 'x', b: ' ' }, { firstName: 'a', email: 'missing' })).toEqual({
      data: { firstName: 'x' },
    });
  });

  it('keeps a column named __proto__ as a plain extra entry', () => {
    const values = JSON.parse('{"__proto__": "p", "name": "n"}') as Record<string, string>;
    const record = mapBothWays(values, { displayName: 'name' });
    expect(Object.keys(record.data.extra ?? {})).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(record.data.extra)).toBe(Object.prototype);
  });

  const joined = { businessPhone: 'C + A + N + E' };
  // prettier-ignore
  it.each<[string, Mapping, Record<string, string>, string | undefined]>([
    ['4 parts', joined, { C: '49', A: '89', N: '4711', E: '123' }, '+49 89 4711-123'],
    ['4 parts, + and 0 stripped', joined, { C: '+49', A: '089', N: '4711', E: '123' }, '+49 89 4711-123'],
    ['4 parts, 00 country', joined, { C: '0049', A: '(0)89', N: '4711', E: ' 5 ' }, '+49 89 4711-5'],
    ['4 parts, no extension', joined, { C: '49', A: '89', N: '4711', E: '' }, '+49 89 4711'],
    ['4 parts, national form', joined, { C: '', A: '089', N: '4711', E: '123' }, '089 4711-123'],
    ['4 parts, area without 0', joined, { C: ' ', A: '89', N: '4711', E: '' }, '089 4711'],
    ['4 parts, local number', joined, { C: '', A: '', N: '4711', E: '123' }, '4711-123'],
    ['4 parts, no area', joined, { C: '49', A: '', N: '4711', E: '12' }, '+49 4711-12'],
    ['4 parts, only extension', joined, { C: '49', A: '89', N: '', E: '123' }, '123'],
    ['4 parts, no base', joined, { C: '49', A: '89', N: '', E: '' }, undefined],
    ['4 parts, all empty', joined, { C: '', A: '', N: '', E: '' }, undefined],
    ['no country column', { businessPhone: '- + A + N + E' }, { A: '089', N: '4711', E: '12' }, '089 4711-12'],
    ['4 parts, Italy keeps the 0', joined, { C: '39', A: '06', N: '6982', E: '' }, '+39 06 6982'],
    ['3 parts', { businessPhone: 'C + A + N' }, { C: '1', A: '212', N: '5550100' }, '+1 212 5550100'],
    ['3 parts, national', { businessPhone: 'C + A + N' }, { C: '', A: '030', N: '123456' }, '030 123456'],
    ['3 parts, + country', { mobilePhone: 'C + A + N' }, { C: '+43', A: '01', N: '5880' }, '+43 1 5880'],
    ['2 parts', { homePhone: 'A + N' }, { A: '089', N: '4711' }, '089 4711'],
    ['2 parts, first empty', { homePhone: 'A + N' }, { A: ' ', N: '4711' }, '4711'],
    ['2 parts, both empty', { homePhone: 'A + N' }, { A: '', N: '' }, undefined],
    ['a column literally named with +', { businessFax: 'A + N' }, { 'A + N': '0891', A: '9' }, '0891'],
  ])('joins split numbers: %s', (_name, mapping, values, expected) => {
    const record = mapBothWays(values, mapping);
    const [field] = Object.keys(mapping);
    expect(field && record.data[field as 'businessPhone']).toBe(expected);
    expect(record.data.extra).toBeUndefined();
  });

  it('writes joined numbers the normaliser splits into base and extension', () => {
    const normalizer = createNumberNormalizer(DEFAULT_LOCATION);
    const record = mapBothWays(
      { C: '0049', A: '089', N: '4711', E: '123' },
      { businessPhone: 'C + A + N + E' },
    );
    expect(normalizer.normalize(record.data.businessPhone ?? '')).toMatchObject({
      kind: 'external',
      base: '+49894711',
      extension: '123',
    });
  });

  // prettier-ignore
  it('reads a non-phone value with + as one column name', () => {
    expect(mapBothWays({ 'Name + Title': 'Dr. X', Name: 'X' }, { displayName: 'Name + Title' })).toEqual({
      data: { displayName: 'Dr. X', extra: { Name: 'X' } },
    });
  });

  it('gives the same output compiled as applied, over many rows', () => {
    const mapping = proposeMapping([...DB_ENGLISH, 'country_code', 'area_code', 'number']);
    const compiled = compileMapping(mapping, [...DB_ENGLISH, 'country_code', 'area_code']);
    for (let i = 0; i < 200; i += 1) {
      const row: Record<string, string> = {};
      for (const [j, column] of [...DB_ENGLISH, 'country_code', 'area_code', 'number'].entries()) {
        row[column] = (i + j) % 3 === 0 ? '' : ` ${column}-${i} `;
      }
      expect(compiled(row)).toEqual(applyMapping(row, mapping));
    }
  });

  it('refuses mappings it cannot apply, naming the key', () => {
    const mappings: Mapping[] = [{ nickname: 'x' }, { businessPhone: 'A + B + C + D + E' }];
    for (const mapping of mappings) {
      const error = validationError(() => compileMapping(mapping));
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(String(error.details?.field)).toBe(`mapping.${Object.keys(mapping)[0]}`);
      expect(() => applyMapping({}, mapping)).toThrow(CtibookError);
    }
  });
});
