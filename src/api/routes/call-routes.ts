import { z } from 'zod';
import { CtibookError } from '../../domain/errors.js';
import type { RouteTable } from '../route.js';
import { LookupResult } from '../schemas.js';

const IncomingCall = z.strictObject({
  number: z.string().min(1).max(64),
  user: z.string().min(1).max(64),
});

/**
 * Calls announced by a PBX/CTI bridge. An admin token may announce a call for any user (the
 * bridge's own account); a user token only for its own user (a desktop bridge running as
 * that user). The lookup runs with the target user's rights, so the panel shows only what
 * that user may read.
 */
export function callRoutes(table: RouteTable): void {
  table.add({
    method: 'POST',
    url: '/api/v1/calls/incoming',
    summary:
      'Announce an incoming call for `user` (a PBX/CTI bridge): runs the caller lookup with that ' +
      "user's rights and pushes `{type: 'incoming-call', username, call, at}` to that user's " +
      'event sockets only. Admins may announce for anyone, users only for themselves (403). ' +
      'Answers the lookup result; an unreadable number is a 400 INVALID_NUMBER.',
    tag: 'directory',
    auth: 'user',
    body: IncomingCall,
    response: z.object({ user: z.string(), call: LookupResult }),
    handler({ app, principal, body }) {
      if (!principal.admin && principal.username !== body.user) {
        throw new CtibookError('FORBIDDEN', 'Only admins may announce calls for other users');
      }
      const target = app.access.getUser(body.user);
      const call = app.lookup.lookup(
        { username: target.username, admin: target.admin },
        body.number,
      );
      app.events.publish({
        type: 'incoming-call',
        username: target.username,
        call,
        at: new Date().toISOString(),
      });
      return { user: target.username, call };
    },
  });
}
