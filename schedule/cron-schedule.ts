import {
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  formatWallMinute,
  SECONDS_PER_DAY,
  weekdayOfDays,
} from './calendar.ts';
import { type CronFields, type DayRule, FIRST_YEAR, LAST_YEAR } from './cron-fields.ts';
import { checkCount, millisOf } from './instants.ts';
import type { TimeZone } from './time-zone.ts';
import type { DstChange, Schedule } from './types.ts';

const YEAR_MS = 366 * SECONDS_PER_DAY * 1000;

/** Called with each scheduled time in order; returning false stops the walk. */
type Visit = (utcMs: number) => boolean;

/*
 * Iteration works on the local calendar: years, then months, then the days of that month the
 * day rule allows (computed once per month and cached), then hours and minutes. Each candidate
 * wall time is turned into UTC by the zone: a wall time in a spring-forward gap has no UTC
 * instant and is skipped, a repeated one maps to its first occurrence. That mapping keeps
 * order (a later wall time never maps to an earlier instant), so the first candidate past the
 * bound is the answer and a walk can stop at EndDate.
 *
 * Because whole months and days are skipped at once, an expression that never runs again
 * (`30 2`, a past year range, `2#5` in years without one) costs at most the months up to 2199.
 */
export class CronSchedule implements Schedule {
  readonly kind = 'cron' as const;
  readonly expression: string;
  readonly timezone: string;
  private readonly zone: TimeZone;
  private readonly fields: CronFields;
  private readonly startMs: number | undefined;
  private readonly endMs: number | undefined;
  private readonly monthDays = new Map<number, readonly number[]>();
  private readonly minuteSet: ReadonlySet<number>;
  private readonly hourSet: ReadonlySet<number>;
  private readonly monthSet: ReadonlySet<number>;
  private readonly yearSet: ReadonlySet<number>;

  constructor(
    expression: string,
    zone: TimeZone,
    fields: CronFields,
    startMs: number | undefined,
    endMs: number | undefined,
  ) {
    this.expression = expression;
    this.timezone = zone.name;
    this.zone = zone;
    this.fields = fields;
    this.startMs = startMs;
    this.endMs = endMs;
    this.minuteSet = new Set(fields.minutes);
    this.hourSet = new Set(fields.hours);
    this.monthSet = new Set(fields.months);
    this.yearSet = new Set(fields.years);
  }

  next(after: Date): Date | undefined {
    let found: number | undefined;
    this.walkForward(millisOf(after, 'after'), (ms) => {
      found = ms;
      return false;
    });
    return found === undefined ? undefined : new Date(found);
  }

  nextN(after: Date, count: number): Date[] {
    checkCount(count);
    const found: Date[] = [];
    if (count === 0) return found;
    this.walkForward(millisOf(after, 'after'), (ms) => found.push(new Date(ms)) < count);
    return found;
  }

  between(from: Date, until: Date): Date[] {
    const untilMs = millisOf(until, 'until');
    const found: Date[] = [];
    this.walkForward(millisOf(from, 'from') - 1, (ms) => {
      if (ms >= untilMs) return false;
      found.push(new Date(ms));
      return true;
    });
    return found;
  }

  previous(before: Date): Date | undefined {
    let found: number | undefined;
    this.walkBackward(millisOf(before, 'before'), (ms) => {
      found = ms;
      return false;
    });
    return found === undefined ? undefined : new Date(found);
  }

  minIntervalSeconds(from?: Date): number | undefined {
    const fromMs = from === undefined ? (this.startMs ?? Date.now()) : millisOf(from, 'from');
    const windowEndMs = fromMs + YEAR_MS;
    let previousMs: number | undefined;
    let shortest: number | undefined;
    // Runs are whole minutes apart, so a one-minute gap cannot be beaten and ends the walk.
    this.walkForward(fromMs - 1, (ms) => {
      if (previousMs !== undefined) {
        const gap = (ms - previousMs) / 1000;
        if (shortest === undefined || gap < shortest) shortest = gap;
        if (shortest <= 60 || ms >= windowEndMs) return false;
      }
      previousMs = ms;
      return true;
    });
    return shortest;
  }

