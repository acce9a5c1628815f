import { describe, expect, it } from 'vitest';
import { SpacedCheckpoints } from './spaced-checkpoints.js';

describe('SpacedCheckpoints', () => {
  /** Commits of `frames` pages each; the checkpoint reports what the WAL held. */
  const run = (sizes: number[], target: number) => {
    let wal = 0;
    const copied: number[] = [];
    const checkpoints = new SpacedCheckpoints(() => {
      copied.push(wal);
      const held = wal;
      wal = 0;
      return held;
    }, target);
    for (const frames of sizes) {
      wal += frames;
      checkpoints.committed();
    }
    checkpoints.finish();
    return { copied, left: wal, every: checkpoints.every };
  };

  it('checkpoints after the first commit, then spaces them up to the target, doubling', () => {
    const { copied, left } = run(Array<number>(60).fill(100), 1000);
    expect(copied.slice(0, 4)).toEqual([100, 200, 400, 800]);
    expect(copied.slice(4, -1).every((held) => held === 1000)).toBe(true);
    expect(left).toBe(0);
  });

  it('follows commits that grow, and never waits more than its maximum', () => {
    const growing = Array.from({ length: 60 }, (_, i) => 10 * (i + 1));
    const { copied } = run(growing, 2000);
    expect(Math.max(...copied)).toBeLessThan(2 * 2000);
    expect(run(Array<number>(100).fill(1), 1_000_000).every).toBe(32);
  });

  it('checkpoints after every commit that alone fills the target', () => {
    const { copied, every } = run([5000, 5000, 5000], 1000);
    expect(copied).toEqual([5000, 5000, 5000]);
    expect(every).toBe(1);
  });

  it('finishes with what the last commits left, and with nothing when nothing is left', () => {
    expect(run([100, 100, 100], 1000).copied).toEqual([100, 200]);
    expect(run([], 1000).copied).toEqual([]);
  });
});
