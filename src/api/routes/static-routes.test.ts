import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerStatic } from './static-routes.js';

describe('the web page files (static routes)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const serve = async (files: Record<string, string>) => {
    const parent = mkdtempSync(join(tmpdir(), 'ctibook-static-'));
    dirs.push(parent);
    const root = join(parent, 'web');
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    writeFileSync(join(parent, 'secret.txt'), 'secret');
    const server = Fastify();
    registerStatic(server, root);
    await server.ready();
    return server;
  };

  it('serves index.html revalidated and hashed assets for a year, with content types', async () => {
    const server = await serve({
      'index.html': '<!doctype html><title>x</title>',
      'assets/index-abc123.js': 'console.log(1)',
      'assets/index-abc123.css': 'body{}',
    });
    const index = await server.inject('/');
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache, must-revalidate');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.body).toContain('<title>x</title>');
    const script = await server.inject('/assets/index-abc123.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.headers['x-content-type-options']).toBe('nosniff');
    const css = await server.inject('/assets/index-abc123.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await server.inject({ method: 'HEAD', url: '/' });
    expect(head.statusCode).toBe(200);
    await server.close();
  });

  it('answers only files of the build: no path traversal, unknown paths 404', async () => {
    const server = await serve({ 'index.html': 'x' });
    for (const url of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/nothing.js',
    ]) {
      const response = await server.inject(url);
      expect(response.statusCode, url).toBe(404);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('NOT_FOUND');
    }
    await server.close();
  });

  it('says how to build the page when there is none', async () => {
    const server = await serve({});
    const response = await server.inject('/');
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('npm run build');
    await server.close();
  });
});
