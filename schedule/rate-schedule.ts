import { ScheduleError } from './errors.ts';
import { checkCount, millisOf } from './instants.ts';
import type { Schedule } from './types.ts';

const UNIT_SECONDS = { minute: 60, hour: 3600, day: 86_400 } as const;
/** Runs end with 2199, as the cron year field does: later instants are no runs, not errors. */
const LAST_RUN_BEFORE_MS = Date.UTC(2200, 0, 1);
type RateUnit = keyof typeof UNIT_SECONDS;

/** Reads the inside of `rate(...)` into an interval in seconds. */
export function parseRate(body: string, expression: string): number {
  const match = /^(\S+)\s+(\S+)$/.exec(body.trim());
  const rule = 'be a whole number and a unit, e.g. rate(5 minutes) or rate(1 hour)';
  if (!match) {
    throw new ScheduleError(`\`rate\` must ${rule}, got: ${expression}`, {
      field: 'rate',
      input: expression,
    });
  }
  const [, valueText = '', unitText = ''] = match;
  if (!/^\d+$/.test(valueText) || Number(valueText) === 0) {
    throw new ScheduleError(
      `\`rate\` must be a positive whole number (1 or more, no sign or fraction), got: ` +
        `${valueText} (in ${expression})`,
      { field: 'rate', input: expression },
    );
  }
  const value = Number(valueText);
  const singular = unitText.endsWith('s') ? unitText.slice(0, -1) : unitText;
  if (!(singular in UNIT_SECONDS)) {
    throw new ScheduleError(
      `\`rate\` must use the unit minute, hour or day (minutes, hours or days above 1), got: ` +
        `${unitText} (in ${expression})`,
      { field: 'rate', input: expression },
    );
  }
  const plural = unitText !== singular;
  if (value === 1 && plural) {
    throw new ScheduleError(
      `\`rate\` must use a singular unit for 1, e.g. rate(1 ${singular}), got: ${expression}`,
      { field: 'rate', input: expression },
    );
  }
  if (value > 1 && !plural) {
    throw new ScheduleError(
      `\`rate\` must use a plural unit above 1, e.g. rate(${value} ${singular}s), got: ` +
        `${expression}`,
      { field: 'rate', input: expression },
    );
  }
  const seconds = value * UNIT_SECONDS[singular as RateUnit];
  // AWS documents no upper bound; one that our arithmetic cannot hold exactly is refused.
  if (!Number.isSafeInteger(seconds)) {
    throw new ScheduleError(
      `\`rate\` must be at most ${Number.MAX_SAFE_INTEGER} seconds long, got: ${expression}`,
      { field: 'rate', input: expression },
    );
  }
  return seconds;
}

/*
 * rate() runs at anchor + k * interval for k = 0, 1, 2 ... in absolute time: the zone plays no
 * part, so `rate(1 day)` drifts by an hour in local time across DST. The anchor is StartDate
 * when set (Scheduler's first run), else the moment the schedule was created.
 */
export class RateSchedule implements Schedule {
  readonly kind = 'rate' as const;
  readonly expression: string;
  readonly timezone: string;
  private readonly intervalMs: number;
  private readonly anchorMs: number;
  private readonly endMs: number;

  constructor(
    expression: string,
    timezone: string,
    intervalSeconds: number,
    anchorMs: number,
    endMs: number | undefined,
  ) {
    this.expression = expression;
    this.timezone = timezone;
    this.intervalMs = intervalSeconds * 1000;
    this.anchorMs = anchorMs;
    this.endMs = Math.min(endMs ?? Number.POSITIVE_INFINITY, LAST_RUN_BEFORE_MS);
  }

  next(after: Date): Date | undefined {
    const ms = this.firstAfter(millisOf(after, 'after'));
    return ms < this.endMs ? new Date(ms) : undefined;
  }

  nextN(after: Date, count: number): Date[] {
    checkCount(count);
    const found: Date[] = [];
    for (
      let ms = this.firstAfter(millisOf(after, 'after'));
      found.length < count;
      ms += this.intervalMs
    ) {
      if (ms >= this.endMs) break;
      found.push(new Date(ms));
    }
    return found;
  }

  between(from: Date, until: Date): Date[] {
    const untilMs = Math.min(millisOf(until, 'until'), this.endMs);
    const found: Date[] = [];
    for (
      let ms = this.firstAfter(millisOf(from, 'from') - 1);
      ms < untilMs;
      ms += this.intervalMs
    ) {
      found.push(new Date(ms));
    }
    return found;
  }

  previous(before: Date): Date | undefined {
    const upperMs = Math.min(millisOf(before, 'before'), this.endMs);
    if (upperMs <= this.anchorMs) return undefined;
    const steps = Math.ceil((upperMs - this.anchorMs) / this.intervalMs) - 1;
    return new Date(this.anchorMs + steps * this.intervalMs);
  }

  minIntervalSeconds(): number | undefined {
    return this.intervalMs / 1000;
  }

  private firstAfter(afterMs: number): number {
    if (afterMs < this.anchorMs) return this.anchorMs;
    return (
      this.anchorMs +
      (Math.floor((afterMs - this.anchorMs) / this.intervalMs) + 1) * this.intervalMs
    );
  }
}
