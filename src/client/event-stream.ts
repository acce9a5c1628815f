import WebSocket from 'ws';
import type { ServerEvent } from './api-types.js';
import { ServerEventSchema } from './api-types.js';

export interface EventStreamOptions {
  /** Server base URL (`http(s)://host:port`). */
  server: string;
  /** The current session token, read at every (re)connect. */
  token: () => string | undefined;
  ca?: string | Buffer | undefined;
  /** Called for every event the server pushes. */
  onEvent: (event: ServerEvent) => void;
  /** Called when the connection opens (`true`, after `hello`) or drops (`false`). */
  onConnection?: (connected: boolean) => void;
  /**
   * Called when the server refuses the token; resolves true when a new one was obtained.
   * Without it, or when it resolves false, the stream keeps retrying with back-off.
   */
  onUnauthorized?: () => Promise<boolean>;
  /** First reconnect delay; doubled after each failure up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * The server's event WebSocket (`GET /api/v1/events`), reconnecting by itself with
 * exponential back-off and jitter (0.5 s doubling to 30 s by default) whenever the server
 * goes away, until {@link EventStream.close}.
 */
export class EventStream {
  readonly #options: EventStreamOptions;
  #socket: WebSocket | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  #closed = false;
  #connected = false;

  constructor(options: EventStreamOptions) {
    this.#options = options;
  }

  /** Whether the stream is connected and authenticated now. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Opens the connection (no-op when open or closed for good). */
  start(): void {
    if (this.#closed || this.#socket) return;
    const url = new URL('/api/v1/events', this.#options.server);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const token = this.#options.token();
    const socket = new WebSocket(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(this.#options.ca ? { ca: this.#options.ca } : {}),
      handshakeTimeout: 10_000,
    });
    this.#socket = socket;
    socket.on('message', (data: WebSocket.RawData) => this.#message(data));
    socket.on('error', () => undefined);
    socket.on('close', (code) => this.#dropped(socket, code));
  }

  /** Closes the connection for good; no reconnect follows. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#socket?.terminate();
    this.#socket = undefined;
    this.#setConnected(false);
  }

  #message(data: WebSocket.RawData): void {
    let event: ServerEvent;
    try {
      const parsed = ServerEventSchema.safeParse(JSON.parse(String(data)));
      if (!parsed.success) return;
      event = parsed.data;
    } catch {
      return;
    }
    if (event.type === 'hello') {
      this.#failures = 0;
      this.#setConnected(true);
    }
    this.#options.onEvent(event);
  }

  #dropped(socket: WebSocket, code: number): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    this.#setConnected(false);
    if (this.#closed) return;
    this.#failures++;
    if (code === 4401 && this.#options.onUnauthorized) {
      void this.#options.onUnauthorized().then(
        (renewed) => this.#schedule(renewed ? 0 : undefined),
        () => this.#schedule(),
      );
      return;
    }
    this.#schedule();
  }

  #schedule(delayMs?: number): void {
    if (this.#closed) return;
    const min = this.#options.minDelayMs ?? 500;
    const max = this.#options.maxDelayMs ?? 30_000;
    const backOff = Math.min(max, min * 2 ** Math.max(0, this.#failures - 1));
    const delay = delayMs ?? backOff * (0.75 + Math.random() * 0.5);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.start(), delay);
  }

  #setConnected(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    this.#options.onConnection?.(connected);
  }
}
