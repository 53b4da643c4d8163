import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../../schedule/index.ts';

/*
 * Property tests against an independent brute-force reading of each expression: the
 * generator builds an expression together with plain predicates for its fields, and the
 * wall clock of every run is read back through Intl (formatToParts), not through the engine.
 */

interface Field {
  readonly text: string;
  readonly has: (value: number) => boolean;
}

interface CronCase {
  readonly expression: string;
  readonly timezone: string;
  readonly minute: Field;
  readonly hour: Field;
  readonly month: Field;
  readonly day: (year: number, month: number, day: number) => boolean;
}

const ZONES = [
  'UTC',
  'America/New_York',
  'America/Los_Angeles',
  'Europe/London',
  'Australia/Sydney',
  'Australia/Lord_Howe', // half-hour DST
  'Asia/Kolkata',
];

// Transitions of 2026 in those zones, and a few ordinary days, for `from` to start near.
const NEAR = [
  '2026-03-08T06:00:00Z',
  '2026-11-01T05:00:00Z',
  '2026-03-29T00:30:00Z',
  '2026-10-25T00:30:00Z',
  '2026-04-04T15:00:00Z',
  '2026-10-03T15:30:00Z',
  '2026-01-15T00:00:00Z',
  '2026-07-01T00:00:00Z',
].map((iso) => Date.parse(iso));

const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function stepField(max: number, min = 0): fc.Arbitrary<Field> {
  const value = fc.integer({ min, max });
  return fc.oneof(
    fc.constant({ text: '*', has: () => true }),
    fc.integer({ min: 1, max: Math.min(30, max - min) }).map((n) => ({
      text: `*/${n}`,
      has: (v: number) => (v - min) % n === 0,
    })),
    fc.tuple(value, fc.integer({ min: 1, max: Math.max(1, max - min) })).map(([a, n]) => ({
      text: `${a}/${n}`,
      has: (v: number) => v >= a && (v - a) % n === 0,
    })),
    fc.uniqueArray(value, { minLength: 1, maxLength: 4 }).map((values) => ({
      text: values.join(','),
      has: (v: number) => values.includes(v),
    })),
    fc.tuple(value, value).map(([a, b]) => ({
      text: `${Math.min(a, b)}-${Math.max(a, b)}`,
      has: (v: number) => v >= Math.min(a, b) && v <= Math.max(a, b),
    })),
  );
}

const lengthOf = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
// 1 = Sunday, as EventBridge counts.
const weekdayOf = (year: number, month: number, day: number) =>
  new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
const isWeekday = (year: number, month: number, day: number) => {
  const weekday = weekdayOf(year, month, day);
  return weekday >= 2 && weekday <= 6;
};

type DayCase = { readonly dom: string; readonly dow: string; readonly day: CronCase['day'] };

const dayRule: fc.Arbitrary<DayCase> = fc.oneof(
  fc.constant<DayCase>({ dom: '*', dow: '?', day: () => true }),
  stepField(31, 1).map<DayCase>((f) => ({ dom: f.text, dow: '?', day: (_y, _m, d) => f.has(d) })),
  fc.constant<DayCase>({ dom: 'L', dow: '?', day: (y, m, d) => d === lengthOf(y, m) }),
  fc.integer({ min: 1, max: 31 }).map<DayCase>((n) => ({
    dom: `${n}W`,
    dow: '?',
    // The weekday of the month closest to the n-th; none when the month is shorter.
    day: (y, m, d) => {
      const length = lengthOf(y, m);
      if (n > length || !isWeekday(y, m, d)) return false;
      for (let other = 1; other <= length; other++) {
        if (isWeekday(y, m, other) && Math.abs(other - n) < Math.abs(d - n)) return false;
      }
      return true;
    },
  })),
  fc
    .uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 3 })
    .map<DayCase>((days) => ({
      dom: '?',
      dow: days.map((d) => WEEKDAYS[d - 1]).join(','),
      day: (y, m, d) => days.includes(weekdayOf(y, m, d)),
    })),
  fc.constant<DayCase>({ dom: '?', dow: 'MON-FRI', day: (y, m, d) => isWeekday(y, m, d) }),
  fc.integer({ min: 1, max: 7 }).map<DayCase>((w) => ({
    dom: '?',
    dow: `${w}L`,
    day: (y, m, d) => weekdayOf(y, m, d) === w && d + 7 > lengthOf(y, m),
  })),
  fc
    .tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 5 }))
    .map<DayCase>(([w, k]) => ({
      dom: '?',
      dow: `${w}#${k}`,
      day: (y, m, d) => weekdayOf(y, m, d) === w && Math.ceil(d / 7) === k,
    })),
);

