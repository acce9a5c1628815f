import { z } from 'zod';
import { CtibookError } from '../../domain/errors.js';
import type { RouteTable } from '../route.js';
import { BookParams, Contact, Location } from '../schemas.js';

const PreparedRow = z
  .tuple([
    z.string(),
    z.string(),
    z.number().int(),
    z.string(),
    z.string(),
    z.string().nullable(),
    z.string(),
    z.string(),
    z.string(),
    z.array(z.tuple([z.string(), z.string(), z.string(), z.string().nullable()])),
  ])
  .describe(
    'A contact prepared for a client store: [id, data (stored JSON text), hash, updatedAt, displayName, ' +
      'company, nameKey, names, other (search index text), phones: [field, raw, canonical, base]]',
  );

/** What every page has, whatever its form. */
const pageShape = {
  token: z.string(),
  reset: z.boolean(),
  more: z.boolean(),
  deletes: z.array(z.string()),
};

export function changeRoutes(table: RouteTable): void {
  table.add({
    method: 'GET',
    url: '/api/v1/phonebooks/:name/changes',
    summary:
      'Changes since a token, for offline client caches (offline right). Without a token, or after the book was rebuilt, ' +
      '`reset` is true: drop the copy and apply the upserts. While `more` is true, ask again with the new token. ' +
      'With `form=prepared` each upsert is a positional row with the number keys and search text the server ' +
      'derived with the location settings sent along as `location` (a client indexing with the same settings ' +
      'stores them as they are, and derives them itself otherwise).',
    tag: 'contacts',
    auth: 'user',
    params: BookParams,
    query: z.strictObject({
      since: z.string().max(64).optional(),
      limit: z.coerce.number().int().min(1).max(50_000).default(5000),
      form: z.enum(['contacts', 'prepared']).default('contacts'),
    }),
    response: z.union([
      z.object({ ...pageShape, upserts: z.array(Contact) }),
      z.object({
        ...pageShape,
        form: z.literal('prepared'),
        location: Location,
        upserts: z.array(PreparedRow),
      }),
    ]),
    handler({ app, principal, params, query }) {
      const book = app.phonebooks.readable(principal, params.name);
      if (!app.access.rights(principal, book.id).offline) {
        throw new CtibookError('FORBIDDEN', 'You have no offline right on this phone book', {
          phonebook: book.name,
        });
      }
      if (query.form === 'prepared') {
        const numbers = app.location.normalizer;
        const keysCurrent = app.location.keysCurrent;
        const page = app.changes.preparedChanges(
          book.id,
          query.since,
          query.limit,
          numbers,
          keysCurrent,
        );
        return { ...page, form: 'prepared', location: numbers.location };
      }
      const page = app.changes.changes(book.id, query.since, query.limit);
      return { ...page, upserts: page.upserts.map((c) => app.contacts.view(book, c)) };
    },
  });
}
