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
});
