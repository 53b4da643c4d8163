import { describe, expect, it } from 'vitest';
import { formatUtc, parseSchedule } from '../../schedule/index.ts';

const utc = (iso: string) => new Date(iso);

function nextOf(expression: string, timezone: string, from: string, count: number): string[] {
  return parseSchedule({ expression, timezone }).nextN(utc(from), count).map(formatUtc);
}

/*
 * Expected values are worked out by hand from the calendar, not from the engine; the weekday
 * facts were checked against a printed calendar. 2026-01-01 is a Thursday.
 */
describe('cron day fields', () => {
  it.each([
    [
      // 2026-08-01 is a Saturday, so 1W moves forward to Monday the 3rd (never back into
      // July); 2026-09-01 is a Tuesday and runs on the day.
      'moves 1W on a Saturday to Monday the 3rd',
      'cron(0 9 1W * ? *)',
      '2026-07-15T00:00:00Z',
      ['2026-08-03T09:00:00Z', '2026-09-01T09:00:00Z'],
    ],
    [
      // 2026-05-31 is a Sunday: 31W moves back to Friday the 29th. June has no 31st; 07-31 is
      // a Friday and 08-31 a Monday, both run on the day.
      'moves 31W on a Sunday back to Friday the 29th',
      'cron(0 9 31W * ? *)',
      '2026-05-01T00:00:00Z',
      ['2026-05-29T09:00:00Z', '2026-07-31T09:00:00Z', '2026-08-31T09:00:00Z'],
    ],
    [
      // 2026-08-15 is a Saturday (nearest weekday Friday 14th); 2026-11-15 is a Sunday
      // (nearest weekday Monday 16th).
      'moves 15W to the nearest weekday on either side',
      'cron(0 9 15W 8,11 ? *)',
      '2026-08-01T00:00:00Z',
      ['2026-08-14T09:00:00Z', '2026-11-16T09:00:00Z'],
    ],
    [
      // LW: 2026-01-31 is a Saturday, so Friday 30th; 2026-02-28 is a Saturday too (Feb 1 is
      // a Sunday), so Friday 27th; 2026-03-31 is a Tuesday.
      'reads LW as the last weekday of the month',
      'cron(0 9 LW * ? *)',
      '2026-01-01T00:00:00Z',
      ['2026-01-30T09:00:00Z', '2026-02-27T09:00:00Z', '2026-03-31T09:00:00Z'],
    ],
    [
      // L follows the month length: April 30, May 31, June 30.
      'reads L in day-of-month as the last day of each month',
      'cron(0 0 L * ? *)',
      '2026-04-01T00:00:00Z',
      ['2026-04-30T00:00:00Z', '2026-05-31T00:00:00Z', '2026-06-30T00:00:00Z'],
    ],
    [
      // 1L = last Sunday. March 2026: Sundays 1, 8, 15, 22, 29. April: Sundays 5 ... 26.
      'reads 1L as the last Sunday',
      'cron(0 12 ? * 1L *)',
      '2026-03-01T00:00:00Z',
      ['2026-03-29T12:00:00Z', '2026-04-26T12:00:00Z'],
    ],
    [
      // */10 in day-of-month starts at 1 (the field's first value): 1, 11, 21, 31. April has
      // no 31st.
      'starts */10 in day-of-month at the 1st',
      'cron(0 0 */10 * ? *)',
      '2026-04-01T00:00:00Z',
      [
        '2026-04-11T00:00:00Z',
        '2026-04-21T00:00:00Z',
        '2026-05-01T00:00:00Z',
        '2026-05-11T00:00:00Z',
      ],
    ],
    [
      // MON-FRI is 2-6. 2026-01-02 is a Friday; hours 8-18/5 are 8, 13 and 18; the next
      // weekday is Monday 5th.
      'reads MON-FRI with stepped hours',
      'cron(0 8-18/5 ? * MON-FRI *)',
      '2026-01-02T00:00:00Z',
      [
        '2026-01-02T08:00:00Z',
        '2026-01-02T13:00:00Z',
        '2026-01-02T18:00:00Z',
        '2026-01-05T08:00:00Z',
      ],
    ],
    [
      // SUN#1: first Sundays. Feb 2026 starts on a Sunday (1st); March 1st is a Sunday too;
      // April 1st is a Wednesday so its first Sunday is the 5th.
      'reads a weekday name before #',
      'cron(0 6 ? * SUN#1 *)',
      '2026-01-15T00:00:00Z',
      ['2026-02-01T06:00:00Z', '2026-03-01T06:00:00Z', '2026-04-05T06:00:00Z'],
    ],
    [
      // Lowercase names read like uppercase: sat is 7. 2026-01-03 is the first Saturday.
      'reads weekday names in any case',
      'cron(0 0 ? * sat *)',
      '2026-01-01T00:00:00Z',
      ['2026-01-03T00:00:00Z', '2026-01-10T00:00:00Z'],
    ],
  ])('%s', (_name, expression, from, expected) => {
    expect(nextOf(expression, 'UTC', from, expected.length)).toEqual(expected);
  });
});

