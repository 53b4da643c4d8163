import { AtSchedule, parseAt } from './at-schedule.ts';
import { parseCronFields } from './cron-fields.ts';
import { CronSchedule } from './cron-schedule.ts';
import { ScheduleError } from './errors.ts';
import { parseRate, RateSchedule } from './rate-schedule.ts';
import { timeZone } from './time-zone.ts';
import type { Schedule, ScheduleSpec } from './types.ts';

/** Validates a schedule the way EventBridge Scheduler would and returns its fire-time engine. */
export function parseSchedule(spec: ScheduleSpec): Schedule {
  const { expression } = spec;
  if (expression !== expression.trim()) {
    // Scheduler takes the string as it is, so a space here would fail only at deploy.
    throw new ScheduleError(
      `\`expression\` must not begin or end with white space, got: ${JSON.stringify(expression)}`,
      { field: 'expression', input: expression },
    );
  }
  const zoneName = spec.timezone ?? 'UTC';
  const zone = timeZone(zoneName);
  const startMs = instantOption(spec.start, 'start');
  const endMs = instantOption(spec.end, 'end');
  const anchorMs = instantOption(spec.anchor, 'start');
  if (startMs !== undefined && endMs !== undefined && !(startMs < endMs)) {
    throw new ScheduleError(
      `\`start\` must be before \`end\`, got: start ${spec.start?.toISOString()}, end ` +
        `${spec.end?.toISOString()}`,
      { field: 'start', input: spec.start?.toISOString() ?? '' },
    );
  }

  const call = /^(cron|rate|at)\((.*)\)$/s.exec(expression);
  if (!call) {
    throw new ScheduleError(
      `\`expression\` must be cron(...), rate(...) or at(...), got: ${spec.expression}`,
      { field: 'expression', input: spec.expression },
    );
  }
  const [, kind, body = ''] = call;
  if (kind === 'cron') {
    return new CronSchedule(expression, zone, parseCronFields(body, expression), startMs, endMs);
  }
  if (kind === 'rate') {
    const intervalSeconds = parseRate(body, expression);
    return new RateSchedule(expression, zoneName, intervalSeconds, startMs ?? anchorMs ?? 0, endMs);
  }
  return new AtSchedule(expression, zoneName, parseAt(body, expression, zone));
}

function instantOption(date: Date | undefined, field: 'start' | 'end'): number | undefined {
  if (date === undefined) return undefined;
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new ScheduleError(`\`${field}\` must be a valid Date, got: ${String(date)}`, {
      field,
      input: String(date),
    });
  }
  return ms;
}
