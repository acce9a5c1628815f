import type { CacheSettings } from '../domain/phonebook.js';

const HOUR = 3_600_000;

/** The cache settings a new external book gets: the seed's recommendation for large sources. */
export const DEFAULT_CACHE: CacheSettings = Object.freeze({
  mode: 'changed',
  everyHours: 24,
  at: 'startup',
});

/**
 * When a book's next sync is due, after a sync at `lastSync` (undefined: never synced,
 * so now). With `at: 'HH:MM'` the runs fall on that time of day and every `everyHours`
 * after it; with `at: 'startup'` a sync is due once `everyHours` have passed, counted in
 * calendar days when the interval is whole days ("the first start of the day").
 */
export function nextSyncAt(cache: CacheSettings, lastSync: Date | undefined, now: Date): Date {
  if (!lastSync || Number.isNaN(lastSync.getTime())) return now;
  const every = cache.everyHours * HOUR;
  if (cache.at === 'startup') {
    if (cache.everyHours % 24 === 0) {
      const startOfDay = new Date(lastSync.getFullYear(), lastSync.getMonth(), lastSync.getDate());
      const days = cache.everyHours / 24;
      return new Date(startOfDay.getFullYear(), startOfDay.getMonth(), startOfDay.getDate() + days);
    }
    return new Date(lastSync.getTime() + every);
  }
  const [hours = 0, minutes = 0] = cache.at.split(':').map(Number);
  const anchor = new Date(
    lastSync.getFullYear(),
    lastSync.getMonth(),
    lastSync.getDate(),
    hours,
    minutes,
  );
  // The first run point strictly after lastSync: anchor + n·every (n may be negative).
  const steps = Math.floor((lastSync.getTime() - anchor.getTime()) / every) + 1;
  return new Date(anchor.getTime() + steps * every);
}

/** Whether a sync is due now. */
export function isDue(cache: CacheSettings, lastSync: Date | undefined, now: Date): boolean {
  return nextSyncAt(cache, lastSync, now).getTime() <= now.getTime();
}

/** Waiting time before retry number `failures` (1, 2, 4 … minutes, at most an hour). */
export function backoffMs(failures: number): number {
  return Math.min(60, 2 ** Math.max(0, failures - 1)) * 60_000;
}
