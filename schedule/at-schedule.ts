import { daysFromCivil, isCalendarTime, SECONDS_PER_DAY } from './calendar.ts';
import { FIRST_YEAR, LAST_YEAR } from './cron-fields.ts';
import { ScheduleError } from './errors.ts';
import { checkCount, millisOf } from './instants.ts';
import type { TimeZone } from './time-zone.ts';
import type { Schedule } from './types.ts';

/**
 * Reads the inside of `at(...)`, a wall-clock time in the schedule's zone, into its UTC
 * instant in milliseconds.
 */
export function parseAt(body: string, expression: string, zone: TimeZone): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!match) {
    throw new ScheduleError(
      `\`at\` must be at(yyyy-mm-ddThh:mm:ss) with seconds and without an offset or Z (the ` +
        `zone is the schedule's), got: ${expression}`,
      { field: 'at', input: expression },
    );
  }
  // The pattern matched, so every part is there; the defaults only satisfy the type checker.
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match
    .slice(1)
    .map(Number);
  if (year < FIRST_YEAR || year > LAST_YEAR) {
    throw new ScheduleError(
      `\`at\` must name a year from ${FIRST_YEAR} to ${LAST_YEAR}, as cron's year field does, ` +
        `got: ${year} (in ${expression})`,
      { field: 'at', input: expression },
    );
  }
  if (!isCalendarTime(year, month, day, hour, minute, second)) {
    throw new ScheduleError(
      `\`at\` must name a real calendar date and time, got: ${body} (in ${expression})`,
      {
        field: 'at',
        input: expression,
      },
    );
  }
  const wall =
    daysFromCivil(year as number, month as number, day as number) * SECONDS_PER_DAY +
    (hour as number) * 3600 +
    (minute as number) * 60 +
    (second as number);
  const utc = zone.wallToUtc(wall);
  // Scheduler's documentation does not say what a one-time schedule in a spring-forward gap
  // does; refusing it is safer than guessing an instant the user never wrote.
  if (utc === undefined) {
    throw new ScheduleError(
      `\`at\` must name a local time that exists in ${zone.name}, got: ${body}, which daylight ` +
        `saving time skips (in ${expression})`,
      { field: 'at', input: expression },
    );
  }
  return utc * 1000;
}

/** A one-time schedule: one run at a fixed instant; StartDate and EndDate do not apply. */
export class AtSchedule implements Schedule {
  readonly kind = 'at' as const;
  readonly expression: string;
  readonly timezone: string;
  private readonly atMs: number;

  constructor(expression: string, timezone: string, atMs: number) {
    this.expression = expression;
    this.timezone = timezone;
    this.atMs = atMs;
  }

  next(after: Date): Date | undefined {
    return this.atMs > millisOf(after, 'after') ? new Date(this.atMs) : undefined;
  }

  nextN(after: Date, count: number): Date[] {
    checkCount(count);
    const next = this.next(after);
    return next !== undefined && count > 0 ? [next] : [];
  }

  between(from: Date, until: Date): Date[] {
    const inside = this.atMs >= millisOf(from, 'from') && this.atMs < millisOf(until, 'until');
    return inside ? [new Date(this.atMs)] : [];
  }

  previous(before: Date): Date | undefined {
    return this.atMs < millisOf(before, 'before') ? new Date(this.atMs) : undefined;
  }

  minIntervalSeconds(): number | undefined {
    return undefined;
  }
}
