import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { LocationSettings } from '../domain/phone-number.js';
import { createNumberNormalizer } from '../domain/phone-number.js';
import { toPreparedRow } from '../store/change-feed.js';
import { prepareContact } from '../store/contact-rows.js';

/** A fake server's answer to a path: a body sent with 200, or one made from the query. */
export type FakeAnswer =
  | {
      query: (query: URLSearchParams, request: IncomingMessage) => [status: number, body: unknown];
    }
  | { body: unknown }
  /** Bytes sent as they are with 200 (`bytes` read at each request). */
  | { bytes: () => Buffer; type: string };

/** Location settings of a Munich site with a PBX, for fake servers' answers. */
export const MUNICH: LocationSettings = {
  countryCode: '49',
  areaCode: '89',
  internationalPrefix: '00',
  nationalPrefix: '0',
  outsideLinePrefix: '',
  pbxBaseNumber: '+49 89 4711',
  internalNumberMaxLength: 4,
};

/** An offline book as `GET /api/v1/phonebooks` lists it, for fake servers' book lists. */
export const OFFLINE_BOOK = {
  name: 'Sales',
  kind: 'builtin',
  readOnly: false,
  notes: 'builtin',
  contactCount: 1,
  rights: { read: true, write: false, offline: true },
};

/**
 * A page of changes in the prepared form, as a server with `location` sends it: each
 * contact `[id, businessPhone]`, its last name its id. Default: a whole copy in one page.
 */
export function preparedPage(
  location: LocationSettings,
  contacts: [id: string, businessPhone: string][],
  page: { token?: string; reset?: boolean; more?: boolean } = {},
): Record<string, unknown> {
  const numbers = createNumberNormalizer(location);
  return {
    form: 'prepared',
    location,
    token: page.token ?? '1.1',
    reset: page.reset ?? true,
    more: page.more ?? false,
    upserts: contacts.map(([id, businessPhone]) =>
      toPreparedRow(
        prepareContact(id, { lastName: id, businessPhone }, numbers),
        '2026-11-26T00:00:00.000Z',
      ),
    ),
    deletes: [],
  };
}

export interface FakeServer {
  server: Server;
  url: string;
  close(): void;
}

/**
 * A server on loopback that answers JSON by path (query ignored unless the answer reads
 * it), 404 for other paths: for clients facing answers a real server would not give.
 */
export async function fakeServer(answers: Record<string, FakeAnswer>): Promise<FakeServer> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '', 'http://localhost');
    const answer = answers[url.pathname];
    if (answer && 'bytes' in answer) {
      const bytes = answer.bytes();
      response.writeHead(200, { 'content-type': answer.type, 'content-length': bytes.length });
      response.end(bytes);
      return;
    }
    const [status, body] = !answer
      ? [404, { error: { code: 'NOT_FOUND', message: url.pathname } }]
      : 'query' in answer
        ? answer.query(url.searchParams, request)
        : [200, answer.body];
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, url: `http://127.0.0.1:${port}`, close: () => void server.close() };
}
