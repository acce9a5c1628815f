import { z } from 'zod';
import { isCtibookError } from '../../domain/errors.js';
import type { RouteTable } from '../route.js';
import { bearerToken } from '../route.js';
import { Login } from '../schemas.js';

export function authRoutes(table: RouteTable): void {
  table.add({
    method: 'POST',
    url: '/api/v1/auth/login',
    summary:
      'Log in; returns a bearer token. Failed logins are rate-limited per user and per address (429).',
    tag: 'auth',
    auth: 'none',
    body: Login,
    response: z.object({
      token: z.string(),
      expiresAt: z.string(),
      user: z.object({ username: z.string(), admin: z.boolean() }),
    }),
    async handler({ app, body, request }) {
      try {
        const { token, user, expiresAt } = await app.access.login(
          body.username,
          body.password,
          request.ip,
        );
        return { token, expiresAt: new Date(expiresAt).toISOString(), user };
      } catch (error) {
        if (isCtibookError(error)) {
          // For the admin who looks for attacks: who was tried, from where. A name that is
          // no user's is left out, as it may be a password typed into the wrong field.
          const known = app.access.hasUser(body.username);
          request.log.warn(
            {
              code: error.code,
              ...(known ? { username: body.username } : {}),
              address: request.ip,
            },
            'login refused',
          );
        }
        throw error;
      }
    },
  });

  table.add({
    method: 'POST',
    url: '/api/v1/auth/logout',
    summary: 'Revoke the token of this request.',
    tag: 'auth',
    auth: 'user',
    handler({ app, request }) {
      const token = bearerToken(request);
      if (token) app.access.logout(token);
      return undefined;
    },
  });

  table.add({
    method: 'GET',
    url: '/api/v1/auth/me',
    summary: 'Who this token belongs to.',
    tag: 'auth',
    auth: 'user',
    response: z.object({ username: z.string(), admin: z.boolean() }),
    handler: ({ principal }) => principal,
  });
}
