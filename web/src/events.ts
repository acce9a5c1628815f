import type { LookupResult } from './api';

/** What `GET /api/v1/events` pushes to this page. */
export type ServerEvent =
  | { type: 'hello' }
  | { type: 'phonebooks-changed' }
  | { type: 'contacts-changed'; phonebook: string; ids: string[]; reset?: boolean }
  | {
      type: 'sync-progress';
      phonebook: string;
      done: number;
      total: number | null;
      phase: string;
    }
  | { type: 'incoming-call'; username: string; call: LookupResult; at: string };

type Listener = (event: ServerEvent) => void;

/**
 * One WebSocket for the whole page, opened after login and reopened after a drop (with a
 * growing pause). Browsers cannot send headers on a WebSocket: the token goes in `?token=`.
 */
export class EventStream {
  readonly #listeners = new Set<Listener>();
  readonly #token: string;
  #socket: WebSocket | null = null;
  #closed = false;
  #retryMs = 500;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(token: string) {
    this.#token = token;
  }

  open(): void {
    if (this.#closed) return;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(
      `${scheme}://${location.host}/api/v1/events?token=${encodeURIComponent(this.#token)}`,
    );
    this.#socket = socket;
    socket.onopen = () => (this.#retryMs = 500);
    socket.onmessage = (message) => {
      let event: ServerEvent;
      try {
        event = JSON.parse(String(message.data)) as ServerEvent;
      } catch {
        return;
      }
      for (const listener of this.#listeners) listener(event);
    };
    socket.onclose = (close) => {
      this.#socket = null;
      if (this.#closed || close.code === 4401) return;
      this.#timer = setTimeout(() => this.open(), this.#retryMs);
      this.#retryMs = Math.min(this.#retryMs * 2, 15_000);
    };
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#socket?.close();
  }
}
