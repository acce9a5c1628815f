import websocket from '@fastify/websocket';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { Ctibook } from '../app.js';
import { CtibookError, ERROR_CATALOGUE } from '../domain/errors.js';
import { registerEvents } from './events-route.js';
import { buildOpenApi } from './openapi.js';
import { RouteTable } from './route.js';
import { authRoutes } from './routes/auth-routes.js';
import { callRoutes } from './routes/call-routes.js';
import { changeRoutes } from './routes/change-routes.js';
import { contactRoutes } from './routes/contact-routes.js';
import { directoryRoutes } from './routes/directory-routes.js';
import { noteRoutes } from './routes/note-routes.js';
import { phonebookRoutes } from './routes/phonebook-routes.js';
import { registerStatic } from './routes/static-routes.js';
import { userRoutes } from './routes/user-routes.js';

const QUIET_ROUTES = /^\/api\/v1\/(lookup|search|health)\b/;

/** Largest request body: a 2 MB note with JSON escaping fits. */
export const BODY_LIMIT = 8 * 1024 * 1024;

export function routeTable(): RouteTable {
  const table = new RouteTable();
  for (const add of [
    directoryRoutes,
    authRoutes,
    userRoutes,
    phonebookRoutes,
    contactRoutes,
    noteRoutes,
    changeRoutes,
    callRoutes,
  ])
    add(table);
  return table;
}

/** The HTTP server: routes, WebSocket events, OpenAPI, one JSON error shape. */
export async function buildServer(app: Ctibook): Promise<FastifyInstance> {
  const server = Fastify({
    loggerInstance: app.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    // The hot paths (caller lookup, search-as-you-type) would flood the log.
    logController: new LogController({
      disableRequestLogging: (request) => QUIET_ROUTES.test(request.url),
    }),
    trustProxy: false,
    routerOptions: { maxParamLength: 512 },
    // Errors of the router itself (undecodable URL, over-long path segment) in our shape too.
    frameworkErrors: (error, _request, reply) => {
      const { status, body } = errorBody(error);
      void (reply as FastifyReply).code(status).send(body);
    },
  });
  await server.register(websocket, { options: { maxPayload: 64 * 1024 } });
  server.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, body } = errorBody(error);
    if (status >= 500 && error instanceof CtibookError) {
      // A source that does not answer is the source's fault, said in the answer: no stack.
      request.log.warn({ code: body.error.code, message: body.error.message }, 'request failed');
    } else if (status >= 500) {
      request.log.error({ err: error, code: body.error.code }, 'request failed');
    }
    if (body.error.code === 'TOO_MANY_ATTEMPTS') {
      reply.header('retry-after', String(body.error.details?.retryAfterSeconds ?? 60));
    }
    return reply.code(status).send(body);
  });
  server.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: {
        code: 'NOT_FOUND',
        message: `No route ${request.method} ${request.url.split('?')[0]}`,
      },
    }),
  );
  const table = routeTable();
  table.register(server, app);
  const openapi = buildOpenApi(table.routes);
  server.get('/api/v1/openapi.json', () => openapi);
  registerEvents(server, app);
  registerStatic(server);
  return server;
}

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** Turns any error into the contract's JSON error and its status; never leaks internals. */
export function errorBody(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof CtibookError) {
    return {
      status: error.status,
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details ? { details: error.details } : {}),
        },
      },
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode ?? 500;
  if (status === 413) {
    return {
      status,
      body: {
        error: { code: 'PAYLOAD_TOO_LARGE', message: ERROR_CATALOGUE.PAYLOAD_TOO_LARGE.message },
      },
    };
  }
  if (status >= 400 && status < 500) {
    return {
      status,
      body: { error: { code: 'BAD_REQUEST', message: fastifyError.message ?? 'Bad request' } },
    };
  }
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: ERROR_CATALOGUE.INTERNAL.message } },
  };
}
