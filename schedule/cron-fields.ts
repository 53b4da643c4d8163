import { ScheduleError, type ScheduleField } from './errors.ts';

/** Which days of a month a cron expression runs on, as read from its two day fields. */
export type DayRule =
  /** day-of-month values; index 1-31 */
  | { readonly kind: 'days-of-month'; readonly days: readonly boolean[] }
  /** `L` in day-of-month */
  | { readonly kind: 'last-day-of-month' }
  /** `LW` in day-of-month */
  | { readonly kind: 'last-weekday-of-month' }
  /** `15W`: the Monday-Friday nearest the 15th, never leaving the month */
  | { readonly kind: 'nearest-weekday'; readonly day: number }
  /** day-of-week values; index 1-7, 1 = Sunday */
  | { readonly kind: 'days-of-week'; readonly weekdays: readonly boolean[] }
  /** `6L`: the last Friday of the month */
  | { readonly kind: 'last-weekday'; readonly weekday: number }
  /** `2#5`: the fifth Monday of the month, when there is one */
  | { readonly kind: 'nth-weekday'; readonly weekday: number; readonly nth: number };

export interface CronFields {
  /** Sorted, without repeats. */
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly months: readonly number[];
  readonly years: readonly number[];
  readonly days: DayRule;
}

interface FieldRange {
  readonly field: ScheduleField;
  readonly min: number;
  readonly max: number;
  readonly rule: string;
  readonly names?: readonly string[];
}

const MONTH_NAMES = [
  'JAN',
  'FEB',
  'MAR',
  'APR',
  'MAY',
  'JUN',
  'JUL',
  'AUG',
  'SEP',
  'OCT',
  'NOV',
  'DEC',
];
const WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const MINUTES: FieldRange = { field: 'minutes', min: 0, max: 59, rule: 'be 0-59' };
const HOURS: FieldRange = { field: 'hours', min: 0, max: 23, rule: 'be 0-23' };
const DAY_OF_MONTH: FieldRange = {
  field: 'day-of-month',
  min: 1,
  max: 31,
  rule: 'be 1-31, `?`, `L`, `LW` or a day with `W` such as 15W',
};
const MONTH: FieldRange = {
  field: 'month',
  min: 1,
  max: 12,
  rule: 'be 1-12 or JAN-DEC',
  names: MONTH_NAMES,
};
const DAY_OF_WEEK: FieldRange = {
  field: 'day-of-week',
  min: 1,
  max: 7,
  rule: 'be 1-7 or SUN-SAT with 1 = Sunday',
  names: WEEKDAY_NAMES,
};
const YEAR: FieldRange = { field: 'year', min: 1970, max: 2199, rule: 'be 1970-2199' };

export const FIRST_YEAR = YEAR.min;
export const LAST_YEAR = YEAR.max;

/** Reads the six space-separated fields inside `cron(...)`. */
export function parseCronFields(body: string, expression: string): CronFields {
  const parts = body.trim().split(/\s+/);
  if (parts.length === 5) throw unixCronError(parts, expression);
  if (parts.length !== 6) {
    throw new ScheduleError(
      `\`expression\` must have six fields (minutes hours day-of-month month day-of-week ` +
        `year), got ${parts.length}: ${expression}`,
      { field: 'expression', input: expression },
    );
  }
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return {
    minutes: toSortedList(parseList(minutes, MINUTES, expression)),
    hours: toSortedList(parseList(hours, HOURS, expression)),
    months: toSortedList(parseList(month, MONTH, expression)),
    years: toSortedList(parseList(year, YEAR, expression)),
    days: parseDayFields(dayOfMonth, dayOfWeek, expression),
  };
}

function parseDayFields(dayOfMonth: string, dayOfWeek: string, expression: string): DayRule {
  const monthAny = dayOfMonth === '?';
  const weekAny = dayOfWeek === '?';
  if (monthAny === weekAny) {
    const hint =
      dayOfMonth === '*' && dayOfWeek === '*'
        ? '; for every day write `* ... ?`, e.g. cron(0 12 * * ? *)'
        : '';
    throw new ScheduleError(
      `exactly one of \`day-of-month\` and \`day-of-week\` must be \`?\`, got: ${dayOfMonth} ` +
        `and ${dayOfWeek} (in ${expression})${hint}`,
      { field: monthAny ? 'day-of-month' : 'day-of-week', input: expression },
    );
  }
  return weekAny ? parseDayOfMonth(dayOfMonth, expression) : parseDayOfWeek(dayOfWeek, expression);
}

