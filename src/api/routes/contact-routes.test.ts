import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../../test-support/test-app.js';
import { createTestApp } from '../../test-support/test-app.js';

interface ContactJson {
  id: string;
  displayName: string;
  phonebook: string;
  etag: string;
  updatedAt: string;
  normalized: Record<string, string>;
  extra?: Record<string, string>;
  [field: string]: unknown;
}

interface PageJson {
  items: ContactJson[];
  total: number;
}

interface ErrorJson {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

const SALES = '/api/v1/phonebooks/Sales/contacts';

function errorOf(response: { json(): unknown }): ErrorJson['error'] {
  return (response.json() as ErrorJson).error;
}

/** Every contract field, with a value. */
const FULL_CONTACT = {
  firstName: 'Jürgen',
  lastName: 'Müller',
  company: 'Müller & Söhne GmbH',
  department: 'Einkauf',
  jobTitle: 'Leiter',
  businessPhone: '089 1234567',
  businessPhone2: '+49 (0)89 1234568',
  mobilePhone: '0171 2345678',
  homePhone: '0049 30 9876543',
  businessFax: '(089) 12 34 59',
  otherPhone: '+1 212 555 0100',
  email: 'jm@example.com',
  email2: 'juergen@example.org',
  street: 'Hauptstraße 1',
  postalCode: '80331',
  city: 'München',
  state: 'Bayern',
  country: 'Germany',
  url: 'https://example.com',
  birthday: '1970-01-31',
  categories: 'Kunde; VIP',
  extra: { customerNo: 'K-42' },
};

describe('contact routes', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
    const created = await t.call('POST', '/api/v1/phonebooks', {
      body: { name: 'Sales', kind: 'builtin' },
    });
    expect(created.statusCode).toBe(201);
  });
  afterEach(async () => {
    await t.close();
  });

  const create = async (body: Record<string, unknown>, url = SALES): Promise<ContactJson> => {
    const response = await t.call('POST', url, { body });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as ContactJson;
  };

  const read = async (id: string, url = SALES): Promise<ContactJson> => {
    const response = await t.call('GET', `${url}/${encodeURIComponent(id)}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as ContactJson;
  };

  const count = async (url = SALES): Promise<number> => {
    const response = await t.call('GET', url);
    return (response.json() as PageJson).total;
  };

  describe('create and read', () => {
    it('keeps every contract field, with an ETag on POST and GET', async () => {
      const response = await t.call('POST', SALES, { body: FULL_CONTACT });
      expect(response.statusCode).toBe(201);
      const created = response.json() as ContactJson;
      expect(created).toMatchObject({
        ...FULL_CONTACT,
        phonebook: 'Sales',
        displayName: 'Jürgen Müller',
      });
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.headers.etag).toBe(created.etag);
      expect(created.etag).toMatch(/^".+"$/);
      expect(Number.isNaN(Date.parse(created.updatedAt))).toBe(false);

      const got = await t.call('GET', `${SALES}/${created.id}`);
      expect(got.statusCode).toBe(200);
      expect(got.headers.etag).toBe(created.etag);
      expect(got.json()).toEqual(created);
    });

    it('keeps every number as entered and adds its canonical form', async () => {
      const created = await create(FULL_CONTACT);
      expect(created.businessPhone).toBe('089 1234567');
      expect(created.businessPhone2).toBe('+49 (0)89 1234568');
      expect(created.normalized).toEqual({
        businessPhone: '+49891234567',
        businessPhone2: '+49891234568',
        mobilePhone: '+491712345678',
        homePhone: '+49309876543',
        businessFax: '+4989123459',
        otherPhone: '+12125550100',
      });
      const internal = await create({ lastName: 'Pförtner', businessPhone: '2001' });
      expect(internal.normalized).toEqual({ businessPhone: 'ext:2001' });
    });

    it('takes the id from the body, and refuses a taken or path-like one', async () => {
      const created = await create({ id: 'crm-7', lastName: 'Seven' });
      expect(created.id).toBe('crm-7');
      const taken = await t.call('POST', SALES, { body: { id: 'crm-7', lastName: 'Other' } });
      expect(taken.statusCode).toBe(409);
      expect(errorOf(taken).code).toBe('ALREADY_EXISTS');
      for (const id of ['a/b', '../x', 'a\nb', '']) {
        const bad = await t.call('POST', SALES, { body: { id, lastName: 'Bad' } });
        expect(bad.statusCode, JSON.stringify(id)).toBe(400);
        expect(errorOf(bad).code).toBe('VALIDATION_FAILED');
      }
      expect((await read('crm-7')).lastName).toBe('Seven');
      expect(await count()).toBe(1);
    });

    it('ignores the read-only fields a client sends back', async () => {
      const created = await create({
        lastName: 'Echo',
        phonebook: 'Elsewhere',
        etag: '"forged"',
        updatedAt: '2000-01-01T00:00:00.000Z',
        normalized: { businessPhone: '+1' },
      });
      expect(created.phonebook).toBe('Sales');
      expect(created.etag).not.toBe('"forged"');
      expect(created.updatedAt).not.toBe('2000-01-01T00:00:00.000Z');
      expect(created.normalized).toEqual({});
    });

    it('answers 404 for an unknown contact or book', async () => {
      const contact = await t.call('GET', `${SALES}/nope`);
      expect(contact.statusCode).toBe(404);
      expect(errorOf(contact).code).toBe('CONTACT_NOT_FOUND');
      const bookless = await t.call('GET', '/api/v1/phonebooks/Nope/contacts/x');
      expect(bookless.statusCode).toBe(404);
      expect(errorOf(bookless).code).toBe('PHONEBOOK_NOT_FOUND');
      for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
        const response = await t.call(method, `${SALES}/nope`, {
          ...(method === 'DELETE' ? {} : { body: { lastName: 'X' } }),
        });
        expect(response.statusCode, method).toBe(404);
      }
      expect(await count()).toBe(0);
    });
  });

  describe('display name', () => {
    it('is made from the names, else the company, and follows later changes', async () => {
      const person = await create({ firstName: 'Ada', lastName: 'Lovelace', company: 'ACME' });
      expect(person.displayName).toBe('Ada Lovelace');
      expect(person).not.toHaveProperty('displayNameGiven');
      const company = await create({ company: 'ACME Corp' });
      expect(company.displayName).toBe('ACME Corp');
      const onlyLast = await create({ lastName: 'Babbage' });
      expect(onlyLast.displayName).toBe('Babbage');

      const patched = await t.call('PATCH', `${SALES}/${person.id}`, {
        body: { lastName: 'King' },
      });
      expect((patched.json() as ContactJson).displayName).toBe('Ada King');
      const replaced = await t.call('PUT', `${SALES}/${person.id}`, {
        body: { firstName: 'Augusta', lastName: 'King' },
      });
      expect((replaced.json() as ContactJson).displayName).toBe('Augusta King');
      const cleared = await t.call('PATCH', `${SALES}/${person.id}`, {
        body: { firstName: '', lastName: '', company: 'Analytical Engines' },
      });
      expect((cleared.json() as ContactJson).displayName).toBe('Analytical Engines');
      const companyRenamed = await t.call('PATCH', `${SALES}/${company.id}`, {
        body: { company: 'ACME Inc' },
      });
      expect((companyRenamed.json() as ContactJson).displayName).toBe('ACME Inc');
    });

    it('keeps a given display name, and derives again once it is cleared', async () => {
      const given = await create({ displayName: 'The Boss', firstName: 'Ada' });
      expect(given.displayName).toBe('The Boss');
      const renamed = await t.call('PATCH', `${SALES}/${given.id}`, {
        body: { firstName: 'Grace' },
      });
      expect((renamed.json() as ContactJson).displayName).toBe('The Boss');
      const cleared = await t.call('PATCH', `${SALES}/${given.id}`, { body: { displayName: '' } });
      expect((cleared.json() as ContactJson).displayName).toBe('Grace');
    });
  });

  describe('replace, patch and delete', () => {
    it('replaces every field with PUT, with a new ETag', async () => {
      const created = await create({ ...FULL_CONTACT, id: 'c1' });
      const response = await t.call('PUT', `${SALES}/c1`, {
        body: { lastName: 'Neu', mobilePhone: '0172 1111111' },
        headers: { 'if-match': created.etag },
      });
      expect(response.statusCode, response.body).toBe(200);
      const replaced = response.json() as ContactJson;
      expect(response.headers.etag).toBe(replaced.etag);
      expect(replaced.etag).not.toBe(created.etag);
      expect(replaced).toMatchObject({ id: 'c1', lastName: 'Neu', displayName: 'Neu' });
      expect(replaced).not.toHaveProperty('company');
      expect(replaced).not.toHaveProperty('businessPhone');
      expect(replaced).not.toHaveProperty('extra');
      expect(replaced.normalized).toEqual({ mobilePhone: '+491721111111' });
      expect(await read('c1')).toEqual(replaced);
    });

    it('accepts a contact as GET returned it for PUT, keeping the URL id', async () => {
      const created = await create({ ...FULL_CONTACT, id: 'c1' });
      const got = await read('c1');
      const response = await t.call('PUT', `${SALES}/c1`, {
        body: { ...got, id: 'other', city: 'Berlin' },
        headers: { 'if-match': got.etag },
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ id: 'c1', city: 'Berlin', company: created.company });
      expect((await t.call('GET', `${SALES}/other`)).statusCode).toBe(404);
    });

    it('changes only the given fields with PATCH; an empty string clears one', async () => {
      const created = await create({ ...FULL_CONTACT, id: 'c1' });
      const response = await t.call('PATCH', `${SALES}/c1`, {
        body: { city: 'Berlin', department: '', businessPhone: '030 5555555' },
        headers: { 'if-match': created.etag },
      });
      expect(response.statusCode, response.body).toBe(200);
      const patched = response.json() as ContactJson;
      expect(response.headers.etag).toBe(patched.etag);
      expect(patched.etag).not.toBe(created.etag);
      expect(patched).toMatchObject({
        city: 'Berlin',
        company: FULL_CONTACT.company,
        businessPhone: '030 5555555',
        extra: { customerNo: 'K-42' },
      });
      expect(patched).not.toHaveProperty('department');
      expect(patched.normalized.businessPhone).toBe('+49305555555');
      expect(await read('c1')).toEqual(patched);
    });

    it('deletes with DELETE (204), with or without If-Match', async () => {
      const one = await create({ id: 'c1', lastName: 'One' });
      await create({ id: 'c2', lastName: 'Two' });
      const withTag = await t.call('DELETE', `${SALES}/c1`, {
        headers: { 'if-match': one.etag },
      });
      expect(withTag.statusCode).toBe(204);
      const without = await t.call('DELETE', `${SALES}/c2`);
      expect(without.statusCode).toBe(204);
      expect((await t.call('GET', `${SALES}/c1`)).statusCode).toBe(404);
      expect(await count()).toBe(0);
      const again = await t.call('DELETE', `${SALES}/c1`);
      expect(again.statusCode).toBe(404);
    });

    it('accepts If-Match with a weak tag, a list or *', async () => {
      const created = await create({ id: 'c1', lastName: 'One' });
      const weak = await t.call('PATCH', `${SALES}/c1`, {
        body: { city: 'A' },
        headers: { 'if-match': `W/${created.etag}` },
      });
      expect(weak.statusCode).toBe(200);
      const list = await t.call('PATCH', `${SALES}/c1`, {
        body: { city: 'B' },
        headers: { 'if-match': `"nope", ${(weak.json() as ContactJson).etag}` },
      });
      expect(list.statusCode).toBe(200);
      const star = await t.call('PATCH', `${SALES}/c1`, {
        body: { city: 'C' },
        headers: { 'if-match': '*' },
      });
      expect(star.statusCode).toBe(200);
      expect((await read('c1')).city).toBe('C');
    });

    it('refuses PUT, PATCH and DELETE with a stale If-Match (412) and changes nothing', async () => {
      const created = await create({ id: 'c1', lastName: 'One', businessPhone: '089 1234567' });
      const changed = await t.call('PATCH', `${SALES}/c1`, { body: { city: 'Berlin' } });
      expect(changed.statusCode).toBe(200);
      const current = changed.json() as ContactJson;
      const stale = created.etag;

      const put = await t.call('PUT', `${SALES}/c1`, {
        body: { lastName: 'Overwritten' },
        headers: { 'if-match': stale },
      });
      expect(put.statusCode).toBe(412);
      expect(errorOf(put).code).toBe('STALE_ETAG');
      const patch = await t.call('PATCH', `${SALES}/c1`, {
        body: { lastName: 'Overwritten' },
        headers: { 'if-match': stale },
      });
      expect(patch.statusCode).toBe(412);
      expect(errorOf(patch).code).toBe('STALE_ETAG');
      const del = await t.call('DELETE', `${SALES}/c1`, { headers: { 'if-match': stale } });
      expect(del.statusCode).toBe(412);
      expect(errorOf(del).code).toBe('STALE_ETAG');
      const junk = await t.call('PATCH', `${SALES}/c1`, {
        body: { lastName: 'Overwritten' },
        headers: { 'if-match': 'garbage' },
      });
      expect(junk.statusCode).toBe(412);

      expect(await read('c1')).toEqual(current);
      const lookup = await t.call('GET', '/api/v1/lookup?number=%2B49891234567');
      expect(lookup.json()).toMatchObject({ matches: [{ id: 'c1', displayName: 'One' }] });
    });
  });

  it('does not take an ETag of a deleted book for one of a new book of the same name', async () => {
    const old = await create({ id: 'c1', lastName: 'Old' });
    expect((await t.call('DELETE', '/api/v1/phonebooks/Sales')).statusCode).toBe(200);
    await t.call('POST', '/api/v1/phonebooks', { body: { name: 'Sales', kind: 'builtin' } });
    const fresh = await create({ id: 'c1', lastName: 'New' });
    expect(fresh.etag).not.toBe(old.etag);
    const response = await t.call('PATCH', `${SALES}/c1`, {
      body: { lastName: 'Overwritten' },
      headers: { 'if-match': old.etag },
    });
    expect(response.statusCode).toBe(412);
    expect((await read('c1')).lastName).toBe('New');
  });

  describe('bad input', () => {
    it('refuses an unknown field with 400 VALIDATION_FAILED naming it', async () => {
      const created = await create({ id: 'c1', lastName: 'One' });
      for (const [method, url] of [
        ['POST', SALES],
        ['PUT', `${SALES}/c1`],
        ['PATCH', `${SALES}/c1`],
      ] as const) {
        const response = await t.call(method, url, {
          body: { lastName: 'Two', nickname: 'Shorty' },
        });
        expect(response.statusCode, method).toBe(400);
        const error = errorOf(response);
        expect(error.code).toBe('VALIDATION_FAILED');
        expect(error.message).toContain('nickname');
        expect(JSON.stringify(error.details)).toContain('nickname');
      }
      expect(await read('c1')).toEqual(await read('c1'));
      expect((await read('c1')).etag).toBe(created.etag);
      expect(await count()).toBe(1);
    });

    it('refuses a field over 2000 characters naming it', async () => {
      const long = 'x'.repeat(2001);
      const response = await t.call('POST', SALES, { body: { lastName: 'Ok', street: long } });
      expect(response.statusCode).toBe(400);
      const error = errorOf(response);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.message).toContain('street');
      expect(error.details).toMatchObject({ field: 'body.street' });
      const extra = await t.call('POST', SALES, {
        body: { lastName: 'Ok', extra: { notes: long } },
      });
      expect(extra.statusCode).toBe(400);
      expect(errorOf(extra).message).toContain('notes');
      const exactly = await create({ lastName: 'Ok', street: 'y'.repeat(2000) });
      expect(exactly.street).toHaveLength(2000);
      expect(await count()).toBe(1);
    });

    it('refuses wrong types naming the field', async () => {
      for (const body of [{ lastName: 42 }, { extra: 'text' }, { extra: { n: 1 } }, ['x'], 'x']) {
        const response = await t.call('POST', SALES, { body });
        expect(response.statusCode, JSON.stringify(body)).toBe(400);
        expect(errorOf(response).code).toBe('VALIDATION_FAILED');
      }
      const typed = await t.call('POST', SALES, { body: { lastName: 42 } });
      expect(errorOf(typed).message).toContain('lastName');
      expect(await count()).toBe(0);
    });

    it('refuses a junk phone number with 400 INVALID_NUMBER naming the field', async () => {
      const created = await create({ id: 'c1', lastName: 'One', mobilePhone: '0171 2345678' });
      const post = await t.call('POST', SALES, {
        body: { lastName: 'Two', mobilePhone: 'call me' },
      });
      expect(post.statusCode).toBe(400);
      expect(errorOf(post).code).toBe('INVALID_NUMBER');
      expect(errorOf(post).message).toContain('mobilePhone');
      expect(errorOf(post).details).toMatchObject({ field: 'mobilePhone' });
      for (const method of ['PUT', 'PATCH'] as const) {
        const response = await t.call(method, `${SALES}/c1`, {
          body: { lastName: 'One', businessFax: 'fax me maybe' },
        });
        expect(response.statusCode, method).toBe(400);
        expect(errorOf(response).code).toBe('INVALID_NUMBER');
        expect(errorOf(response).details).toMatchObject({ field: 'businessFax' });
      }
      const tooLong = await t.call('POST', SALES, {
        body: { businessPhone: '+49 89 123456789012345678' },
      });
      expect(tooLong.statusCode).toBe(400);
      expect(errorOf(tooLong).code).toBe('INVALID_NUMBER');
      expect((await read('c1')).etag).toBe(created.etag);
      expect(await count()).toBe(1);
    });

    it('answers malformed JSON with 400 and the JSON error shape', async () => {
      for (const rawBody of ['{"lastName": ', '{lastName: "x"}', 'not json', '']) {
        const response = await t.call('POST', SALES, { rawBody });
        expect(response.statusCode, rawBody).toBe(400);
        expect(response.headers['content-type']).toMatch(/application\/json/);
        const error = errorOf(response);
        expect(typeof error.code).toBe('string');
        expect(typeof error.message).toBe('string');
      }
      expect(await count()).toBe(0);
    });

    it('refuses prototype-poisoning bodies and broken text, changing nothing', async () => {
      for (const rawBody of [
        '{"__proto__": {"admin": true}, "lastName": "x"}',
        '{"constructor": {"prototype": {"admin": true}}, "lastName": "x"}',
        '{"lastName": "x", "extra": {"__proto__": "y"}}',
      ]) {
        const response = await t.call('POST', SALES, { rawBody });
        expect(response.statusCode, rawBody).toBe(400);
        expect(typeof errorOf(response).code).toBe('string');
      }
      const surrogate = await t.call('POST', SALES, { rawBody: '{"lastName": "a\\ud800b"}' });
      expect(surrogate.statusCode).toBe(400);
      expect(errorOf(surrogate).message).toContain('lastName');
      expect(await count()).toBe(0);
    });

    it('answers bad media types and URLs in the JSON error shape', async () => {
      const cases = [
        t.call('POST', SALES, {
          rawBody: 'lastName=x',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        t.call('GET', `${SALES}/%ZZ`),
        t.call('GET', `${SALES}/${'x'.repeat(600)}`),
        t.call('GET', `/api/v1/phonebooks/${'x'.repeat(600)}`),
      ];
      for (const response of await Promise.all(cases)) {
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
        expect(response.statusCode).toBeLessThan(500);
        const error = errorOf(response);
        expect(typeof error.code, response.body).toBe('string');
        expect(typeof error.message).toBe('string');
      }
      expect(await count()).toBe(0);
    });

    it('answers an oversized body with 413 PAYLOAD_TOO_LARGE', async () => {
      const rawBody = JSON.stringify({
        lastName: 'Big',
        extra: { blob: 'x'.repeat(9 * 1024 * 1024) },
      });
      const response = await t.call('POST', SALES, { rawBody });
      expect(response.statusCode).toBe(413);
      expect(errorOf(response).code).toBe('PAYLOAD_TOO_LARGE');
      expect(await count()).toBe(0);
    });

    it('refuses bad paging parameters with 400', async () => {
      for (const query of ['limit=0', 'limit=abc', 'limit=100000', 'offset=-1', 'colour=red']) {
        const response = await t.call('GET', `${SALES}?${query}`);
        expect(response.statusCode, query).toBe(400);
        expect(errorOf(response).code).toBe('VALIDATION_FAILED');
      }
    });
  });

  describe('list and search', () => {
    beforeEach(async () => {
      const names = ['Anton', 'Berta', 'Cäsar', 'Dora', 'Emil', 'Friedrich', 'Gustav'];
      for (const [index, firstName] of names.entries()) {
        await create({
          id: `p${index}`,
          firstName,
          lastName: index % 2 === 0 ? 'Müller' : 'Schmidt',
          businessPhone: `089 12345${index}0`,
        });
      }
      await create({ id: 'co', company: 'Müllerei AG', city: 'Straßburg' });
    });

    it('lists a book in name order with total', async () => {
      const response = await t.call('GET', SALES);
      expect(response.statusCode).toBe(200);
      const page = response.json() as PageJson;
      expect(page.total).toBe(8);
      expect(page.items.map((c) => c.displayName)).toEqual([
        'Anton Müller',
        'Berta Schmidt',
        'Cäsar Müller',
        'Dora Schmidt',
        'Emil Müller',
        'Friedrich Schmidt',
        'Gustav Müller',
        'Müllerei AG',
      ]);
      expect(page.items[0]).toMatchObject({ phonebook: 'Sales', normalized: expect.any(Object) });
    });

    it('pages with limit and offset', async () => {
      const first = (await t.call('GET', `${SALES}?limit=3`)).json() as PageJson;
      const second = (await t.call('GET', `${SALES}?limit=3&offset=3`)).json() as PageJson;
      const last = (await t.call('GET', `${SALES}?limit=3&offset=6`)).json() as PageJson;
      const beyond = (await t.call('GET', `${SALES}?limit=3&offset=30`)).json() as PageJson;
      expect([first.total, second.total, last.total, beyond.total]).toEqual([8, 8, 8, 8]);
      expect(first.items.map((c) => c.id)).toEqual(['p0', 'p1', 'p2']);
      expect(second.items.map((c) => c.id)).toEqual(['p3', 'p4', 'p5']);
      expect(last.items.map((c) => c.id)).toEqual(['p6', 'co']);
      expect(beyond.items).toEqual([]);
    });

    it('searches inside one book with q and reports the total', async () => {
      const search = async (q: string, extra = ''): Promise<PageJson> => {
        const response = await t.call('GET', `${SALES}?q=${encodeURIComponent(q)}${extra}`);
        expect(response.statusCode, q).toBe(200);
        return response.json() as PageJson;
      };
      for (const q of ['müller', 'muller', 'mueller', 'MÜLLER']) {
        const page = await search(q);
        expect(page.total, q).toBe(5);
        expect(page.items.map((c) => c.id).sort(), q).toEqual(['co', 'p0', 'p2', 'p4', 'p6']);
      }
      expect((await search('mül ant')).items.map((c) => c.id)).toEqual(['p0']);
      expect((await search('strassb')).items.map((c) => c.id)).toEqual(['co']);
      expect((await search('straßb')).items.map((c) => c.id)).toEqual(['co']);
      expect((await search('1234530')).items.map((c) => c.id)).toEqual(['p3']);
      expect((await search('schmidt dora')).items.map((c) => c.id)).toEqual(['p3']);
      expect((await search('nobody')).total).toBe(0);
      const paged = await search('müller', '&limit=2&offset=2');
      expect(paged.total).toBe(5);
      expect(paged.items).toHaveLength(2);
    });

    it('does not find contacts of other books', async () => {
      await t.call('POST', '/api/v1/phonebooks', { body: { name: 'Other', kind: 'builtin' } });
      await create(
        { id: 'x', firstName: 'Anton', lastName: 'Müller' },
        '/api/v1/phonebooks/Other/contacts',
      );
      const page = (await t.call('GET', `${SALES}?q=anton`)).json() as PageJson;
      expect(page.items.map((c) => c.id)).toEqual(['p0']);
      expect(page.total).toBe(1);
    });

    it.each([
      "'; DROP TABLE contacts; --",
      '"',
      '*',
      'NEAR(',
      'a OR b',
      'müller OR',
      'NOT müller',
      '" OR 1=1 --',
      '{names}: x',
      '^ab',
      "%' OR '1'='1",
      '\\',
      '()',
      'a AND',
    ])('answers q=%s with 200 and no 500', async (q) => {
      const response = await t.call('GET', `${SALES}?q=${encodeURIComponent(q)}`);
      expect(response.statusCode).toBe(200);
      const page = response.json() as PageJson;
      expect(typeof page.total).toBe('number');
      const everywhere = await t.call('GET', `/api/v1/search?q=${encodeURIComponent(q)}`);
      expect(everywhere.statusCode).toBe(200);
      expect(await count()).toBe(8);
    });
  });

  describe('read-only books', () => {
    it('refuses writes to Global.LocalNumbers with 403 PHONEBOOK_READ_ONLY', async () => {
      await t.call('POST', '/api/v1/users', {
        body: { username: 'bob', password: 'bob-password', extensions: ['2001'] },
      });
      const url = '/api/v1/phonebooks/Global.LocalNumbers/contacts';
      const list = (await t.call('GET', url)).json() as PageJson;
      expect(list.items).toHaveLength(1);
      const entry = list.items[0] as ContactJson;
      const post = await t.call('POST', url, { body: { lastName: 'Intruder' } });
      expect(post.statusCode).toBe(403);
      expect(errorOf(post).code).toBe('PHONEBOOK_READ_ONLY');
      for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
        const response = await t.call(method, `${url}/${encodeURIComponent(entry.id)}`, {
          ...(method === 'DELETE' ? {} : { body: { lastName: 'Changed' } }),
        });
        expect(response.statusCode, method).toBe(403);
        expect(errorOf(response).code).toBe('PHONEBOOK_READ_ONLY');
      }
      expect((await t.call('GET', url)).json()).toEqual(list);
    });

    it('refuses writes to a book made read-only by PATCH, and takes them again after', async () => {
      const created = await create({ id: 'c1', lastName: 'One' });
      const locked = await t.call('PATCH', '/api/v1/phonebooks/Sales', {
        body: { readOnly: true },
      });
      expect(locked.statusCode).toBe(200);
      const writer = await t.userWith('wendy', { Sales: { write: true } });
      for (const token of [t.adminToken, writer]) {
        const post = await t.call('POST', SALES, { token, body: { lastName: 'Two' } });
        expect(post.statusCode).toBe(403);
        expect(errorOf(post).code).toBe('PHONEBOOK_READ_ONLY');
        for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
          const response = await t.call(method, `${SALES}/c1`, {
            token,
            ...(method === 'DELETE' ? {} : { body: { lastName: 'Changed' } }),
          });
          expect(response.statusCode, method).toBe(403);
          expect(errorOf(response).code).toBe('PHONEBOOK_READ_ONLY');
        }
      }
      expect(await read('c1')).toEqual(created);
      expect(await count()).toBe(1);
      await t.call('PATCH', '/api/v1/phonebooks/Sales', { body: { readOnly: false } });
      const post = await t.call('POST', SALES, { token: writer, body: { lastName: 'Two' } });
      expect(post.statusCode).toBe(201);
    });
  });
});
