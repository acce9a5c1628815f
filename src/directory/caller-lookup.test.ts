import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../test-support/test-app.js';
import { createTestApp } from '../test-support/test-app.js';

/** Munich site, PBX dials `0` for an outside line, direct-dial base +49 89 4711, 3-digit extensions. */
const MUNICH = {
  countryCode: '49',
  areaCode: '89',
  internationalPrefix: '00',
  nationalPrefix: '0',
  outsideLinePrefix: '0',
  pbxBaseNumber: '+49 89 4711',
  internalNumberMaxLength: 3,
};

interface Match {
  phonebook: string;
  id: string;
  displayName: string;
  company: string | null;
  field: string;
  number: string;
  match: 'exact' | 'company' | 'internal';
}

interface Lookup {
  input: string;
  normalized: string | null;
  matches: (Match & { reading?: string })[];
  ambiguous?: boolean;
}

async function setLocation(t: TestApp, changes: Partial<typeof MUNICH> = {}): Promise<void> {
  const response = await t.call('PUT', '/api/v1/settings/location', {
    body: { ...MUNICH, ...changes },
  });
  expect(response.statusCode, response.body).toBe(200);
}

async function addBook(t: TestApp, name: string): Promise<void> {
  const response = await t.call('POST', '/api/v1/phonebooks', { body: { name, kind: 'builtin' } });
  expect(response.statusCode, response.body).toBe(201);
}

async function addContact(
  t: TestApp,
  book: string,
  contact: Record<string, string>,
): Promise<void> {
  const response = await t.call('POST', `/api/v1/phonebooks/${encodeURIComponent(book)}/contacts`, {
    body: contact,
  });
  expect(response.statusCode, response.body).toBe(201);
}

