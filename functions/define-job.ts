import { formatUtc, parseIsoInstant, parseSchedule } from '../schedule/index.ts';
import { now } from './clock.ts';
import {
  InvalidEventError,
  JobConfigurationError,
  LedgerUnavailableError,
  RunTimedOutError,
} from './errors.ts';
import {
  CONTEXT_KEY,
  checkJobDefinition,
  type JobDefinition,
  JobEnvironment,
  type SchedulerContext,
} from './job-definition.ts';
import { createLedger } from './ledger/client.ts';
import type { Claim, ClaimOutcome, Ledger } from './ledger/ledger.ts';
import type { RunErrorRecord } from './ledger/records.ts';
import { RunStatus } from './ledger/status.ts';
import { localHooks } from './local-hooks.ts';
import { Logger } from './logger.ts';

/** What a handler is given for one attempt of one run. */
export interface RunContext<TInput = Record<string, unknown>> {
  readonly jobId: string;
  /** The schedule's time for this run (not the moment of delivery). */
  readonly scheduledTime: Date;
  /** 1 for the first attempt, counted by the ledger across Lambda's retries. */
  readonly attempt: number;
  /** The schedule's static input. */
  readonly input: TInput;
  /** Aborted shortly before the function's deadline; the attempt is then TIMED_OUT. */
  readonly signal: AbortSignal;
  readonly requestId: string;
  readonly log: Logger;
}

export type JobHandler<TInput = Record<string, unknown>> = (
  run: RunContext<TInput>,
) => unknown | Promise<unknown>;

