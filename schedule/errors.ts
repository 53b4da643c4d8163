/** The part of a schedule an error is about, in EventBridge Scheduler's own words. */
export type ScheduleField =
  | 'minutes'
  | 'hours'
  | 'day-of-month'
  | 'month'
  | 'day-of-week'
  | 'year'
  | 'expression'
  | 'timezone'
  | 'start'
  | 'end'
  | 'rate'
  | 'at';

export interface ScheduleErrorOptions {
  readonly field?: ScheduleField;
  /** The text that was rejected: a field's value, the whole expression, a zone name. */
  readonly input: string;
  readonly cause?: unknown;
}

/** A schedule that EventBridge Scheduler would refuse, or that we cannot read the same way. */
export class ScheduleError extends Error {
  readonly field?: ScheduleField;
  readonly input: string;

  constructor(message: string, options: ScheduleErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScheduleError';
    this.field = options.field;
    this.input = options.input;
  }
}
