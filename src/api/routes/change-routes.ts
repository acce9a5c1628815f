import { z } from 'zod';
import { CtibookError } from '../../domain/errors.js';
import type { RouteTable } from '../route.js';
import { BookParams, Contact } from '../schemas.js';

export function changeRoutes(table: RouteTable): void {
  table.add({
    method: 'GET',
    url: '/api/v1/phonebooks/:name/changes',
    summary:
      'Changes since a token, for offline client caches (offline right). Without a token, or after the book was rebuilt, ' +
      '`reset` is true: drop the copy and apply the upserts. While `more` is true, ask again with the new token.',
    tag: 'contacts',
    auth: 'user',
    params: BookParams,
    query: z.strictObject({
      since: z.string().max(64).optional(),
      limit: z.coerce.number().int().min(1).max(50_000).default(5000),
    }),
    response: z.object({
      token: z.string(),
      reset: z.boolean(),
      more: z.boolean(),
      upserts: z.array(Contact),
      deletes: z.array(z.string()),
    }),
    handler({ app, principal, params, query }) {
      const book = app.phonebooks.readable(principal, params.name);
      if (!app.access.rights(principal, book.id).offline) {
        throw new CtibookError('FORBIDDEN', 'You have no offline right on this phone book', {
          phonebook: book.name,
        });
      }
      const page = app.changes.changes(book.id, query.since, query.limit);
      return { ...page, upserts: page.upserts.map((c) => app.contacts.view(book, c)) };
    },
  });
}
