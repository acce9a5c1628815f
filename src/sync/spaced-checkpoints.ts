/**
 * When a staging writer copies the WAL into the store file: every few of its commits
 * instead of after each one (SQLite's automatic checkpoint once the WAL holds 1,000
 * pages). A rebuild's transactions dirty index pages all over the store (random keys), the
 * same pages again in each; a checkpoint writes each page once however often it was
 * committed since the last one, so spacing them saves most of the copying (a first fill of
 * 1,000,000 CSV rows: see BENCHMARKS.md, "The WAL copied less often"). The spacing follows
 * the commits' size, so that the WAL holds about `targetFrames` pages when copied.
 */
export class SpacedCheckpoints {
  readonly #checkpoint: () => number;
  readonly #targetFrames: number;
  readonly #maxEvery: number;
  #every = 1;
  #since = 0;

  /**
   * @param checkpoint copies the WAL into the store file; returns the pages the WAL held
   * @param targetFrames pages the WAL should hold when copied
   */
  constructor(checkpoint: () => number, targetFrames: number, maxEvery = 32) {
    this.#checkpoint = checkpoint;
    this.#targetFrames = targetFrames;
    this.#maxEvery = maxEvery;
  }

  /** Commits between checkpoints now. */
  get every(): number {
    return this.#every;
  }

  /** Called after each commit: checkpoints when enough have passed. */
  committed(): void {
    if (++this.#since < this.#every) return;
    const frames = this.#checkpoint();
    const perCommit = Math.max(1, frames / this.#since);
    // At most twice as many as last time: the commits grow as the indexes do.
    const fits = Math.max(1, Math.floor(this.#targetFrames / perCommit));
    this.#every = Math.min(this.#maxEvery, this.#every * 2, fits);
    this.#since = 0;
  }

  /** Copies what the last commits left in the WAL (the writer is done). */
  finish(): void {
    if (this.#since > 0) this.#checkpoint();
    this.#since = 0;
  }
}
