import { describe, expect, it } from 'vitest';
import { formatUtc, parseSchedule } from '../../schedule/index.ts';

const utc = (iso: string) => new Date(iso);

describe('rate schedules', () => {
  it('counts from the anchor when there is no StartDate', () => {
    // Created at 10:07:30: runs at 10:07:30 + k hours.
    const schedule = parseSchedule({
      expression: 'rate(1 hour)',
      anchor: utc('2026-01-01T10:07:30Z'),
    });

    expect(schedule.nextN(utc('2026-01-01T12:00:00Z'), 2).map(formatUtc)).toEqual([
      '2026-01-01T12:07:30Z',
      '2026-01-01T13:07:30Z',
    ]);
    expect(formatUtc(schedule.previous(utc('2026-01-01T12:07:30Z')) as Date)).toBe(
      '2026-01-01T11:07:30Z',
    );
  });

  it('never runs before its anchor', () => {
    const schedule = parseSchedule({
      expression: 'rate(2 days)',
      anchor: utc('2026-01-01T00:00:00Z'),
    });

    expect(schedule.previous(utc('2026-01-01T00:00:00Z'))).toBeUndefined();
    expect(formatUtc(schedule.next(utc('2025-01-01T00:00:00Z')) as Date)).toBe(
      '2026-01-01T00:00:00Z',
    );
  });

  it('prefers StartDate over the anchor', () => {
    const schedule = parseSchedule({
      expression: 'rate(10 minutes)',
      start: utc('2026-01-01T00:05:00Z'),
      anchor: utc('2026-01-01T00:00:00Z'),
    });

    expect(formatUtc(schedule.next(utc('2026-01-01T00:05:00Z')) as Date)).toBe(
      '2026-01-01T00:15:00Z',
    );
  });

  it('stops before EndDate', () => {
    const schedule = parseSchedule({
      expression: 'rate(1 day)',
      start: utc('2026-01-01T00:00:00Z'),
      end: utc('2026-01-03T00:00:00Z'),
    });

    expect(
      schedule.between(utc('2025-01-01T00:00:00Z'), utc('2027-01-01T00:00:00Z')).map(formatUtc),
    ).toEqual(['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z']);
    expect(formatUtc(schedule.previous(utc('2027-01-01T00:00:00Z')) as Date)).toBe(
      '2026-01-02T00:00:00Z',
    );
  });

  it('drifts in local time: rate(1 day) in Sydney across the April fall back', () => {
    // 2026-04-04T14:00Z is 01:00 AEDT on the 5th; after the change 14:00Z is 00:00 AEST.
    const schedule = parseSchedule({
      expression: 'rate(1 day)',
      timezone: 'Australia/Sydney',
      start: utc('2026-04-04T14:00:00Z'),
    });

    expect(schedule.nextN(utc('2026-04-01T00:00:00Z'), 2).map(formatUtc)).toEqual([
      '2026-04-04T14:00:00Z',
      '2026-04-05T14:00:00Z',
    ]);
  });
});

describe('at schedules', () => {
  it.each([
    // London is on BST (UTC+1) in June.
    ['at(2026-06-01T12:00:00)', 'Europe/London', '2026-06-01T11:00:00Z'],
    // Sydney is on AEDT (UTC+11) in January.
    ['at(2026-01-15T08:30:15)', 'Australia/Sydney', '2026-01-14T21:30:15Z'],
    ['at(2028-02-29T23:59:59)', 'UTC', '2028-02-29T23:59:59Z'],
    // 01:30 happens twice in New York on 2026-11-01; the first is EDT (05:30Z).
    ['at(2026-11-01T01:30:00)', 'America/New_York', '2026-11-01T05:30:00Z'],
  ])('reads %s in %s as %s', (expression, timezone, expected) => {
    const schedule = parseSchedule({ expression, timezone });

    expect(schedule.nextN(utc('2000-01-01T00:00:00Z'), 5).map(formatUtc)).toEqual([expected]);
    expect(formatUtc(schedule.previous(utc('2100-01-01T00:00:00Z')) as Date)).toBe(expected);
  });

  it('ignores StartDate and EndDate', () => {
    const schedule = parseSchedule({
      expression: 'at(2026-06-01T12:00:00)',
      start: utc('2026-07-01T00:00:00Z'),
      end: utc('2026-08-01T00:00:00Z'),
    });

    expect(formatUtc(schedule.next(utc('2026-01-01T00:00:00Z')) as Date)).toBe(
      '2026-06-01T12:00:00Z',
    );
  });

  it('has no more runs after its time', () => {
    const schedule = parseSchedule({ expression: 'at(2026-06-01T12:00:00)' });

    expect(schedule.next(utc('2026-06-01T12:00:00Z'))).toBeUndefined();
    expect(schedule.between(utc('2026-06-01T12:00:00Z'), utc('2026-06-01T12:00:01Z'))).toHaveLength(
      1,
    );
  });
});
