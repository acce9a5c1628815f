import WebSocket from 'ws';
import type { HttpClient } from '../client/http-client.js';
import type { Io } from './cli-context.js';

/** Where a long job stands: a phase, a count, and the total when known. */
export interface Progress {
  phase: string;
  done: number;
  total: number | null;
}

const FRAME_MS = 150;
const BAR_WIDTH = 24;
/** Without a TTY, a "still running" line at most this often when nothing else is said. */
const QUIET_LINE_MS = 10_000;

/**
 * Shows a long job on stderr: on a terminal one line redrawn in place with a bar (a moving
 * block while the total is unknown), elsewhere plain lines, one per change.
 */
export class ProgressDisplay {
  readonly #io: Io;
  readonly #label: string;
  readonly #tty: boolean;
  readonly #started = Date.now();
  #progress: Progress | undefined;
  #status = '';
  #timer: NodeJS.Timeout | undefined;
  #lastLineAt = 0;
  #frame = 0;

  constructor(io: Io, label: string) {
    this.#io = io;
    this.#label = label;
    this.#tty = Boolean(io.tty && io.progress);
  }

  start(status = 'started'): void {
    this.#status = status;
    if (this.#tty) {
      this.#timer = setInterval(() => this.#draw(), FRAME_MS);
      this.#draw();
    } else this.#line(status);
  }

  /** A new count (from `sync-progress` events, or a copy loop). */
  update(progress: Progress): void {
    this.#progress = progress;
    if (!this.#tty) this.#line(describe(progress));
  }

  /** A new count for the bar only: without a terminal it prints nothing. */
  set(progress: Progress): void {
    this.#progress = progress;
  }

  /** The job's state as a poll saw it; plain output prints changes, and a line now and then. */
  status(status: string): void {
    const changed = status !== this.#status;
    this.#status = status;
    if (this.#tty) return;
    if (changed || Date.now() - this.#lastLineAt >= QUIET_LINE_MS) {
      this.#line(`${status} (${seconds(Date.now() - this.#started)})`);
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#tty) this.#io.progress?.('\r\x1b[2K');
  }

  #line(text: string): void {
    this.#lastLineAt = Date.now();
    this.#io.err(`${this.#label}: ${text}`);
  }

  #draw(): void {
    const progress = this.#progress;
    const elapsed = seconds(Date.now() - this.#started);
    const counts = progress ? describe(progress) : this.#status;
    const line = `${this.#label} ${bar(progress, this.#frame++)} ${counts}  ${elapsed}`;
    this.#io.progress?.(`\r\x1b[2K${line}`);
  }
}

/** `[=====>      ]  42%` when the total is known, else a block moving to and fro. */
export function bar(progress: Progress | undefined, frame: number): string {
  if (progress?.total) {
    const share = Math.min(1, progress.done / progress.total);
    const filled = Math.round(share * BAR_WIDTH);
    const body = '='.repeat(filled).padEnd(BAR_WIDTH, ' ');
    return `[${body}] ${String(Math.floor(share * 100)).padStart(3)}%`;
  }
  const block = 5;
  const span = BAR_WIDTH - block;
  const step = frame % (2 * span);
  const at = step <= span ? step : 2 * span - step;
  return `[${' '.repeat(at)}${'='.repeat(block)}${' '.repeat(span - at)}]`;
}

function describe(progress: Progress): string {
  const done = progress.done.toLocaleString('en-US');
  const of = progress.total !== null ? ` of ${progress.total.toLocaleString('en-US')}` : '';
  return `${progress.phase} ${done}${of}`;
}

/** `0.4 s`, `12 s`, `3 min 05 s`. */
export function seconds(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const total = Math.round(ms / 1000);
  if (total < 60) return `${total} s`;
  return `${Math.floor(total / 60)} min ${String(total % 60).padStart(2, '0')} s`;
}

/** The part of the WHATWG WebSocket the CLI uses. */
interface EventSocket {
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: (() => void) | null;
  onclose: (() => void) | null;
  close(): void;
}

/** `ws` (Node 20 has no global WebSocket); its second argument carries the headers. */
type EventSocketConstructor = new (
  url: string,
  init: { headers: Record<string, string> },
) => EventSocket;

/** A subscription to `sync-progress` events; `close()` ends it. */
export interface ProgressEvents {
  close(): void;
}

const HELLO_TIMEOUT_MS = 2000;

/**
 * Listens to `GET /api/v1/events` for the `sync-progress` events of one book; resolves to
 * undefined when the server does not greet within 2 s (the caller then shows the sync's
 * state from polls only).
 */
export async function watchSyncProgress(
  client: HttpClient,
  phonebook: string,
  onProgress: (progress: Progress) => void,
): Promise<ProgressEvents | undefined> {
  const Socket = WebSocket as unknown as EventSocketConstructor;
  if (!client.token) return undefined;
  let socket: EventSocket;
  try {
    socket = new Socket(`${client.baseUrl.replace(/^http/i, 'ws')}/api/v1/events`, {
      headers: { authorization: `Bearer ${client.token}` },
    });
  } catch {
    return undefined;
  }
  const wanted = phonebook.toLowerCase();
  const greeted = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), HELLO_TIMEOUT_MS);
    const settle = (ok: boolean): void => {
      clearTimeout(timer);
      resolve(ok);
    };
    socket.onerror = () => settle(false);
    socket.onclose = () => settle(false);
    socket.onmessage = (event) => {
      const message = parseEvent(event.data);
      if (message?.type === 'hello') settle(true);
      else if (message?.type === 'error') settle(false);
      else if (
        message?.type === 'sync-progress' &&
        typeof message.phonebook === 'string' &&
        message.phonebook.toLowerCase() === wanted
      ) {
        onProgress({
          phase: typeof message.phase === 'string' ? message.phase : 'syncing',
          done: typeof message.done === 'number' ? message.done : 0,
          total: typeof message.total === 'number' ? message.total : null,
        });
      }
    };
  });
  if (!greeted) {
    socket.close();
    return undefined;
  }
  socket.onerror = null;
  socket.onclose = null;
  return { close: () => socket.close() };
}

function parseEvent(data: unknown): Record<string, unknown> | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
