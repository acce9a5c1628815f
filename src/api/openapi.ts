import { z } from 'zod';
import { ERROR_CATALOGUE } from '../domain/errors.js';
import type { RouteSpec } from './route.js';
import { ErrorBody } from './schemas.js';
import { VERSION } from './routes/directory-routes.js';

type JsonSchema = Record<string, unknown>;

function schema(type: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _s, ...rest } = z.toJSONSchema(type, {
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

function parameters(spec: RouteSpec): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [where, type] of [
    ['path', spec.params],
    ['query', spec.query],
  ] as const) {
    if (!type) continue;
    const json = schema(type, 'input') as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      out.push({
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        schema: property,
      });
    }
  }
  return out;
}

/**
 * The OpenAPI 3.1 description of the API, generated from the same zod schemas that
 * validate the requests, plus the error catalogue.
 */
export function buildOpenApi(routes: readonly RouteSpec[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const spec of routes) {
    const path = spec.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const status = String(spec.status ?? (spec.response || spec.file ? 200 : 204));
    const operation: JsonSchema = {
      summary: spec.summary,
      tags: [spec.tag],
      security: spec.auth === 'none' ? [] : [{ bearer: [] }],
      parameters: parameters(spec),
      responses: {
        [status]: {
          description: status === '204' ? 'Done' : 'OK',
          ...(spec.headers
            ? {
                headers: Object.fromEntries(
                  spec.headers.map((h) => [h, { schema: { type: 'string' } }]),
                ),
              }
            : {}),
          ...(spec.response
            ? { content: { 'application/json': { schema: schema(spec.response, 'output') } } }
            : {}),
          ...(spec.file
            ? { content: { [spec.file]: { schema: { type: 'string', format: 'binary' } } } }
            : {}),
        },
        default: {
          description: 'Error',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
      ...(spec.auth === 'admin' ? { 'x-ctibook-admin-only': true } : {}),
    };
    if (spec.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: schema(spec.body, 'input') } },
      };
    }
    (paths[path] ??= {})[spec.method.toLowerCase()] = operation;
  }
  paths['/api/v1/events'] = {
    get: {
      summary:
        'WebSocket of events: phonebooks-changed, contacts-changed {phonebook, ids}, sync-progress, and incoming-call {username, call, at} to the called user only. Token in Authorization or ?token=.',
      tags: ['events'],
      responses: { '101': { description: 'Switching protocols' } },
    },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'ctibook', version: VERSION, description: 'Phone book server for CTI clients.' },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: schema(ErrorBody, 'output') },
    },
    'x-error-codes': Object.fromEntries(
      Object.entries(ERROR_CATALOGUE).map(([code, e]) => [code, e]),
    ),
  };
}