describe('cron month and year fields', () => {
  it.each([
    [
      // */3 over 1-12 is 1, 4, 7, 10.
      'starts */3 in month at January',
      'cron(0 0 1 */3 ? *)',
      '2026-02-01T00:00:00Z',
      [
        '2026-04-01T00:00:00Z',
        '2026-07-01T00:00:00Z',
        '2026-10-01T00:00:00Z',
        '2027-01-01T00:00:00Z',
      ],
    ],
    [
      'reads month names in a list',
      'cron(0 0 1 JUL,JAN ? *)',
      '2026-02-01T00:00:00Z',
      ['2026-07-01T00:00:00Z', '2027-01-01T00:00:00Z'],
    ],
    [
      // Feb 29 exists in 2028 and 2032, not in the years between.
      'runs on February 29th only in leap years',
      'cron(0 0 29 2 ? *)',
      '2026-01-01T00:00:00Z',
      ['2028-02-29T00:00:00Z', '2032-02-29T00:00:00Z'],
    ],
    [
      // 2100 is divisible by 100 and not by 400: no Feb 29. The next leap year is 2104.
      'skips February 29th in 2100',
      'cron(0 0 29 2 ? 2097-2104)',
      '2097-01-01T00:00:00Z',
      ['2104-02-29T00:00:00Z'],
    ],
    [
      // The year range ends the schedule: two runs and then none.
      'stops when the year range ends',
      'cron(0 0 1 1 ? 2026-2027)',
      '2025-06-01T00:00:00Z',
      ['2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'],
    ],
    [
      // Stepped years: 2030/5 is 2030, 2035 ...
      'steps through years',
      'cron(0 0 1 1 ? 2030/5)',
      '2026-01-01T00:00:00Z',
      ['2030-01-01T00:00:00Z', '2035-01-01T00:00:00Z'],
    ],
  ])('%s', (_name, expression, from, expected) => {
    // Asking for one more than expected shows where a schedule ends.
    const next = nextOf(expression, 'UTC', from, expected.length + 1);

    expect(next.slice(0, expected.length)).toEqual(expected);
    if (/2026-2027|2097-2104/.test(expression)) expect(next).toHaveLength(expected.length);
  });
});

