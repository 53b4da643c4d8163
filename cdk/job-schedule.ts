import type { Duration } from 'aws-cdk-lib';
import { invalidArgument } from './errors.ts';

/** Options of a schedule given as an expression. */
export interface JobScheduleOptions {
  /**
   * The IANA zone in which EventBridge Scheduler reads a `cron(...)` or `at(...)` expression.
   * A `rate(...)` ignores it.
   *
   * @default 'UTC'
   */
  readonly timezone?: string;
}

/**
 * The six fields of an EventBridge Scheduler cron expression. Each field takes the
 * expression syntax as a string (`'1-5'`, `'MON'`, `'L'`, `'5#3'`) or a number.
 *
 * Absent fields follow the convention of aws-cdk-lib's `ScheduleExpression.cron`: `'*'`,
 * except that the day field left out becomes `'?'`, and `day` becomes `'?'` when only
 * `weekDay` is given. Note that a missing `minute` therefore means every minute.
 */
export interface CronFields {
  /**
   * Minutes, 0-59.
   *
   * @default '*'
   */
  readonly minute?: string | number;
  /**
   * Hours, 0-23.
   *
   * @default '*'
   */
  readonly hour?: string | number;
  /**
   * Day of the month, 1-31. Give at most one of `day` and `weekDay`.
   *
   * @default - '?' when `weekDay` is given, otherwise '*'
   */
  readonly day?: string | number;
  /**
   * Month, 1-12 or JAN-DEC.
   *
   * @default '*'
   */
  readonly month?: string | number;
  /**
   * Day of the week, 1-7 with 1 = Sunday, or SUN-SAT. Give at most one of `day` and `weekDay`.
   *
   * @default '?'
   */
  readonly weekDay?: string | number;
  /**
   * Year, 1970-2199.
   *
   * @default '*'
   */
  readonly year?: string | number;
  /**
   * The IANA zone in which the fields are read.
   *
   * @default 'UTC'
   */
  readonly timezone?: string;
}

/** A wall-clock time, read in the zone given beside it. */
export interface WallClock {
  readonly year: number;
  /** 1-12. */
  readonly month: number;
  /** 1-31, and a day that the month has. */
  readonly day: number;
  /** 0-23. */
  readonly hour: number;
  /** 0-59. */
  readonly minute: number;
  /**
   * 0-59.
   *
   * @default 0
   */
  readonly second?: number;
}

const MINUTE_MS = 60_000;
const RATE_UNITS = [
  { unit: 'day', minutes: 1440 },
  { unit: 'hour', minutes: 60 },
  { unit: 'minute', minutes: 1 },
] as const;

/**
 * When a job runs: an EventBridge Scheduler expression and the zone it is read in.
 *
 * The factories build the expression from their arguments alone, never from the zone of the
 * machine that synthesizes. They check only what the expression text could not hold (a rate
 * that is no whole number of minutes, a wall-clock part out of range); the `ScheduledJob`
 * that uses the schedule checks the expression itself, so the error names the job.
 */
export class JobSchedule {
  /**
   * A `cron(...)`, `rate(...)` or `at(...)` expression as EventBridge Scheduler reads it.
   */
  static expression(expression: string, options: JobScheduleOptions = {}): JobSchedule {
    return new JobSchedule(expression, options.timezone ?? 'UTC');
  }

  /** A cron expression from its fields; see `CronFields` for the defaults. */
  static cron(fields: CronFields): JobSchedule {
    if (fields.day !== undefined && fields.weekDay !== undefined) {
      throw invalidArgument('day', 'be left out when `weekDay` is given', fields.day);
    }
    const day = fields.day ?? (fields.weekDay === undefined ? '*' : '?');
    const parts = [
      fields.minute,
      fields.hour,
      day,
      fields.month,
      fields.weekDay ?? '?',
      fields.year,
    ];
    const text = parts.map((part) => String(part ?? '*')).join(' ');
    return new JobSchedule(`cron(${text})`, fields.timezone ?? 'UTC');
  }

  /**
   * A rate in the largest unit that divides the duration exactly: `Duration.hours(2)` gives
   * `rate(2 hours)`, `Duration.minutes(90)` gives `rate(90 minutes)`. A rate runs every
   * interval from the schedule's start regardless of zone, so its zone is UTC.
   */
  static rate(duration: Duration): JobSchedule {
    if (duration.isUnresolved()) {
      return new JobSchedule(`rate(${duration.formatTokenToNumber()})`, 'UTC');
    }
    const milliseconds = duration.toMilliseconds();
    if (milliseconds < MINUTE_MS || milliseconds % MINUTE_MS !== 0) {
      throw invalidArgument('duration', 'be a whole number of minutes, at least 1', duration);
    }
    const minutes = milliseconds / MINUTE_MS;
    const { unit, minutes: size } =
      RATE_UNITS.find((u) => minutes % u.minutes === 0) ?? RATE_UNITS[2];
    const value = minutes / size;
    return new JobSchedule(`rate(${value} ${unit}${value === 1 ? '' : 's'})`, 'UTC');
  }

  /**
   * A one-time schedule at a wall-clock time in `timezone`. The expression is written from
   * the parts as given (`at(2026-06-01T12:00:00)`), unlike aws-cdk-lib's
   * `ScheduleExpression.at`, whose digits come from a `Date` read in the machine's zone.
   */
  static at(wallClock: WallClock, timezone: string): JobSchedule {
    const { year, month, day, hour, minute, second = 0 } = wallClock;
    checkPart('year', year, 1970, 2199);
    checkPart('month', month, 1, 12);
    checkPart('day', day, 1, daysInMonth(year, month));
    checkPart('hour', hour, 0, 23);
    checkPart('minute', minute, 0, 59);
    checkPart('second', second, 0, 59);

    const date = `${year}-${pad(month)}-${pad(day)}`;
    const time = `${pad(hour)}:${pad(minute)}:${pad(second)}`;
    return new JobSchedule(`at(${date}T${time})`, timezone);
  }

  /** `cron(...)`, `rate(...)` or `at(...)`. */
  readonly expression: string;
  /** The IANA zone in which the expression is read. */
  readonly timezone: string;

  private constructor(expression: string, timezone: string) {
    this.expression = expression;
    this.timezone = timezone;
  }
}

function checkPart(name: keyof WallClock, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(`wallClock.${name}`, `be an integer from ${min} to ${max}`, value);
  }
}

function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one; UTC keeps the machine's zone out.
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
