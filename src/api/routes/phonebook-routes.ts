import { z } from 'zod';
import type { PhonebookKind } from '../../domain/phonebook.js';
import type { RouteTable } from '../route.js';
import {
  BookParams,
  Phonebook,
  PhonebookCreate,
  PhonebookPatch,
  PhonebookPreview,
} from '../schemas.js';

const TrashEntry = z.object({
  entry: z.string(),
  name: z.string(),
  kind: z.string(),
  deletedAt: z.string(),
});

export function phonebookRoutes(table: RouteTable): void {
  table.add({
    method: 'GET',
    url: '/api/v1/phonebooks',
    summary: 'The books the caller may read (admins: all), with rights and sync state.',
    tag: 'phonebooks',
    auth: 'user',
    response: z.array(Phonebook),
    handler: ({ app, principal }) => app.phonebooks.list(principal),
  });
  table.add({
    method: 'POST',
    url: '/api/v1/phonebooks',
    summary:
      'Create a phone book: builtin, or linked to a source (csv, odbc, odbc-query, oledb, ldap, access). ' +
      'The source is checked and the mapping proposed from its columns when absent; the first sync starts at once. ' +
      'A source file (CSV or Access path, a database file an ODBC string names, an LDAP CA file) inside the home, ' +
      'outside CTIBOOK_SOURCE_ROOTS or not a regular file is refused: 400 VALIDATION_FAILED with details.reason.',
    tag: 'phonebooks',
    auth: 'admin',
    body: PhonebookCreate,
    response: Phonebook,
    status: 201,
    async handler({ app, principal, body }) {
      const common = {
        name: body.name,
        kind: body.kind as PhonebookKind,
        ...(body.readOnly !== undefined ? { readOnly: body.readOnly } : {}),
        ...(body.notes !== undefined ? { notes: body.notes } : {}),
      };
      const book =
        body.kind === 'builtin'
          ? app.phonebooks.create({
              ...common,
              ...(body.source ? { source: body.source } : {}),
              ...(body.mapping ? { mapping: body.mapping } : {}),
              ...(body.cache ? { cache: body.cache } : {}),
            })
          : await app.external.create({
              ...common,
              source: body.source ?? {},
              ...(body.mapping ? { mapping: body.mapping } : {}),
              ...(body.cache ? { cache: body.cache } : {}),
            });
      return app.phonebooks.view(principal, book);
    },
  });
  table.add({
    method: 'POST',
    url: '/api/v1/phonebooks/preview',
    summary:
      'Test a connection before saving a book: the source columns, the proposed (or given) mapping and the first 20 records as contacts.',
    tag: 'phonebooks',
    auth: 'admin',
    body: PhonebookPreview,
    handler: ({ app, body }) =>
      app.external.preview(body.kind, body.source, body.mapping, body.limit),
  });
  table.add({
    method: 'POST',
    url: '/api/v1/phonebooks/:name/sync',
    summary:
      'The "Update" button: sync now. 202 at once, or with ?wait=true 200 and the report {added, updated, deleted, ' +
      'unchanged, skipped, errors, unreadableNumbers, numberWarnings} (numberWarnings: rows kept with a phone column ' +
      'that holds no number).',
    tag: 'phonebooks',
    auth: 'admin',
    params: BookParams,
    query: z.strictObject({ wait: z.enum(['true', 'false']).default('false') }),
    async handler({ app, params, query, reply }) {
      const report = await app.external.sync(params.name, query.wait === 'true');
      if (report) return report;
      reply.code(202);
      return { started: true };
    },
  });
  table.add({
    method: 'GET',
    url: '/api/v1/phonebooks/:name/settings',
    summary:
      'Source (secrets masked), mapping and cache settings of a book, for its Settings dialog.',
    tag: 'phonebooks',
    auth: 'admin',
    params: BookParams,
    handler({ app, params }) {
      const book = app.phonebooks.require(params.name);
      return {
        kind: book.kind,
        readOnly: book.config.readOnly,
        notes: book.config.notes,
        source: app.external.redactedSource(book) ?? null,
        mapping: book.config.mapping ?? null,
        cache: book.config.cache ?? null,
      };
    },
  });
  table.add({
    method: 'GET',
    url: '/api/v1/phonebooks/:name',
    summary: 'One phone book (readers).',
    tag: 'phonebooks',
    auth: 'user',
    params: BookParams,
    response: Phonebook,
    handler: ({ app, principal, params }) =>
      app.phonebooks.view(principal, app.phonebooks.readable(principal, params.name)),
  });
  table.add({
    method: 'PATCH',
    url: '/api/v1/phonebooks/:name',
    summary:
      'Change settings: name (not Global.*), readOnly (write protection), notes, and for external books source, mapping and cache (a new source or mapping re-reads the book).',
    tag: 'phonebooks',
    auth: 'admin',
    params: BookParams,
    body: PhonebookPatch,
    response: Phonebook,
    async handler({ app, principal, params, body }) {
      const { source, mapping, cache, ...rest } = body;
      if (source || mapping || cache) {
        await app.external.update(params.name, {
          ...(source ? { source } : {}),
          ...(mapping ? { mapping } : {}),
          ...(cache ? { cache } : {}),
        });
      }
      const book = app.phonebooks.update(params.name, rest);
      return app.phonebooks.view(principal, book);
    },
  });
  table.add({
    method: 'DELETE',
    url: '/api/v1/phonebooks/:name',
    summary:
      'Delete a book: its folder, records and notes move to trash/folders/ (Global.* books: 409).',
    tag: 'phonebooks',
    auth: 'admin',
    params: BookParams,
    response: z.object({ trashEntry: z.string() }),
    handler: ({ app, params }) => app.phonebooks.delete(params.name),
  });
  table.add({
    method: 'GET',
    url: '/api/v1/trash',
    summary: 'Deleted books waiting in trash/folders/.',
    tag: 'phonebooks',
    auth: 'admin',
    response: z.array(TrashEntry),
    handler: ({ app }) => app.phonebooks.trash(),
  });
  table.add({
    method: 'POST',
    url: '/api/v1/trash/:entry/restore',
    summary: 'Restore a deleted book from the trash, under its old name or `name`.',
    tag: 'phonebooks',
    auth: 'admin',
    params: z.object({ entry: z.string().min(1).max(300) }),
    body: z.strictObject({ name: z.string().max(256).optional() }).optional(),
    response: Phonebook,
    status: 201,
    async handler({ app, principal, params, body }) {
      const book = await app.phonebooks.restore(params.entry, body?.name);
      return app.phonebooks.view(principal, book);
    },
  });
}
