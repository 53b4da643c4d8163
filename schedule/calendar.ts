/*
 * Proleptic Gregorian calendar arithmetic on plain numbers. The engine never builds a Date
 * to learn a weekday or a month length, so the machine's own zone cannot leak in, and the hot
 * loops allocate nothing.
 */

export const SECONDS_PER_DAY = 86_400;

/** Days since 1970-01-01 for a civil date (month 1-12). Exact for any year. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shiftedMonth = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** The inverse of daysFromCivil. */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Weekday in EventBridge numbering: 1 = Sunday ... 7 = Saturday. 1970-01-01 was a Thursday. */
export function weekdayOfDays(days: number): number {
  return ((((days + 4) % 7) + 7) % 7) + 1;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_LENGTHS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

export function daysInMonth(year: number, month: number): number {
  if (month === 2 && isLeapYear(year)) return 29;
  return MONTH_LENGTHS[month - 1] ?? 31;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/**
 * Wall-clock seconds (seconds since 1970-01-01T00:00 on the local calendar) as
 * 'YYYY-MM-DDTHH:MM'.
 */
export function formatWallMinute(wallSeconds: number): string {
  const days = Math.floor(wallSeconds / SECONDS_PER_DAY);
  const secondOfDay = wallSeconds - days * SECONDS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay % 3600) / 60);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}`;
}

/** An instant as 'YYYY-MM-DDTHH:MM:SSZ', the form Scheduler uses for `scheduled-time`. */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Reads an ISO 8601 instant: a date, a time to the minute, second or millisecond, and `Z` or
 * an offset. Undefined for anything else, a date the calendar lacks (February 30) included,
 * where `Date.parse` would roll over into the next month or read a zone-less time locally.
 */
export function parseIsoInstant(text: string): Date | undefined {
  const match = ISO_INSTANT.exec(text);
  if (!match) return undefined;
  // Seconds and the offset may be absent (Z); the rest is there whenever the pattern matched.
  const [
    year = 0,
    month = 0,
    day = 0,
    hour = 0,
    minute = 0,
    second = 0,
    offsetHours = 0,
    offsetMinutes = 0,
  ] = match.slice(1).map((part) => (part === undefined ? undefined : Number(part)));
  const valid =
    isCalendarTime(year, month, day, hour, minute, second) &&
    offsetHours <= 23 &&
    offsetMinutes <= 59;
  return valid ? new Date(text) : undefined;
}

/** Whether the date exists in the calendar and the time of day on a clock (no leap second). */
export function isCalendarTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): boolean {
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59
  );
}
