import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { Ctibook } from '../app.js';
import type { DirectoryEvent } from '../directory/events.js';
import { CtibookError } from '../domain/errors.js';
import { authenticate, bearerToken } from './route.js';

const PING_MS = 30_000;
/** How often an open socket checks that its session still exists (logout, user removed). */
const SESSION_CHECK_MS = 5_000;

function refuse(socket: WebSocket, code: string): void {
  socket.send(JSON.stringify({ type: 'error', error: { code, message: 'Log in first' } }));
  socket.close(4401, code);
}

/**
 * `GET /api/v1/events`: a WebSocket that pushes directory events. Each user hears about
 * contacts only of the books they may read; `phonebooks-changed` carries no names, it
 * tells clients to list their books again. Browsers, which cannot set headers on a
 * WebSocket, may pass the token as `?token=`. The session is checked again before every
 * event and every few seconds: a socket whose session ended (logout, expiry, password
 * change, user removed) is closed with 4401, and a user who lost admin rights stops
 * hearing about books they may not read.
 */
export function registerEvents(server: FastifyInstance, app: Ctibook): void {
  server.get('/api/v1/events', { websocket: true }, (socket, request) => {
    const query = request.query as { token?: unknown };
    const token =
      bearerToken(request) ?? (typeof query.token === 'string' ? query.token : undefined);
    let principal;
    try {
      principal = authenticate(app, request, 'user', token);
    } catch (error) {
      refuse(socket, error instanceof CtibookError ? error.code : 'UNAUTHENTICATED');
      return;
    }
    const current = (): ReturnType<Ctibook['access']['authenticate']> => {
      const who = token === undefined ? undefined : app.access.authenticate(token);
      if (!who) refuse(socket, 'UNAUTHENTICATED');
      return who;
    };
    const send = (event: DirectoryEvent): void => {
      const who = current();
      if (!who) return;
      if ('bookId' in event && !app.access.canRead(who.username, who.admin, event.bookId)) return;
      if (event.type === 'incoming-call') {
        if (event.username === who.username) socket.send(JSON.stringify(event));
        return;
      }
      const { bookId: _id, ...payload } = event as DirectoryEvent & { bookId?: number };
      socket.send(JSON.stringify(payload));
    };
    const unsubscribe = app.events.subscribe(send);
    const ping = setInterval(() => socket.ping(), PING_MS);
    const check = setInterval(current, SESSION_CHECK_MS);
    socket.send(JSON.stringify({ type: 'hello', user: principal }));
    socket.on('close', () => {
      clearInterval(ping);
      clearInterval(check);
      unsubscribe();
    });
  });
}
