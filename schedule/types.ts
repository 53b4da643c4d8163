/** What a caller knows about a schedule, in the shape of EventBridge Scheduler's own fields. */
export interface ScheduleSpec {
  /** `cron(...)`, `rate(...)` or `at(...)`, exactly as Scheduler takes it. */
  readonly expression: string;
  /**
   * IANA time zone the cron or at() expression is read in; rate() ignores it.
   * @default 'UTC'
   */
  readonly timezone?: string;
  /**
   * StartDate: no run before this instant. at() ignores it.
   * @default - runs from the beginning of time (for rate: see `anchor`)
   */
  readonly start?: Date;
  /**
   * EndDate: runs happen strictly before this instant. at() ignores it.
   * @default - no end
   */
  readonly end?: Date;
  /**
   * For rate() without `start`: the moment the schedule was created, which is its first run.
   * Ignored when `start` is set, because Scheduler then runs first at StartDate.
   * @default - `start`, else the Unix epoch
   */
  readonly anchor?: Date;
}

export interface Schedule {
  readonly kind: 'cron' | 'rate' | 'at';
  readonly expression: string;
  readonly timezone: string;
  /** The first scheduled time strictly after `after`, within StartDate/EndDate. */
  next(after: Date): Date | undefined;
  /** Up to `count` scheduled times strictly after `after`, ascending. */
  nextN(after: Date, count: number): Date[];
  /** Every scheduled time t with from <= t < until, ascending. */
  between(from: Date, until: Date): Date[];
  /** The last scheduled time strictly before `before`, within StartDate/EndDate. */
  previous(before: Date): Date | undefined;
  /**
   * The shortest gap between two consecutive scheduled times: exact for rate(); for cron,
   * measured over the year after `from` (and on to the second run when runs are rarer);
   * undefined for at() and for a cron that runs fewer than twice from then on.
   * @param from where the measurement starts @default StartDate, else now
   */
  minIntervalSeconds(from?: Date): number | undefined;
}

export interface DstChange {
  /**
   * `skipped`: the local time did not exist (spring forward), so there was no run.
   * `merged`: it occurred twice and ran once.
   */
  readonly kind: 'skipped' | 'merged';
  /** The wall-clock time the expression matches, 'YYYY-MM-DDTHH:MM'. */
  readonly localTime: string;
  /** For `merged`: the instant of the one run, the first occurrence. */
  readonly utc?: Date;
}