/** The part of Lambda's context object the wrapper reads. */
export interface LambdaContext {
  readonly awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

/** What a delivery came to, as the wrapper returns it to Lambda. */
export interface RunResult {
  readonly jobId: string;
  readonly scheduledTime: string;
  readonly status: RunStatus;
  readonly attempt: number;
  /** `ran`: this delivery ran the handler; the others did not. */
  readonly outcome: 'ran' | 'duplicate' | 'missed' | 'skipped' | 'superseded';
  readonly durationMs?: number;
}

export interface DefineJobOptions {
  /**
   * How long before the function's deadline the handler is aborted, so that TIMED_OUT can
   * still be written.
   * @default - a tenth of the time left, between 200 ms and 3 s
   */
  readonly abortMarginMs?: number;
}

/**
 * Wraps a job's handler for Lambda. Each delivery is claimed in the ledger before the
 * handler runs and its outcome recorded after, as functions/ledger/ledger.ts describes; a
 * delivery that finds its run taken, finished, late or without a free slot returns without
 * running the handler. A failed attempt rethrows so that Lambda retries it.
 */
export function defineJob<TInput = Record<string, unknown>>(
  handler: JobHandler<TInput>,
  options: DefineJobOptions = {},
): (event: unknown, context: LambdaContext) => Promise<RunResult> {
  if (typeof handler !== 'function') {
    throw new TypeError(`defineJob: \`handler\` must be a function, got: ${textOf(handler)}`);
  }
  const { abortMarginMs } = options;
  if (abortMarginMs !== undefined && !(Number.isFinite(abortMarginMs) && abortMarginMs >= 0)) {
    throw new RangeError(
      `defineJob: \`abortMarginMs\` must be a finite number of milliseconds, 0 or more, ` +
        `got: ${abortMarginMs}`,
    );
  }
  let environment: { job: JobDefinition; ledger: Ledger } | undefined;

  return async (event, context) => {
    environment ??= readEnvironment();
    const { job, ledger } = environment;
    const delivery = readEvent(event, job.jobId);
    const receivedAtMs = now();
    const deadlineMs = receivedAtMs + remainingTimeOf(context);
    const log = new Logger(
      {
        jobId: job.jobId,
        scheduledTime: delivery.scheduledTime,
        requestId: context.awsRequestId,
      },
      process.env[JobEnvironment.logLevel],
      undefined,
      now,
    );

    let outcome: ClaimOutcome;
    try {
      outcome = await ledger.claim({
        job,
        scheduledTime: delivery.scheduledTime,
        scheduleArn: delivery.scheduleArn,
        executionId: delivery.executionId,
        requestId: context.awsRequestId,
        nowMs: receivedAtMs,
        deadlineMs,
      });
    } catch (error) {
      log.error('claim failed; the handler did not run', { error: describe(error) });
      throw new LedgerUnavailableError(job.jobId, delivery.scheduledTime, 'claim', {
        cause: error,
      });
    }

    if (outcome.kind !== 'claimed') {
      const { run } = outcome;
      log.info(`delivery not run: ${outcome.kind}`, {
        status: run.status,
        deliveries: run.deliveries,
      });
      return {
        jobId: job.jobId,
        scheduledTime: delivery.scheduledTime,
        status: run.status,
        attempt: run.attempt,
        outcome: outcome.kind,
      };
    }

    const { claim } = outcome;
    const attemptLog = log.with({ attempt: claim.attempt });
    attemptLog.info('run started');
    localHooks.afterClaim?.();
    // Duration is the handler's own time: not the scheduling lag, not the claim.
    const handlerStartMs = now();
    const ran = await runHandler(handler, {
      claim,
      input: delivery.input as TInput,
      log: attemptLog,
      requestId: context.awsRequestId,
      abortAtMs: deadlineMs - abortMargin(deadlineMs - receivedAtMs, options.abortMarginMs),
    });
    const finishedAtMs = now();
    const status =
      ran.kind === 'timed-out'
        ? RunStatus.TIMED_OUT
        : ran.kind === 'failed'
          ? RunStatus.FAILED
          : RunStatus.SUCCEEDED;
    const durationMs = finishedAtMs - handlerStartMs;
    const error = ran.kind === 'succeeded' ? undefined : toErrorRecord(ran.error);

    let accepted: boolean;
    try {
      const finish = await ledger.finish(job, claim, {
        status,
        finishedAtMs,
        durationMs,
        error,
        nextRunTime: nextRunTime(job, delivery.scheduledTime, finishedAtMs),
      });
      accepted = finish.accepted;
    } catch (cause) {
      attemptLog.error('finish failed; the run stays RUNNING until its lease expires', {
        status,
        error: describe(cause),
      });
      throw new LedgerUnavailableError(job.jobId, delivery.scheduledTime, 'finish', { cause });
    }

    if (!accepted) {
      attemptLog.warn('finish refused: a newer attempt holds the run', { status });
    } else if (error) {
      attemptLog.error('run failed', {
        status,
        durationMs,
        error: { name: error.name, message: error.message },
      });
    } else {
      attemptLog.info('run finished', { status, durationMs });
    }
    if (accepted && ran.kind !== 'succeeded') {
      // Rethrown (a RunTimedOutError when aborted) so that Lambda's retries see a failure.
      throw ran.error;
    }
    return {
      jobId: job.jobId,
      scheduledTime: delivery.scheduledTime,
      status: accepted ? status : RunStatus.RUNNING,
      attempt: claim.attempt,
      outcome: accepted ? 'ran' : 'superseded',
      durationMs,
    };
  };
}

interface Attempt {
  readonly claim: Claim;
  readonly input: unknown;
  readonly log: Logger;
  readonly requestId: string;
  readonly abortAtMs: number;
}

type HandlerOutcome =
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'timed-out'; readonly error: RunTimedOutError };

/** Runs the handler until it settles or its time is up, whichever comes first. */
async function runHandler<TInput>(
  handler: JobHandler<TInput>,
  attempt: Attempt,
): Promise<HandlerOutcome> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<'timeout'>((resolve) => {
    // Node arms timers from the event loop's cached time, which lags the clock when the loop
    // is busy, so a timer can fire a little early: re-arm until the abort time has come.
    const arm = (): void => {
      const leftMs = attempt.abortAtMs - now();
      timer = leftMs > 0 ? setTimeout(arm, leftMs) : undefined;
      if (leftMs <= 0) resolve('timeout');
    };
    arm();
  });
  const run: RunContext<TInput> = {
    jobId: attempt.claim.jobId,
    scheduledTime: new Date(attempt.claim.scheduledTime),
    attempt: attempt.claim.attempt,
    input: attempt.input as TInput,
    signal: controller.signal,
    requestId: attempt.requestId,
    log: attempt.log,
  };
  try {
    const settled = await Promise.race([
      Promise.resolve()
        .then(() => handler(run))
        .then(() => 'done' as const),
      timeUp,
    ]);
    if (settled === 'timeout') {
      const limitMs = Math.max(0, attempt.abortAtMs - attempt.claim.startedAtMs);
      const error = new RunTimedOutError(
        attempt.claim.jobId,
        attempt.claim.scheduledTime,
        attempt.claim.attempt,
        limitMs,
      );
      controller.abort(error);
      return { kind: 'timed-out', error };
    }
    return { kind: 'succeeded' };
  } catch (error) {
    // Whatever was thrown, `undefined` and `null` included, is a failure.
    return { kind: 'failed', error };
  } finally {
    clearTimeout(timer);
  }
}