describe('cron in zones', () => {
  it.each([
    [
      // 3#2 is the second Tuesday. Feb 2026 (Feb 1 a Sunday): Tuesdays 3, 10 -> 10th, PST
      // (UTC-8) -> 20:00Z. March 2026: Tuesdays 3, 10 -> 10th; Los Angeles is on PDT (UTC-7)
      // since March 8 -> 19:00Z. April (1st a Wednesday): Tuesdays 7, 14 -> 19:00Z.
      'reads #, in Los Angeles across spring forward',
      'cron(0 12 ? * 3#2 *)',
      'America/Los_Angeles',
      '2026-02-01T00:00:00Z',
      ['2026-02-10T20:00:00Z', '2026-03-10T19:00:00Z', '2026-04-14T19:00:00Z'],
    ],
    [
      // Weekdays at 09:00 in Los Angeles: Friday March 6 is PST (17:00Z); Monday March 9 is
      // after the March 8 change, PDT (16:00Z).
      'keeps local time across spring forward in Los Angeles',
      'cron(0 9 ? * MON-FRI *)',
      'America/Los_Angeles',
      '2026-03-06T00:00:00Z',
      ['2026-03-06T17:00:00Z', '2026-03-09T16:00:00Z'],
    ],
    [
      // London springs forward on 2026-03-29 (last Sunday of March) at 01:00 GMT -> 02:00
      // BST: every wall time 01:00-01:59 is missing. On the 28th 01:xx GMT equals UTC; on the
      // 30th 01:00 BST is 00:00Z.
      'skips every */15 run inside the spring-forward hour in London',
      'cron(*/15 1 * * ? *)',
      'Europe/London',
      '2026-03-28T00:00:00Z',
      [
        '2026-03-28T01:00:00Z',
        '2026-03-28T01:15:00Z',
        '2026-03-28T01:30:00Z',
        '2026-03-28T01:45:00Z',
        '2026-03-30T00:00:00Z',
        '2026-03-30T00:15:00Z',
      ],
    ],
    [
      // London falls back on 2026-10-25 at 02:00 BST (01:00Z) -> 01:00 GMT, so 01:00-01:59
      // happen twice. 01:00 and 01:30 BST run (00:00Z, 00:30Z); their second occurrences
      // (01:00Z, 01:30Z) do not; 02:00 GMT is 02:00Z.
      'runs the repeated half hours of fall back once in London',
      'cron(0/30 * * * ? *)',
      'Europe/London',
      '2026-10-24T23:45:00Z',
      [
        '2026-10-25T00:00:00Z',
        '2026-10-25T00:30:00Z',
        '2026-10-25T02:00:00Z',
        '2026-10-25T02:30:00Z',
      ],
    ],
    [
      // Sydney springs forward on 2026-10-04 (first Sunday of October) at 02:00 AEST -> 03:00
      // AEDT. 02:30 on the 3rd is AEST (UTC+10): 16:30Z on the 2nd. The 4th has no 02:30.
      // The 5th is AEDT (UTC+11): 15:30Z on the 4th.
      'skips the missing 02:30 when Sydney springs forward in October',
      'cron(30 2 * * ? *)',
      'Australia/Sydney',
      '2026-10-02T00:00:00Z',
      ['2026-10-02T16:30:00Z', '2026-10-04T15:30:00Z', '2026-10-05T15:30:00Z'],
    ],
    [
      // Sydney falls back on 2026-04-05 (first Sunday of April) at 03:00 AEDT -> 02:00 AEST,
      // so 02:30 happens twice: first at 02:30 AEDT = 15:30Z on the 4th. The 4th itself is
      // AEDT (15:30Z on the 3rd); the 6th is AEST (16:30Z on the 5th).
      'runs the repeated 02:30 once when Sydney falls back in April',
      'cron(30 2 * * ? *)',
      'Australia/Sydney',
      '2026-04-03T00:00:00Z',
      ['2026-04-03T15:30:00Z', '2026-04-04T15:30:00Z', '2026-04-05T16:30:00Z'],
    ],
    [
      // Kolkata is UTC+05:30 all year: 09:00 IST is 03:30Z.
      'applies a half-hour offset',
      'cron(0 9 * * ? *)',
      'Asia/Kolkata',
      '2026-01-01T00:00:00Z',
      ['2026-01-01T03:30:00Z', '2026-01-02T03:30:00Z'],
    ],
  ])('%s', (_name, expression, timezone, from, expected) => {
    expect(nextOf(expression, timezone, from, expected.length)).toEqual(expected);
  });
});

