import { z } from 'zod';
import type { RouteTable } from '../route.js';
import { Location, LookupQuery, LookupResult, SearchQuery } from '../schemas.js';

export const VERSION = '0.1.0';

/** What the number tester answers. */
const NumberReading = z.object({
  input: z.string(),
  valid: z.boolean(),
  kind: z.enum(['external', 'internal']).optional(),
  canonical: z.string().optional().describe('E.164, or ext:NNN for an internal extension'),
  display: z.string().optional(),
  plausible: z.boolean().optional().describe('external numbers only'),
  base: z
    .string()
    .nullable()
    .optional()
    .describe('external numbers only: the base number in front of a dash extension'),
});

export function directoryRoutes(table: RouteTable): void {
  table.add({
    method: 'GET',
    url: '/api/v1/health',
    summary: 'Liveness: 200 while the server runs.',
    tag: 'server',
    auth: 'none',
    response: z.object({ status: z.literal('ok') }),
    handler: () => ({ status: 'ok' as const }),
  });
  table.add({
    method: 'GET',
    url: '/api/v1/status',
    summary:
      'Version, home directory, uptime and books (admins); each book with `syncHistory`: its ' +
      'last 20 syncs (kept across restarts), newest first ' +
      '(`{startedAt, durationMs, status, added, updated, deleted, skipped, error}`).',
    tag: 'server',
    auth: 'admin',
    handler: ({ app, principal }) => ({
      version: VERSION,
      home: app.home.root,
      startedAt: app.startedAt.toISOString(),
      uptimeSeconds: Math.round((Date.now() - app.startedAt.getTime()) / 1000),
      phonebooks: app.phonebooks
        .list(principal)
        .map((book) => ({ ...book, syncHistory: app.sync.history(book.name) })),
    }),
  });
  table.add({
    method: 'GET',
    url: '/api/v1/lookup',
    summary:
      'Caller identification across every readable book: exact, then company, then internal matches.',
    tag: 'directory',
    auth: 'user',
    query: LookupQuery,
    response: LookupResult,
    handler: ({ app, principal, query }) => app.lookup.lookup(principal, query.number),
  });
  table.add({
    method: 'GET',
    url: '/api/v1/search',
    summary:
      'Search-as-you-type over all readable books: word prefixes, all words must match, ' +
      'case, accents and umlauts folded, digits of every number however it is typed ' +
      "(national, international, or local to the site's area); name-start hits first, then " +
      'other name hits, then other fields. A `q` without letters or digits (empty) gives an ' +
      'empty list, not an error; a missing `q` is a 400. `total` counts matches exactly up to ' +
      '1,000; beyond that it is a lower bound (at least 1,000).',
    tag: 'directory',
    auth: 'user',
    query: SearchQuery,
    response: z.object({
      items: z.array(z.record(z.string(), z.string().nullable())),
      total: z.number(),
    }),
    handler: ({ app, principal, query }) =>
      app.search.search(principal, query.q, query.limit, query.offset),
  });
  table.add({
    method: 'GET',
    url: '/api/v1/settings/location',
    summary: 'The location settings that number normalisation uses.',
    tag: 'settings',
    auth: 'user',
    response: Location,
    handler: ({ app }) => app.location.get(),
  });
  table.add({
    method: 'PUT',
    url: '/api/v1/settings/location',
    summary: 'Change the location settings; every stored number and number note is re-keyed.',
    tag: 'settings',
    auth: 'admin',
    body: Location,
    response: Location,
    async handler({ app, body }) {
      await app.location.set(body);
      return app.location.get();
    },
  });
  table.add({
    method: 'GET',
    url: '/api/v1/numbers/:number',
    summary:
      'How a number is read with the current location settings (the "number tester"): its ' +
      'kind, canonical and display form. Lookup names nobody for an external number that is ' +
      'not `plausible`. Junk is no error here: it gives `valid: false`.',
    tag: 'settings',
    auth: 'user',
    params: z.object({ number: z.string().min(1).max(64) }),
    response: NumberReading,
    handler({ app, params }) {
      const n = app.location.normalizer.normalize(params.number);
      if (!n) return { input: params.number, valid: false };
      return {
        input: params.number,
        valid: true,
        kind: n.kind,
        canonical: n.canonical,
        display: app.location.normalizer.format(n),
        ...(n.kind === 'external' ? { plausible: n.plausible, base: n.base ?? null } : {}),
      };
    },
  });
}
