import { describe, expect, it } from 'vitest';
import { parseSchedule, ScheduleError, type ScheduleSpec } from '../../schedule/index.ts';

function refusalOf(spec: ScheduleSpec): ScheduleError {
  try {
    parseSchedule(spec);
  } catch (error) {
    if (error instanceof ScheduleError) return error;
    throw error;
  }
  throw new Error(`expected ${spec.expression} to be refused`);
}

describe('parseSchedule refuses cron expressions', () => {
  it.each([
    ['cron(60 * * * ? *)', 'minutes', /`minutes` must be 0-59, got: 60 \(in cron\(60/],
    ['cron(0 24 * * ? *)', 'hours', /`hours` must be 0-23, got: 24/],
    ['cron(0 0 32 * ? *)', 'day-of-month', /`day-of-month` must be 1-31.*got: 32/],
    ['cron(0 0 0 * ? *)', 'day-of-month', /`day-of-month` must be 1-31.*got: 0/],
    ['cron(0 0 1 13 ? *)', 'month', /`month` must be 1-12 or JAN-DEC, got: 13/],
    ['cron(0 0 1 FOO ? *)', 'month', /`month` must be 1-12 or JAN-DEC, got: FOO/],
    [
      'cron(0 0 ? * 8 *)',
      'day-of-week',
      /`day-of-week` must be 1-7 or SUN-SAT with 1 = Sunday, got: 8/,
    ],
    ['cron(0 0 ? * 0-6 *)', 'day-of-week', /1 = Sunday, got: 0-6/],
    ['cron(0 0 1 1 ? 1969)', 'year', /`year` must be 1970-2199, got: 1969/],
    ['cron(0 0 1 1 ? 2200)', 'year', /`year` must be 1970-2199, got: 2200/],
    ['cron(0 0 ? * 2#1,3 *)', 'day-of-week', /single `#` term/],
    ['cron(0 0 ? * 3#1,6#3 *)', 'day-of-week', /single `#` term/],
    ['cron(0 0 ? * 2#0 *)', 'day-of-week', /1-5 after `#`/],
    ['cron(0 0 ? * */2 *)', 'day-of-week', /must not use `\/`/],
    ['cron(0 0 ? * 2L,3 *)', 'day-of-week', /`L` alone or after one weekday/],
    ['cron(0 0 L,15 * ? *)', 'day-of-month', /`L` or `W` alone/],
    ['cron(0 0 1-15W * ? *)', 'day-of-month', /`L` or `W` alone/],
    ['cron(0 0 32W * ? *)', 'day-of-month', /must be 1-31/],
    ['cron(0 0 20-10 * ? *)', 'day-of-month', /low <= high.*got: 20-10/],
    ['cron(? 0 1 * ? *)', 'minutes', /`minutes` must not be `\?`/],
    ['cron(0/0 * * * ? *)', 'minutes', /step by a whole number 1-59.*got: 0\/0/],
    ['cron(0/60 * * * ? *)', 'minutes', /step by a whole number 1-59/],
    ['cron(1,,2 * * * ? *)', 'minutes', /`minutes` must be 0-59, got: 1,,2/],
    ['cron(0 0 0 * * ? *)', 'expression', /six fields.*got 7/],
    ['cron(0 0 * ?)', 'expression', /six fields.*got 4/],
    ['every(5 minutes)', 'expression', /cron\(\.\.\.\), rate\(\.\.\.\) or at\(\.\.\.\)/],
    ['0 12 * * ? *', 'expression', /cron\(\.\.\.\), rate\(\.\.\.\) or at\(\.\.\.\)/],
    [' cron(0 12 * * ? *)', 'expression', /must not begin or end with white space/],
    ['rate(5 minutes)\n', 'expression', /must not begin or end with white space/],
  ])('refuses %s naming %s', (expression, field, message) => {
    const error = refusalOf({ expression });

    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });
});

describe('parseSchedule explains five-field Unix crons', () => {
  it.each([
    // Both day fields set: Unix runs on either; EventBridge cannot say that in one schedule.
    ['cron(0 0 13 * 5)', /cannot express both.*cron\(0 0 13 \* \? \*\) and cron\(0 0 \? \* 6 \*\)/],
    // Unix 1-5 (Monday-Friday) is EventBridge 2-6.
    ['cron(0 9 * * 1-5)', /did you mean cron\(0 9 \? \* 2-6 \*\)\?/],
    // Unix 0 and 7 are both Sunday, EventBridge 1.
    ['cron(0 9 * * 0)', /did you mean cron\(0 9 \? \* 1 \*\)\?/],
    ['cron(0 9 * * 7)', /did you mean cron\(0 9 \? \* 1 \*\)\?/],
    // Friday-Sunday: 5, 6, 7 -> 6, 7, 1.
    ['cron(0 9 * * 5-7)', /did you mean cron\(0 9 \? \* 1,6,7 \*\)\?/],
    ['cron(0 9 * * MON-FRI)', /did you mean cron\(0 9 \? \* 2-6 \*\)\?/],
    ['cron(*/5 * * * *)', /did you mean cron\(\*\/5 \* \* \* \? \*\)\?/],
    ['cron(0 9 1 * *)', /did you mean cron\(0 9 1 \* \? \*\)\?/],
  ])('suggests the six-field form for %s', (expression, message) => {
    const error = refusalOf({ expression });

    expect(error.field).toBe('expression');
    expect(error.message).toMatch(/not an EventBridge expression/);
    expect(error.message).toMatch(message);
  });
});

describe('parseSchedule refuses rate and at expressions', () => {
  it.each([
    ['rate(5)', 'rate', /whole number and a unit/],
    ['rate(five minutes)', 'rate', /positive whole number.*got: five/],
    ['rate(+5 minutes)', 'rate', /positive whole number.*got: \+5/],
    ['rate(1 hours)', 'rate', /singular unit for 1.*rate\(1 hour\)/],
    ['rate(2 day)', 'rate', /plural unit above 1.*rate\(2 days\)/],
    ['rate(1 week)', 'rate', /minute, hour or day.*got: week/],
    ['rate(30 seconds)', 'rate', /minute, hour or day.*got: seconds/],
    ['at(2026-02-29T00:00:00)', 'at', /real calendar date.*2026-02-29T00:00:00/],
    ['at(2026-06-01T24:00:00)', 'at', /real calendar date/],
    ['at(2026-06-01T12:00:00Z)', 'at', /without an offset or Z/],
    ['at(2026-06-01T12:00:00+02:00)', 'at', /without an offset or Z/],
    ['at(2026-6-1T12:00:00)', 'at', /yyyy-mm-ddThh:mm:ss/],
    // 9 followed by 400 nines: a whole number, but no interval anything can count in.
    [`rate(${'9'.repeat(400)} days)`, 'rate', /at most 9007199254740991 seconds long/],
    // 104,249,991,375 days are 9,007,199,254,800,000 s, past 2^53 - 1; one day less is not.
    ['rate(104249991375 days)', 'rate', /at most 9007199254740991 seconds long/],
    ['at(0050-06-01T00:00:00)', 'at', /year from 1970 to 2199.*got: 50 /],
    ['at(2200-01-01T00:00:00)', 'at', /year from 1970 to 2199.*got: 2200 /],
  ])('refuses %s naming %s', (expression, field, message) => {
    const error = refusalOf({ expression });

    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('refuses an at() time that spring forward skips', () => {
    // New York has no 02:30 on 2026-03-08.
    const error = refusalOf({
      expression: 'at(2026-03-08T02:30:00)',
      timezone: 'America/New_York',
    });

    expect(error.field).toBe('at');
    expect(error.message).toMatch(/exists in America\/New_York.*daylight saving time skips/);
  });
});

describe('parseSchedule refuses zones and windows', () => {
  it.each([['+02:00'], [''], ['America/Nowhere'], ['Mars/Olympus_Mons']])(
    'refuses the zone "%s"',
    (timezone) => {
      const error = refusalOf({ expression: 'cron(0 12 * * ? *)', timezone });

      expect(error.field).toBe('timezone');
      expect(error.message).toMatch(/`timezone` must be an IANA time zone name/);
    },
  );

  it.each([
    ['america/new_york', 'America/New_York'],
    ['utc', 'UTC'],
    ['EUROPE/LONDON', 'Europe/London'],
    // Links Intl resolves to another name: the rule of capitals still catches their case.
    ['us/eastern', 'each part beginning with a capital letter'],
    ['zulu', 'each part beginning with a capital letter'],
  ])('refuses the zone %s, asking for the spelling %s', (timezone, spelling) => {
    const error = refusalOf({ expression: 'cron(0 12 * * ? *)', timezone });

    expect(error.field).toBe('timezone');
    expect(error.message).toBe(
      `\`timezone\` must be spelled as the IANA database spells it, ${spelling}, got: ${timezone}`,
    );
  });

  it.each([
    ['2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z'],
    ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'],
  ])('refuses StartDate %s with EndDate %s', (start, end) => {
    const error = refusalOf({
      expression: 'rate(1 hour)',
      start: new Date(start),
      end: new Date(end),
    });

    expect(error.field).toBe('start');
    expect(error.message).toMatch(/`start` must be before `end`/);
  });

  it('refuses an invalid Date as EndDate', () => {
    const error = refusalOf({ expression: 'rate(1 hour)', end: new Date('nope') });

    expect(error.field).toBe('end');
  });

  it('sets name and keeps the input', () => {
    const error = refusalOf({ expression: 'cron(0 12 ? * 0 *)' });

    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ScheduleError');
    expect(error.input).toBe('0');
  });
});
