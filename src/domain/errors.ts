/**
 * The one catalogue of ctibook errors. Every error that leaves the server carries one of
 * these stable codes; the HTTP layer turns them into
 * `{"error": {"code", "message", "details"}}` with the status given here.
 */
export const ERROR_CATALOGUE = {
  BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  VALIDATION_FAILED: { status: 400, message: 'A field of the request is invalid.' },
  INVALID_NAME: { status: 400, message: 'The name is not allowed.' },
  INVALID_NUMBER: { status: 400, message: 'The phone number cannot be read.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  UNAUTHENTICATED: { status: 401, message: 'Log in first: no valid token was sent.' },
  INVALID_CREDENTIALS: { status: 401, message: 'Wrong username or password.' },
  TOO_MANY_ATTEMPTS: { status: 429, message: 'Too many login attempts; wait and retry.' },
  FORBIDDEN: { status: 403, message: 'You do not have the right to do this.' },
  PHONEBOOK_READ_ONLY: { status: 403, message: 'The phone book is read-only.' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  PHONEBOOK_NOT_FOUND: { status: 404, message: 'No such phone book.' },
  CONTACT_NOT_FOUND: { status: 404, message: 'No such contact.' },
  USER_NOT_FOUND: { status: 404, message: 'No such user.' },
  GROUP_NOT_FOUND: { status: 404, message: 'No such group.' },
  TRASH_NOT_FOUND: { status: 404, message: 'No such entry in the trash.' },
  ALREADY_EXISTS: { status: 409, message: 'An object of that name already exists.' },
  PHONEBOOK_PROTECTED: { status: 409, message: 'Global phone books cannot be deleted or renamed.' },
  CONFLICT: { status: 409, message: 'The request conflicts with the current state.' },
  PRECONDITION_REQUIRED: {
    status: 428,
    message: 'Send If-Match with the current ETag to change this object.',
  },
  STALE_ETAG: {
    status: 412,
    message: 'Someone else changed this object first (If-Match is stale).',
  },
  SOURCE_UNAVAILABLE: { status: 503, message: 'The data source does not answer.' },
  SOURCE_AUTH_FAILED: {
    status: 503,
    message: 'The data source refused the configured credentials.',
  },
  SOURCE_NOT_FOUND: {
    status: 503,
    message: 'The data source has no such table, query result, base DN or file.',
  },
  SOURCE_LIMIT_EXCEEDED: {
    status: 503,
    message: 'The data source stopped at a size or time limit.',
  },
  SOURCE_REJECTED: { status: 409, message: 'The data source refused the change.' },
  INTERNAL: { status: 500, message: 'Internal server error.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** An error with a stable code; `details` says what and where (field, file, line). */
export class CtibookError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message ?? ERROR_CATALOGUE[code].message, options);
    this.name = 'CtibookError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.details = details;
  }
}

/** Shorthand for a 400 that names the bad field (`details`: more of what was wrong). */
export function invalidField(
  field: string,
  problem: string,
  details: Record<string, unknown> = {},
): CtibookError {
  return new CtibookError('VALIDATION_FAILED', `${field}: ${problem}`, {
    field,
    problem,
    ...details,
  });
}

export function isCtibookError(error: unknown): error is CtibookError {
  return error instanceof CtibookError;
}
