import { z } from 'zod';
import type { RouteTable } from '../route.js';
import {
  BookParams,
  BulkContactsBody,
  BulkResults,
  Contact,
  ContactBody,
  ContactListQuery,
  ContactParams,
  ContactPatchBody,
} from '../schemas.js';

const StaleContact = Contact.extend({
  stale: z.literal(true).optional().describe('The source did not answer: this is the cached copy'),
});

function ifMatch(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers['if-match'];
  return Array.isArray(value) ? value.join(',') : value;
}

/** Drops the read-only fields a client may send back with a contact. */
function writable<
  T extends { phonebook?: unknown; etag?: unknown; updatedAt?: unknown; normalized?: unknown },
>(body: T): Omit<T, 'phonebook' | 'etag' | 'updatedAt' | 'normalized'> {
  const { phonebook: _p, etag: _e, updatedAt: _u, normalized: _n, ...rest } = body;
  return rest;
}

export function contactRoutes(table: RouteTable): void {
  table.add({
    method: 'GET',
    url: '/api/v1/phonebooks/:name/contacts',
    summary:
      'Contacts of a book in name order, or search-as-you-type results with `q`. With `q`, ' +
      '`total` counts matches exactly up to 1,000; beyond that it is a lower bound.',
    tag: 'contacts',
    auth: 'user',
    params: BookParams,
    query: ContactListQuery,
    response: z.object({ items: z.array(Contact), total: z.number() }),
    handler: ({ app, principal, params, query }) =>
      app.contacts.list(principal, params.name, query.q, query.limit, query.offset),
  });
  table.add({
    method: 'POST',
    url: '/api/v1/phonebooks/:name/contacts',
    summary:
      'Create a contact (write right). Phone fields must hold phone numbers. ' +
      'In a writable external book (CSV, ODBC table) the record is written to the source ' +
      'through the mapping: only fields mapped 1:1 to a column and `extra` entries named ' +
      'after unmapped columns can be stored (others: 400 naming the field).',
    tag: 'contacts',
    auth: 'user',
    params: BookParams,
    body: ContactBody,
    response: Contact,
    status: 201,
    headers: ['ETag'],
    async handler({ app, principal, params, body, reply }) {
      const contact = await app.contacts.create(principal, params.name, writable(body));
      reply.header('etag', contact.etag);
      return contact;
    },
  });
  table.add({
    method: 'POST',
    url: '/api/v1/phonebooks/:name/contacts/bulk',
    summary:
      'Add up to 1,000 contacts to a builtin book in one transaction (write right): imports ' +
      'and migrations. Contacts with an invalid id or phone number are skipped with the error ' +
      'a single create would give; `existing` says what happens to a contact whose id is ' +
      'taken. `results` follows the order of `contacts`. A malformed body is a 400 for all.',
    tag: 'contacts',
    auth: 'user',
    params: BookParams,
    body: BulkContactsBody,
    response: BulkResults,
    async handler({ app, principal, params, body }) {
      const items = body.contacts.map((contact) => writable(contact));
      const results = await app.contacts.createMany(principal, params.name, items, body.existing);
      const count = (status: string): number => results.filter((r) => r.status === status).length;
      return {
        results,
        added: count('added') + count('new-id'),
        replaced: count('replaced'),
        skipped: count('skipped'),
      };
    },
  });
  table.add({
    method: 'GET',
    url: '/api/v1/phonebooks/:name/contacts/:id',
    summary:
      'One contact, with its ETag. Of an ODBC, ODBC query, OLE DB, LDAP or Access book it is ' +
      'read live from the source and the cached copy refreshed (404 when the source lost it); ' +
      'when the source fails or does not answer within 2 s the cached copy is answered with ' +
      '`stale: true` and `Warning: 110 - "Response is Stale"`. CSV books answer from the cache.',
    tag: 'contacts',
    auth: 'user',
    params: ContactParams,
    response: StaleContact,
    headers: ['ETag', 'Warning'],
    async handler({ app, principal, params, reply }) {
      const contact = await app.contacts.get(principal, params.name, params.id);
      reply.header('etag', contact.etag);
      if (contact.stale) reply.header('warning', '110 - "Response is Stale"');
      return contact;
    },
  });
  table.add({
    method: 'PUT',
    url: '/api/v1/phonebooks/:name/contacts/:id',
    summary:
      'Replace a contact. With If-Match, a stale ETag gives 412 and changes nothing (nothing is ' +
      'written to an external source either). External books: mapped columns missing from the ' +
      'body are cleared, unmapped columns are changed only when named in `extra`; a CSV file ' +
      'changed on disk since it was read gives 409 and a re-sync; source errors come back as ' +
      'SOURCE_REJECTED (409) or SOURCE_UNAVAILABLE (503).',
    tag: 'contacts',
    auth: 'user',
    params: ContactParams,
    body: ContactBody,
    response: Contact,
    headers: ['ETag'],
    async handler({ app, principal, params, body, request, reply }) {
      const { id: _id, ...data } = writable(body);
      const contact = await app.contacts.replace(
        principal,
        params.name,
        params.id,
        data,
        ifMatch(request.headers),
      );
      reply.header('etag', contact.etag);
      return contact;
    },
  });
  table.add({
    method: 'PATCH',
    url: '/api/v1/phonebooks/:name/contacts/:id',
    summary:
      'Change some fields; an empty string clears one. If-Match honoured. External books ' +
      'write only the given fields to the source.',
    tag: 'contacts',
    auth: 'user',
    params: ContactParams,
    body: ContactPatchBody,
    response: Contact,
    headers: ['ETag'],
    async handler({ app, principal, params, body, request, reply }) {
      const contact = await app.contacts.patch(
        principal,
        params.name,
        params.id,
        body,
        ifMatch(request.headers),
      );
      reply.header('etag', contact.etag);
      return contact;
    },
  });
  table.add({
    method: 'DELETE',
    url: '/api/v1/phonebooks/:name/contacts/:id',
    summary:
      'Delete a contact (its notes are kept). If-Match honoured. External books delete the ' +
      'record in the source.',
    tag: 'contacts',
    auth: 'user',
    params: ContactParams,
    handler: ({ app, principal, params, request }) =>
      app.contacts.delete(principal, params.name, params.id, ifMatch(request.headers)),
  });
}

export { ifMatch };
