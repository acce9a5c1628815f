import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';

/** A fake server's answer to a path: a body sent with 200, or one made from the query. */
export type FakeAnswer =
  | {
      query: (query: URLSearchParams, request: IncomingMessage) => [status: number, body: unknown];
    }
  | { body: unknown };

/** An offline book as `GET /api/v1/phonebooks` lists it, for fake servers' book lists. */
export const OFFLINE_BOOK = {
  name: 'Sales',
  kind: 'builtin',
  readOnly: false,
  notes: 'builtin',
  contactCount: 1,
  rights: { read: true, write: false, offline: true },
};

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
