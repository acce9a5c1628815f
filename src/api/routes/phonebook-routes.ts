import { z } from 'zod';
import { CtibookError } from '../../domain/errors.js';
import type { PhonebookKind } from '../../domain/phonebook.js';
import type { RouteTable } from '../route.js';
import { BookParams, Phonebook, PhonebookCreate, PhonebookPatch } from '../schemas.js';

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
    summary: 'Create a phone book. This version creates builtin books.',
    tag: 'phonebooks',
    auth: 'admin',
    body: PhonebookCreate,
    response: Phonebook,
    status: 201,
    handler({ app, principal, body }) {
      if (body.source || body.mapping || body.cache) {
        if (body.kind === 'builtin') {
          throw new CtibookError(
            'VALIDATION_FAILED',
            'source, mapping and cache do not apply to builtin books',
            {
              field: 'source',
            },
          );
        }
      }
      const book = app.phonebooks.create({
        name: body.name,
        kind: body.kind as PhonebookKind,
        ...(body.readOnly !== undefined ? { readOnly: body.readOnly } : {}),
        ...(body.notes !== undefined ? { notes: body.notes } : {}),
      });
      return app.phonebooks.view(principal, book);
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
    summary: 'Change settings: name (not Global.*), readOnly (write protection), notes.',
    tag: 'phonebooks',
    auth: 'admin',
    params: BookParams,
    body: PhonebookPatch,
    response: Phonebook,
    handler({ app, principal, params, body }) {
      if (body.source || body.mapping || body.cache) {
        throw new CtibookError(
          'VALIDATION_FAILED',
          'source, mapping and cache apply to external books only',
          {
            field: 'source',
          },
        );
      }
      const book = app.phonebooks.update(params.name, body);
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
