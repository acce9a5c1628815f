import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../test-support/test-app.js';
import { createTestApp } from '../test-support/test-app.js';

interface Note {
  text: string;
  etag: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
  number?: string;
}

interface NoteVersion {
  version: number;
  text: string;
  updatedAt: string;
  updatedBy: string;
}

const MUNICH = {
  countryCode: '49',
  areaCode: '89',
  internationalPrefix: '00',
  nationalPrefix: '0',
  outsideLinePrefix: '0',
  pbxBaseNumber: '',
  internalNumberMaxLength: 3,
};

const NOTE = '/api/v1/phonebooks/Customers/contacts/c1/note';

describe('contact notes', () => {
  let t: TestApp;
  let reader: string;
  let colleague: string;
  let outsider: string;

  async function put(
    url: string,
    text: string,
    token: string,
    ifMatch?: string,
  ): Promise<{ status: number; body: Note & { error?: { code: string; details?: unknown } } }> {
    const response = await t.call('PUT', url, {
      token,
      body: { text },
      ...(ifMatch === undefined ? {} : { headers: { 'if-match': ifMatch } }),
    });
    const body = response.json() as Note & { error?: { code: string; details?: unknown } };
    if (response.statusCode === 200) expect(response.headers.etag).toBe(body.etag);
    return { status: response.statusCode, body };
  }

  async function get(url: string, token: string): Promise<Note> {
    const response = await t.call('GET', url, { token });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Note;
  }

  beforeAll(async () => {
    t = await createTestApp();
    expect(
      (
        await t.call('POST', '/api/v1/phonebooks', {
          body: { name: 'Customers', kind: 'builtin' },
        })
      ).statusCode,
    ).toBe(201);
    for (const id of ['c1', 'c2', 'c3', 'big']) {
      const created = await t.call('POST', '/api/v1/phonebooks/Customers/contacts', {
        body: { id, displayName: `Customer ${id}` },
      });
      expect(created.statusCode).toBe(201);
    }
    reader = await t.userWith('reader', { Customers: { read: true } });
    colleague = await t.userWith('colleague', { Customers: { read: true } });
    outsider = await t.userWith('outsider', { 'Global.Phonebook': { read: true } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('starts empty', async () => {
    expect(await get(NOTE, reader)).toEqual({
      text: '',
      etag: null,
      updatedAt: null,
      updatedBy: null,
    });
  });

  it('lets every reader write, needs If-Match once a note exists, and keeps every version', async () => {
    const first = await put(NOTE, 'Prefers calls after 10.', reader);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ text: 'Prefers calls after 10.', updatedBy: 'reader' });
    expect(first.body.etag).toMatch(/^"/);
    expect(await get(NOTE, colleague)).toEqual(first.body);
    const withHeader = await t.call('GET', NOTE, { token: colleague });
    expect(withHeader.headers.etag).toBe(first.body.etag);

    const blind = await put(NOTE, 'Overwrite without looking', colleague);
    expect(blind.status).toBe(428);
    expect(blind.body.error).toMatchObject({ code: 'PRECONDITION_REQUIRED' });

    const second = await put(
      NOTE,
      'Prefers calls after 10. Speaks French.',
      colleague,
      first.body.etag ?? '',
    );
    expect(second.status).toBe(200);
    expect(second.body.updatedBy).toBe('colleague');
    expect(second.body.etag).not.toBe(first.body.etag);

    const stale = await put(NOTE, 'Late edit from an old copy', reader, first.body.etag ?? '');
    expect(stale.status).toBe(412);
    expect(stale.body.error).toMatchObject({
      code: 'STALE_ETAG',
      details: { current: second.body },
    });
    expect(await get(NOTE, reader)).toEqual(second.body);

    for (const bad of ['"nonsense"', 'W/"v0"', '"v99"']) {
      expect((await put(NOTE, 'no', reader, bad)).status, bad).toBe(412);
    }
    const listed = await put(
      NOTE,
      'Third version',
      reader,
      `${first.body.etag ?? ''}, W/${second.body.etag ?? ''}`,
    );
    expect(listed.status).toBe(200);

    const history = await t.call('GET', `${NOTE}/history`, { token: colleague });
    expect(history.statusCode).toBe(200);
    const versions = history.json() as NoteVersion[];
    expect(versions.map((v) => [v.text, v.updatedBy])).toEqual([
      ['Third version', 'reader'],
      ['Prefers calls after 10. Speaks French.', 'colleague'],
      ['Prefers calls after 10.', 'reader'],
    ]);
    expect(versions.map((v) => v.version)).toEqual([3, 2, 1]);
    for (const v of versions) expect(Number.isNaN(Date.parse(v.updatedAt))).toBe(false);
  });

  it('takes If-Match: * as "whatever the current note is", and only once one exists', async () => {
    const url = '/api/v1/phonebooks/Customers/contacts/c3/note';
    expect((await put(url, 'no note yet', reader, '*')).status).toBe(412);
    expect((await put(url, 'first', reader)).status).toBe(200);
    const forced = await put(url, 'forced', colleague, '*');
    expect(forced.status).toBe(200);
    expect((await get(url, reader)).text).toBe('forced');
  });

  it('keeps notes apart per contact', async () => {
    expect((await get('/api/v1/phonebooks/Customers/contacts/c2/note', reader)).text).toBe('');
  });

  it('does not need a write right, but does need read', async () => {
    const url = '/api/v1/phonebooks/Customers/contacts/c2/note';
    expect((await put(url, 'x', outsider)).status).toBe(404);
    const denied = await t.call('GET', url, { token: outsider });
    expect(denied.statusCode).toBe(404);
    expect(denied.json()).toMatchObject({ error: { code: 'PHONEBOOK_NOT_FOUND' } });
    expect((await t.call('GET', `${url}/history`, { token: outsider })).statusCode).toBe(404);
    expect((await get(url, reader)).text).toBe('');
    expect((await t.call('GET', url, { token: null })).statusCode).toBe(401);
  });

  it('answers 404 for an unknown contact or book', async () => {
    const unknown = await t.call('GET', '/api/v1/phonebooks/Customers/contacts/nobody/note', {
      token: reader,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'CONTACT_NOT_FOUND' } });
    expect(
      (await put('/api/v1/phonebooks/Customers/contacts/nobody/note', 'x', reader)).status,
    ).toBe(404);
    expect((await t.call('GET', '/api/v1/phonebooks/Nope/contacts/c1/note')).statusCode).toBe(404);
  });

  it('answers 409 for a book that keeps no notes', async () => {
    const response = await t.call('GET', '/api/v1/phonebooks/Global.LocalNumbers/contacts/x/note');
    expect([404, 409]).toContain(response.statusCode);
    await t.userWith('ext', {}, { extensions: ['321'] });
    const local = await t.call('GET', '/api/v1/phonebooks/Global.LocalNumbers/contacts/ext.1/note');
    expect(local.statusCode).toBe(409);
    expect(local.json()).toMatchObject({ error: { code: 'CONFLICT' } });
  });

  it('rejects bad bodies with 400', async () => {
    for (const body of [{}, { text: 5 }, { text: 'x', extra: 1 }, 'text']) {
      const response = await t.call('PUT', '/api/v1/phonebooks/Customers/contacts/c2/note', {
        token: reader,
        body,
      });
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await get('/api/v1/phonebooks/Customers/contacts/c2/note', reader)).etag).toBeNull();
  });

  it('round-trips a 2 MB note and refuses a longer one', async () => {
    const url = '/api/v1/phonebooks/Customers/contacts/big/note';
    const size = 2 * 1024 * 1024;
    const line = 'Zeile mit Umlauten äöü ß und "Zitaten" \\ 😀\n';
    const text = line.repeat(Math.ceil(size / line.length)).slice(0, size);
    expect(text.length).toBe(size);
    const saved = await put(url, text, reader);
    expect(saved.status).toBe(200);
    expect((await get(url, colleague)).text).toBe(text);
    const tooLong = await put(url, `${text}!`, reader, saved.body.etag ?? '');
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await get(url, reader)).etag).toBe(saved.body.etag);
  });
});

