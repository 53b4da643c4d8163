import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  Annotations,
  Duration,
  aws_lambda as lambda,
  aws_lambda_nodejs as nodejs,
  Stack,
  aws_scheduler as scheduler,
  aws_sqs as sqs,
  TimeZone,
  Token,
  aws_scheduler_targets as targets,
} from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';
import {
  CONTEXT_KEY,
  type JobDefinition,
  JobEnvironment,
  type OverlapPolicy,
  RetentionDefaults,
  type SchedulerContext,
} from '../functions/job-definition.ts';
import { dstChanges, parseSchedule, type Schedule, ScheduleError } from '../schedule/index.ts';
import { DEFAULT_RUNTIME, ESM_BUNDLING, isSupportedRuntime, lockFileOf } from './bundling.ts';
import { invalidProp, invalidSchedule } from './errors.ts';
import type { JobLedger } from './job-ledger.ts';
import { JobRegistration } from './job-registration.ts';
import type { JobSchedule } from './job-schedule.ts';

/** The levels of the job's log lines. */
export type JobLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** EventBridge Scheduler's retries of a delivery that Lambda did not accept. */
export interface SchedulerRetryOptions {
  /**
   * How long Scheduler keeps trying to deliver an event: 60 seconds to 24 hours.
   *
   * @default Duration.hours(1)
   */
  readonly maximumEventAge?: Duration;
  /**
   * How many times Scheduler retries a delivery: 0-185.
   *
   * @default 10
   */
  readonly maximumRetryAttempts?: number;
}

/** How long the ledger keeps a job's runs. Both are whole numbers of days, at least 1. */
export interface RetentionOptions {
  /**
   * How long a SUCCEEDED run is kept.
   *
   * @default Duration.days(30)
   */
  readonly succeeded?: Duration;
  /**
   * How long a run of any other status is kept.
   *
   * @default Duration.days(90)
   */
  readonly other?: Duration;
}

