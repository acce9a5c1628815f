import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../test-support/test-app.js';
import { createTestApp } from '../test-support/test-app.js';

interface Item {
  phonebook: string;
  id: string;
  displayName: string;
  company: string | null;
  [field: string]: string | null;
}

interface Page {
  items: Item[];
  total: number;
}

const MUNICH = {
  countryCode: '49',
  areaCode: '89',
  internationalPrefix: '00',
  nationalPrefix: '0',
  outsideLinePrefix: '',
  pbxBaseNumber: '',
  internalNumberMaxLength: 3,
};

/** The contacts of the shared book, by id. */
const PEOPLE: Record<string, Record<string, string>> = {
  mueller: {
    firstName: 'Hans',
    lastName: 'Müller',
    company: 'Bäckerei Schmidt',
    department: 'Vertrieb',
    email: 'hans.mueller@example.com',
    city: 'München',
    businessPhone: '089 1234567',
  },
  jose: { displayName: 'José García', city: 'Sevilla', mobilePhone: '+34 600 123 456' },
  strassenbau: { company: 'Straßenbau Meier GmbH', businessPhone: '+49 89 4455-0' },
  verkehr: { firstName: 'Vera', lastName: 'Vogt', department: 'Straßenverkehrsamt' },
  hausen: { firstName: 'Horst', lastName: 'Hahn', city: 'Straßenhaus' },
  martin: { firstName: 'Martin', lastName: 'Adler' },
  maier: { firstName: 'Anna', lastName: 'Maier' },
  zander: { firstName: 'Zoe', lastName: 'Zander', city: 'Mannheim' },
  email: { firstName: 'Eli', lastName: 'Post', email: 'kontakt@quxcorp.example' },
  compact: { displayName: 'Compact Number', businessPhone: '+49891112233' },
};

