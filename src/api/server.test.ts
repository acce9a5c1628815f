import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../test-support/test-app.js';
import { createTestApp } from '../test-support/test-app.js';

describe('server basics', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('answers health without a token', async () => {
    const response = await t.call('GET', '/api/v1/health', { token: null });
    expect(response.statusCode).toBe(200);
  });

  it('serves an OpenAPI description of every route', async () => {
    const response = await t.call('GET', '/api/v1/openapi.json', { token: null });
    const doc = response.json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/phonebooks/{name}/contacts/{id}/note');
    // A file answer is described as one.
    expect(doc.paths['/api/v1/phonebooks/{name}/snapshot']).toMatchObject({
      get: {
        responses: {
          '200': {
            headers: { 'X-Ctibook-Token': {} },
            content: { 'application/vnd.sqlite3': { schema: { format: 'binary' } } },
          },
        },
      },
    });
  });

  it('answers unknown routes with the JSON error shape', async () => {
    const response = await t.call('GET', '/api/v1/nope');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('checks the token before it reads a body: no JSON parsed for a caller without one', async () => {
    const malformed = await t.call('POST', '/api/v1/phonebooks', { token: null, rawBody: '{"na' });
    expect(malformed.statusCode).toBe(401);
    const huge = await t.call('POST', '/api/v1/phonebooks', {
      token: 'not-a-token',
      rawBody: JSON.stringify({ name: 'x'.repeat(9 * 1024 * 1024) }),
    });
    expect(huge.statusCode).toBe(401);
  });
});

describe('a route that streams a file', () => {
  it('answers once: no second reply is attempted (nor warned about)', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const t = await createTestApp({ logger });
    try {
      await t.call('POST', '/api/v1/phonebooks', { body: { name: 'Sales', kind: 'builtin' } });
      await t.call('POST', '/api/v1/phonebooks/Sales/contacts', { body: { lastName: 'Weiß' } });
      const response = await t.call('GET', '/api/v1/phonebooks/Sales/snapshot?format=2');
      expect(response.statusCode).toBe(200);
      expect(lines).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
