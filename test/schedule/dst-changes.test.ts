import { describe, expect, it } from 'vitest';
import { dstChanges, formatUtc, parseSchedule } from '../../schedule/index.ts';

const YEAR_2026: [Date, Date] = [
  new Date('2026-01-01T00:00:00Z'),
  new Date('2027-01-01T00:00:00Z'),
];

function changesOf(expression: string, timezone: string) {
  const schedule = parseSchedule({ expression, timezone });
  return dstChanges(schedule, ...YEAR_2026).map((change) => ({
    kind: change.kind,
    localTime: change.localTime,
    utc: change.utc === undefined ? undefined : formatUtc(change.utc),
  }));
}

describe('dstChanges', () => {
  it('lists each */15 time of the New York spring-forward gap as skipped', () => {
    // 2026-03-08 02:00-02:59 does not exist in New York; fall back repeats 01:xx, not 02:xx.
    expect(changesOf('cron(*/15 2 * * ? *)', 'America/New_York')).toEqual(
      ['02:00', '02:15', '02:30', '02:45'].map((time) => ({
        kind: 'skipped',
        localTime: `2026-03-08T${time}`,
        utc: undefined,
      })),
    );
  });

  it('lists repeated fall-back times as merged, at their first occurrence', () => {
    // 2026-11-01 01:00 and 01:30 EDT (UTC-4) are 05:00Z and 05:30Z.
    expect(changesOf('cron(0/30 1 * * ? *)', 'America/New_York')).toEqual([
      { kind: 'merged', localTime: '2026-11-01T01:00', utc: '2026-11-01T05:00:00Z' },
      { kind: 'merged', localTime: '2026-11-01T01:30', utc: '2026-11-01T05:30:00Z' },
    ]);
  });

  it('follows the southern-hemisphere calendar in Sydney', () => {
    // April 5 repeats 02:xx (03:00 AEDT -> 02:00 AEST); October 4 skips 02:xx.
    // The first 02:30 on April 5 is AEDT (UTC+11): 15:30Z on April 4.
    expect(changesOf('cron(30 2 * * ? *)', 'Australia/Sydney')).toEqual([
      { kind: 'merged', localTime: '2026-04-05T02:30', utc: '2026-04-04T15:30:00Z' },
      { kind: 'skipped', localTime: '2026-10-04T02:30', utc: undefined },
    ]);
  });

  it('respects the day fields', () => {
    // Weekdays only: both 2026 London changes fall on Sundays.
    expect(changesOf('cron(30 1 ? * MON-FRI *)', 'Europe/London')).toEqual([]);
  });

  it.each([
    ['cron(30 2 * * ? *)', 'UTC'],
    ['cron(30 2 * * ? *)', 'Asia/Kolkata'],
    ['rate(30 minutes)', 'America/New_York'],
    ['at(2026-03-08T03:30:00)', 'America/New_York'],
  ])('finds none for %s in %s', (expression, timezone) => {
    expect(changesOf(expression, timezone)).toEqual([]);
  });
});
