import { Duration, Errors, Token } from 'aws-cdk-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { JobSchedule } from '../../cdk/job-schedule.ts';

describe('JobSchedule.expression', () => {
  it('keeps the expression and reads it in UTC unless told otherwise', () => {
    // WHEN
    const schedule = JobSchedule.expression('cron(0 12 ? * 2 *)');
    const zoned = JobSchedule.expression('cron(30 2 * * ? *)', { timezone: 'America/New_York' });

    // THEN
    expect(schedule).toMatchObject({ expression: 'cron(0 12 ? * 2 *)', timezone: 'UTC' });
    expect(zoned).toMatchObject({ expression: 'cron(30 2 * * ? *)', timezone: 'America/New_York' });
  });
});

describe('JobSchedule.cron', () => {
  it.each([
    [{ minute: 30, hour: 2 }, 'cron(30 2 * * ? *)'],
    [{ minute: 0, hour: 12, weekDay: 'MON-FRI' }, 'cron(0 12 ? * MON-FRI *)'],
    [
      { minute: '15', hour: '10', weekDay: '6L', year: '2026-2027' },
      'cron(15 10 ? * 6L 2026-2027)',
    ],
    [{ minute: 0, hour: 0, day: 'L', month: 2 }, 'cron(0 0 L 2 ? *)'],
    [{ minute: '1/10' }, 'cron(1/10 * * * ? *)'],
    [{}, 'cron(* * * * ? *)'],
  ])('writes %j as %s', (fields, expected) => {
    expect(JobSchedule.cron(fields).expression).toBe(expected);
  });

  it('carries the zone of the fields', () => {
    const schedule = JobSchedule.cron({ minute: 0, hour: 9, timezone: 'Europe/Berlin' });

    expect(schedule.timezone).toBe('Europe/Berlin');
  });

  it('refuses both a day of the month and a day of the week', () => {
    expect(() => JobSchedule.cron({ day: 1, weekDay: 'MON' })).toThrow(
      '`day` must be left out when `weekDay` is given, got: 1',
    );
  });
});

describe('JobSchedule.rate', () => {
  it.each([
    [Duration.minutes(1), 'rate(1 minute)'],
    [Duration.minutes(5), 'rate(5 minutes)'],
    [Duration.seconds(120), 'rate(2 minutes)'],
    [Duration.minutes(90), 'rate(90 minutes)'],
    [Duration.minutes(60), 'rate(1 hour)'],
    [Duration.hours(2), 'rate(2 hours)'],
    [Duration.hours(36), 'rate(36 hours)'],
    [Duration.hours(48), 'rate(2 days)'],
    [Duration.days(1), 'rate(1 day)'],
  ])('writes %s in the largest exact unit', (duration, expected) => {
    const schedule = JobSchedule.rate(duration);

    expect(schedule).toMatchObject({ expression: expected, timezone: 'UTC' });
  });

  it.each([
    Duration.seconds(30),
    Duration.seconds(90),
    Duration.millis(60_500),
    Duration.minutes(0),
  ])('refuses %s, which is no whole number of minutes', (duration) => {
    expect(() => JobSchedule.rate(duration)).toThrow(
      /^`duration` must be a whole number of minutes, at least 1, got: /,
    );
  });

  it('leaves a token duration to deploy time', () => {
    const schedule = JobSchedule.rate(Duration.minutes(Token.asNumber({ Ref: 'Minutes' })));

    expect(Token.isUnresolved(schedule.expression)).toBe(true);
  });
});

describe('JobSchedule.at', () => {
  const originalZone = process.env.TZ;
  afterEach(() => {
    process.env.TZ = originalZone;
  });

  it.each(['UTC', 'Australia/Sydney', 'America/Los_Angeles', 'Pacific/Kiritimati'])(
    'writes the wall-clock parts as given while the process runs in %s',
    (processZone) => {
      // GIVEN
      process.env.TZ = processZone;

      // WHEN
      const schedule = JobSchedule.at(
        { year: 2026, month: 3, day: 8, hour: 2, minute: 30 },
        'America/New_York',
      );

      // THEN
      expect(schedule).toMatchObject({
        expression: 'at(2026-03-08T02:30:00)',
        timezone: 'America/New_York',
      });
    },
  );

  it('pads every part and keeps the seconds', () => {
    const schedule = JobSchedule.at(
      { year: 2027, month: 1, day: 2, hour: 3, minute: 4, second: 5 },
      'UTC',
    );

    expect(schedule.expression).toBe('at(2027-01-02T03:04:05)');
  });

  it.each([
    [
      { year: 2026, month: 13, day: 1, hour: 0, minute: 0 },
      '`wallClock.month` must be an integer from 1 to 12, got: 13',
    ],
    [
      { year: 2026, month: 2, day: 29, hour: 0, minute: 0 },
      '`wallClock.day` must be an integer from 1 to 28, got: 29',
    ],
    [
      { year: 2028, month: 2, day: 30, hour: 0, minute: 0 },
      '`wallClock.day` must be an integer from 1 to 29, got: 30',
    ],
    [
      { year: 2026, month: 1, day: 1, hour: 24, minute: 0 },
      '`wallClock.hour` must be an integer from 0 to 23, got: 24',
    ],
    [
      { year: 2026, month: 1, day: 1, hour: 0, minute: 1.5 },
      '`wallClock.minute` must be an integer from 0 to 59, got: 1.5',
    ],
    [
      { year: 1969, month: 1, day: 1, hour: 0, minute: 0 },
      '`wallClock.year` must be an integer from 1970 to 2199, got: 1969',
    ],
  ])('refuses %j', (wallClock, message) => {
    let thrown: unknown;
    try {
      JobSchedule.at(wallClock, 'UTC');
    } catch (error) {
      thrown = error;
    }

    expect(Errors.isValidationError(thrown)).toBe(true);
    expect((thrown as Error).message).toBe(message);
  });
});
