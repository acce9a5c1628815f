import type { HttpClient } from '../client/http-client.js';
import { ApiError, segment } from '../client/http-client.js';
import type { ContactView } from './phonebook-api.js';

/** Page size of `GET …/contacts`, and the largest offset the server accepts. */
const PAGE = 1000;
const MAX_OFFSET = 10_000;
/** Page size of the change feed, for books larger than offset paging reaches. */
const FEED_PAGE = 5000;

/**
 * The contacts of a book, a page at a time: `GET …/contacts` by offset while the book is
 * small enough (offsets stop at 10,000), else the change feed (`GET …/changes`), whose
 * pages go on from a token and have no such limit.
 */
export async function* bookPages(
  client: HttpClient,
  book: string,
): AsyncGenerator<{ contacts: ContactView[]; total: number }> {
  const base = `/api/v1/phonebooks/${segment(book)}`;
  type Page = { items: ContactView[]; total: number };
  const first = await client.get<Page>(`${base}/contacts?limit=${PAGE}&offset=0`);
  const total = first.total;
  if (total <= MAX_OFFSET + PAGE) {
    yield { contacts: first.items, total };
    for (let offset = PAGE; offset < total; offset += PAGE) {
      const page = await client.get<Page>(`${base}/contacts?limit=${PAGE}&offset=${offset}`);
      if (page.items.length === 0) return;
      yield { contacts: page.items, total };
    }
    return;
  }
  type Changes = { token: string; more: boolean; upserts: ContactView[] };
  let since = '';
  for (;;) {
    let page: Changes;
    try {
      page = await client.get<Changes>(`${base}/changes?limit=${FEED_PAGE}${since}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && !since) {
        throw new Error(
          `${book} has ${total} contacts, but this server lists at most ${MAX_OFFSET + PAGE} ` +
            'contacts of a book by offset and has no change feed (GET …/changes) to read the rest. ' +
            'Split the file, or update the server.',
          { cause: error },
        );
      }
      throw error;
    }
    yield { contacts: page.upserts, total };
    if (!page.more) return;
    since = `&since=${segment(page.token)}`;
  }
}