async function lookup(t: TestApp, number: string, token?: string): Promise<Lookup> {
  const response = await t.call('GET', `/api/v1/lookup?number=${encodeURIComponent(number)}`, {
    token: token ?? t.adminToken,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Lookup;
}

/** Every way the stored number of a contact may be written, and every form a PBX may deliver. */
const WRITTEN_FORMS: {
  id: string;
  stored: string;
  canonical: string;
  incoming: string[];
}[] = [
  {
    id: 'trunk-zero',
    stored: '+49 (0)89 1234567',
    canonical: '+49891234567',
    incoming: [
      '+49891234567',
      '0891234567',
      '089 1234567',
      '0049 89 1234567',
      '1234567',
      '00891234567',
      '0 0049 89 1234567',
      '+49 (0)89 123 45 67',
      '+49-89-1234567',
      '089.123.45.67',
    ],
  },
  {
    id: 'slash-dash',
    stored: '089/2345-67',
    canonical: '+4989234567',
    incoming: ['+4989234567', '089234567', '0049 89 234567', '234567', '0089234567', '089/2345-67'],
  },
  {
    id: 'brackets',
    stored: '(089) 34 56 78',
    canonical: '+4989345678',
    incoming: ['+4989345678', '089 345678', '0049 89 345678', '345678', '0089345678'],
  },
  {
    id: 'international-prefix',
    stored: '0049 89 4567890',
    canonical: '+49894567890',
    incoming: ['+49894567890', '089 4567890', '4567890', '00894567890', '00049894567890'],
  },
  {
    id: 'local',
    stored: '5678901',
    canonical: '+49895678901',
    incoming: ['+49895678901', '0895678901', '0049895678901', '00895678901', '567 89 01'],
  },
  {
    id: 'vienna',
    stored: '+43 1 234567',
    canonical: '+431234567',
    incoming: ['+431234567', '0043 1 234567', '00043 1 234567', '+43 (0)1 234567'],
  },
  {
    id: 'new-york',
    stored: '+1 212 555 0100',
    canonical: '+12125550100',
    incoming: ['+12125550100', '001 212 555 0100', '0001 212 555 0100', '+1 (212) 555-0100'],
  },
];

describe('caller lookup', () => {
  let t: TestApp;
  let reader: string;
  let customersOnly: string;
  let noLocal: string;

  beforeAll(async () => {
    t = await createTestApp();
    await setLocation(t);
    await addBook(t, 'Customers');
    await addBook(t, 'Secret Board');
    for (const form of WRITTEN_FORMS) {
      await addContact(t, 'Customers', {
        id: form.id,
        displayName: `Contact ${form.id}`,
        businessPhone: form.stored,
      });
    }
    await addContact(t, 'Global.Phonebook', {
      id: 'acme',
      company: 'Acme GmbH',
      businessPhone: '+49 89 9999-0',
    });
    await addContact(t, 'Global.Phonebook', {
      id: 'berlin-co',
      displayName: 'Berliner Bau',
      company: 'Berliner Bau AG',
      businessPhone: '+49 30 5555',
    });
    await addContact(t, 'Global.Phonebook', {
      id: 'acme-boss',
      firstName: 'Bea',
      lastName: 'Boss',
      company: 'Acme GmbH',
      businessPhone: '089 9999-123',
    });
    await addContact(t, 'Global.Phonebook', {
      id: 'loner',
      firstName: 'Lone',
      lastName: 'Person',
      mobilePhone: '089/7777-12',
    });
    await addContact(t, 'Global.Phonebook', {
      id: 'us-main',
      company: 'Our Company',
      businessPhone: '+49 89 4711-0',
    });
    await addContact(t, 'Global.Phonebook', {
      id: 'munich-7',
      displayName: 'Munich Seven',
      businessPhone: '089 7654321',
    });
    await addContact(t, 'Global.Phonebook', {
      id: 'acme-clerk',
      firstName: 'Carl',
      lastName: 'Clerk',
      company: 'Acme GmbH',
      businessPhone: '+49 89 9999-124',
    });
    await addContact(t, 'Secret Board', {
      id: 'secret-sub',
      company: 'Secret Subsidiary',
      businessPhone: '+49 89 9999 4-0',
    });
    await addContact(t, 'Secret Board', {
      id: 'secret',
      displayName: 'Hidden Person',
      businessPhone: '+49 89 1234567',
    });
    reader = await t.userWith(
      'reader',
      {
        'Global.Phonebook': { read: true },
        'Global.LocalNumbers': { read: true },
        Customers: { read: true },
      },
      { displayName: 'Ina Intern', extensions: ['123'] },
    );
    customersOnly = await t.userWith('customers', { Customers: { read: true } });
    noLocal = await t.userWith('nolocal', { 'Global.Phonebook': { read: true } });
  });

  afterAll(async () => {
    await t.close();
  });

  describe('finds a contact stored in any written form by an incoming number in any other form', () => {
    for (const form of WRITTEN_FORMS) {
      for (const incoming of form.incoming) {
        it(`${form.stored} ← ${incoming}`, async () => {
          const result = await lookup(t, incoming, reader);
          expect(result.input).toBe(incoming);
          expect(result.normalized).toBe(form.canonical);
          expect(result.matches[0]).toEqual({
            phonebook: 'Customers',
            id: form.id,
            displayName: `Contact ${form.id}`,
            company: null,
            field: 'businessPhone',
            number: form.stored,
            match: 'exact',
          });
          expect(result.matches.filter((m) => m.match === 'exact')).toHaveLength(1);
        });
      }
    }
  });

  it('shows the stored canonical form of each number on the contact', async () => {
    const response = await t.call('GET', '/api/v1/phonebooks/Customers/contacts/trunk-zero');
    expect(response.json()).toMatchObject({
      businessPhone: '+49 (0)89 1234567',
      normalized: { businessPhone: '+49891234567' },
    });
  });

  it('names the company whose main number is the base of a direct-dial number', async () => {
    const result = await lookup(t, '089 9999 42', reader);
    expect(result.normalized).toBe('+4989999942');
    expect(result.matches).toHaveLength(1);
    expect(result.matches[0]).toMatchObject({
      phonebook: 'Global.Phonebook',
      id: 'acme',
      displayName: 'Acme GmbH',
      company: 'Acme GmbH',
      field: 'businessPhone',
      number: '+49 89 9999-0',
      match: 'company',
    });
  });

  it('names a company once, by its main number, however many employees share its base', async () => {
    const result = await lookup(t, '+49 89 9999 200', reader);
    expect(result.matches.map((m) => [m.match, m.id])).toEqual([['company', 'acme']]);
  });

  it('names a readable company when a longer base lies in an unreadable book', async () => {
    expect((await lookup(t, '089 9999 42')).matches.map((m) => m.id)).toEqual(['secret-sub']);
    const result = await lookup(t, '089 9999 42', reader);
    expect(result.matches.map((m) => m.id)).toEqual(['acme']);
    expect(JSON.stringify(result)).not.toContain('Secret');
  });

  it('reads an outside-line prefix in front of a local number as a national number when that is valid', async () => {
    // With outside-line and national prefix both "0", "05678901" is also the valid national
    // number 0567 8901; the number as delivered wins, so no Munich contact is named.
    const result = await lookup(t, '05678901', reader);
    expect(result.normalized).toBe('+495678901');
    expect(result.matches).toEqual([]);
  });

  it('names the company when its base number itself calls', async () => {
    const result = await lookup(t, '089 9999', reader);
    expect(result.matches.map((m) => [m.match, m.id])).toEqual([['company', 'acme']]);
  });

  it('reads a + that a client sent unencoded in the query string', async () => {
    const response = await t.call('GET', '/api/v1/lookup?number=+49891234567', { token: reader });
    expect(response.statusCode).toBe(200);
    const result = response.json() as Lookup;
    expect(result.normalized).toBe('+49891234567');
    expect(result.matches.map((m) => m.id)).toEqual(['trunk-zero']);
    // A leading space before a national number is only a space.
    const national = await t.call('GET', '/api/v1/lookup?number=%200891234567', { token: reader });
    expect((national.json() as Lookup).normalized).toBe('+49891234567');
  });

  it('names a company from a main number written without extension', async () => {
    const result = await lookup(t, '030 5555 42', reader);
    expect(result.normalized).toBe('+4930555542');
    expect(result.matches).toEqual([
      expect.objectContaining({ id: 'berlin-co', company: 'Berliner Bau AG', match: 'company' }),
    ]);
  });

  it('ranks an exact hit first and then gives no company guess', async () => {
    const result = await lookup(t, '089 9999 123', reader);
    expect(result.matches[0]).toMatchObject({ id: 'acme-boss', match: 'exact' });
    expect(result.matches.every((m) => m.match === 'exact')).toBe(true);
  });

  it('does not name a private person as a company from their direct-dial base', async () => {
    const result = await lookup(t, '089 7777 99', reader);
    expect(result.matches).toEqual([]);
  });

  it('does not take a main number of the same length as a direct-dial base', async () => {
    const result = await lookup(t, '030 5556', reader);
    expect(result.matches).toEqual([]);
  });

  it('names the user of an internal extension', async () => {
    const result = await lookup(t, '123', reader);
    expect(result.normalized).toBe('ext:123');
    expect(result.matches).toEqual([
      {
        phonebook: 'Global.LocalNumbers',
        id: 'reader.1',
        displayName: 'Ina Intern',
        company: null,
        field: 'businessPhone',
        number: '123',
        match: 'internal',
      },
    ]);
  });

  it('names the user for the PBX base number plus their extension, after the company', async () => {
    for (const incoming of ['+49 89 4711 123', '089 4711123', '0089 4711 123', '4711123']) {
      const result = await lookup(t, incoming, reader);
      expect(result.normalized).toBe('+49894711123');
      expect(result.matches.map((m) => [m.match, m.id])).toEqual([
        ['company', 'us-main'],
        ['internal', 'reader.1'],
      ]);
    }
  });

  it('ranks exact before company before internal', async () => {
    await addContact(t, 'Global.Phonebook', {
      id: 'desk-123',
      displayName: 'Desk 123',
      businessPhone: '+49 89 4711-123',
    });
    try {
      const result = await lookup(t, '+49894711123', reader);
      expect(result.matches.map((m) => [m.match, m.id])).toEqual([
        ['exact', 'desk-123'],
        ['internal', 'reader.1'],
      ]);
    } finally {
      await t.call('DELETE', '/api/v1/phonebooks/Global.Phonebook/contacts/desk-123');
    }
  });

  it('gives no internal match to a user who may not read Global.LocalNumbers', async () => {
    expect((await lookup(t, '123', noLocal)).matches).toEqual([]);
    const viaPbx = await lookup(t, '+49894711123', noLocal);
    expect(viaPbx.matches.map((m) => m.match)).toEqual(['company']);
  });

  it('never matches on shared trailing digits', async () => {
    const berlin = await lookup(t, '030 7654321', reader);
    expect(berlin.normalized).toBe('+49307654321');
    expect(berlin.matches).toEqual([]);
    const munich = await lookup(t, '7654321', reader);
    expect(munich.matches.map((m) => m.id)).toEqual(['munich-7']);
    for (const other of ['+43 89 7654321', '+41 89 7654321', '654321', '0654321']) {
      const result = await lookup(t, other, reader);
      expect(result.matches.map((m) => m.id)).not.toContain('munich-7');
    }
  });

  it('gives no match for a short number that is neither stored nor internal', async () => {
    const result = await lookup(t, '12345', reader);
    expect(result.matches).toEqual([]);
    expect((await lookup(t, '999', reader)).matches).toEqual([]);
  });

  it('rejects junk with 400 INVALID_NUMBER', async () => {
    for (const junk of ['abc', '+', '--', '12a34', '1'.repeat(30), '<script>']) {
      const response = await t.call('GET', `/api/v1/lookup?number=${encodeURIComponent(junk)}`, {
        token: reader,
      });
      expect(response.statusCode, junk).toBe(400);
      expect(response.json()).toMatchObject({ error: { code: 'INVALID_NUMBER' } });
    }
  });

  it('rejects a missing number and needs a token', async () => {
    expect((await t.call('GET', '/api/v1/lookup', { token: reader })).statusCode).toBe(400);
    expect((await t.call('GET', '/api/v1/lookup?number=123', { token: null })).statusCode).toBe(
      401,
    );
  });

  it('never shows contacts, or the name, of a book the caller cannot read', async () => {
    const admin = await lookup(t, '0891234567');
    expect(admin.matches.map((m) => m.phonebook).sort()).toEqual(['Customers', 'Secret Board']);
    for (const token of [reader, customersOnly, noLocal]) {
      const response = await t.call('GET', '/api/v1/lookup?number=0891234567', { token });
      expect(response.body).not.toContain('Secret Board');
      expect(response.body).not.toContain('Hidden Person');
    }
    expect((await lookup(t, '0891234567', noLocal)).matches).toEqual([]);
    expect((await lookup(t, '0891234567', customersOnly)).matches.map((m) => m.id)).toEqual([
      'trunk-zero',
    ]);
    expect((await lookup(t, '089 9999 42', customersOnly)).matches).toEqual([]);
  });
});

describe('caller lookup after a change of location', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('re-keys stored numbers from the number as written', async () => {
    await setLocation(t);
    await addContact(t, 'Global.Phonebook', {
      id: 'local',
      displayName: 'Local Lena',
      businessPhone: '1234567',
      homePhone: '+49 89 7654321',
    });
    let result = await lookup(t, '+49891234567');
    expect(result.matches.map((m) => m.id)).toEqual(['local']);
    expect((await lookup(t, '+49301234567')).matches).toEqual([]);

    await setLocation(t, { areaCode: '30', pbxBaseNumber: '+49 30 4711' });
    result = await lookup(t, '+49301234567');
    expect(result.matches).toEqual([
      expect.objectContaining({ id: 'local', number: '1234567', match: 'exact' }),
    ]);
    expect((await lookup(t, '1234567')).normalized).toBe('+49301234567');
    expect((await lookup(t, '+49891234567')).matches).toEqual([]);
    // A number written in full keeps its key.
    expect((await lookup(t, '089 7654321')).matches.map((m) => m.field)).toEqual(['homePhone']);
    const contact = await t.call('GET', '/api/v1/phonebooks/Global.Phonebook/contacts/local');
    expect(contact.json()).toMatchObject({
      businessPhone: '1234567',
      normalized: { businessPhone: '+49301234567', homePhone: '+49897654321' },
    });
  });
});

describe('caller lookup: numbers delivered behind the outside-line prefix', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    await setLocation(t);
    const people: [string, string][] = [
      ['mobile', '0151 12345678'],
      ['hannover', '0511 1234567'],
      ['vienna', '+43 1 234567'],
    ];
    for (const [id, businessPhone] of people) {
      await addContact(t, 'Global.Phonebook', { id, displayName: id, businessPhone });
    }
  });

  afterAll(async () => {
    await t.close();
  });

  it('finds a German mobile and Vienna with the prefix in front', async () => {
    const mobile = await lookup(t, '0' + '0151 12345678');
    expect(mobile.normalized).toBe('+4915112345678');
    expect(mobile.matches.map((m) => [m.match, m.id])).toEqual([['exact', 'mobile']]);
    const vienna = await lookup(t, '0' + '0043 1 234567');
    expect(vienna.normalized).toBe('+431234567');
    expect(vienna.matches.map((m) => m.id)).toEqual(['vienna']);
    // Without the outside-line prefix, 0043 is Austria as before.
    expect((await lookup(t, '0043 1 234567')).matches.map((m) => m.id)).toEqual(['vienna']);
  });

  it('prefers the reading that names someone, although the number as delivered is valid too', async () => {
    // 0 + 0511 1234567 also reads as 00 51 1 1234567, a valid number in Lima.
    const result = await lookup(t, '0' + '0511 1234567');
    expect(result.normalized).toBe('+495111234567');
    expect(result.matches.map((m) => [m.match, m.id])).toEqual([['exact', 'hannover']]);
    expect(result.ambiguous).toBeUndefined();
  });

  it('lists both and says so when both readings name different people', async () => {
    await addContact(t, 'Global.Phonebook', {
      id: 'lima',
      displayName: 'lima',
      businessPhone: '+51 1 1234567',
    });
    const result = await lookup(t, '0' + '0511 1234567');
    expect(result.ambiguous).toBe(true);
    expect(result.normalized).toBe('+495111234567');
    expect(result.matches.map((m) => [m.id, m.reading])).toEqual([
      ['hannover', '+495111234567'],
      ['lima', '+5111234567'],
    ]);
    // With outside-line and national prefix both 0, 0051… is as ambiguous: 0 + 051….
    const short = await lookup(t, '0051 1 1234567');
    expect(short.ambiguous).toBe(true);
    expect(short.matches.map((m) => m.id)).toEqual(['hannover', 'lima']);
    // A number with + is read one way only.
    const direct = await lookup(t, '+51 1 1234567');
    expect(direct.matches.map((m) => m.id)).toEqual(['lima']);
    expect(direct.ambiguous).toBeUndefined();
  });

  it('never reads a country code starting with 0', async () => {
    const result = await lookup(t, '000441219321172');
    expect(result.normalized).not.toMatch(/^\+0/);
    expect(result.normalized).toBe('+441219321172');
  });
});

