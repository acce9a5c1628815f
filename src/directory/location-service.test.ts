import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../test-support/test-app.js';
import { createTestApp } from '../test-support/test-app.js';

const MUNICH = {
  countryCode: '49',
  areaCode: '89',
  internationalPrefix: '00',
  nationalPrefix: '0',
  outsideLinePrefix: '0',
  pbxBaseNumber: '+49 89 4711',
  internalNumberMaxLength: 3,
};

interface Problems {
  error: { code: string; message: string; details?: { problems?: string[] } };
}

describe('location settings', () => {
  let t: TestApp;
  let user: string;

  beforeAll(async () => {
    t = await createTestApp();
    user = await t.userWith('plain', {});
  });

  afterAll(async () => {
    await t.close();
  });

  it('shows the defaults to any user before they are set', async () => {
    const response = await t.call('GET', '/api/v1/settings/location', { token: user });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      countryCode: '49',
      areaCode: '',
      internationalPrefix: '00',
      nationalPrefix: '0',
      outsideLinePrefix: '',
      pbxBaseNumber: '',
      internalNumberMaxLength: 4,
    });
    expect((await t.call('GET', '/api/v1/settings/location', { token: null })).statusCode).toBe(
      401,
    );
  });

  it('lets only admins change them', async () => {
    const denied = await t.call('PUT', '/api/v1/settings/location', { token: user, body: MUNICH });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const anonymous = await t.call('PUT', '/api/v1/settings/location', {
      token: null,
      body: MUNICH,
    });
    expect(anonymous.statusCode).toBe(401);
    expect(
      (await t.call('GET', '/api/v1/settings/location', { token: user })).json(),
    ).toMatchObject({ areaCode: '' });

    const saved = await t.call('PUT', '/api/v1/settings/location', { body: MUNICH });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toEqual(MUNICH);
    const read = await t.call('GET', '/api/v1/settings/location', { token: user });
    expect(read.json()).toEqual(MUNICH);
  });

  it.each<[Record<string, unknown>, string]>([
    [{ areaCode: '8a9' }, 'areaCode: digits only'],
    [{ areaCode: '089' }, 'areaCode: without national prefix'],
    [{ countryCode: '' }, 'countryCode: required'],
    [{ countryCode: '+49' }, 'countryCode: digits only'],
    [{ countryCode: '999' }, 'countryCode: unknown country calling code'],
    [{ internationalPrefix: '' }, 'internationalPrefix: required'],
    [
      { internationalPrefix: '0', nationalPrefix: '0' },
      'internationalPrefix: must differ from nationalPrefix',
    ],
    [{ nationalPrefix: 'O' }, 'nationalPrefix: digits only'],
    [{ outsideLinePrefix: '0 ' }, 'outsideLinePrefix: digits only'],
    [{ pbxBaseNumber: 'n/a' }, 'pbxBaseNumber: not an external phone number'],
    [{ pbxBaseNumber: '123' }, 'pbxBaseNumber: not an external phone number'],
  ])('rejects %j with 400 naming the problem', async (changes, problem) => {
    const response = await t.call('PUT', '/api/v1/settings/location', {
      body: { ...MUNICH, ...changes },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json() as Problems;
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details?.problems).toContain(problem);
    expect(body.error.message).toContain(problem);
    expect((await t.call('GET', '/api/v1/settings/location')).json()).toEqual(MUNICH);
  });

  it('lists every problem at once', async () => {
    const response = await t.call('PUT', '/api/v1/settings/location', {
      body: { ...MUNICH, areaCode: 'x', nationalPrefix: 'y', outsideLinePrefix: 'z' },
    });
    expect(response.statusCode).toBe(400);
    expect((response.json() as Problems).error.details?.problems).toEqual([
      'areaCode: digits only',
      'nationalPrefix: digits only',
      'outsideLinePrefix: digits only',
    ]);
  });

  it.each<[string, unknown]>([
    ['unknown keys', { ...MUNICH, areaCode2: '30' }],
    ['a missing key', { ...MUNICH, pbxBaseNumber: undefined }],
    ['a wrong type', { ...MUNICH, internalNumberMaxLength: '3' }],
    ['a length out of range', { ...MUNICH, internalNumberMaxLength: 9 }],
    ['a fraction', { ...MUNICH, internalNumberMaxLength: 2.5 }],
    ['an over-long field', { ...MUNICH, areaCode: '1'.repeat(50) }],
    ['an array', [MUNICH]],
    ['null', null],
  ])('rejects %s with 400', async (_what, body) => {
    const response = await t.call('PUT', '/api/v1/settings/location', { body });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect((await t.call('GET', '/api/v1/settings/location')).json()).toEqual(MUNICH);
  });

  it('rejects malformed JSON with 400', async () => {
    const response = await t.call('PUT', '/api/v1/settings/location', { rawBody: '{"areaCode":' });
    expect(response.statusCode).toBe(400);
    expect((await t.call('GET', '/api/v1/settings/location')).json()).toEqual(MUNICH);
  });

  describe('number tester', () => {
    async function test(number: string): Promise<Record<string, unknown>> {
      const response = await t.call('GET', `/api/v1/numbers/${encodeURIComponent(number)}`, {
        token: user,
      });
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as Record<string, unknown>;
    }

    it.each<[string, Record<string, unknown>]>([
      [
        '089 1234567',
        {
          valid: true,
          kind: 'external',
          canonical: '+49891234567',
          display: '+49 89 1234567',
          plausible: true,
          base: null,
        },
      ],
      ['1234567', { kind: 'external', canonical: '+49891234567', display: '+49 89 1234567' }],
      ['00891234567', { kind: 'external', canonical: '+49891234567' }],
      ['+43 1 234567', { kind: 'external', canonical: '+431234567', display: '+43 1 234567' }],
      [
        '089/4711-123',
        {
          kind: 'external',
          canonical: '+49894711123',
          base: '+49894711',
          display: '+49 89 4711-123',
        },
      ],
      ['123', { valid: true, kind: 'internal', canonical: 'ext:123', display: '123' }],
    ])('%j', async (number, expected) => {
      const result = await test(number);
      expect(result).toMatchObject({ input: number, ...expected });
      if (result.kind === 'internal') expect(result).not.toHaveProperty('plausible');
    });

    it('says a junk number is not valid', async () => {
      expect(await test('abc')).toEqual({ input: 'abc', valid: false });
    });

    it('needs a token and rejects an over-long number', async () => {
      expect((await t.call('GET', '/api/v1/numbers/123', { token: null })).statusCode).toBe(401);
      const long = await t.call('GET', `/api/v1/numbers/${'1'.repeat(65)}`, { token: user });
      expect(long.statusCode).toBe(400);
    });

    it('reads numbers with the current settings', async () => {
      try {
        const changed = await t.call('PUT', '/api/v1/settings/location', {
          body: { ...MUNICH, areaCode: '30', internalNumberMaxLength: 4 },
        });
        expect(changed.statusCode).toBe(200);
        expect(await test('1234567')).toMatchObject({ canonical: '+49301234567' });
        expect(await test('1234')).toMatchObject({ kind: 'internal', canonical: 'ext:1234' });
      } finally {
        await t.call('PUT', '/api/v1/settings/location', { body: MUNICH });
      }
      expect(await test('1234')).toMatchObject({ kind: 'external', canonical: '+49891234' });
    });
  });
});