function readEnvironment(): { job: JobDefinition; ledger: Ledger } {
  const tableName = process.env[JobEnvironment.tableName];
  const raw = process.env[JobEnvironment.job];
  if (!tableName || !raw) {
    throw new JobConfigurationError(
      `${JobEnvironment.tableName} and ${JobEnvironment.job} must be set; ScheduledJob sets both`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (cause) {
    throw new JobConfigurationError(
      `${JobEnvironment.job} must be JSON, got: ${raw.slice(0, 80)}`,
      { cause },
    );
  }
  const checked = checkJobDefinition(parsed);
  if ('problem' in checked) {
    throw new JobConfigurationError(`${JobEnvironment.job}: ${checked.problem}`);
  }
  const job = checked.definition;
  // Read once at the cold start, so that a schedule the wrapper cannot read fails every
  // delivery before its claim, not each run after its handler.
  try {
    scheduleOf(job, undefined);
  } catch (cause) {
    throw new JobConfigurationError(
      `${JobEnvironment.job}: \`schedule\` must be one EventBridge Scheduler accepts: ` +
        (cause instanceof Error ? cause.message : String(cause)),
      { cause },
    );
  }
  return {
    job,
    ledger: createLedger(tableName, { endpoint: process.env[JobEnvironment.endpoint] }),
  };
}

/** Lambda's longest timeout: no invocation has more time left than this. */
const MAX_REMAINING_MS = 15 * 60 * 1_000;

/**
 * No schedule reaches this instant: scheduled times end with the local year 2199, which ends
 * by 2200-01-01T12:00Z even in the westernmost zones.
 */
const LAST_SCHEDULED_MS = Date.UTC(2200, 0, 2);

/**
 * The milliseconds left before the function's deadline, from a context checked first: Lambda
 * always passes a request id and a clock; a caller of our own (a test, a script) may not.
 */
function remainingTimeOf(context: LambdaContext): number {
  const { awsRequestId, getRemainingTimeInMillis } = (context ?? {}) as Partial<LambdaContext>;
  if (typeof awsRequestId !== 'string' || awsRequestId === '') {
    throw new InvalidEventError(
      'context.awsRequestId',
      `the Lambda context must carry \`awsRequestId\`, got: ${textOf(awsRequestId)}`,
    );
  }
  if (typeof getRemainingTimeInMillis !== 'function') {
    throw new InvalidEventError(
      'context.getRemainingTimeInMillis',
      'the Lambda context must carry `getRemainingTimeInMillis()`',
    );
  }
  const remainingMs: unknown = context.getRemainingTimeInMillis();
  if (typeof remainingMs !== 'number' || !(remainingMs > 0 && remainingMs <= MAX_REMAINING_MS)) {
    // NaN and Infinity as themselves (JSON would say null), a string in its quotes.
    const got = typeof remainingMs === 'number' ? String(remainingMs) : JSON.stringify(remainingMs);
    throw new InvalidEventError(
      'context.getRemainingTimeInMillis',
      '`getRemainingTimeInMillis()` must return the milliseconds left, more than 0 and at ' +
        `most Lambda's 15 minutes, got: ${got}`,
    );
  }
  return remainingMs;
}

interface ParsedEvent {
  readonly scheduledTime: string;
  readonly scheduleArn: string;
  readonly executionId: string;
  readonly input: Record<string, unknown>;
}

/** Reads the Scheduler context attributes from the event ScheduledJob's input template sends. */
export function readEvent(event: unknown, jobId: string): ParsedEvent {
  if (typeof event !== 'object' || event === null) {
    throw new InvalidEventError(
      'event',
      `the event must be an object, got: ${JSON.stringify(event)}`,
    );
  }
  const { [CONTEXT_KEY]: context, ...input } = event as Record<string, unknown>;
  if (typeof context !== 'object' || context === null) {
    throw new InvalidEventError(
      CONTEXT_KEY,
      `the event must carry \`${CONTEXT_KEY}\` with the Scheduler context attributes, ` +
        `got: ${JSON.stringify(context)}`,
    );
  }
  const attributes = context as Partial<SchedulerContext>;
  if (attributes.jobId !== undefined && attributes.jobId !== jobId) {
    throw new InvalidEventError(
      `${CONTEXT_KEY}.jobId`,
      `\`${CONTEXT_KEY}.jobId\` must be this function's job ${jobId}, got: ${attributes.jobId}`,
    );
  }
  const scheduled =
    typeof attributes.scheduledTime === 'string'
      ? parseIsoInstant(attributes.scheduledTime)
      : undefined;
  const scheduledMs = scheduled?.getTime() ?? Number.NaN;
  // Scheduled times end with 2199, the last year of the cron year field.
  if (!(scheduledMs >= 0 && scheduledMs < LAST_SCHEDULED_MS)) {
    throw new InvalidEventError(
      `${CONTEXT_KEY}.scheduledTime`,
      `\`${CONTEXT_KEY}.scheduledTime\` must be an ISO-8601 instant with a zone, from 1970 ` +
        `to 2199, got: ${textOf(attributes.scheduledTime)}`,
    );
  }
  return {
    // Scheduler sends whole seconds; normalising keeps one key per run whatever the spelling.
    scheduledTime: formatUtc(new Date(Math.floor(scheduledMs / 1_000) * 1_000)),
    scheduleArn: String(attributes.scheduleArn ?? ''),
    executionId: String(attributes.executionId ?? ''),
    input,
  };
}

function nextRunTime(
  job: JobDefinition,
  scheduledTime: string,
  afterMs: number,
): string | undefined {
  // A rate schedule without StartDate counts from its creation, which the function does not
  // know; every run it delivers lies on that grid, so this run anchors it as well.
  const next = scheduleOf(job, new Date(scheduledTime)).next(new Date(afterMs));
  return next ? formatUtc(next) : undefined;
}

function scheduleOf(job: JobDefinition, anchor: Date | undefined) {
  const { schedule } = job;
  return parseSchedule({
    expression: schedule.expression,
    timezone: schedule.timezone,
    start: schedule.start ? new Date(schedule.start) : undefined,
    end: schedule.end ? new Date(schedule.end) : undefined,
    anchor,
  });
}

function abortMargin(remainingMs: number, configuredMs: number | undefined): number {
  return configuredMs ?? Math.min(3_000, Math.max(200, Math.round(remainingMs / 10)));
}

/** What a handler threw, as text: never throws itself, whatever the value. */
function toErrorRecord(error: unknown): RunErrorRecord {
  try {
    if (error instanceof Error) {
      const { name, message, stack } = error;
      return {
        name: textOf(name),
        message: textOf(message),
        ...(typeof stack === 'string' ? { stack } : {}),
      };
    }
    return { name: 'NonError', message: textOf(error) };
  } catch (unreadable) {
    // A proxy or an object whose getters throw: what it is cannot be read, that it failed can.
    return {
      name: 'UnreadableError',
      message: `the handler threw a value that could not be read: ${textOf(unreadable)}`,
    };
  }
}

function describe(error: unknown): { name: string; message: string } {
  const { name, message } = toErrorRecord(error);
  return { name, message };
}

/** A string as it is; anything else as JSON where it has a JSON form, or as String() has it. */
function textOf(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // A BigInt, a cycle, or an object without a prototype: JSON and String() may both refuse.
    try {
      return String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
}
