import type { FastifyInstance } from 'fastify';
import type { Ctibook } from '../app.js';
import type { DirectoryEvent } from '../directory/events.js';
import { CtibookError } from '../domain/errors.js';
import { authenticate, bearerToken } from './route.js';

const PING_MS = 30_000;

/**
 * `GET /api/v1/events`: a WebSocket that pushes directory events. Each user hears about
 * contacts only of the books they may read; `phonebooks-changed` carries no names, it
 * tells clients to list their books again. Browsers, which cannot set headers on a
 * WebSocket, may pass the token as `?token=`.
 */
export function registerEvents(server: FastifyInstance, app: Ctibook): void {
  server.get('/api/v1/events', { websocket: true }, (socket, request) => {
    const query = request.query as { token?: unknown };
    let principal;
    try {
      const token =
        bearerToken(request) ?? (typeof query.token === 'string' ? query.token : undefined);
      principal = authenticate(app, request, 'user', token);
    } catch (error) {
      const code = error instanceof CtibookError ? error.code : 'UNAUTHENTICATED';
      socket.send(JSON.stringify({ type: 'error', error: { code, message: 'Log in first' } }));
      socket.close(4401, code);
      return;
    }
    const who = principal;
    const send = (event: DirectoryEvent): void => {
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
    socket.send(JSON.stringify({ type: 'hello', user: who }));
    socket.on('close', () => {
      clearInterval(ping);
      unsubscribe();
    });
  });
}
