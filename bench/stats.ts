/** Latency samples and their summaries. */

export interface Summary {
  count: number;
  /** All in microseconds. */
  median: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Collects durations measured with `process.hrtime.bigint()`, in microseconds. */
export class Samples {
  #values: Float64Array;
  #count = 0;

  constructor(capacity = 1024) {
    this.#values = new Float64Array(capacity);
  }

  get count(): number {
    return this.#count;
  }

  /** Adds the time from `start` (a `process.hrtime.bigint()` reading) to now. */
  since(start: bigint): void {
    this.add(Number(process.hrtime.bigint() - start) / 1000);
  }

  add(micros: number): void {
    if (this.#count === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#count++] = micros;
  }

  summary(): Summary {
    return summarize(this.#values.subarray(0, this.#count));
  }
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? Number.NaN;
}

export function summarize(values: Float64Array): Summary {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    median: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN,
    mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
  };
}

/** Elapsed milliseconds since a `process.hrtime.bigint()` reading. */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** A duration for people: `12.3 µs`, `4.56 ms`, `1.23 s`. */
export function formatMicros(micros: number): string {
  if (!Number.isFinite(micros)) return '–';
  if (micros < 1000) return `${micros.toFixed(micros < 100 ? 1 : 0)} µs`;
  if (micros < 1_000_000) return `${(micros / 1000).toFixed(micros < 10_000 ? 2 : 1)} ms`;
  return `${(micros / 1_000_000).toFixed(2)} s`;
}

export function megabytes(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
