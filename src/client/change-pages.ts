import type { z } from 'zod';
import type { ChangePage, PreparedChangePage } from './api-types.js';
import { ChangePageSchema, PreparedChangePageSchema } from './api-types.js';
import { ClientError } from './client-errors.js';
import type { HttpClient } from './http-client.js';
import { ApiError, segment } from './http-client.js';

/** Parses a server answer, or says the server sent something the client cannot use. */
export function parseAnswer<S extends z.ZodType>(
  schema: S,
  body: unknown,
  what: string,
): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ClientError(
      'CHANGE_FEED_INVALID',
      `The server sent an unusable ${what} (${issue?.path.join('.') || 'body'}: ${issue?.message}); ` +
        'the offline copy is unchanged',
    );
  }
  return parsed.data as z.infer<S>;
}

export interface FetchedPage {
  page: ChangePage | PreparedChangePage;
  bytes: number;
  /** Asked in the prepared form (the server knows it). */
  prepared: boolean;
}

/**
 * The first page of a book, asked in the prepared form; a server that does not know it
 * yet (an older version refuses the parameter) is asked again in the plain form.
 */
export async function fetchFirstPage(
  http: HttpClient,
  name: string,
  since: string | undefined,
  limit: number,
): Promise<FetchedPage> {
  try {
    return await fetchPage(http, name, since, limit, true);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 400)) throw error;
    return fetchPage(http, name, since, limit, false);
  }
}

export async function fetchPage(
  http: HttpClient,
  name: string,
  since: string | undefined,
  limit: number,
  prepared: boolean,
): Promise<FetchedPage> {
  const query = new URLSearchParams({
    limit: String(limit),
    ...(since ? { since } : {}),
    ...(prepared ? { form: 'prepared' } : {}),
  });
  const response = await http.request<unknown>(
    'GET',
    `/api/v1/phonebooks/${segment(name)}/changes?${query}`,
    { timeoutMs: 120_000 },
  );
  const page = prepared
    ? parseAnswer(PreparedChangePageSchema, response.body, 'change feed page')
    : parseAnswer(ChangePageSchema, response.body, 'change feed page');
  return { page, bytes: response.bytes, prepared };
}