describe('search', () => {
  let t: TestApp;
  let teamOnly: string;
  let globalOnly: string;

  async function search(q: string, token?: string, extra = ''): Promise<Page> {
    const response = await t.call('GET', `/api/v1/search?q=${encodeURIComponent(q)}${extra}`, {
      token: token ?? t.adminToken,
    });
    expect(response.statusCode, `${q}: ${response.body}`).toBe(200);
    return response.json() as Page;
  }

  async function ids(q: string, token?: string): Promise<string[]> {
    return (await search(q, token, '&limit=200')).items.map((item) => item.id);
  }

  async function addContact(book: string, id: string, data: Record<string, string>) {
    const response = await t.call('POST', `/api/v1/phonebooks/${book}/contacts`, {
      body: { id, ...data },
    });
    expect(response.statusCode, response.body).toBe(201);
  }

  beforeAll(async () => {
    t = await createTestApp();
    expect((await t.call('PUT', '/api/v1/settings/location', { body: MUNICH })).statusCode).toBe(
      200,
    );
    for (const name of ['Team', 'Paging']) {
      const created = await t.call('POST', '/api/v1/phonebooks', {
        body: { name, kind: 'builtin' },
      });
      expect(created.statusCode).toBe(201);
    }
    for (const [id, data] of Object.entries(PEOPLE)) await addContact('Global.Phonebook', id, data);
    await addContact('Team', 'team-mueller', {
      firstName: 'Peter',
      lastName: 'Mueller',
      company: 'Teamwork KG',
    });
    await addContact('Team', 'team-only', { displayName: 'Quentin Teamonly' });
    // Inserted out of name order, so paging has to sort.
    for (const n of [7, 3, 12, 1, 25, 9, 18, 4, 22, 15, 2, 11, 6, 20, 14, 5, 24, 8, 17, 10]) {
      await addContact('Paging', `p${n}`, { displayName: `Pagina ${String(n).padStart(2, '0')}` });
    }
    for (const n of [13, 16, 19, 21, 23]) {
      await addContact('Paging', `p${n}`, {
        firstName: 'Xaver',
        lastName: `Pagina${n}`,
        displayName: `Xaver Pagina${n}`,
      });
    }
    teamOnly = await t.userWith('team', { Team: { read: true } });
    globalOnly = await t.userWith('global', { 'Global.Phonebook': { read: true } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('finds Müller as müller, muller and mueller, in every readable book', async () => {
    for (const q of ['müller', 'muller', 'mueller', 'MÜLLER', 'Mül', 'mue']) {
      expect((await ids(q)).sort(), q).toEqual(['mueller', 'team-mueller']);
    }
  });

  it('matches word prefixes, needs every word, and ignores case and order', async () => {
    expect(await ids('han mül')).toEqual(['mueller']);
    expect(await ids('müller hans')).toEqual(['mueller']);
    expect(await ids('müller peter')).toEqual(['team-mueller']);
    expect(await ids('müller nobody')).toEqual([]);
    expect(await ids('ller')).toEqual([]);
  });

  it('folds ß so strasse finds Straße in company, department and city', async () => {
    expect((await ids('strasse')).sort()).toEqual(['hausen', 'strassenbau', 'verkehr']);
    expect((await ids('straße')).sort()).toEqual(['hausen', 'strassenbau', 'verkehr']);
    expect(await ids('strassenverkehr')).toEqual(['verkehr']);
  });

  it('ignores accents', async () => {
    expect(await ids('jose')).toEqual(['jose']);
    expect(await ids('José garc')).toEqual(['jose']);
    expect(await ids('garcia')).toEqual(['jose']);
  });

  it('searches department, email, city and company', async () => {
    expect(await ids('vertrieb')).toEqual(['mueller']);
    expect(await ids('quxcorp')).toEqual(['email']);
    expect(await ids('kontakt')).toEqual(['email']);
    expect(await ids('sevilla')).toEqual(['jose']);
    expect(await ids('münchen')).toEqual(['mueller']);
    expect(await ids('bäckerei')).toEqual(['mueller']);
  });

  it('searches the digits of every number, however it was written', async () => {
    for (const q of ['0891234', '089 1234', '1234567', '+49891234567', '4989123']) {
      expect(await ids(q), q).toEqual(['mueller']);
    }
    for (const q of [
      '0891112',
      '089 111 22 33',
      '089/111 22-33',
      '(089) 1112233',
      '1112233',
      '111 22',
      '4989111',
      '+49 89 111',
      '+49 (0)89 111 22',
      '0049 89 1112233',
    ]) {
      expect(await ids(q), q).toEqual(['compact']);
    }
    expect(await ids('600123')).toEqual(['jose']);
    expect(await ids('0891234567 hans')).toEqual(['mueller']);
  });

  it('finds a number of another area however it is typed, also after the site moves', async () => {
    await addContact('Global.Phonebook', 'berlin', {
      displayName: 'Quast Berlin',
      businessPhone: '030 2345678-90',
    });
    const berlin = ['0302345', '030 234 56 78', '+49 30 2345', '0049302345678', '2345678', '90'];
    const setArea = async (areaCode: string) => {
      const body = { ...MUNICH, areaCode };
      expect((await t.call('PUT', '/api/v1/settings/location', { body })).statusCode).toBe(200);
    };
    try {
      for (const q of berlin) expect(await ids(q), q).toEqual(['berlin']);
      // The index keeps E.164 digits, so moving the site to Berlin makes local numbers of
      // Berlin findable by their local digits at once, and Munich's by their national form.
      await setArea('30');
      for (const q of [...berlin, '23456']) expect(await ids(q), q).toEqual(['berlin']);
      expect(await ids('089 1234567')).toEqual(['mueller']);
    } finally {
      await setArea('89');
      await t.call('DELETE', '/api/v1/phonebooks/Global.Phonebook/contacts/berlin');
    }
  });

  it('returns the summary of each hit with its book and numbers', async () => {
    const page = await search('hans müller');
    expect(page.total).toBe(1);
    expect(page.items).toEqual([
      {
        phonebook: 'Global.Phonebook',
        id: 'mueller',
        displayName: 'Hans Müller',
        company: 'Bäckerei Schmidt',
        firstName: 'Hans',
        lastName: 'Müller',
        department: 'Vertrieb',
        email: 'hans.mueller@example.com',
        city: 'München',
        businessPhone: '089 1234567',
      },
    ]);
  });

  it('ranks display names starting with the query, then other name hits, then other fields', async () => {
    expect(await ids('ma')).toEqual(['martin', 'maier', 'zander']);
    expect(await ids('mu')).toEqual(['mueller', 'team-mueller']);
  });

  it('ranks a display-name start first whichever umlaut spelling was typed', async () => {
    await addContact('Global.Phonebook', 'mueller-first', {
      displayName: 'Müller & Söhne',
      company: 'Zylinder AG',
    });
    await addContact('Global.Phonebook', 'a-mueller', {
      displayName: 'Aaron Müllerschön',
    });
    try {
      for (const q of ['müller', 'mueller', 'muller']) {
        expect((await ids(q))[0], q).toBe('mueller-first');
      }
    } finally {
      await t.call('DELETE', '/api/v1/phonebooks/Global.Phonebook/contacts/mueller-first');
      await t.call('DELETE', '/api/v1/phonebooks/Global.Phonebook/contacts/a-mueller');
    }
  });

  it('does not let a later word match the hidden book tag', async () => {
    expect(await ids('martin b')).toEqual([]);
    expect(await ids('martin b1')).toEqual([]);
    expect(await ids('b1')).toEqual([]);
    expect((await search('martin b')).total).toBe(0);
  });

  it('pages through hits in a stable order without duplicates', async () => {
    const all = await search('pagina', undefined, '&limit=200');
    expect(all.total).toBe(25);
    expect(all.items).toHaveLength(25);
    const seen: string[] = [];
    for (let offset = 0; offset < 30; offset += 7) {
      const page = await search('pagina', undefined, `&limit=7&offset=${offset}`);
      expect(page.total).toBe(25);
      seen.push(...page.items.map((item) => item.id));
    }
    expect(seen).toEqual(all.items.map((item) => item.id));
    expect(new Set(seen).size).toBe(25);
    // Display names starting with "pagina" first, in name order; then the Xavers.
    expect(seen.slice(0, 20)).toEqual(
      Array.from({ length: 25 }, (_, i) => i + 1)
        .filter((n) => ![13, 16, 19, 21, 23].includes(n))
        .map((n) => `p${n}`),
    );
    expect(seen.slice(20).sort()).toEqual(['p13', 'p16', 'p19', 'p21', 'p23']);
    const again = await search('pagina', undefined, '&limit=200');
    expect(again.items.map((item) => item.id)).toEqual(seen);
    expect((await search('pagina', undefined, '&limit=5&offset=25')).items).toEqual([]);
  });

  it('pages the per-book search the same way', async () => {
    const seen: string[] = [];
    let total = -1;
    for (let offset = 0; offset < 25; offset += 10) {
      const response = await t.call(
        'GET',
        `/api/v1/phonebooks/Paging/contacts?q=pag&limit=10&offset=${offset}`,
      );
      expect(response.statusCode).toBe(200);
      const page = response.json() as { items: { id: string }[]; total: number };
      total = page.total;
      seen.push(...page.items.map((item) => item.id));
    }
    expect(total).toBe(25);
    expect(new Set(seen).size).toBe(25);
  });

  it('searches one book with contacts?q= under the same rules', async () => {
    const call = async (book: string, q: string, token?: string) => {
      const response = await t.call(
        'GET',
        `/api/v1/phonebooks/${book}/contacts?q=${encodeURIComponent(q)}`,
        { token: token ?? t.adminToken },
      );
      return response;
    };
    const global = (await call('Global.Phonebook', 'muller')).json() as Page;
    expect(global.items.map((item) => item.id)).toEqual(['mueller']);
    expect(global.total).toBe(1);
    const team = (await call('Team', 'müller', teamOnly)).json() as Page;
    expect(team.items.map((item) => item.id)).toEqual(['team-mueller']);
    expect(((await call('Global.Phonebook', 'strasse')).json() as Page).total).toBe(3);
    expect(((await call('Global.Phonebook', '1234567')).json() as Page).items).toHaveLength(1);
    const denied = await call('Global.Phonebook', 'muller', teamOnly);
    expect(denied.statusCode).toBe(404);
  });

  it('only shows hits from books the user may read', async () => {
    expect(await ids('müller', teamOnly)).toEqual(['team-mueller']);
    expect(await ids('müller', globalOnly)).toEqual(['mueller']);
    expect(await ids('teamonly', globalOnly)).toEqual([]);
    expect(await ids('pagina', globalOnly)).toEqual([]);
    const response = await t.call('GET', '/api/v1/search?q=m&limit=200', { token: globalOnly });
    expect(response.body).not.toContain('Team');
    expect(response.body).not.toContain('Paging');
    expect((await search('müller', teamOnly)).total).toBe(1);
    const nobody = await t.userWith('nobody', {});
    expect(await search('m', nobody)).toEqual({ items: [], total: 0 });
  });

  it('answers hostile queries with 200, never 500', async () => {
    const hostile = [
      "'; DROP TABLE contacts; --",
      '"',
      '""',
      '*',
      'mü*',
      'NEAR(a b)',
      'a OR b',
      'a AND b',
      'NOT a',
      '-x',
      '^',
      ':',
      'names:hans',
      '{names}: hans',
      'book:b1',
      '(',
      ')',
      '\\',
      '%',
      '_',
      '😀',
      'Müller 😀',
      '\u0000',
      '\u200b',
      'ａｂｃ',
      'x'.repeat(200),
      'a '.repeat(100),
      'ab '.repeat(66),
      '1'.repeat(200),
    ];
    for (const q of hostile) {
      const page = await search(q);
      expect(Array.isArray(page.items), q).toBe(true);
      const inBook = await t.call(
        'GET',
        `/api/v1/phonebooks/Global.Phonebook/contacts?q=${encodeURIComponent(q)}`,
      );
      expect(inBook.statusCode, q).toBe(200);
    }
    expect(await ids('hans:müller')).toEqual(['mueller']);
    // The store is untouched.
    expect(await ids('müller')).toHaveLength(2);
  });

  it('rejects an over-long query and a bad limit with 400', async () => {
    const long = await t.call('GET', `/api/v1/search?q=${'x'.repeat(201)}`);
    expect(long.statusCode).toBe(400);
    expect(long.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    for (const extra of ['&limit=0', '&limit=201', '&limit=x', '&offset=-1', '&nope=1']) {
      const response = await t.call('GET', `/api/v1/search?q=m${extra}`);
      expect(response.statusCode, extra).toBe(400);
    }
  });

  it('answers an empty query with an empty list, a missing one with 400', async () => {
    for (const q of ['', '   ', '-', '"*"']) {
      expect(await search(q), q).toEqual({ items: [], total: 0 });
    }
    const missing = await t.call('GET', '/api/v1/search');
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    const openapi = (await t.call('GET', '/api/v1/openapi.json')).json() as {
      paths: Record<string, { get?: { summary?: string } }>;
    };
    expect(openapi.paths['/api/v1/search']?.get?.summary).toMatch(/empty/i);
  });

  it('needs a token', async () => {
    expect((await t.call('GET', '/api/v1/search?q=m', { token: null })).statusCode).toBe(401);
  });
});
