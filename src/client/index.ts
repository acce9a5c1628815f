/**
 * `ctibook/client`: the client library of ctibook. Start with {@link CtibookClient.open}.
 * @packageDocumentation
 */
export { CtibookClient } from './ctibook-client.js';
export type { ClientEvent, CtibookClientOptions } from './ctibook-client.js';
export { ApiError, ServerUnreachableError } from './http-client.js';
export { ClientError, ContactConflictError, NoteConflictError } from './client-errors.js';
export type { ClientErrorCode } from './client-errors.js';
export { OfflineCache, CACHE_FILE } from './offline-cache.js';
export type { CachedBook, OfflineCacheOptions } from './offline-cache.js';
export { EventStream } from './event-stream.js';
export type { EventStreamOptions } from './event-stream.js';
export type { BookSyncReport, SyncOptions, SyncProgress, SyncReport } from './cache-sync.js';
export { SESSION_FILE } from './session-file.js';
export type {
  BookInfo,
  BooksAnswer,
  CallerMatch,
  Contact,
  ContactInput,
  LookupAnswer,
  Note,
  Rights,
  SearchAnswer,
  SearchItem,
  ServerEvent,
} from './api-types.js';
