import { describe, expect, it } from 'vitest';
import { formatUtc, parseSchedule } from '../../schedule/index.ts';

describe('rate schedules at the end of the calendar', () => {
  const anchor = new Date('2026-01-01T00:00:00Z');

  it.each([
    // 1,000,000 days from 2026 is in the year 4764; 99,999,999,999 days is past any Date.
    ['rate(1000000 days)'],
    ['rate(99999999999 days)'],
  ])('has no run after its anchor when the next would fall after 2199: %s', (expression) => {
    const schedule = parseSchedule({ expression, anchor });

    expect(schedule.nextN(anchor, 3)).toEqual([]);
    expect(schedule.next(anchor)).toBeUndefined();
  });

  it('ends with the last run of 2199, as the cron year field does', () => {
    // 2200-01-01T00:00Z is a multiple of 5 minutes from the anchor, so the run before it is
    // 2199-12-31T23:55Z.
    const schedule = parseSchedule({ expression: 'rate(5 minutes)', anchor });

    expect(schedule.next(new Date('2199-12-31T23:54:00Z'))?.toISOString()).toBe(
      '2199-12-31T23:55:00.000Z',
    );
    expect(schedule.next(new Date('2199-12-31T23:55:00Z'))).toBeUndefined();
    expect(formatUtc(schedule.previous(new Date('2300-01-01T00:00:00Z')) ?? anchor)).toBe(
      '2199-12-31T23:55:00Z',
    );
  });
});
