import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Principal } from '../access/access-service.js';
import type { Ctibook } from '../app.js';
import { CtibookError } from '../domain/errors.js';

export type Auth = 'none' | 'user' | 'admin';

/** Everything a route handler gets, already validated. */
export interface RouteContext<B, Q, P> {
  app: Ctibook;
  principal: Principal;
  body: B;
  query: Q;
  params: P;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** One HTTP route: its schemas validate requests and describe it in the OpenAPI document. */
export interface RouteSpec<B = unknown, Q = unknown, P = unknown> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  summary: string;
  tag: string;
  auth: Auth;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  /** Documented response body. */
  response?: z.ZodType;
  /** The media type of a response body that is a file, not JSON (documented as binary). */
  file?: string;
  status?: number;
  /** Response headers worth documenting (ETag). */
  headers?: string[];
  handler(context: RouteContext<B, Q, P>): unknown;
}

const ANONYMOUS: Principal = Object.freeze({ username: '', admin: false });

/** Collects routes, registers them on fastify, and keeps them for the OpenAPI document. */
export class RouteTable {
  readonly routes: RouteSpec[] = [];

  add<B, Q, P>(spec: RouteSpec<B, Q, P>): void {
    this.routes.push(spec as unknown as RouteSpec);
  }

  register(server: FastifyInstance, app: Ctibook): void {
    const principals = new WeakMap<FastifyRequest, Principal>();
    for (const spec of this.routes) {
      server.route({
        method: spec.method,
        url: spec.url,
        // Before the body is read: a caller without a valid token gets no JSON parsed.
        onRequest: async (request) => {
          principals.set(request, authenticate(app, request, spec.auth));
        },
        handler: async (request, reply) => {
          const principal = principals.get(request);
          if (!principal) throw new Error(`${spec.url}: onRequest did not authenticate`);
          const context: RouteContext<unknown, unknown, unknown> = {
            app,
            principal,
            body: parse(spec.body, request.body, 'body'),
            query: parse(spec.query, request.query, 'query'),
            params: parse(spec.params, request.params, 'path'),
            request,
            reply,
          };
          const result = await spec.handler(context);
          // A handler that sent the reply itself (a file stream) has answered.
          if (reply.sent) return reply;
          if (spec.status) reply.code(spec.status);
          if (result === undefined) return reply.code(spec.status ?? 204).send();
          return result;
        },
      });
    }
  }
}

/** The bearer token of a request, from `Authorization` (or `?token=` for WebSocket). */
export function bearerToken(request: FastifyRequest): string | undefined {
  // The scheme is case-insensitive (RFC 7235).
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

export function authenticate(
  app: Ctibook,
  request: FastifyRequest,
  auth: Auth,
  token = bearerToken(request),
): Principal {
  if (auth === 'none') return ANONYMOUS;
  const principal = token ? app.access.authenticate(token) : undefined;
  if (!principal) throw new CtibookError('UNAUTHENTICATED');
  if (auth === 'admin' && !principal.admin) {
    throw new CtibookError('FORBIDDEN', 'Only admins may do this');
  }
  return principal;
}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return value as T;
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = [where, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return { field: issue.keys.map((k) => `${path}.${k}`).join(', '), problem: 'unknown field' };
    }
    return { field: path, problem: issue.message };
  });
  const first = problems[0] ?? { field: where, problem: 'invalid' };
  throw new CtibookError('VALIDATION_FAILED', `${first.field}: ${first.problem}`, {
    field: first.field,
    problems,
  });
}
