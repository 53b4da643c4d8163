import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatUtc, parseSchedule, ScheduleError } from '../../schedule/index.ts';
import {
  COPIED_CASES_FILE,
  SHARED_CASES_FILE,
  type SharedCase,
  sharedCases,
} from '../support/shared-cases.ts';

const cases = sharedCases;

const specOf = (c: SharedCase) => ({
  expression: c.expression,
  timezone: c.timezone,
  start: c.start === undefined ? undefined : new Date(c.start),
  end: c.end === undefined ? undefined : new Date(c.end),
});

/*
 * What each refusal must say: the field it is about and words of the rule it breaks, so a
 * test fails if a case is refused for the wrong reason.
 */
const REFUSALS: Record<string, { field: string; message: RegExp }> = {
  'day-of-week 0 does not exist': { field: 'day-of-week', message: /1-7 .*1 = Sunday.*got: 0/ },
  '#6 does not exist': { field: 'day-of-week', message: /1-5 after `#`.*got: 2#6/ },
  'a value in both day fields': {
    field: 'day-of-week',
    message: /exactly one of .*`\?`.*1 and MON/,
  },
  '* in both day fields': { field: 'day-of-week', message: /exactly one of .*`\?`.*\* and \*/ },
  '* and a value in the day fields': {
    field: 'day-of-week',
    message: /exactly one of .*\* and SAT/,
  },
  '? in both day fields': { field: 'day-of-month', message: /exactly one of .*\? and \?/ },
  'a five-field Unix cron is refused, not translated': {
    field: 'expression',
    message:
      /not an EventBridge expression.*six fields.*cron\(0 0 13 \* \? \*\).*cron\(0 0 \? \* 6 \*\)/,
  },
  'rate of zero': { field: 'rate', message: /positive whole number.*got: 0/ },
  'negative rate': { field: 'rate', message: /positive whole number.*got: -1/ },
  'fractional rate': { field: 'rate', message: /positive whole number.*got: 1\.5/ },
  'weeks are no rate unit': { field: 'rate', message: /minute, hour or day.*got: weeks/ },
  'plural unit for one': { field: 'rate', message: /singular unit for 1.*rate\(1 minute\)/ },
  'singular unit for five': { field: 'rate', message: /plural unit above 1.*rate\(5 minutes\)/ },
  'at() needs seconds': { field: 'at', message: /yyyy-mm-ddThh:mm:ss.*seconds/ },
  'an unknown time zone': { field: 'timezone', message: /IANA time zone.*got: Mars\/Olympus_Mons/ },
};

describe('shared schedule cases', () => {
  const valid = cases.filter((c) => c.error !== true);
  const invalid = cases.filter((c) => c.error === true);

  it.each(valid.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const schedule = parseSchedule(specOf(c));

    const next = schedule.nextN(new Date(c.from as string), (c.next as string[]).length);

    expect(next.map(formatUtc)).toEqual(c.next);
  });

  it.each(invalid.map((c) => [c.name, c] as const))('refuses: %s', (name, c) => {
    const expected = REFUSALS[name];
    expect(expected, `no expected refusal written for "${name}"`).toBeDefined();

    let thrown: unknown;
    try {
      parseSchedule(specOf(c));
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(ScheduleError);
    const error = thrown as ScheduleError;
    expect(error.name).toBe('ScheduleError');
    expect(error.field).toBe(expected?.field);
    expect(error.message).toMatch(expected?.message as RegExp);
  });
});

describe('our copy of the shared cases', () => {
  // Where shared/ lies beside the checkout (CI, our machines), the copy must not fall behind.
  it.runIf(existsSync(SHARED_CASES_FILE))('holds the same cases as shared/', () => {
    const read = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

    expect(read(COPIED_CASES_FILE)).toEqual(read(SHARED_CASES_FILE));
  });
});
