import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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

describe('the log of a failed request', () => {
  it("logs a source's failure as a warning with its code, a crash as an error with its stack", async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const t = await createTestApp({ logger, schedule: false });
    try {
      const dir = mkdtempSync(join(tmpdir(), 'ctibook-log-'));
      const csv = join(dir, 'kunden.csv');
      writeFileSync(csv, 'id;lastName\r\n1;Weiß\r\n');
      await t.call('POST', '/api/v1/phonebooks', {
        body: { name: 'Kunden', kind: 'csv', source: { path: csv, idColumn: 'id' } },
      });
      await t.call('POST', '/api/v1/phonebooks/Kunden/sync?wait=true');
      rmSync(dir, { recursive: true, force: true });
      const failed = await t.call('POST', '/api/v1/phonebooks/Kunden/sync?wait=true');
      expect(failed.statusCode).toBe(503);
      const logged = lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.msg === 'request failed');
      expect(logged).toEqual([
        expect.objectContaining({ level: 40, code: 'SOURCE_UNAVAILABLE', msg: 'request failed' }),
      ]);
      expect(logged[0]).not.toHaveProperty('err');

      lines.length = 0;
      vi.spyOn(t.app.phonebooks, 'list').mockImplementation(() => {
        throw new Error('a bug');
      });
      expect((await t.call('GET', '/api/v1/phonebooks')).statusCode).toBe(500);
      const crash = lines.map(
        (line) => JSON.parse(line) as { level: number; err?: { stack?: string } },
      );
      expect(crash).toEqual([expect.objectContaining({ level: 50 })]);
      expect(crash[0]?.err?.stack).toContain('a bug');
    } finally {
      await t.close();
    }
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