describe('Schedule.previous', () => {
  it.each([
    [
      // Before 2026-03-09 02:30 EDT: March 8 has no 02:30, so the previous run is March 7
      // 02:30 EST = 07:30Z.
      'skips the missing spring-forward time going back',
      'cron(30 2 * * ? *)',
      'America/New_York',
      '2026-03-09T06:30:00Z',
      '2026-03-07T07:30:00Z',
    ],
    [
      // 06:15Z on 2026-11-01 is 01:15 EST, the second pass through 01:xx. 01:45 ran at its
      // first occurrence, 01:45 EDT = 05:45Z, which is earlier: that is the previous run even
      // though its wall time is later than the bound's.
      'finds a repeated time that ran before a bound in the second pass',
      'cron(45 1 * * ? *)',
      'America/New_York',
      '2026-11-01T06:15:00Z',
      '2026-11-01T05:45:00Z',
    ],
    [
      'returns the run just before the bound',
      'cron(1/10 * * * ? *)',
      'UTC',
      '2026-01-01T10:11:00Z',
      '2026-01-01T10:01:00Z',
    ],
    [
      // The last fifth Monday before 2026-03-30 is 2025-12-29 (Dec 1 2025 is a Monday).
      'steps back over months without a fifth Monday',
      'cron(0 9 ? * 2#5 *)',
      'UTC',
      '2026-03-30T09:00:00Z',
      '2025-12-29T09:00:00Z',
    ],
  ])('%s', (_name, expression, timezone, before, expected) => {
    const schedule = parseSchedule({ expression, timezone });

    expect(formatUtc(schedule.previous(utc(before)) as Date)).toBe(expected);
  });

  it('returns undefined before the first year', () => {
    const schedule = parseSchedule({ expression: 'cron(0 0 1 1 ? *)' });

    expect(schedule.previous(utc('1970-01-01T00:00:00Z'))).toBeUndefined();
  });
});

describe('StartDate and EndDate', () => {
  const schedule = parseSchedule({
    expression: 'cron(0 12 * * ? *)',
    start: utc('2026-01-02T12:00:00Z'),
    end: utc('2026-01-04T12:00:00Z'),
  });

  it('runs at StartDate itself and stops before EndDate', () => {
    expect(schedule.nextN(utc('2026-01-01T00:00:00Z'), 5).map(formatUtc)).toEqual([
      '2026-01-02T12:00:00Z',
      '2026-01-03T12:00:00Z',
    ]);
  });

  it('finds no previous run before StartDate', () => {
    expect(schedule.previous(utc('2026-01-02T12:00:00Z'))).toBeUndefined();
    expect(formatUtc(schedule.previous(utc('2030-01-01T00:00:00Z')) as Date)).toBe(
      '2026-01-03T12:00:00Z',
    );
  });

  it('lists between() inside the window only', () => {
    expect(
      schedule.between(utc('2026-01-03T12:00:00Z'), utc('2027-01-01T00:00:00Z')).map(formatUtc),
    ).toEqual(['2026-01-03T12:00:00Z']);
  });
});

describe('Schedule.minIntervalSeconds', () => {
  it.each([
    ['cron(0/30 * * * ? *)', 'UTC', 1800],
    ['cron(* * * * ? *)', 'America/New_York', 60],
    ['cron(0 12 ? * MON-FRI *)', 'UTC', 86_400],
    // 01:00 and 03:00 are two hours apart, except on 2026-03-08 in New York, when 01:00 EST
    // (06:00Z) and 03:00 EDT (07:00Z) are one hour apart.
    ['cron(0 1,3 * * ? *)', 'America/New_York', 3600],
    // Runs every four years: the measurement goes on past one year to the second run.
    ['cron(0 0 29 2 ? *)', 'UTC', (365 * 3 + 366) * 86_400],
    ['rate(5 minutes)', 'UTC', 300],
    ['rate(1 day)', 'Europe/London', 86_400],
  ])('gives %s in %s a shortest gap of %i s', (expression, timezone, seconds) => {
    const schedule = parseSchedule({ expression, timezone });

    expect(schedule.minIntervalSeconds(utc('2026-01-01T00:00:00Z'))).toBe(seconds);
  });

  it.each([['at(2026-06-01T12:00:00)'], ['cron(0 0 1 1 ? 2020)'], ['cron(0 0 1 1 ? 2026)']])(
    'is undefined for %s, which runs fewer than twice',
    (expression) => {
      const schedule = parseSchedule({ expression });

      expect(schedule.minIntervalSeconds(utc('2026-01-01T00:00:00Z'))).toBeUndefined();
    },
  );
});