describe('location settings across restarts', () => {
  const home = mkdtempSync(join(tmpdir(), 'ctibook-location-'));

  afterAll(() => {
    rmSync(home, { recursive: true, force: true });
  });

  async function lookupIds(t: TestApp, number: string): Promise<string[]> {
    const response = await t.call('GET', `/api/v1/lookup?number=${encodeURIComponent(number)}`);
    expect(response.statusCode).toBe(200);
    return (response.json() as { matches: { id: string }[] }).matches.map((m) => m.id);
  }

  it('keeps the settings, and finishes a re-keying that a crash cut short', async () => {
    const first = await createTestApp({ home });
    try {
      expect(
        (await first.call('PUT', '/api/v1/settings/location', { body: MUNICH })).statusCode,
      ).toBe(200);
      const created = await first.call('POST', '/api/v1/phonebooks/Global.Phonebook/contacts', {
        body: { id: 'local', displayName: 'Local Lena', businessPhone: '1234567' },
      });
      expect(created.statusCode).toBe(201);
      const note = await first.call('PUT', '/api/v1/numbers/7654321/note', {
        body: { text: 'local supplier' },
      });
      expect(note.statusCode).toBe(200);
      // What a crash right after saving new settings leaves: the settings are saved, the
      // stored keys are still those of the old ones.
      first.app.db
        .prepare("UPDATE settings SET value = ? WHERE key = 'location'")
        .run(JSON.stringify({ ...MUNICH, areaCode: '30' }));
    } finally {
      await first.close();
    }

    const second = await createTestApp({ home });
    try {
      expect((await second.call('GET', '/api/v1/settings/location')).json()).toEqual({
        ...MUNICH,
        areaCode: '30',
      });
      expect(await lookupIds(second, '+49301234567')).toEqual(['local']);
      expect(await lookupIds(second, '+49891234567')).toEqual([]);
      const note = await second.call('GET', '/api/v1/numbers/%2B49307654321/note');
      expect(note.json()).toMatchObject({ text: 'local supplier' });
    } finally {
      await second.close();
    }

    const third = await createTestApp({ home });
    try {
      expect(await lookupIds(third, '1234567')).toEqual(['local']);
    } finally {
      await third.close();
    }
  });

  it('applies changes one after another', async () => {
    const t = await createTestApp({ home });
    try {
      const [a, b] = await Promise.all([
        t.call('PUT', '/api/v1/settings/location', { body: { ...MUNICH, areaCode: '40' } }),
        t.call('PUT', '/api/v1/settings/location', { body: { ...MUNICH, areaCode: '89' } }),
      ]);
      expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
      expect((await t.call('GET', '/api/v1/settings/location')).json()).toEqual(MUNICH);
      expect(await lookupIds(t, '+49891234567')).toEqual(['local']);
      const note = await t.call('GET', '/api/v1/numbers/7654321/note');
      expect(note.json()).toMatchObject({ number: '+49897654321', text: 'local supplier' });
    } finally {
      await t.close();
    }
  });
});
