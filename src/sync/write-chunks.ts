/** What one write should take unless told otherwise (see {@link WriteChunksOptions}). */
export const WRITE_TARGET_MS = 40;
const MIN_ROWS = 250;
const MAX_ROWS = 20_000;

export interface WriteChunksOptions {
  /** What one write should take; default {@link WRITE_TARGET_MS}. */
  targetMs?: number;
  /** Most rows in one write; default 20,000. */
  maxRows?: number;
  now?: () => number;
}

/**
 * The number of rows per staging write: sized from the last write's time so that each
 * transaction takes about `targetMs` (bigger transactions are cheaper per row, but a
 * lookup on the same thread, or another writer, waits for the whole of one).
 */
export class WriteChunks {
  size = 1000;
  readonly #now: () => number;
  readonly #targetMs: number;
  readonly #maxRows: number;

  constructor(options: WriteChunksOptions = {}) {
    this.#now = options.now ?? (() => performance.now());
    this.#targetMs = options.targetMs ?? WRITE_TARGET_MS;
    this.#maxRows = options.maxRows ?? MAX_ROWS;
  }

  /** Runs one write of `size` rows (or fewer, the last) and sizes the next one. */
  timed(write: () => void): void {
    const started = this.#now();
    write();
    const ms = this.#now() - started;
    if (ms <= 0) return;
    const scaled = Math.round((this.size * this.#targetMs) / ms);
    // Halve or double at most per step: one slow write (a checkpoint) must not swing it.
    this.size = Math.min(
      this.#maxRows,
      Math.max(MIN_ROWS, this.size / 2, Math.min(scaled, this.size * 2)),
    );
  }
}
