import { z } from 'zod';
import type { RouteTable } from '../route.js';
import { ContactParams, Note, NoteBody, NoteVersion, NumberParams } from '../schemas.js';
import { ifMatch } from './contact-routes.js';

export function noteRoutes(table: RouteTable): void {
  table.add({
    method: 'GET',
    url: '/api/v1/phonebooks/:name/contacts/:id/note',
    summary:
      "A contact's shared note (readers), with its ETag; an empty note has `etag: null`. " +
      "Notes mode builtin: in the store; server: a file per record in the book folder's " +
      '`notes/`; memoColumn: read live from that column of the source record (ETag: a hash ' +
      'of the text; no author or time). Answers 409 for a book whose notes mode is none.',
    tag: 'notes',
    auth: 'user',
    params: ContactParams,
    response: Note,
    headers: ['ETag'],
    async handler({ app, principal, params, reply }) {
      const note = await app.notes.contactNote(principal, params.name, params.id);
      if (note.etag) reply.header('etag', note.etag);
      return note;
    },
  });
  table.add({
    method: 'PUT',
    url: '/api/v1/phonebooks/:name/contacts/:id/note',
    summary:
      'Save the note (readers). Needs If-Match once a note exists (428 without, 412 when stale). ' +
      'A memoColumn note is written live into the source record; the source keeps no versions.',
    tag: 'notes',
    auth: 'user',
    params: ContactParams,
    body: NoteBody,
    response: Note,
    headers: ['ETag'],
    async handler({ app, principal, params, body, request, reply }) {
      const note = await app.notes.saveContactNote(
        principal,
        params.name,
        params.id,
        body.text,
        ifMatch(request.headers),
      );
      if (note.etag) reply.header('etag', note.etag);
      return note;
    },
  });
  table.add({
    method: 'GET',
    url: '/api/v1/phonebooks/:name/contacts/:id/note/history',
    summary:
      'Every saved version of the note, newest first (builtin and server notes). A memoColumn ' +
      'note has no versions: the source keeps only the current text, listed alone.',
    tag: 'notes',
    auth: 'user',
    params: ContactParams,
    response: z.array(NoteVersion),
    handler: ({ app, principal, params }) =>
      app.notes.contactNoteHistory(principal, params.name, params.id),
  });
  table.add({
    method: 'GET',
    url: '/api/v1/numbers/:number/note',
    summary:
      'The note on a phone number, keyed by its canonical form (089 1234567 and +49891234567 share one).',
    tag: 'notes',
    auth: 'user',
    params: NumberParams,
    response: Note.extend({ number: z.string() }),
    headers: ['ETag'],
    handler({ app, params, reply }) {
      const note = app.notes.numberNote(params.number);
      if (note.etag) reply.header('etag', note.etag);
      return note;
    },
  });
  table.add({
    method: 'PUT',
    url: '/api/v1/numbers/:number/note',
    summary: 'Save the note on a phone number. Needs If-Match once a note exists.',
    tag: 'notes',
    auth: 'user',
    params: NumberParams,
    body: NoteBody,
    response: Note.extend({ number: z.string() }),
    handler({ app, principal, params, body, request, reply }) {
      const note = app.notes.saveNumberNote(
        principal,
        params.number,
        body.text,
        ifMatch(request.headers),
      );
      if (note.etag) reply.header('etag', note.etag);
      return note;
    },
  });
  table.add({
    method: 'GET',
    url: '/api/v1/numbers/:number/note/history',
    summary: 'Every saved version of a number note, newest first.',
    tag: 'notes',
    auth: 'user',
    params: NumberParams,
    response: z.array(NoteVersion),
    handler: ({ app, params }) => app.notes.numberNoteHistory(params.number),
  });
}
