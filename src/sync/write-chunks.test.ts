import { describe, expect, it } from 'vitest';
import { WRITE_TARGET_MS, WriteChunks } from './write-chunks.js';

describe('WriteChunks', () => {
  it('grows chunks while writes are quick and shrinks them when slow, at most 2× a step', () => {
    let clock = 0;
    const chunks = new WriteChunks({ now: () => clock });
    const writeTaking = (ms: number) => () => (clock += ms);
    const first = chunks.size;
    chunks.timed(writeTaking(WRITE_TARGET_MS / 10));
    expect(chunks.size).toBe(first * 2);
    chunks.timed(writeTaking((WRITE_TARGET_MS * 3) / 2));
    expect(chunks.size).toBe(Math.round((first * 2 * 2) / 3));
    for (let i = 0; i < 10; i++) chunks.timed(writeTaking(WRITE_TARGET_MS * 4));
    expect(chunks.size).toBe(250);
    for (let i = 0; i < 20; i++) chunks.timed(writeTaking(1));
    expect(chunks.size).toBe(20_000);
  });
});