  /**
   * Wall times the expression matches that DST skipped or ran once, at transitions in
   * [from, until).
   */
  dstChanges(from: Date, until: Date): DstChange[] {
    const fromSeconds = Math.ceil(millisOf(from, 'from') / 1000);
    const untilSeconds = Math.ceil(millisOf(until, 'until') / 1000);
    const startMs = this.startMs ?? Number.NEGATIVE_INFINITY;
    const endMs = this.endMs ?? Number.POSITIVE_INFINITY;
    const changes: DstChange[] = [];
    for (const change of this.zone.transitions(fromSeconds, untilSeconds)) {
      const { atSeconds, offsetBefore, offsetAfter } = change;
      const springsForward = offsetAfter > offsetBefore;
      // The wall times that never happened (gap) or happened twice (overlap).
      const low = atSeconds + Math.min(offsetBefore, offsetAfter);
      const high = atSeconds + Math.max(offsetBefore, offsetAfter);
      for (let wall = Math.ceil(low / 60) * 60; wall < high; wall += 60) {
        if (!this.matchesWall(wall)) continue;
        const localTime = formatWallMinute(wall);
        if (springsForward) {
          if (atSeconds * 1000 >= startMs && atSeconds * 1000 < endMs) {
            changes.push({ kind: 'skipped', localTime });
          }
        } else {
          const firstMs = (wall - offsetBefore) * 1000;
          if (firstMs >= startMs && firstMs < endMs) {
            changes.push({ kind: 'merged', localTime, utc: new Date(firstMs) });
          }
        }
      }
    }
    return changes;
  }

  private matchesWall(wallSeconds: number): boolean {
    const days = Math.floor(wallSeconds / SECONDS_PER_DAY);
    const secondOfDay = wallSeconds - days * SECONDS_PER_DAY;
    const { year, month, day } = civilFromDays(days);
    return (
      this.yearSet.has(year) &&
      this.monthSet.has(month) &&
      this.hourSet.has(Math.floor(secondOfDay / 3600)) &&
      this.minuteSet.has(Math.floor((secondOfDay % 3600) / 60)) &&
      this.daysOf(year, month).includes(day)
    );
  }

  /** Visits scheduled times strictly after `afterMs`, ascending, within StartDate/EndDate. */
  private walkForward(afterMs: number, visit: Visit): void {
    const lowerMs = this.startMs !== undefined ? Math.max(afterMs, this.startMs - 1) : afterMs;
    const endMs = this.endMs ?? Number.POSITIVE_INFINITY;
    if (!(lowerMs < endMs)) return;
    const zone = this.zone;
    const lowerSeconds = Math.floor(lowerMs / 1000);
    // Wall times before the bound's own wall clock reading map to instants before the bound
    // (see the class comment), so the search starts at that reading.
    const start = splitWall(lowerSeconds + zone.offsetAt(lowerSeconds));
    if (start.year > LAST_YEAR) return;
    if (start.year < FIRST_YEAR)
      Object.assign(start, { year: FIRST_YEAR, month: 1, day: 1, hour: 0, minute: 0 });
    const { minutes, hours, months, years } = this.fields;
    for (const year of years) {
      if (year < start.year) continue;
      const sameYear = year === start.year;
      for (const month of months) {
        if (sameYear && month < start.month) continue;
        const sameMonth = sameYear && month === start.month;
        const dayBase = daysFromCivil(year, month, 1) - 1;
        for (const day of this.daysOf(year, month)) {
          if (sameMonth && day < start.day) continue;
          const sameDay = sameMonth && day === start.day;
          const daySeconds = (dayBase + day) * SECONDS_PER_DAY;
          for (const hour of hours) {
            if (sameDay && hour < start.hour) continue;
            const sameHour = sameDay && hour === start.hour;
            const hourSeconds = daySeconds + hour * 3600;
            for (const minute of minutes) {
              if (sameHour && minute < start.minute) continue;
              const utc = zone.wallToUtc(hourSeconds + minute * 60);
              if (utc === undefined) continue;
              const ms = utc * 1000;
              if (ms <= lowerMs) continue;
              if (ms >= endMs || !visit(ms)) return;
            }
          }
        }
      }
    }
  }