function parseDayOfMonth(text: string, expression: string): DayRule {
  const upper = text.toUpperCase();
  if (upper === 'L') return { kind: 'last-day-of-month' };
  if (upper === 'LW') return { kind: 'last-weekday-of-month' };
  const nearest = /^(\d+)W$/.exec(upper);
  if (nearest) {
    const day = Number(nearest[1]);
    if (day < 1 || day > 31) throw fieldError(DAY_OF_MONTH, text, expression);
    return { kind: 'nearest-weekday', day };
  }
  if (/[LW]/.test(upper)) {
    throw new ScheduleError(
      `\`day-of-month\` must use \`L\` or \`W\` alone (L, LW or a single day such as 15W), not ` +
        `in a list or range, got: ${text} (in ${expression})`,
      { field: 'day-of-month', input: text },
    );
  }
  return { kind: 'days-of-month', days: parseList(text, DAY_OF_MONTH, expression) };
}

function parseDayOfWeek(text: string, expression: string): DayRule {
  const upper = text.toUpperCase();
  // `L` alone is the last day of the week, Saturday, every week; `6L` is a last-of-month rule.
  if (upper === 'L') return { kind: 'days-of-week', weekdays: maskOf([7], DAY_OF_WEEK.max) };
  if (upper.includes('/')) {
    throw new ScheduleError(
      `\`day-of-week\` must not use \`/\` (list the days instead, e.g. 2,4,6), got: ${text} ` +
        `(in ${expression})`,
      { field: 'day-of-week', input: text },
    );
  }
  if (upper.includes('#')) {
    const nth = /^([A-Z]+|\d+)#(\d+)$/.exec(upper);
    if (!nth) {
      throw new ScheduleError(
        `\`day-of-week\` must hold a single \`#\` term such as 3#2 and nothing else, got: ` +
          `${text} (in ${expression})`,
        { field: 'day-of-week', input: text },
      );
    }
    const weekday = parseValue(nth[1] as string, DAY_OF_WEEK, text, expression);
    const count = Number(nth[2]);
    if (count < 1 || count > 5) {
      throw new ScheduleError(
        `\`day-of-week\` must number the weekday 1-5 after \`#\` (a month has at most five of ` +
          `each), got: ${text} (in ${expression})`,
        { field: 'day-of-week', input: text },
      );
    }
    return { kind: 'nth-weekday', weekday, nth: count };
  }
  const last = /^([A-Z]+|\d+)L$/.exec(upper);
  if (last) {
    return {
      kind: 'last-weekday',
      weekday: parseValue(last[1] as string, DAY_OF_WEEK, text, expression),
    };
  }
  if (upper.includes('L')) {
    throw new ScheduleError(
      `\`day-of-week\` must use \`L\` alone or after one weekday such as 6L, got: ${text} (in ` +
        `${expression})`,
      { field: 'day-of-week', input: text },
    );
  }
  return { kind: 'days-of-week', weekdays: parseList(text, DAY_OF_WEEK, expression) };
}

/** A comma list of values, ranges and steps, as a mask indexed by value. */
function parseList(text: string, range: FieldRange, expression: string): boolean[] {
  const mask = new Array<boolean>(range.max + 1).fill(false);
  if (text === '?') {
    throw new ScheduleError(
      `\`${range.field}\` must not be \`?\` (only day-of-month and day-of-week take it), got: ` +
        `? (in ${expression})`,
      { field: range.field, input: text },
    );
  }
  for (const term of text.split(',')) {
    const [span = '', stepText, extra] = term.split('/');
    if (extra !== undefined || span === '') throw fieldError(range, text, expression);
    let low: number;
    let high: number;
    if (span === '*') {
      low = range.min;
      high = range.max;
    } else {
      const [first = '', second, rest] = span.split('-');
      if (rest !== undefined) throw fieldError(range, text, expression);
      low = parseValue(first, range, text, expression);
      // `5/15` runs from 5 to the end of the field; a bare `5` is the value alone.
      high = second !== undefined ? parseValue(second, range, text, expression) : low;
      if (second === undefined && stepText !== undefined) high = range.max;
      if (low > high) {
        throw new ScheduleError(
          `\`${range.field}\` must give a range low-high with low <= high (ranges do not ` +
            `wrap), got: ${text} (in ${expression})`,
          { field: range.field, input: text },
        );
      }
    }
    const step = stepText === undefined ? 1 : parseStep(stepText, range, text, expression);
    for (let value = low; value <= high; value += step) mask[value] = true;
  }
  return mask;
}

function parseStep(stepText: string, range: FieldRange, text: string, expression: string): number {
  const step = /^\d+$/.test(stepText) ? Number(stepText) : Number.NaN;
  const largest = range.max - range.min;
  if (!(step >= 1 && step <= largest)) {
    throw new ScheduleError(
      `\`${range.field}\` must step by a whole number 1-${largest} after \`/\`, got: ${text} ` +
        `(in ${expression})`,
      { field: range.field, input: text },
    );
  }
  return step;
}