const cronCase: fc.Arbitrary<CronCase> = fc
  .record({
    minute: stepField(59),
    hour: fc.oneof(fc.constant({ text: '*', has: () => true }), stepField(23)),
    month: fc.oneof(
      { weight: 3, arbitrary: fc.constant({ text: '*', has: () => true }) },
      stepField(12, 1),
    ),
    day: dayRule,
    timezone: fc.constantFrom(...ZONES),
  })
  .map(({ minute, hour, month, day, timezone }) => ({
    expression: `cron(${minute.text} ${hour.text} ${day.dom} ${month.text} ${day.dow} *)`,
    timezone,
    minute,
    hour,
    month,
    day: day.day,
  }));

const fromInstant = fc.oneof(
  fc
    .tuple(fc.constantFrom(...NEAR), fc.integer({ min: -3 * 86_400, max: 86_400 }))
    .map(([base, s]) => base + s * 1000),
  fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2030-12-31T00:00:00Z') }),
);

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's wall clock at an instant, read through Intl. */
function wallClock(ms: number, timezone: string) {
  let formatter = formatters.get(timezone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, formatter);
  }
  const parts = formatter.formatToParts(ms);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour') % 24,
    minute: get('minute'),
    second: get('second'),
  };
}

function wallKey(ms: number, timezone: string): string {
  const w = wallClock(ms, timezone);
  return `${w.year}-${w.month}-${w.day} ${w.hour}:${w.minute}`;
}

function matches(c: CronCase, ms: number): boolean {
  const w = wallClock(ms, c.timezone);
  return (
    w.second === 0 &&
    c.minute.has(w.minute) &&
    c.hour.has(w.hour) &&
    c.month.has(w.month) &&
    c.day(w.year, w.month, w.day)
  );
}

/** A minute whose wall time the clock already showed up to an hour earlier (fall back). */
function isRepeat(ms: number, timezone: string): boolean {
  const key = wallKey(ms, timezone);
  return [30, 60].some((minutes) => wallKey(ms - minutes * 60_000, timezone) === key);
}