describe('caller lookup: a company named from its entries under a base number', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    await setLocation(t);
    await addBook(t, 'Partners');
    for (const [id, firstName] of [
      ['zeta', 'Zoe'],
      ['alpha', 'Anna'],
      ['mid', 'Max'],
    ] as const) {
      await addContact(t, 'Partners', {
        id,
        firstName,
        lastName: 'Staff',
        company: 'Widget AG',
        businessPhone: `+49 30 8080-${id.length}1`,
      });
    }
    await addContact(t, 'Partners', {
      id: 'widget',
      company: 'Widget AG',
      businessPhone: '+49 30 8080-99',
    });
    await addContact(t, 'Global.Phonebook', {
      id: 'widget-elsewhere',
      firstName: 'Olga',
      lastName: 'Other',
      company: 'Widget AG',
      businessPhone: '+49 30 8080-77',
      mobilePhone: '+49 30 9090-11',
    });
  });
  afterAll(() => t.close());

  it("names the company once per book, by the company's own entry over its employees", async () => {
    const result = await lookup(t, '030 8080 555');
    expect(result.matches.map((m) => [m.phonebook, m.id, m.match])).toEqual([
      ['Global.Phonebook', 'widget-elsewhere', 'company'],
      ['Partners', 'widget', 'company'],
    ]);
  });

  it('follows a contact whose company changed, and never names a company from a mobile', async () => {
    const changed = await t.call(
      'PATCH',
      '/api/v1/phonebooks/Global.Phonebook/contacts/widget-elsewhere',
      {
        body: { company: 'Gadget GmbH' },
      },
    );
    expect(changed.statusCode, changed.body).toBe(200);
    const result = await lookup(t, '030 8080 555');
    expect(result.matches.map((m) => [m.id, m.company])).toEqual([
      ['widget-elsewhere', 'Gadget GmbH'],
      ['widget', 'Widget AG'],
    ]);
    expect((await lookup(t, '030 9090 555')).matches).toEqual([]);
  });

  it('names an employee for the company when the company has no entry of its own', async () => {
    const deleted = await t.call('DELETE', '/api/v1/phonebooks/Partners/contacts/widget');
    expect(deleted.statusCode, deleted.body).toBe(204);
    const result = await lookup(t, '030 8080 555');
    const partners = result.matches.filter((m) => m.phonebook === 'Partners');
    expect(partners).toHaveLength(1);
    expect(partners[0]).toMatchObject({ company: 'Widget AG', match: 'company' });
  });
});
