import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../../test-support/test-app.js';
import { createTestApp } from '../../test-support/test-app.js';

interface Page {
  token: string;
  reset: boolean;
  more: boolean;
  upserts: { id: string; lastName?: string }[];
  deletes: string[];
}

describe('GET /api/v1/phonebooks/{name}/changes', () => {
  let t: TestApp;
  let token: string;
  const changes = async (since?: string, limit?: number): Promise<Page> => {
    const query = new URLSearchParams({
      ...(since ? { since } : {}),
      ...(limit ? { limit: String(limit) } : {}),
    });
    const response = await t.call('GET', `/api/v1/phonebooks/Sales/changes?${query}`, { token });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Page;
  };
  const add = async (lastName: string): Promise<string> =>
    (
      (
        await t.call('POST', '/api/v1/phonebooks/Sales/contacts', { body: { lastName } })
      ).json() as { id: string }
    ).id;

  beforeEach(async () => {
    t = await createTestApp({ schedule: false });
    await t.call('POST', '/api/v1/phonebooks', { body: { name: 'Sales', kind: 'builtin' } });
    token = await t.userWith('otto', { Sales: { offline: true } });
  });
  afterEach(async () => {
    await t.close();
  });

  it('sends everything with reset first, then only what changed, deletions as tombstones', async () => {
    const a = await add('Alpha');
    const b = await add('Beta');
    const first = await changes();
    expect(first).toMatchObject({ reset: true, more: false, deletes: [] });
    expect(first.upserts.map((c) => c.id).sort()).toEqual([a, b].sort());

    await t.call('PATCH', `/api/v1/phonebooks/Sales/contacts/${a}`, {
      body: { lastName: 'Alpha2' },
    });
    await t.call('DELETE', `/api/v1/phonebooks/Sales/contacts/${b}`);
    const c = await add('Gamma');
    const delta = await changes(first.token);
    expect(delta.reset).toBe(false);
    expect(delta.upserts.map((u) => [u.id, u.lastName])).toEqual([
      [a, 'Alpha2'],
      [c, 'Gamma'],
    ]);
    expect(delta.deletes).toEqual([b]);
    expect(await changes(delta.token)).toMatchObject({ upserts: [], deletes: [], reset: false });
  });

  it('pages with more until done', async () => {
    for (let i = 0; i < 7; i++) await add(`P${i}`);
    const seen: string[] = [];
    let page = await changes(undefined, 3);
    seen.push(...page.upserts.map((u) => u.id));
    while (page.more) {
      page = await changes(page.token, 3);
      seen.push(...page.upserts.map((u) => u.id));
    }
    expect(new Set(seen).size).toBe(7);
  });

  it('answers reset for a token of another book or from the future', async () => {
    await add('A');
    expect((await changes('999.1')).reset).toBe(true);
    expect((await changes('1.999999')).reset).toBe(true);
    expect((await changes('garbage')).reset).toBe(true);
  });

  it('needs the offline right, and hides books without read right', async () => {
    const reader = await t.userWith('rita', { Sales: { read: true } });
    const forbidden = await t.call('GET', '/api/v1/phonebooks/Sales/changes', { token: reader });
    expect(forbidden.statusCode).toBe(403);
    const stranger = await t.userWith('sven', {});
    const hidden = await t.call('GET', '/api/v1/phonebooks/Sales/changes', { token: stranger });
    expect(hidden.statusCode).toBe(404);
  });
});