describe('number notes', () => {
  let t: TestApp;
  let user: string;

  async function put(number: string, text: string, ifMatch?: string) {
    const response = await t.call('PUT', `/api/v1/numbers/${encodeURIComponent(number)}/note`, {
      token: user,
      body: { text },
      ...(ifMatch === undefined ? {} : { headers: { 'if-match': ifMatch } }),
    });
    return { status: response.statusCode, body: response.json() as Note };
  }

  async function get(number: string): Promise<Note> {
    const response = await t.call('GET', `/api/v1/numbers/${encodeURIComponent(number)}/note`, {
      token: user,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Note;
  }

  async function history(number: string): Promise<NoteVersion[]> {
    const response = await t.call(
      'GET',
      `/api/v1/numbers/${encodeURIComponent(number)}/note/history`,
      { token: user },
    );
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as NoteVersion[];
  }

  async function setLocation(changes: Partial<typeof MUNICH> = {}): Promise<void> {
    const response = await t.call('PUT', '/api/v1/settings/location', {
      body: { ...MUNICH, ...changes },
    });
    expect(response.statusCode, response.body).toBe(200);
  }

  beforeAll(async () => {
    t = await createTestApp();
    await setLocation();
    user = await t.userWith('caller', {});
  });

  afterAll(async () => {
    await t.close();
  });

  it('shares one note between every written form of a number', async () => {
    const first = await t.call('PUT', '/api/v1/numbers/089%201234567/note', {
      token: user,
      body: { text: 'Calls about invoices' },
    });
    expect(first.statusCode).toBe(200);
    const saved = first.json() as Note;
    expect(saved).toMatchObject({
      number: '+49891234567',
      text: 'Calls about invoices',
      updatedBy: 'caller',
    });
    const fetched = await t.call('GET', '/api/v1/numbers/%2B49891234567/note', { token: user });
    expect(fetched.json()).toEqual(saved);
    for (const form of ['0049 89 1234567', '+49 (0)89 123 45 67', '1234567', '00891234567']) {
      expect(await get(form), form).toEqual(saved);
    }

    expect((await put('+49891234567', 'blind')).status).toBe(428);
    const second = await put('0891234567', 'Calls about invoices; ask for Eva', saved.etag ?? '');
    expect(second.status).toBe(200);
    expect((await put('1234567', 'stale', saved.etag ?? '')).status).toBe(412);
    expect((await history('+49 89 1234567')).map((v) => v.text)).toEqual([
      'Calls about invoices; ask for Eva',
      'Calls about invoices',
    ]);
  });

  it('takes numbers written with slashes and brackets in the path', async () => {
    const saved = await t.call('PUT', '/api/v1/numbers/089%2F2345-67/note', {
      token: user,
      body: { text: 'Slash form' },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ number: '+4989234567' });
    expect((await get('(089) 234567')).text).toBe('Slash form');
    expect((await get('+49 89 2345-67')).text).toBe('Slash form');
  });

  it('keeps notes of internal numbers apart from external ones', async () => {
    expect((await put('123', 'Reception')).body.number).toBe('ext:123');
    expect((await get('123')).text).toBe('Reception');
    expect((await get('+49 89 123')).text).toBe('');
  });

  it('rejects junk numbers with 400 INVALID_NUMBER', async () => {
    for (const junk of ['abc', 'x', '+', '089 1234 call me', '1'.repeat(30)]) {
      const response = await t.call('GET', `/api/v1/numbers/${encodeURIComponent(junk)}/note`, {
        token: user,
      });
      expect(response.statusCode, junk).toBe(400);
      expect(response.json()).toMatchObject({ error: { code: 'INVALID_NUMBER' } });
      const write = await t.call('PUT', `/api/v1/numbers/${encodeURIComponent(junk)}/note`, {
        token: user,
        body: { text: 'x' },
      });
      expect(write.statusCode, junk).toBe(400);
    }
  });

  it('follows the number as written when the area code changes', async () => {
    expect((await put('7654321', 'Local supplier')).status).toBe(200);
    expect((await put('+49 89 5555555', 'Munich, written in full')).status).toBe(200);
    expect((await get('+49897654321')).text).toBe('Local supplier');

    await setLocation({ areaCode: '30' });
    try {
      const moved = await get('+49307654321');
      expect(moved).toMatchObject({ number: '+49307654321', text: 'Local supplier' });
      expect((await get('7654321')).text).toBe('Local supplier');
      expect((await get('+49897654321')).text).toBe('');
      expect((await history('+49307654321')).map((v) => v.text)).toEqual(['Local supplier']);
      // A number written with its area code keeps its note.
      expect((await get('089 5555555')).text).toBe('Munich, written in full');
      // The first note, written as "089 1234567", stays on the Munich number.
      expect((await get('+49891234567')).text).toBe('Calls about invoices; ask for Eva');
      // An edit after the move continues the same history.
      const edited = await put('030 7654321', 'Local supplier (Berlin)', moved.etag ?? '');
      expect(edited.status).toBe(200);
      expect((await history('7654321')).map((v) => v.text)).toEqual([
        'Local supplier (Berlin)',
        'Local supplier',
      ]);
    } finally {
      await setLocation();
    }
    expect((await get('7654321')).text).toBe('Local supplier (Berlin)');
  });

  it('keeps both texts when two notes come to share a number', async () => {
    expect((await put('030 2222222', 'Berlin note')).status).toBe(200);
    expect((await put('2222222', 'Munich local note')).status).toBe(200);
    await setLocation({ areaCode: '30' });
    try {
      const texts = (await history('+49302222222')).map((v) => v.text);
      expect(texts.sort()).toEqual(['Berlin note', 'Munich local note']);
      expect((await get('+49302222222')).text).toBe('Munich local note');
    } finally {
      await setLocation();
    }
  });
});
