import { createReadStream } from 'node:fs';
import { z } from 'zod';
import type { Principal } from '../../access/access-service.js';
import type { Ctibook } from '../../app.js';
import { SNAPSHOT_FORMAT } from '../../store/book-snapshot.js';
import type { PhonebookRecord } from '../../store/phonebook-store.js';
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

/** The media type of a book snapshot (an SQLite database file). */
const SNAPSHOT_TYPE = 'application/vnd.sqlite3';

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
      const book = offlineBook(app, principal, params.name);
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

  table.add({
    method: 'GET',
    url: '/api/v1/phonebooks/:name/snapshot',
    summary:
      'The whole book as an SQLite file (`application/vnd.sqlite3`) of the format asked for (400 for one this ' +
      'server does not write), for a full offline copy of a big book ' +
      '(offline right): tables `meta` (format, token, contacts, location), `contacts` and `phones`, the rows ' +
      'of the prepared change feed. Go on with `changes?since=` and the token of `meta` (also sent as ' +
      '`X-Ctibook-Token`). 409 when the store cannot give one now (numbers being re-keyed for new location ' +
      'settings, contacts stored before the search text was kept, the book rebuilt while its file was written): ' +
      'read the change feed instead. 404 when the book was deleted meanwhile.',
    tag: 'contacts',
    auth: 'user',
    params: BookParams,
    query: z.strictObject({
      format: z.literal(SNAPSHOT_FORMAT).describe('The snapshot format the client reads'),
    }),
    headers: ['X-Ctibook-Token', 'X-Ctibook-Contacts'],
    file: SNAPSHOT_TYPE,
    async handler({ app, principal, params, reply }) {
      const book = offlineBook(app, principal, params.name);
      const unavailable = (why: string): CtibookError =>
        new CtibookError(
          'CONFLICT',
          `No snapshot of this phone book now: ${why}; read its changes`,
          {
            phonebook: book.name,
          },
        );
      if (!app.location.keysCurrent) throw unavailable('its numbers are being re-keyed');
      const normalizer = app.location.normalizer;
      const token = app.changes.token(book.id);
      let snapshot;
      try {
        snapshot = await app.snapshots.take(book, token, normalizer.location);
      } catch (error) {
        // Deleted or rebuilt while its snapshot was written: gone (404) or new (409), not broken.
        if (offlineBook(app, principal, params.name).id !== book.id) {
          throw unavailable('it was rebuilt meanwhile');
        }
        throw error;
      }
      if (!snapshot) throw unavailable('some contacts were stored without their search text');
      if (!app.location.keysCurrent || app.location.normalizer !== normalizer) {
        app.snapshots.release(snapshot);
        throw unavailable('the location settings changed meanwhile');
      }
      const stream = createReadStream(snapshot.file);
      stream.once('close', () => app.snapshots.release(snapshot));
      return reply
        .type(SNAPSHOT_TYPE)
        .header('content-length', String(snapshot.bytes))
        .header('x-ctibook-token', snapshot.meta.token)
        .header('x-ctibook-contacts', String(snapshot.meta.contacts))
        .send(stream);
    },
  });
}

/** A book the principal may read and keep offline (403 without the offline right). */
function offlineBook(app: Ctibook, principal: Principal, name: string): PhonebookRecord {
  const book = app.phonebooks.readable(principal, name);
  if (!app.access.rights(principal, book.id).offline) {
    throw new CtibookError('FORBIDDEN', 'You have no offline right on this phone book', {
      phonebook: book.name,
    });
  }
  return book;
}