/** Properties of a `ScheduledJob`. Give exactly one of `entry` and `function`. */
export interface ScheduledJobProps {
  /** The ledger that records the job's runs and whose schedule group holds its schedule. */
  readonly ledger: JobLedger;
  /**
   * The job's name in the ledger and its schedule's name: 1-64 letters, digits, `_`, `.`
   * and `-`, unique in the ledger.
   *
   * @default - the construct id
   */
  readonly jobId?: string;
  /** When the job runs. */
  readonly schedule: JobSchedule;
  /**
   * The schedule's StartDate: no run before it. One-time `at()` schedules ignore it.
   *
   * @default - the schedule runs from its creation
   */
  readonly start?: Date;
  /**
   * The schedule's EndDate: no run at or after it. One-time `at()` schedules ignore it.
   *
   * @default - the schedule never ends
   */
  readonly end?: Date;
  /**
   * The file whose export handles the event, bundled with the local esbuild into ESM.
   * A relative path is read from the working directory.
   *
   * @default - none: give `function` instead
   */
  readonly entry?: string;
  /**
   * The named export of `entry` that handles the event. Only with `entry`.
   *
   * @default 'handler'
   */
  readonly handler?: string;
  /**
   * The function's runtime: Node.js 22 or newer. Only with `entry`.
   *
   * @default lambda.Runtime.NODEJS_22_X
   */
  readonly runtime?: lambda.Runtime;
  /**
   * An existing function to run instead of bundling `entry`. When it is a `lambda.Function`
   * of this app, the job's environment is added to it; otherwise set `CRONLEDGER_JOB` and
   * `CRONLEDGER_TABLE_NAME` on it yourself.
   *
   * @default - none: give `entry` instead
   */
  readonly function?: lambda.IFunction;
  /**
   * The function's timeout: 1 second to 15 minutes. The ledger's lease on a run lasts as
   * long. With `function`, give the function's own timeout here.
   *
   * @default - the timeout of `function` when it has one, otherwise Duration.minutes(1)
   */
  readonly timeout?: Duration;
  /**
   * The function's memory in MB: 128-10240. Only with `entry`.
   *
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Environment variables of the function, beside the `CRONLEDGER_*` ones the job sets.
   * Only with `entry`.
   *
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * A description of the job, given to its schedule and to a function built from `entry`.
   *
   * @default - none
   */
  readonly description?: string;
  /**
   * Whether the schedule is enabled. A disabled job keeps its item and its history.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * A flexible time window: Scheduler delivers at some moment within this long after the
   * scheduled time, which spreads load. Whole minutes, 1-1440.
   *
   * @default - off: delivery at the scheduled time
   */
  readonly flexibleTimeWindow?: Duration;
  /**
   * Static fields of the event. The key `cronledger` is reserved: it carries the jobId
   * and the scheduler context attributes (scheduledTime, scheduleArn, executionId,
   * attemptNumber).
   *
   * @default - the event carries only `cronledger`
   */
  readonly input?: Record<string, unknown>;
  /**
   * Scheduler's retries of a delivery that Lambda refused (throttling, a missing function).
   * They cover the hand-over only; a function error is retried by Lambda, see
   * `retryAttempts`.
   *
   * @default - retries for up to 1 hour, at most 10 times
   */
  readonly schedulerRetry?: SchedulerRetryOptions;
  /**
   * The queue that receives an event Scheduler could not deliver after its retries.
   *
   * @default - a new queue per job, encrypted with SQS-managed keys, keeping messages
   * 14 days
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * Lambda's asynchronous retries of a run whose handler threw: 0-2. The ledger lets a
   * retry claim a FAILED or TIMED_OUT run while attempts remain.
   *
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * How long an event may wait in Lambda's asynchronous queue, retries included:
   * 60 seconds to 6 hours.
   *
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
  /**
   * How long the ledger keeps the job's runs.
   *
   * @default - SUCCEEDED runs 30 days, others 90 days
   */
  readonly retention?: RetentionOptions;
  /**
   * How many runs of the job may be RUNNING at once: an integer 1-10. A run beyond the
   * limit is recorded SKIPPED. Not with `overlap: 'allow'`.
   *
   * @default 1
   */
  readonly maxConcurrency?: number;
  /**
   * What happens when a run is due while `maxConcurrency` runs are RUNNING: `skip` records
   * it SKIPPED; `allow` runs it anyway and enforces no limit.
   *
   * @default 'skip'
   */
  readonly overlap?: OverlapPolicy;
  /**
   * How late a first delivery may come, after the scheduled time and the flexible time
   * window, before the run is recorded MISSED instead of run.
   *
   * EventBridge Scheduler delivers within about a minute of the scheduled time plus the
   * flexible window. Five minutes absorbs a cold start or a brief throttle, while a
   * delivery an hour late (a backlog after an outage) is called MISSED rather than run out
   * of its time.
   *
   * @default Duration.minutes(5)
   */
  readonly misfireGrace?: Duration;
  /**
   * The level of the job's log lines, as `CRONLEDGER_LOG_LEVEL`.
   *
   * @default - the runtime's default level, INFO
   */
  readonly logLevel?: JobLogLevel;
}

