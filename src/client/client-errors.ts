import type { Contact, Note } from './api-types.js';
import { ApiError } from './http-client.js';

/**
 * Someone else saved the note first (`412 STALE_ETAG`), or a note appeared where none was
 * expected (`428 PRECONDITION_REQUIRED`). Carries the note as it is now, so the caller can
 * show both texts and retry with `current.etag` without losing what the user typed.
 */
export class NoteConflictError extends ApiError {
  /** The note on the server now. */
  readonly current: Note;
  /** The text that was not saved. */
  readonly attempted: string;

  constructor(cause: ApiError, current: Note, attempted: string) {
    super(
      cause.status,
      cause.code,
      'Someone else changed this note first; nothing was saved',
      cause.details,
    );
    this.name = 'NoteConflictError';
    this.current = current;
    this.attempted = attempted;
  }
}

/** A contact changed on the server since it was read (`412 STALE_ETAG`). */
export class ContactConflictError extends ApiError {
  /** The contact as it is now, or undefined when it was deleted meanwhile. */
  readonly current: Contact | undefined;

  constructor(cause: ApiError, current: Contact | undefined) {
    super(
      cause.status,
      cause.code,
      current
        ? 'Someone else changed this contact first; nothing was saved'
        : 'This contact was deleted meanwhile; nothing was saved',
      cause.details,
    );
    this.name = 'ContactConflictError';
    this.current = current;
  }
}

/** Stable codes of errors that arise in the client itself (not sent by a server). */
export type ClientErrorCode =
  'OFFLINE_UNAVAILABLE' | 'CHANGE_FEED_INVALID' | 'CACHE_WRITE_FAILED' | 'NOT_LOGGED_IN';

const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set<ClientErrorCode>([
  'OFFLINE_UNAVAILABLE',
  'CHANGE_FEED_INVALID',
  'CACHE_WRITE_FAILED',
  'NOT_LOGGED_IN',
]);

export function isClientErrorCode(code: string): code is ClientErrorCode {
  return CLIENT_ERROR_CODES.has(code);
}

/** An error of the client side, with a stable code (see the README table). */
export class ClientError extends Error {
  readonly code: ClientErrorCode;

  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClientError';
    this.code = code;
  }
}
