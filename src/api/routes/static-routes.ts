import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm run build` puts the web page (`vite build` of `web/`). */
export const WEB_ROOT = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Same-origin only: the page talks to its own server, over HTTP and the events WebSocket. */
const CSP =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; " +
  "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

interface StaticFile {
  path: string;
  type: string;
  /** Vite's content-hashed assets never change under their name. */
  immutable: boolean;
}

/**
 * The files of the built page, keyed by URL path. Requests are answered from this list
 * only, so no URL can reach a file outside it (no path traversal by construction).
 */
export function scanWebRoot(root: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const type = CONTENT_TYPES[extname(name).toLowerCase()];
      if (!type) continue;
      const url = '/' + relative(root, path).split(sep).join('/');
      files.set(url, { path, type, immutable: url.startsWith('/assets/') });
    }
  };
  walk(root);
  return files;
}

/**
 * The web page at `/` and its assets: `index.html` revalidated on every load, hashed
 * assets cached for a year. Without a build, `/` says how to make one (503).
 */
export function registerStatic(server: FastifyInstance, root = WEB_ROOT): void {
  const files = scanWebRoot(root);
  const send = async (reply: FastifyReply, file: StaticFile): Promise<FastifyReply> => {
    const body = await readFile(file.path);
    reply
      .type(file.type)
      .header('x-content-type-options', 'nosniff')
      .header(
        'cache-control',
        file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache, must-revalidate',
      );
    if (file.type.startsWith('text/html')) {
      reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer');
    }
    return reply.send(body);
  };
  const notFound = (url: string, reply: FastifyReply): FastifyReply =>
    reply.code(404).send({ error: { code: 'NOT_FOUND', message: `No route GET ${url}` } });

  server.get('/', (_request, reply) => {
    const index = files.get('/index.html');
    if (index) return send(reply, index);
    return reply
      .code(503)
      .type('text/plain; charset=utf-8')
      .send('The web page is not built: run `npm run build`.\n');
  });
  server.get('/*', (request, reply) => {
    const url = request.url.split('?')[0] ?? '';
    const file = files.get(url);
    return file ? send(reply, file) : notFound(url, reply);
  });
}
