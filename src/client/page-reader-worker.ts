/**
 * A reader thread (see {@link PageReader}): fetches a book's pages of changes from its
 * token on, checks them, makes their contacts ready for the store and hands them over, at
 * most {@link PAGES_AHEAD} ahead of the page the main thread stores.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createNumberNormalizer } from '../domain/phone-number.js';
import type { FetchedPage } from './change-pages.js';
import { fetchFirstPage, fetchPage } from './change-pages.js';
import { HttpClient } from './http-client.js';
import { encodeContacts, pageContacts } from './page-contacts.js';
import type { FromReader, PageReaderData, ToReader } from './page-reader.js';
import { PAGES_AHEAD, toThread } from './page-reader.js';

const data = workerData as PageReaderData;
const normalizer = createNumberNormalizer(data.location);
/** The read going on (a new one stops it), and the pages it may still read ahead. */
let current = 0;
let credit = 0;
let wake: (() => void) | undefined;

async function read(request: Extract<ToReader, { type: 'read' }>): Promise<void> {
  const http = new HttpClient(
    data.baseUrl,
    request.token,
    data.ca === undefined ? {} : { ca: data.ca },
  );
  let since = request.since;
  let prepared: boolean | undefined;
  for (;;) {
    while (credit === 0 && current === request.read) {
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (current !== request.read) return;
    credit--;
    const fetched: FetchedPage =
      prepared === undefined
        ? await fetchFirstPage(http, request.book, since, request.limit)
        : await fetchPage(http, request.book, since, request.limit, prepared);
    if (current !== request.read) return;
    prepared = fetched.prepared;
    const { page } = fetched;
    post({
      type: 'page',
      read: request.read,
      head: { token: page.token, reset: page.reset, more: page.more, deletes: page.deletes },
      bytes: fetched.bytes,
      batch: encodeContacts(pageContacts(page, normalizer)),
    });
    if (!page.more) return;
    since = page.token;
  }
}

function post(message: FromReader): void {
  parentPort?.postMessage(message);
}

parentPort?.on('message', (message: ToReader) => {
  if (message.type === 'read') {
    current = message.read;
    credit = PAGES_AHEAD;
    wake?.();
    read(message).catch((error: unknown) => {
      post({ type: 'failed', read: message.read, error: toThread(error) });
    });
  } else if (message.read === current) {
    credit++;
    wake?.();
  }
});
