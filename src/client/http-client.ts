import { createWriteStream, rmSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/** An error answer of the server, with its stable code. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The server could not be reached at all (down, refused, timed out). */
export class ServerUnreachableError extends Error {
  /** The server's address as the client was given it. */
  readonly url: string;

  constructor(url: string, options: { cause: unknown }) {
    super(`Cannot reach the ctibook server at ${url}`, options);
    this.name = 'ServerUnreachableError';
    this.url = url;
  }
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Stops the request (and the download of its answer) early. */
  signal?: AbortSignal;
  /**
   * Writes a successful answer's body to this file as it arrives instead of reading it as
   * JSON (the answer's `body` is then undefined); error answers are read as usual.
   */
  saveTo?: { file: string; onBytes?: (received: number, total: number | undefined) => void };
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  headers: Headers;
  /** Size of the response body as received, in bytes. */
  bytes: number;
}

export interface HttpClientOptions {
  /** PEM certificate(s) of the authority that signed an HTTPS server's certificate. */
  ca?: string | Buffer;
  /**
   * Called once when a request is answered 401 although a token was sent (expired,
   * server restarted with a new store): resolves true after logging in again, and the
   * request is then repeated once.
   */
  onUnauthorized?: () => Promise<boolean>;
}

type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

/**
 * A small JSON client of the ctibook API: bearer token, JSON bodies, errors as
 * {@link ApiError} with the server's code.
 */
export class HttpClient {
  readonly baseUrl: string;
  token: string | undefined;
  readonly #options: HttpClientOptions;
  #fetch: Promise<FetchFunction> | undefined;

  constructor(baseUrl: string, token?: string, options: HttpClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.token = token;
    this.#options = options;
  }

  /** The CA given to the constructor, for other connections to the same server. */
  get ca(): string | Buffer | undefined {
    return this.#options.ca;
  }

  /** Node's fetch, or undici's with an agent that trusts the given CA. */
  #fetcher(): Promise<FetchFunction> {
    const ca = this.#options.ca;
    this.#fetch ??= ca
      ? import('undici').then(({ Agent, fetch }) => {
          const dispatcher = new Agent({ connect: { ca } });
          return (url, init) =>
            fetch(url, { ...(init as object), dispatcher }) as unknown as Promise<Response>;
        })
      : Promise.resolve((url, init) => fetch(url, init));
    return this.#fetch;
  }

  async login(
    username: string,
    password: string,
  ): Promise<{ token: string; user: { username: string; admin: boolean } }> {
    const { body } = await this.request<{
      token: string;
      user: { username: string; admin: boolean };
    }>('POST', '/api/v1/auth/login', { body: { username, password } });
    this.token = body.token;
    return body;
  }

  async logout(): Promise<void> {
    if (!this.token) return;
    await this.request('POST', '/api/v1/auth/logout').catch(() => undefined);
    this.token = undefined;
  }

  async get<T>(path: string): Promise<T> {
    return (await this.request<T>('GET', path)).body;
  }

  async send<T>(
    method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T> {
    return (await this.request<T>(method, path, body === undefined ? {} : { body })).body;
  }

  async request<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const sentToken = this.token;
    try {
      return await this.#request<T>(method, path, options);
    } catch (error) {
      const retry =
        error instanceof ApiError &&
        error.status === 401 &&
        sentToken !== undefined &&
        !path.startsWith('/api/v1/auth/') &&
        (await this.#options.onUnauthorized?.());
      if (!retry) throw error;
      return this.#request<T>(method, path, options);
    }
  }

  async #request<T>(
    method: string,
    path: string,
    options: RequestOptions & { retried?: boolean },
  ): Promise<ApiResponse<T>> {
    const doFetch = await this.#fetcher();
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await doFetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal: AbortSignal.any([
          AbortSignal.timeout(options.timeoutMs ?? 30_000),
          ...(options.signal ? [options.signal] : []),
        ]),
      });
    } catch (error) {
      // A kept-alive connection the server closed just as it was reused: a GET is safe to
      // send again once, on a new connection.
      if (method === 'GET' && !options.retried && isClosedConnection(error)) {
        return this.#request<T>(method, path, { ...options, retried: true });
      }
      throw new ServerUnreachableError(this.baseUrl, { cause: error });
    }
    if (response.ok && options.saveTo) return this.#save<T>(response, options.saveTo);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      // The connection broke while the body arrived (server stopped mid-answer).
      throw new ServerUnreachableError(this.baseUrl, { cause: error });
    }
    const body = text ? (parseJson(text) as T) : (undefined as T);
    if (!response.ok) {
      const error = (
        body as
          | { error?: { code?: string; message?: string; details?: Record<string, unknown> } }
          | undefined
      )?.error;
      throw new ApiError(
        response.status,
        error?.code ?? 'HTTP_ERROR',
        error?.message ?? response.statusText,
        error?.details,
      );
    }
    return {
      status: response.status,
      body,
      headers: response.headers,
      bytes: Buffer.byteLength(text),
    };
  }

  async #save<T>(
    response: Response,
    { file, onBytes }: NonNullable<RequestOptions['saveTo']>,
  ): Promise<ApiResponse<T>> {
    let bytes = 0;
    const length = Number(response.headers.get('content-length') ?? NaN);
    const total = Number.isSafeInteger(length) ? length : undefined;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        onBytes?.(bytes, total);
        done(null, chunk);
      },
    });
    try {
      if (!response.body) throw new Error('The answer has no body');
      await pipeline(
        Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>),
        counted,
        createWriteStream(file, { mode: 0o600 }),
      );
    } catch (error) {
      rmSync(file, { force: true });
      // The file system's refusal is the caller's to explain; a broken answer is the server's.
      if ((error as { syscall?: unknown }).syscall !== undefined) throw error;
      throw new ServerUnreachableError(this.baseUrl, { cause: error });
    }
    return { status: response.status, body: undefined as T, headers: response.headers, bytes };
  }
}

/** A connection closed or reset by the other side (not: refused, timed out). */
function isClosedConnection(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'ECONNRESET';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {
      error: { code: 'BAD_RESPONSE', message: `The server sent no JSON: ${text.slice(0, 200)}` },
    };
  }
}

/** Encodes one path segment (book names hold spaces and dots). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
