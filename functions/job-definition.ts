/**
 * What a job is, as the construct configures it and the ledger stores it. The construct
 * passes it to the job's function as JSON in `CRONLEDGER_JOB`; the wrapper and the sweeper
 * read it from there and from the job's item.
 */
export interface JobDefinition {
  readonly jobId: string;
  readonly schedule: JobScheduleDefinition;
  readonly enabled: boolean;
  /** 0 when the schedule has no flexible time window. */
  readonly flexibleWindowMinutes: number;
  /** At most this many runs hold a slot at once; ignored when `overlap` is `allow`. */
  readonly maxConcurrency: number;
  readonly overlap: OverlapPolicy;
  /** A first delivery later than scheduled time + window + grace is MISSED. */
  readonly misfireGraceSeconds: number;
  /** Attempts after the first, as Lambda's asynchronous retries make them (0-2). */
  readonly retryAttempts: number;
  readonly timeoutSeconds: number;
  readonly retention: RetentionDefinition;
}

export interface JobScheduleDefinition {
  /** `cron(...)`, `rate(...)` or `at(...)`, as EventBridge Scheduler reads it. */
  readonly expression: string;
  /** IANA zone. */
  readonly timezone: string;
  /** StartDate, ISO-8601 UTC. */
  readonly start?: string;
  /** EndDate, ISO-8601 UTC. */
  readonly end?: string;
}

export interface RetentionDefinition {
  /** Days a SUCCEEDED run is kept. */
  readonly succeededDays: number;
  /** Days a run of any other status is kept. */
  readonly otherDays: number;
}

export type OverlapPolicy = 'skip' | 'allow';

/** The environment variables the construct sets on a job's function. */
export const JobEnvironment = {
  tableName: 'CRONLEDGER_TABLE_NAME',
  job: 'CRONLEDGER_JOB',
  logLevel: 'CRONLEDGER_LOG_LEVEL',
  /** Set by the local runtime only: the DynamoDB endpoint to use. */
  endpoint: 'CRONLEDGER_DYNAMODB_ENDPOINT',
} as const;

/** The key under which the Scheduler context attributes arrive in the event. */
export const CONTEXT_KEY = 'cronledger';

/**
 * The part of the event the schedule's input template fills in. EventBridge Scheduler
 * substitutes each placeholder as a string, the attempt number included.
 */
export interface SchedulerContext {
  readonly jobId: string;
  readonly scheduledTime: string;
  readonly scheduleArn: string;
  readonly executionId: string;
  readonly attemptNumber: string;
}

export const RetentionDefaults: RetentionDefinition = { succeededDays: 30, otherDays: 90 };

/**
 * Reads a job definition from what `CRONLEDGER_JOB` held, checking each field the wrapper
 * relies on. ScheduledJob always writes a whole one; a function set up by hand may not.
 * @returns the definition, or the first problem, naming the field and the rule
 */
export function checkJobDefinition(
  value: unknown,
): { readonly definition: JobDefinition } | { readonly problem: string } {
  const read = (path: string): unknown =>
    path
      .split('.')
      .reduce<unknown>(
        (at, key) =>
          typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined,
        value,
      );
  const count = (min: number) => (field: unknown) =>
    typeof field === 'number' && Number.isInteger(field) && field >= min;
  const text = (field: unknown) => typeof field === 'string' && field !== '';
  const days = (field: unknown) => typeof field === 'number' && field > 0;
  const rules: [string, (field: unknown) => boolean, string][] = [
    ['jobId', text, 'a non-empty string'],
    ['schedule.expression', text, 'a schedule expression'],
    ['schedule.timezone', text, 'an IANA time zone'],
    ['enabled', (field) => typeof field === 'boolean', 'true or false'],
    ['flexibleWindowMinutes', count(0), 'a whole number, 0 or more'],
    ['maxConcurrency', count(1), 'a whole number, 1 or more'],
    ['overlap', (field) => field === 'skip' || field === 'allow', "'skip' or 'allow'"],
    ['misfireGraceSeconds', count(0), 'a whole number, 0 or more'],
    ['retryAttempts', count(0), 'a whole number, 0 or more'],
    ['timeoutSeconds', count(1), 'a whole number, 1 or more'],
    ['retention.succeededDays', days, 'a number of days above 0'],
    ['retention.otherDays', days, 'a number of days above 0'],
  ];
  const broken = rules.find(([path, holds]) => !holds(read(path)));
  if (!broken) {
    return { definition: value as JobDefinition };
  }
  const [path, , rule] = broken;
  return {
    problem: `\`${path}\` must be ${rule}, got: ${JSON.stringify(read(path)) ?? 'nothing'}`,
  };
}