const JOB_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const JS_IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const LOG_LEVELS: readonly string[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'] satisfies JobLogLevel[];
/** Lambda's limit; the schedule's own is 512. */
const MAX_DESCRIPTION = 256;
const DST_LOOKAHEAD_MS = 365 * 24 * 3600 * 1000;
const FUNCTION_ONLY_WITH_ENTRY = ['handler', 'runtime', 'memorySize', 'environment'] as const;
const RESERVED_ENVIRONMENT: readonly string[] = Object.values(JobEnvironment);

/**
 * One job: its schedule in the ledger's schedule group, the function it runs, both retry
 * layers, a dead-letter queue, and its item in the ledger.
 *
 * The schedule invokes the function asynchronously with `{ ...input, cronledger: {...} }`;
 * the function's wrapper records each run in the ledger, keyed by job and scheduled time.
 */
export class ScheduledJob extends Construct {
  /** The job as its function and the ledger read it. */
  readonly definition: JobDefinition;
  /** The absolute path of the bundled handler file, when the job was given `entry`. */
  readonly entry?: string;
  /** The export of `entry` that handles the event. */
  readonly handlerName: string;
  /** The environment variables given in the props, without the `CRONLEDGER_*` ones. */
  readonly environment: Readonly<Record<string, string>>;
  /** The static fields of the event. */
  readonly input: Readonly<Record<string, unknown>>;
  /** The function the schedule invokes. */
  readonly function: lambda.IFunction;
  /** The job's schedule. */
  readonly schedule: scheduler.Schedule;
  /** The queue of events Scheduler could not deliver. */
  readonly deadLetterQueue: sqs.IQueue;

  constructor(scope: Construct, id: string, props: ScheduledJobProps) {
    super(scope, id);

    const now = new Date();
    // Required in the types, but JavaScript callers and `as` casts can still leave them out.
    if (!props?.ledger) {
      throw invalidProp(this, 'ledger', 'be the JobLedger that records the runs', props?.ledger);
    }
    if (!props.schedule) {
      throw invalidProp(this, 'schedule', 'be a JobSchedule', props.schedule);
    }
    const jobId = props.jobId ?? id;
    this.validate(props, jobId);
    const engine = this.parse(props);
    props.ledger._claimJobId(this, jobId);

    this.handlerName = props.handler ?? 'handler';
    this.environment = { ...props.environment };
    this.input = { ...props.input };
    this.entry = props.entry === undefined ? undefined : resolve(props.entry);

    this.definition = this.buildDefinition(props, jobId);
    const jobEnvironment: Record<string, string> = {
      [JobEnvironment.tableName]: props.ledger.tableName,
      [JobEnvironment.job]: Stack.of(this).toJsonString(this.definition),
      ...(props.logLevel ? { [JobEnvironment.logLevel]: props.logLevel } : {}),
    };

    this.function = this.entry
      ? this.bundle(props, this.entry, jobEnvironment)
      : this.adopt(props.function as lambda.IFunction, jobEnvironment);
    jobsByFunction(this).set(functionKey(this.function), this.node.path);
    this.function.configureAsyncInvoke({
      retryAttempts: this.definition.retryAttempts,
      maxEventAge: props.maxEventAge ?? Duration.hours(1),
    });
    props.ledger.grantJobWrites(this.function, jobId);

    this.deadLetterQueue =
      props.deadLetterQueue ??
      new sqs.Queue(this, 'DeadLetterQueue', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        retentionPeriod: Duration.days(14),
      });

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: jobId,
      scheduleGroup: props.ledger.scheduleGroup,
      schedule: scheduler.ScheduleExpression.expression(
        props.schedule.expression,
        TimeZone.of(props.schedule.timezone),
      ),
      start: props.start,
      end: props.end,
      enabled: this.definition.enabled,
      description: props.description,
      timeWindow: props.flexibleTimeWindow
        ? scheduler.TimeWindow.flexible(props.flexibleTimeWindow)
        : scheduler.TimeWindow.off(),
      target: new targets.LambdaInvoke(this.function, {
        input: scheduler.ScheduleTargetInput.fromObject(this.eventTemplate(jobId)),
        maxEventAge: props.schedulerRetry?.maximumEventAge ?? Duration.hours(1),
        retryAttempts: props.schedulerRetry?.maximumRetryAttempts ?? 10,
        deadLetterQueue: this.deadLetterQueue,
      }),
    });

    // Registered once the schedule exists, so the sweeper never expects runs of a schedule
    // that failed to deploy.
    const registration = new JobRegistration(this, 'Registration', {
      ledger: props.ledger,
      definition: this.definition,
      updatedAt: now,
    });
    registration.node.addDependency(this.schedule);

    if (engine) this.advise(engine, now);
  }

  /** The event Scheduler sends; it fills in the context attributes at each delivery. */
  private eventTemplate(jobId: string): Record<string, unknown> {
    const context: SchedulerContext = {
      jobId,
      scheduledTime: scheduler.ContextAttribute.scheduledTime,
      scheduleArn: scheduler.ContextAttribute.scheduleArn,
      executionId: scheduler.ContextAttribute.executionId,
      attemptNumber: scheduler.ContextAttribute.attemptNumber,
    };
    return { ...this.input, [CONTEXT_KEY]: context };
  }

  private bundle(
    props: ScheduledJobProps,
    entry: string,
    jobEnvironment: Record<string, string>,
  ): lambda.Function {
    return new nodejs.NodejsFunction(this, 'Function', {
      entry,
      handler: this.handlerName,
      runtime: props.runtime ?? DEFAULT_RUNTIME,
      timeout: Duration.seconds(this.definition.timeoutSeconds),
      memorySize: props.memorySize ?? 256,
      description: props.description,
      environment: { ...this.environment, ...jobEnvironment },
      bundling: ESM_BUNDLING,
      depsLockFilePath: lockFileOf(entry),
    });
  }

  private adopt(fn: lambda.IFunction, jobEnvironment: Record<string, string>): lambda.IFunction {
    if (fn instanceof lambda.Function) {
      for (const [name, value] of Object.entries(jobEnvironment)) fn.addEnvironment(name, value);
    } else {
      Annotations.of(this).addWarningV2(
        'cronledger:function-environment',
        `The job cannot set the environment of ${fn.node.path}: set ` +
          `${JobEnvironment.tableName} and ${JobEnvironment.job} on it yourself, or the ` +
          'wrapper cannot find its ledger and definition.',
      );
    }
    return fn;
  }

  private buildDefinition(props: ScheduledJobProps, jobId: string): JobDefinition {
    const timeout = props.timeout ?? functionTimeout(props.function) ?? Duration.minutes(1);
    const retention = props.retention ?? {};
    return {
      jobId,
      schedule: {
        expression: props.schedule.expression,
        timezone: props.schedule.timezone,
        ...(props.start ? { start: props.start.toISOString() } : {}),
        ...(props.end ? { end: props.end.toISOString() } : {}),
      },
      enabled: props.enabled ?? true,
      flexibleWindowMinutes: props.flexibleTimeWindow?.toMinutes() ?? 0,
      maxConcurrency: props.maxConcurrency ?? 1,
      overlap: props.overlap ?? 'skip',
      misfireGraceSeconds: (props.misfireGrace ?? Duration.minutes(5)).toSeconds(),
      retryAttempts: props.retryAttempts ?? 2,
      timeoutSeconds: timeout.toSeconds(),
      retention: {
        succeededDays: retention.succeeded?.toDays() ?? RetentionDefaults.succeededDays,
        otherDays: retention.other?.toDays() ?? RetentionDefaults.otherDays,
      },
    };
  }

  /** Checks every prop that has a rule, before anything is built. */
  private validate(props: ScheduledJobProps, jobId: string): void {
    if (!Token.isUnresolved(jobId) && !JOB_ID.test(jobId)) {
      throw invalidProp(this, 'jobId', 'be 1-64 letters, digits, `_`, `.` or `-`', jobId);
    }
    this.validateFunction(props);

    const retry = props.schedulerRetry ?? {};
    const retention = props.retention ?? {};
    checkDuration(this, 'timeout', props.timeout, Duration.seconds(1), Duration.minutes(15));
    checkInteger(this, 'memorySize', props.memorySize, 128, 10_240);
    checkDuration(this, 'flexibleTimeWindow', props.flexibleTimeWindow, MINUTE, DAY, 'minutes');
    checkDuration(this, 'schedulerRetry.maximumEventAge', retry.maximumEventAge, MINUTE, DAY);
    checkInteger(this, 'schedulerRetry.maximumRetryAttempts', retry.maximumRetryAttempts, 0, 185);
    checkInteger(this, 'retryAttempts', props.retryAttempts, 0, 2);
    checkDuration(this, 'maxEventAge', props.maxEventAge, MINUTE, Duration.hours(6));
    checkDuration(this, 'retention.succeeded', retention.succeeded, DAY, TEN_YEARS, 'days');
    checkDuration(this, 'retention.other', retention.other, DAY, TEN_YEARS, 'days');
    checkDuration(this, 'misfireGrace', props.misfireGrace, Duration.seconds(0), DAY);
    checkInteger(this, 'maxConcurrency', props.maxConcurrency, 1, 10);
    if (props.overlap !== undefined && props.overlap !== 'skip' && props.overlap !== 'allow') {
      throw invalidProp(this, 'overlap', "be 'skip' or 'allow'", props.overlap);
    }
    if (props.overlap === 'allow' && props.maxConcurrency !== undefined) {
      throw invalidProp(
        this,
        'maxConcurrency',
        "be left out with overlap 'allow'",
        props.maxConcurrency,
      );
    }
    if (
      props.input !== undefined &&
      (typeof props.input !== 'object' || props.input === null || Array.isArray(props.input))
    ) {
      throw invalidProp(this, 'input', 'be an object of static fields', props.input);
    }
    const notJson = props.input && nonJsonPart(props.input, 'input');
    if (notJson) {
      throw invalidProp(
        this,
        'input',
        'hold only JSON: strings, finite numbers, booleans, null, arrays and plain objects',
        notJson,
      );
    }
    if (props.input && CONTEXT_KEY in props.input) {
      throw invalidProp(
        this,
        'input',
        `not use the key \`${CONTEXT_KEY}\`, which the job fills in`,
        props.input,
      );
    }
    if (props.logLevel !== undefined && !LOG_LEVELS.includes(props.logLevel)) {
      throw invalidProp(this, 'logLevel', `be one of ${LOG_LEVELS.join(', ')}`, props.logLevel);
    }
    const { description } = props;
    if (description !== undefined && !Token.isUnresolved(description)) {
      if (description.length > MAX_DESCRIPTION) {
        throw invalidProp(
          this,
          'description',
          `be at most ${MAX_DESCRIPTION} characters, as Lambda allows`,
          `${description.length} characters`,
        );
      }
    }
    const reserved = Object.keys(props.environment ?? {}).filter((name) =>
      RESERVED_ENVIRONMENT.includes(name),
    );
    if (reserved.length > 0) {
      throw invalidProp(
        this,
        'environment',
        'not set the CRONLEDGER_* variables',
        reserved.join(', '),
      );
    }
  }

  private validateFunction(props: ScheduledJobProps): void {
    if (props.entry === undefined && props.function === undefined) {
      throw invalidProp(this, 'entry', 'be given when `function` is not', undefined);
    }
    const sharedWith = props.function && jobsByFunction(this).get(functionKey(props.function));
    if (sharedWith && props.function) {
      throw invalidProp(
        this,
        'function',
        `be a function of this job alone: ${sharedWith} runs it already, and each job's ` +
          'function carries its own definition',
        props.function.node.path,
      );
    }
    if (props.entry !== undefined && props.function !== undefined) {
      throw invalidProp(
        this,
        'function',
        'be left out when `entry` is given',
        props.function.node.path,
      );
    }
    if (props.function !== undefined) {
      const misplaced = FUNCTION_ONLY_WITH_ENTRY.find((name) => props[name] !== undefined);
      if (misplaced) {
        throw invalidProp(
          this,
          misplaced,
          'be left out with `function`: configure the function itself',
          props[misplaced],
        );
      }
    }
    if (props.entry !== undefined && !Token.isUnresolved(props.entry)) {
      if (!existsSync(resolve(props.entry))) {
        throw invalidProp(
          this,
          'entry',
          `name an existing file (a relative path is read from ${process.cwd()})`,
          props.entry,
        );
      }
    }
    if (props.handler !== undefined && !JS_IDENTIFIER.test(props.handler)) {
      throw invalidProp(this, 'handler', 'be the name of an export of `entry`', props.handler);
    }
    if (props.runtime && !isSupportedRuntime(props.runtime)) {
      throw invalidProp(this, 'runtime', 'be Node.js 22 or newer', props.runtime.name);
    }
  }

  /** The schedule as EventBridge Scheduler reads it, or undefined when it holds tokens. */
  private parse(props: ScheduledJobProps): Schedule | undefined {
    const { expression, timezone } = props.schedule;
    if (Token.isUnresolved(expression) || Token.isUnresolved(timezone)) return undefined;
    try {
      return parseSchedule({ expression, timezone, start: props.start, end: props.end });
    } catch (error) {
      if (error instanceof ScheduleError) throw invalidSchedule(this, error);
      throw error;
    }
  }

  /** Synth-time advice about a schedule that will not run the way it reads. */
  private advise(engine: Schedule, now: Date): void {
    const { expression, timezone } = engine;
    const changes = dstChanges(engine, now, new Date(now.getTime() + DST_LOOKAHEAD_MS));
    if (changes.length > 0) {
      const skipped = changes.filter((c) => c.kind === 'skipped').map((c) => c.localTime);
      const merged = changes.filter((c) => c.kind === 'merged').map((c) => c.localTime);
      const parts = [
        skipped.length > 0 ? `no run at ${skipped.join(', ')} (the time does not exist)` : '',
        merged.length > 0 ? `one run for ${merged.join(', ')} (the time occurs twice)` : '',
      ];
      Annotations.of(this).addWarningV2(
        'cronledger:dst',
        `${expression} in ${timezone} meets daylight saving time in the next 12 months: ` +
          `${parts.filter(Boolean).join('; ')}. Schedule in UTC, or at a local time ` +
          'outside the change, to run every day.',
      );
    }

    if (engine.next(now) === undefined) {
      Annotations.of(this).addWarningV2(
        engine.kind === 'at' ? 'cronledger:at-in-past' : 'cronledger:never-runs',
        engine.kind === 'at'
          ? `${expression} in ${timezone} is in the past: the schedule will never run.`
          : `${expression} in ${timezone} has no scheduled time after now within its start, ` +
              'end and years (the last is 2199): the schedule will never run.',
      );
    }

    const { misfireGraceSeconds } = this.definition;
    if (misfireGraceSeconds < MINUTE.toSeconds()) {
      Annotations.of(this).addWarningV2(
        'cronledger:short-misfire-grace',
        `The misfire grace (${misfireGraceSeconds} s) is shorter than the minute within which ` +
          'EventBridge Scheduler delivers: most runs would be recorded MISSED and not run.',
      );
    }

    const intervalSeconds = engine.minIntervalSeconds(now);
    const { timeoutSeconds } = this.definition;
    if (intervalSeconds !== undefined && timeoutSeconds > intervalSeconds) {
      Annotations.of(this).addWarningV2(
        'cronledger:timeout-exceeds-interval',
        `The timeout (${timeoutSeconds} s) is longer than the shortest interval of ` +
          `${expression} (${intervalSeconds} s): a run that takes its full time overlaps ` +
          `the next one, which the job records SKIPPED unless overlap is 'allow'.`,
      );
    }
  }
}

