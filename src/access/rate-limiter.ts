/**
 * Counts failed attempts per key in a sliding window; a key that reached the limit is
 * refused until its oldest failure leaves the window.
 */
export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #failures = new Map<string, number[]>();

  constructor(limit: number, windowMs: number) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfter(key: string, now: number): number {
    const times = this.#recent(key, now);
    if (times.length < this.#limit) return 0;
    return (times[0] ?? now) + this.#windowMs - now;
  }

  fail(key: string, now: number): void {
    const times = this.#recent(key, now);
    times.push(now);
    this.#failures.set(key, times);
    if (this.#failures.size > 100_000) this.#prune(now);
  }

  /** Takes back one failure recorded at `at` (an attempt that turned out to succeed). */
  forgive(key: string, at: number): void {
    const times = this.#failures.get(key);
    const index = times?.indexOf(at) ?? -1;
    if (!times || index < 0) return;
    times.splice(index, 1);
    if (times.length === 0) this.#failures.delete(key);
  }

  reset(key: string): void {
    this.#failures.delete(key);
  }

  #recent(key: string, now: number): number[] {
    return (this.#failures.get(key) ?? []).filter((t) => t > now - this.#windowMs);
  }

  #prune(now: number): void {
    for (const [key, times] of this.#failures) {
      if (times.every((t) => t <= now - this.#windowMs)) this.#failures.delete(key);
    }
  }
}
