import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Slapd } from '../test-support/slapd.js';
import { PEOPLE_DN, person, ROOT_DN, ROOT_PASSWORD, startSlapd } from '../test-support/slapd.js';
import type { TestApp } from '../test-support/test-app.js';
import { createTestApp } from '../test-support/test-app.js';

const url = (id: string): string => `/api/v1/phonebooks/Verzeichnis/contacts/${id}`;

describe('an LDAP book: one record read live from slapd', () => {
  let slapd: Slapd;
  let t: TestApp;

  beforeAll(async () => {
    slapd = await startSlapd({
      entries: [
        person('anna', { cn: 'Anna Berg', sn: 'Berg', telephoneNumber: '+49 30 1111' }),
        person('otto', { cn: 'Otto Groß', sn: 'Groß', telephoneNumber: '+49 30 2222' }),
      ],
    });
    t = await createTestApp({ schedule: false });
    const created = await t.call('POST', '/api/v1/phonebooks', {
      body: {
        name: 'Verzeichnis',
        kind: 'ldap',
        source: {
          url: slapd.url,
          baseDn: PEOPLE_DN,
          bindDn: ROOT_DN,
          bindPassword: ROOT_PASSWORD,
          idAttribute: 'uid',
        },
        notes: 'server',
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ readOnly: true });
    const synced = await t.call('POST', '/api/v1/phonebooks/Verzeichnis/sync?wait=true');
    expect(synced.statusCode, synced.body).toBe(200);
  });
  afterAll(async () => {
    await t.close();
    await slapd.stop();
  });

  it('answers what the directory holds now, and refreshes the cache', async () => {
    await slapd.modify(`uid=anna,${PEOPLE_DN}`, { telephoneNumber: '+49 30 9999' });
    const response = await t.call('GET', url('anna'));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ id: 'anna', businessPhone: '+49 30 9999' });
    const found = (await t.call('GET', '/api/v1/lookup?number=%2B49309999')).json() as {
      matches: { id: string }[];
    };
    expect(found.matches.map((m) => m.id)).toEqual(['anna']);
  });

  it('forgets an entry the directory no longer has', async () => {
    await slapd.remove(`uid=otto,${PEOPLE_DN}`);
    expect((await t.call('GET', url('otto'))).statusCode).toBe(404);
    const list = (await t.call('GET', '/api/v1/phonebooks/Verzeichnis/contacts')).json() as {
      items: { id: string }[];
    };
    expect(list.items.map((c) => c.id)).toEqual(['anna']);
  });

  it('takes notes on the server, and refuses writes to the directory', async () => {
    const note = await t.call('PUT', `${url('anna')}/note`, { body: { text: 'ruft zurück' } });
    expect(note.statusCode, note.body).toBe(200);
    const write = await t.call('PATCH', url('anna'), { body: { lastName: 'X' } });
    expect(write.json()).toMatchObject({ error: { code: 'PHONEBOOK_READ_ONLY' } });
  });

  it('answers the cached copy, marked stale, when the directory is down', async () => {
    await slapd.stop();
    const response = await t.call('GET', url('anna'));
    expect(response.statusCode).toBe(200);
    expect(response.headers['warning']).toBe('110 - "Response is Stale"');
    expect(response.json()).toMatchObject({ id: 'anna', stale: true });
  });
});