const MINUTE = Duration.minutes(1);
const DAY = Duration.days(1);
const TEN_YEARS = Duration.days(3650);
const UNIT_MS = { seconds: 1000, minutes: 60_000, days: 86_400_000 } as const;

function checkInteger(
  scope: Construct,
  prop: string,
  value: number | undefined,
  min: number,
  max: number,
): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidProp(scope, prop, `be an integer from ${min} to ${max}`, value);
  }
}

function checkDuration(
  scope: Construct,
  prop: string,
  value: Duration | undefined,
  min: Duration,
  max: Duration,
  unit: keyof typeof UNIT_MS = 'seconds',
): void {
  if (value === undefined) return;
  if (!(value instanceof Duration)) {
    throw invalidProp(scope, prop, 'be a Duration, e.g. Duration.minutes(5)', value);
  }
  if (value.isUnresolved()) return;
  const ms = value.toMilliseconds();
  if (ms % UNIT_MS[unit] !== 0 || ms < min.toMilliseconds() || ms > max.toMilliseconds()) {
    const range = `from ${min.toHumanString()} to ${max.toHumanString()}`;
    throw invalidProp(scope, prop, `be whole ${unit} ${range}`, value);
  }
}

/** Per app, the job each function runs for, so that no two jobs share one. */
const JOBS_BY_FUNCTION = new WeakMap<IConstruct, Map<string, string>>();

