import { EventEmitter } from 'node:events';
import type { LookupResult } from './caller-lookup.js';

/** What the server pushes on `GET /api/v1/events`. */
export type DirectoryEvent =
  | { type: 'phonebooks-changed' }
  | { type: 'contacts-changed'; bookId: number; phonebook: string; ids: string[]; reset?: boolean }
  | {
      type: 'sync-progress';
      bookId: number;
      phonebook: string;
      done: number;
      total: number | null;
      phase: string;
    }
  /** A call announced for one user (`POST /api/v1/calls/incoming`); only that user hears it. */
  | { type: 'incoming-call'; username: string; call: LookupResult; at: string };

/** In-process event bus between the directory and the WebSocket route. */
export class EventBus {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  publish(event: DirectoryEvent): void {
    this.#emitter.emit('event', event);
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: (event: DirectoryEvent) => void): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }
}