function parseValue(token: string, range: FieldRange, text: string, expression: string): number {
  const nameIndex = range.names?.indexOf(token.toUpperCase()) ?? -1;
  if (nameIndex >= 0) return nameIndex + 1;
  const value = /^\d+$/.test(token) ? Number(token) : Number.NaN;
  if (!(value >= range.min && value <= range.max)) throw fieldError(range, text, expression);
  return value;
}

function fieldError(range: FieldRange, text: string, expression: string): ScheduleError {
  return new ScheduleError(
    `\`${range.field}\` must ${range.rule}, got: ${text} (in ${expression})`,
    {
      field: range.field,
      input: text,
    },
  );
}

function maskOf(values: readonly number[], max: number): boolean[] {
  const mask = new Array<boolean>(max + 1).fill(false);
  for (const value of values) mask[value] = true;
  return mask;
}

function toSortedList(mask: readonly boolean[]): number[] {
  const values: number[] = [];
  mask.forEach((set, value) => {
    if (set) values.push(value);
  });
  return values;
}

/*
 * A five-field Unix cron is the most common mistake, and the translation is mechanical
 * except for two things people miss: day-of-week moves from 0-6 (0 = Sunday) to 1-7
 * (1 = Sunday), and one day field must become `?`. Unix runs when either day field matches
 * if both are set; EventBridge has no such form, so that case needs two schedules.
 */
function unixCronError(parts: readonly string[], expression: string): ScheduleError {
  const [minute, hour, dayOfMonth, month, dayOfWeek] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  const monthSet = dayOfMonth !== '*' && dayOfMonth !== '?';
  const weekSet = dayOfWeek !== '*' && dayOfWeek !== '?';
  const weekdays = weekSet ? unixWeekdaysToAws(dayOfWeek) : undefined;
  const byMonth = `cron(${minute} ${hour} ${monthSet ? dayOfMonth : '*'} ${month} ? *)`;
  const byWeek = `cron(${minute} ${hour} ? ${month} ${weekdays ?? '<1-7, 1 = Sunday>'} *)`;
  let advice: string;
  if (monthSet && weekSet) {
    advice =
      'EventBridge cannot express both a day-of-month and a day-of-week (Unix cron runs when ' +
      `either matches); use two schedules: ${byMonth} and ${byWeek}`;
  } else if (weekSet) {
    advice = `did you mean ${byWeek}? (day-of-week is 1-7 with 1 = Sunday)`;
  } else {
    advice = `did you mean ${byMonth}?`;
  }
  return new ScheduleError(
    `${expression} is a five-field Unix cron, not an EventBridge expression: it must have six ` +
      'fields (minutes hours day-of-month month day-of-week year) with `?` in one day field; ' +
      advice,
    { field: 'expression', input: expression },
  );
}

/** Unix day-of-week (0-7, 0 and 7 = Sunday) as an EventBridge list, or undefined if unreadable. */
function unixWeekdaysToAws(text: string): string | undefined {
  const days = new Set<number>();
  const read = (token: string): number => {
    const name = WEEKDAY_NAMES.indexOf(token.toUpperCase());
    if (name >= 0) return name;
    const value = /^\d+$/.test(token) ? Number(token) : Number.NaN;
    return value >= 0 && value <= 7 ? value : Number.NaN;
  };
  for (const term of text.split(',')) {
    const [span = '', stepText] = term.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    const [first = '', second] = span.split('-');
    const low = span === '*' ? 0 : read(first);
    let high = span === '*' ? 6 : second === undefined ? low : read(second);
    if (second === undefined && stepText !== undefined && span !== '*') high = 6;
    if (!(Number.isInteger(step) && step >= 1) || Number.isNaN(low + high) || low > high) {
      return undefined;
    }
    for (let day = low; day <= high; day += step) days.add(day % 7);
  }
  const aws = [...days].map((day) => day + 1).sort((a, b) => a - b);
  return compressRuns(aws);
}

function compressRuns(values: readonly number[]): string {
  const runs: string[] = [];
  let index = 0;
  while (index < values.length) {
    let end = index;
    while (end + 1 < values.length && (values[end + 1] as number) === (values[end] as number) + 1)
      end++;
    const low = values[index] as number;
    const high = values[end] as number;
    runs.push(high - low >= 2 ? `${low}-${high}` : high === low ? `${low}` : `${low},${high}`);
    index = end + 1;
  }
  return runs.join(',');
}
