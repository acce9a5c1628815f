/**
 * Load loops: caller lookups over HTTP with keep-alive (autocannon, a new number for every
 * request) and the same lookups as LDAP equality searches (ldapts, one connection per
 * concurrent caller), closed loops at a fixed concurrency for a fixed time.
 */
import autocannon from 'autocannon';
import { Client, EqualityFilter, OrFilter } from 'ldapts';
import type { Summary } from '../stats.js';
import { Samples } from '../stats.js';
import { ROOT_DN, ROOT_PASSWORD, SUFFIX } from './slapd.js';

export interface LoadResult {
  concurrency: number;
  requests: number;
  seconds: number;
  perSecond: number;
  /** Microseconds, from the requests that completed. */
  latency: Summary;
  errors: number;
}

/** The filter a PBX's LDAP lookup sends: the number as delivered, equality on both attributes. */
export function lookupFilter(number: string): OrFilter {
  return new OrFilter({
    filters: [
      new EqualityFilter({ attribute: 'telephoneNumber', value: number }),
      new EqualityFilter({ attribute: 'mobile', value: number }),
    ],
  });
}

/** An ldapts client bound as the root DN (no size or time limits apply). */
export async function ldapClient(url: string): Promise<Client> {
  const client = new Client({ url, timeout: 30_000, connectTimeout: 10_000 });
  await client.bind(ROOT_DN, ROOT_PASSWORD);
  return client;
}

/**
 * `concurrency` callers, each sending its next request as soon as the last one answered,
 * for `seconds`; request i uses `items[i % items.length]`.
 */
export async function closedLoop<T, C>(options: {
  concurrency: number;
  seconds: number;
  items: readonly T[];
  connect: () => Promise<C>;
  send: (connection: C, item: T) => Promise<unknown>;
  close: (connection: C) => Promise<unknown>;
}): Promise<LoadResult> {
  const { concurrency, items } = options;
  const connections = await Promise.all(Array.from({ length: concurrency }, options.connect));
  const samples = new Samples(64 * 1024);
  let next = 0;
  let errors = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(options.seconds * 1e9));
  await Promise.all(
    connections.map(async (connection) => {
      while (process.hrtime.bigint() < end) {
        const item = items[next++ % items.length] as T;
        const t = process.hrtime.bigint();
        try {
          await options.send(connection, item);
          samples.since(t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await Promise.all(connections.map((c) => options.close(c).catch(() => undefined)));
  return {
    concurrency,
    requests: samples.count,
    seconds,
    perSecond: samples.count / seconds,
    latency: samples.summary(),
    errors,
  };
}

/** The lookups as LDAP searches at `concurrency`, each answer read in full (the uid). */
export function ldapLookupLoad(
  url: string,
  numbers: readonly string[],
  concurrency: number,
  seconds: number,
): Promise<LoadResult> {
  return closedLoop({
    concurrency,
    seconds,
    items: numbers,
    connect: () => ldapClient(url),
    send: (client, number) =>
      client.search(SUFFIX, {
        scope: 'sub',
        filter: lookupFilter(number),
        attributes: ['uid', 'cn'],
      }),
    close: (client) => client.unbind(),
  });
}

/** `GET /api/v1/lookup?number=…` with keep-alive at `concurrency`, a new number each time. */
export async function httpLookupLoad(
  origin: string,
  token: string,
  numbers: readonly string[],
  concurrency: number,
  seconds: number,
): Promise<LoadResult> {
  let next = 0;
  const samples = new Samples(64 * 1024);
  let errors = 0;
  let instance: autocannon.Instance | undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: origin,
        connections: concurrency,
        duration: seconds,
        headers: { authorization: `Bearer ${token}` },
        requests: [
          {
            method: 'GET',
            setupRequest: (request) => ({
              ...request,
              path: `/api/v1/lookup?number=${encodeURIComponent(numbers[next++ % numbers.length] ?? '')}`,
            }),
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
  instance?.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode === 200) samples.add(responseTime * 1000);
    else errors++;
  });
  const result = await done;
  errors += result.errors + result.timeouts;
  const elapsed = result.duration;
  return {
    concurrency,
    requests: samples.count,
    seconds: elapsed,
    perSecond: samples.count / elapsed,
    latency: samples.summary(),
    errors,
  };
}
