/** The public HTTP API, as the page uses it: bearer token, JSON, the contract's errors. */

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** A non-2xx answer, carrying the contract's stable error code. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.status = status;
    this.code = body.code;
    this.details = body.details;
  }
}

export interface Rights {
  read: boolean;
  write: boolean;
  offline: boolean;
}

export type NotesMode = 'none' | 'builtin' | 'server' | { memoColumn: string };

export interface Phonebook {
  name: string;
  kind: string;
  readOnly: boolean;
  notes: NotesMode;
  contactCount: number;
  rights: Rights;
  sync: { lastSync: string | null; status: string; error: string | null };
}

export type Contact = Record<string, string | undefined> & {
  id: string;
  displayName: string;
  phonebook: string;
  etag: string;
};

export type SearchItem = Record<string, string | null | undefined> & {
  phonebook: string;
  id: string;
  displayName: string;
};

export interface Note {
  text: string;
  etag: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface LookupMatch {
  phonebook: string;
  id: string;
  displayName: string;
  company: string | null;
  field: string;
  number: string;
  match: 'exact' | 'company' | 'internal';
}

export interface LookupResult {
  input: string;
  normalized: string | null;
  matches: LookupMatch[];
}

export interface Session {
  token: string;
  user: { username: string; admin: boolean };
}

export const PHONE_FIELDS = [
  'businessPhone',
  'businessPhone2',
  'mobilePhone',
  'homePhone',
  'businessFax',
  'otherPhone',
] as const;

export const CONTACT_FIELDS = [
  'displayName',
  'firstName',
  'lastName',
  'company',
  'department',
  'jobTitle',
  ...PHONE_FIELDS,
  'email',
  'email2',
  'street',
  'postalCode',
  'city',
  'state',
  'country',
  'url',
  'birthday',
  'categories',
] as const;

const STORAGE_KEY = 'ctibook.session';

let session: Session | null = readSession();

function readSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function currentSession(): Session | null {
  return session;
}

export function setSession(next: Session | null): void {
  session = next;
  if (next) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  else sessionStorage.removeItem(STORAGE_KEY);
}

/** Listeners told when the token stops working (401), so the page shows the login. */
const loggedOut = new Set<() => void>();
export function onLoggedOut(listener: () => void): () => void {
  loggedOut.add(listener);
  return () => loggedOut.delete(listener);
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  ifMatch?: string | null;
  signal?: AbortSignal;
}

/** The answer body and its ETag header. */
export interface Answer<T> {
  data: T;
  etag: string | null;
}

/** Calls the API; throws {@link ApiError} for an error answer. */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.ifMatch) headers['if-match'] = options.ifMatch;
  const response = await fetch(`/api/v1${path}`, {
    method: options.method ?? 'GET',
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const body = (parsed as { error?: ApiErrorBody } | undefined)?.error ?? {
      code: 'HTTP_' + response.status,
      message: response.statusText,
    };
    if (response.status === 401 && session && !path.startsWith('/auth/login')) {
      setSession(null);
      for (const listener of loggedOut) listener();
    }
    throw new ApiError(response.status, body);
  }
  return { data: parsed as T, etag: response.headers.get('etag') };
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  return (await request<T>(path, options)).data;
}

export const enc = encodeURIComponent;

export function contactPath(book: string, id: string): string {
  return `/phonebooks/${enc(book)}/contacts/${enc(id)}`;
}

/** A `tel:` link for a number as written in a book: dial characters only. */
export function telHref(number: string): string {
  return `tel:${number.replace(/[^\d+*#]/g, '')}`;
}