function jobsByFunction(scope: IConstruct): Map<string, string> {
  const { root } = scope.node;
  const jobs = JOBS_BY_FUNCTION.get(root) ?? new Map<string, string>();
  JOBS_BY_FUNCTION.set(root, jobs);
  return jobs;
}

/**
 * What a function is, whichever handle names it: a version or an alias stands for its
 * function, and two imports of one name or ARN are one function.
 */
function functionKey(fn: lambda.IFunction): string {
  const underlying = 'lambda' in fn ? (fn.lambda as lambda.IFunction) : fn;
  const stack = Stack.of(underlying);
  return `${stack.node.path}:${JSON.stringify(stack.resolve(underlying.functionArn))}`;
}

/**
 * The first part of a value that JSON cannot carry as it is, described with its path, e.g.
 * "a function at input.callback"; undefined when the whole value is JSON.
 */
function nonJsonPart(value: unknown, path: string, ancestors: unknown[] = []): string | undefined {
  // A token resolves to JSON at synth, as ScheduleTargetInput.fromObject renders it.
  if (Token.isUnresolved(value)) {
    return undefined;
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return undefined;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : `${value} at ${path}`;
  }
  if (typeof value !== 'object') {
    return `a ${typeof value} at ${path}`;
  }
  if (ancestors.includes(value)) {
    return `a cycle at ${path}`;
  }
  const prototype = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) {
    return `a ${value.constructor?.name ?? 'class instance'} at ${path}`;
  }
  const inner = [...ancestors, value];
  for (const [key, item] of Object.entries(value)) {
    const found = nonJsonPart(
      item,
      Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`,
      inner,
    );
    if (found) {
      return found;
    }
  }
  return undefined;
}

function functionTimeout(fn: lambda.IFunction | undefined): Duration | undefined {
  return fn instanceof lambda.Function ? fn.timeout : undefined;
}
