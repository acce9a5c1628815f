import { describe, expect, it } from 'vitest';
import { backoffMs, isDue, nextSyncAt } from './schedule.js';

const at = (text: string): Date => new Date(text);

describe('sync schedule', () => {
  it('syncs a never-synced book at once', () => {
    expect(
      isDue({ mode: 'full', everyHours: 24, at: 'startup' }, undefined, at('2026-11-25T10:00:00')),
    ).toBe(true);
  });

  it('with startup and whole days, syncs at the first start of the next day', () => {
    const cache = { mode: 'changed', everyHours: 24, at: 'startup' } as const;
    const last = at('2026-11-25T23:50:00');
    expect(isDue(cache, last, at('2026-11-25T23:59:00'))).toBe(false);
    expect(isDue(cache, last, at('2026-11-26T00:01:00'))).toBe(true);
    expect(nextSyncAt({ ...cache, everyHours: 48 }, last, at('2026-11-26T00:00:00'))).toEqual(
      at('2026-11-27T00:00:00'),
    );
  });

  it('with startup and hours, syncs once the hours have passed', () => {
    const cache = { mode: 'full', everyHours: 6, at: 'startup' } as const;
    expect(nextSyncAt(cache, at('2026-11-25T08:00:00'), at('2026-11-25T09:00:00'))).toEqual(
      at('2026-11-25T14:00:00'),
    );
  });

  it('with a time of day, runs at that time and every interval after it', () => {
    const daily = { mode: 'full', everyHours: 24, at: '03:30' } as const;
    expect(nextSyncAt(daily, at('2026-11-25T03:31:00'), at('2026-11-25T12:00:00'))).toEqual(
      at('2026-11-26T03:30:00'),
    );
    expect(nextSyncAt(daily, at('2026-11-25T01:00:00'), at('2026-11-25T02:00:00'))).toEqual(
      at('2026-11-25T03:30:00'),
    );
    const sixHourly = { mode: 'full', everyHours: 6, at: '00:15' } as const;
    expect(nextSyncAt(sixHourly, at('2026-11-25T07:00:00'), at('2026-11-25T07:00:00'))).toEqual(
      at('2026-11-25T12:15:00'),
    );
  });

  it('backs off 1, 2, 4 … minutes up to an hour', () => {
    expect([1, 2, 3, 7, 20].map((n) => backoffMs(n) / 60_000)).toEqual([1, 2, 4, 60, 60]);
  });
});