  /** Visits scheduled times strictly before `beforeMs`, descending, within StartDate/EndDate. */
  private walkBackward(beforeMs: number, visit: Visit): void {
    const upperMs = this.endMs !== undefined ? Math.min(beforeMs, this.endMs) : beforeMs;
    const startMs = this.startMs ?? Number.NEGATIVE_INFINITY;
    if (!(upperMs > startMs)) return;
    const zone = this.zone;
    const upperSeconds = Math.ceil(upperMs / 1000);
    // Just after a fall back the wall clock reads earlier than it did an hour before, and
    // those later wall times ran (first occurrence) before the bound: start from the highest
    // reading of the last day.
    const offset = Math.max(
      zone.offsetAt(upperSeconds),
      zone.offsetAt(upperSeconds - SECONDS_PER_DAY),
    );
    const start = splitWall(upperSeconds + offset);
    if (start.year < FIRST_YEAR) return;
    if (start.year > LAST_YEAR)
      Object.assign(start, { year: LAST_YEAR, month: 12, day: 31, hour: 23, minute: 59 });
    const { minutes, hours, months, years } = this.fields;
    for (let y = years.length - 1; y >= 0; y--) {
      const year = years[y] as number;
      if (year > start.year) continue;
      const sameYear = year === start.year;
      for (let m = months.length - 1; m >= 0; m--) {
        const month = months[m] as number;
        if (sameYear && month > start.month) continue;
        const sameMonth = sameYear && month === start.month;
        const dayBase = daysFromCivil(year, month, 1) - 1;
        const days = this.daysOf(year, month);
        for (let d = days.length - 1; d >= 0; d--) {
          const day = days[d] as number;
          if (sameMonth && day > start.day) continue;
          const sameDay = sameMonth && day === start.day;
          const daySeconds = (dayBase + day) * SECONDS_PER_DAY;
          for (let h = hours.length - 1; h >= 0; h--) {
            const hour = hours[h] as number;
            if (sameDay && hour > start.hour) continue;
            const sameHour = sameDay && hour === start.hour;
            const hourSeconds = daySeconds + hour * 3600;
            for (let i = minutes.length - 1; i >= 0; i--) {
              const minute = minutes[i] as number;
              if (sameHour && minute > start.minute) continue;
              const utc = zone.wallToUtc(hourSeconds + minute * 60);
              if (utc === undefined) continue;
              const ms = utc * 1000;
              if (ms >= upperMs) continue;
              if (ms < startMs || !visit(ms)) return;
            }
          }
        }
      }
    }
  }

  /** The days of a month the day rule allows, ascending; cached per month. */
  private daysOf(year: number, month: number): readonly number[] {
    const key = year * 16 + month;
    let days = this.monthDays.get(key);
    if (days === undefined) {
      days = matchingDays(this.fields.days, year, month);
      this.monthDays.set(key, days);
    }
    return days;
  }
}

interface WallParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

function splitWall(wallSeconds: number): WallParts {
  const days = Math.floor(wallSeconds / SECONDS_PER_DAY);
  const minuteOfDay = Math.floor((wallSeconds - days * SECONDS_PER_DAY) / 60);
  const { year, month, day } = civilFromDays(days);
  return { year, month, day, hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60 };
}

function matchingDays(rule: DayRule, year: number, month: number): number[] {
  const length = daysInMonth(year, month);
  const firstWeekday = weekdayOfDays(daysFromCivil(year, month, 1));
  const weekdayOf = (day: number): number => ((firstWeekday - 1 + day - 1) % 7) + 1;
  const SUNDAY = 1;
  const SATURDAY = 7;
  switch (rule.kind) {
    case 'days-of-month': {
      const days: number[] = [];
      for (let day = 1; day <= length; day++) if (rule.days[day]) days.push(day);
      return days;
    }
    case 'last-day-of-month':
      return [length];
    case 'last-weekday-of-month': {
      const weekday = weekdayOf(length);
      if (weekday === SATURDAY) return [length - 1];
      return [weekday === SUNDAY ? length - 2 : length];
    }
    case 'nearest-weekday': {
      // A day past the month's end (31W in April) has no nearest weekday in that month.
      if (rule.day > length) return [];
      const weekday = weekdayOf(rule.day);
      // The nearest weekday never crosses into another month: 1W on a Saturday is Monday the
      // 3rd, and the last day on a Sunday moves back to Friday.
      if (weekday === SATURDAY) return [rule.day === 1 ? 3 : rule.day - 1];
      if (weekday === SUNDAY) return [rule.day === length ? rule.day - 2 : rule.day + 1];
      return [rule.day];
    }
    case 'days-of-week': {
      const days: number[] = [];
      for (let day = 1; day <= length; day++) if (rule.weekdays[weekdayOf(day)]) days.push(day);
      return days;
    }
    case 'last-weekday':
      return [length - ((weekdayOf(length) - rule.weekday + 7) % 7)];
    case 'nth-weekday': {
      const day = 1 + ((rule.weekday - firstWeekday + 7) % 7) + 7 * (rule.nth - 1);
      return day <= length ? [day] : [];
    }
  }
}