describe('cron properties', () => {
  it('runs at strictly increasing times that match the expression, each wall time once', () => {
    fc.assert(
      fc.property(cronCase, fromInstant, (c, fromMs) => {
        const schedule = parseSchedule({ expression: c.expression, timezone: c.timezone });
        const runs = schedule.nextN(new Date(fromMs), 12).map((d) => d.getTime());

        let previous = fromMs;
        for (const run of runs) {
          expect(run).toBeGreaterThan(previous);
          expect(
            matches(c, run),
            `${c.expression} ${c.timezone} ${new Date(run).toISOString()}`,
          ).toBe(true);
          previous = run;
        }
        const walls = runs.map((run) => wallKey(run, c.timezone));
        expect(new Set(walls).size).toBe(walls.length);
      }),
      { numRuns: 300 },
    );
  });

  it('misses no matching minute: a minute-by-minute scan finds the same runs', () => {
    const dense = cronCase.filter((c) => c.hour.text === '*' || c.hour.text.startsWith('*/'));
    fc.assert(
      fc.property(dense, fromInstant, (c, fromMs) => {
        const schedule = parseSchedule({ expression: c.expression, timezone: c.timezone });
        const untilMs = fromMs + 2 * 86_400_000;

        const expected: number[] = [];
        for (let ms = Math.floor(fromMs / 60_000) * 60_000; ms < untilMs; ms += 60_000) {
          if (ms >= fromMs && matches(c, ms) && !isRepeat(ms, c.timezone)) expected.push(ms);
        }

        const runs = schedule.between(new Date(fromMs), new Date(untilMs)).map((d) => d.getTime());
        expect(runs.map((ms) => new Date(ms).toISOString())).toEqual(
          expected.map((ms) => new Date(ms).toISOString()),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('agrees between between(), nextN() and previous()', () => {
    fc.assert(
      fc.property(cronCase, fromInstant, (c, fromMs) => {
        const schedule = parseSchedule({ expression: c.expression, timezone: c.timezone });
        const runs = schedule.nextN(new Date(fromMs), 8);
        if (runs.length === 0) return;
        const last = runs[runs.length - 1] as Date;

        const listed = schedule.between(new Date(fromMs + 1), new Date(last.getTime() + 1));
        expect(listed).toEqual(runs);

        for (let i = 1; i < runs.length; i++) {
          expect(schedule.previous(runs[i] as Date)).toEqual(runs[i - 1]);
          expect(schedule.next(runs[i - 1] as Date)).toEqual(runs[i]);
        }
        const before = schedule.previous(runs[0] as Date);
        if (before !== undefined) expect(before.getTime()).toBeLessThanOrEqual(fromMs);
      }),
      { numRuns: 200 },
    );
  });
});

describe('expressions that never run again', () => {
  it.each([
    ['cron(0 0 30 2 ? *)', '1970-01-01T00:00:00Z'],
    ['cron(* * 31 4,6,9,11 ? *)', '1970-01-01T00:00:00Z'],
    ['cron(0 0 * * ? 1970-2019)', '2020-01-01T00:00:00Z'],
    // February 2026 and 2027 both have four Mondays (Feb 1 2026 is a Sunday, Feb 1 2027 a Monday).
    ['cron(0 9 ? 2 2#5 2026-2027)', '2026-01-01T00:00:00Z'],
    // 2100 is no leap year.
    ['cron(0 0 29 2 ? 2100)', '2026-01-01T00:00:00Z'],
    ['cron(0 0 ? * 6L 2199)', '2199-12-31T00:00:00Z'],
    // 2199-12-31 23:59 in New York (EST) is 2200-01-01T04:59Z, the last minute of the year field;
    // from one minute later nothing is left.
    ['cron(* * ? * * *)', '2200-01-01T05:00:00Z'],
  ])('answers %s after %s with no runs, quickly', (expression, from) => {
    const schedule = parseSchedule({ expression, timezone: 'America/New_York' });
    const started = performance.now();

    expect(schedule.next(new Date(from))).toBeUndefined();
    expect(schedule.nextN(new Date(from), 10)).toEqual([]);
    expect(schedule.between(new Date(from), new Date('2300-01-01T00:00:00Z'))).toEqual([]);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it.each([['cron(0 0 30 2 ? *)'], ['cron(0 0 31 4 ? *)']])(
    'finds no previous run for %s',
    (expression) => {
      const schedule = parseSchedule({ expression });

      expect(schedule.previous(new Date('2199-12-31T00:00:00Z'))).toBeUndefined();
    },
  );

  it('finds random never-running expressions quickly', () => {
    const never = fc.record({
      minute: fc.integer({ min: 0, max: 59 }),
      hour: fc.integer({ min: 0, max: 23 }),
      day: fc.constantFrom('30 2', '31 2', '31 4', '31 6', '31 9', '31 11'),
      from: fc.integer({ min: 0, max: Date.parse('2199-01-01T00:00:00Z') }),
    });
    fc.assert(
      fc.property(never, ({ minute, hour, day, from }) => {
        const [dom, month] = day.split(' ');
        const schedule = parseSchedule({
          expression: `cron(${minute} ${hour} ${dom} ${month} ? *)`,
        });

        expect(schedule.next(new Date(from))).toBeUndefined();
        expect(schedule.previous(new Date(from))).toBeUndefined();
      }),
      { numRuns: 50 },
    );
  });
});
