import { randomUUID } from 'node:crypto';
import { CreateTableCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CONTEXT_KEY, type JobDefinition, JobEnvironment } from '../functions/job-definition.ts';
import { Ledger } from '../functions/ledger/ledger.ts';
import type { AttemptRecord, RunRecord } from '../functions/ledger/records.ts';
import { ledgerTableInput } from '../functions/ledger/schema.ts';
import { isRetryable, RunStatus } from '../functions/ledger/status.ts';
import { sweep } from '../functions/sweeper/sweep.ts';
import { formatUtc, parseSchedule, type Schedule } from '../schedule/index.ts';
import type { LocalJob } from './app-loader.ts';
import { localClient, startDynamoDbLocal } from './dynamodb-local.ts';
import { LocalRuntimeError } from './errors.ts';
import { type Crash, type FaultOptions, FaultPlan, NO_FAULTS } from './faults.ts';
import { type InvokeResult, LocalFunction } from './local-function.ts';
import { type AttemptLine, type JobSummary, summarize } from './report.ts';
import { deleteExpired } from './ttl.ts';

export const LOCAL_TABLE_NAME = 'cronledger-local';
const SWEEP_INTERVAL_MS = 5 * 60_000;
/** Retention is counted in days: deleting expired items once an hour is soon enough. */
const EXPIRY_INTERVAL_MS = 60 * 60_000;
/** Lambda's asynchronous retries come about one and then two minutes after a failure. */
const RETRY_DELAYS_MS = [60_000, 120_000];

export interface RuntimeOptions {
  readonly jobs: readonly LocalJob[];
  /** Replay [from, until) in virtual time; without them, run in real time until stopped. */
  readonly from?: Date;
  readonly until?: Date;
  readonly dataDir?: string;
  /** A DynamoDB that is already running; none is started then. */
  readonly endpoint?: string;
  /** @default 'cronledger-local' */
  readonly tableName?: string;
  readonly faults?: FaultOptions;
  /** Pass the handlers' own log lines through to stderr. */
  readonly functionLogs?: boolean;
  /** Each finished attempt, as it happens. */
  readonly onAttempt: (line: AttemptLine) => void;
  /**
   * An invocation that failed without the ledger recording it: the handler module did not
   * load, the wrapper could not reach the ledger, or the handler does not use defineJob.
   */
  readonly onFunctionError?: (failure: FunctionFailure) => void;
  /** Stops a real-time run. */
  readonly signal?: AbortSignal;
  /** Called once the ledger is ready and the first deliveries are due. */
  readonly onReady?: (info: { endpoint: string; tableName: string }) => void;
}

export interface FunctionFailure {
  readonly jobId: string;
  readonly scheduledTime: string;
  /** `name: message` of the error the function threw. */
  readonly error: string;
}

export interface RuntimeResult {
  readonly summaries: readonly JobSummary[];
  readonly from: Date;
  readonly until: Date;
}

interface Delivery {
  readonly atMs: number;
  readonly job: LocalJob;
  readonly scheduledTime: string;
  readonly event: unknown;
  /** 1 for the delivery Scheduler makes, 2 and 3 for Lambda's retries of it. */
  readonly lambdaAttempt: number;
  /** Lambda's request id for the invocation, the same in each of its retries. */
  readonly requestId: string;
  /** 0, or 1 for the second of a duplicated delivery: with the run, names it for faults. */
  readonly copy: number;
}

/**
 * How many runs the jobs have scheduled in [from, until), counting no further than `limit`
 * + 1 per job, so that a window of centuries is measured as quickly as a day.
 */
export function runsInWindow(
  jobs: readonly LocalJob[],
  from: Date,
  until: Date,
  limit: number,
): { total: number; byJob: Record<string, number> } {
  const byJob: Record<string, number> = {};
  let total = 0;
  for (const job of jobs) {
    const after = new Date(from.getTime() - 1);
    const times = scheduleOf(job.definition, from).nextN(after, limit + 1);
    const count = times.filter((time) => time < until).length;
    byJob[job.definition.jobId] = count;
    total += count;
  }
  return { total, byJob };
}

/**
 * The local runtime: DynamoDB Local as the ledger, our emulation of EventBridge Scheduler
 * firing each job on its schedule, and each job's handler in an execution environment of its
 * own, invoked the way Lambda invokes it asynchronously (retries included). In a replay the
 * clock is virtual: time jumps from one scheduled moment to the next, and the ledger records
 * the replayed day's timestamps.
 */
export async function runLocal(options: RuntimeOptions): Promise<RuntimeResult> {
  const dynamodb = options.endpoint
    ? undefined
    : await startDynamoDbLocal({ dataDir: options.dataDir });
  const endpoint = options.endpoint ?? dynamodb?.endpoint ?? '';
  const client = localClient(endpoint);
  const functions = new Map<string, LocalFunction>();
  const tableName = options.tableName ?? LOCAL_TABLE_NAME;
  try {
    await createTable(client, tableName, endpoint);
    const ledger = new Ledger({
      client: DynamoDBDocumentClient.from(client, {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableName,
    });
    for (const job of options.jobs) {
      const fn = new LocalFunction({
        jobId: job.definition.jobId,
        entry: job.entry,
        handlerName: job.handlerName,
        environment: functionEnvironment(job, endpoint, tableName),
        timeoutMs: job.definition.timeoutSeconds * 1_000,
        logs: options.functionLogs ?? false,
      });
      fn.warm();
      functions.set(job.definition.jobId, fn);
    }
    const engine = new Engine(
      ledger,
      functions,
      new FaultPlan(options.faults ?? NO_FAULTS),
      options.onAttempt,
      options.onFunctionError,
    );
    const replay = options.from !== undefined && options.until !== undefined;
    const from = options.from ?? new Date();
    for (const job of options.jobs) {
      // With --data a later replay keeps the watermark its predecessor left.
      await ledger.registerJob(job.definition, from.getTime(), {
        anchor: rateAnchor(job.definition, from),
        sweepFrom: formatUtc(from),
      });
    }
    options.onReady?.({ endpoint, tableName });
    const until = replay
      ? await engine.replay(options.jobs, from, options.until ?? from, options.signal)
      : await engine.live(options.jobs, from, options.signal);
    // A replay's summary covers its window, whatever the virtual clock ran on to; a replay
    // stopped early covers what it reached.
    const window = replay && !options.signal?.aborted ? (options.until ?? until) : until;
    return { summaries: await summarize(ledger, options.jobs, from, window), from, until: window };
  } finally {
    await Promise.all([...functions.values()].map((fn) => fn.close()));
    client.destroy();
    await dynamodb?.stop();
  }
}

class Engine {
  private readonly pending: Delivery[] = [];
  /** Per run, the deliveries made or planned that have not arrived yet, retries included. */
  private readonly outstanding = new Map<string, number>();
  /** Per run: the attempts printed already, and the last state printed. */
  private readonly printed = new Map<string, { attempts: Set<number>; state: string }>();
  private lastExpiryMs = Number.NEGATIVE_INFINITY;
  /** The end of a replay's window: the emulated Scheduler fires nothing from there on. */
  private expectedUntilMs: number | undefined;

  private readonly jobs = new Map<string, LocalJob>();

  constructor(
    private readonly ledger: Ledger,
    private readonly functions: ReadonlyMap<string, LocalFunction>,
    private readonly faults: FaultPlan,
    private readonly onAttempt: (line: AttemptLine) => void,
    private readonly onFunctionError: ((failure: FunctionFailure) => void) | undefined,
  ) {}

  /**
   * Fires every run scheduled in [from, until) in order, with the sweeper every five
   * minutes, and follows the retries of the last runs past `until`. Returns the moment the
   * virtual clock stopped at. The signal stops it after the moment being delivered.
   */
  async replay(
    jobs: readonly LocalJob[],
    from: Date,
    until: Date,
    signal?: AbortSignal,
  ): Promise<Date> {
    this.remember(jobs);
    this.expectedUntilMs = until.getTime();
    for (const job of jobs) {
      for (const time of scheduleOf(job.definition, from).between(from, until)) {
        this.pending.push(...this.deliveriesFor(job, time.getTime()));
      }
    }
    let nextSweepMs = from.getTime() + SWEEP_INTERVAL_MS;
    let clockMs = from.getTime();
    for (;;) {
      if (signal?.aborted) {
        return new Date(clockMs);
      }
      const dueMs = this.pending.reduce(
        (earliest, delivery) => Math.min(earliest, delivery.atMs),
        Infinity,
      );
      if (dueMs === Infinity) {
        break;
      }
      if (nextSweepMs <= dueMs && nextSweepMs < until.getTime()) {
        clockMs = nextSweepMs;
        await this.sweepAt(clockMs);
        nextSweepMs += SWEEP_INTERVAL_MS;
        continue;
      }
      clockMs = dueMs;
      const due = this.takeDue(dueMs);
      await Promise.all(due.map((delivery) => this.deliver(delivery, delivery.atMs)));
      // Reported once every delivery of the moment has settled, duplicates included.
      const runs = new Map(due.map((delivery) => [runKeyOf(delivery), delivery]));
      for (const { job, scheduledTime } of runs.values()) {
        await this.report(job.definition.jobId, scheduledTime);
      }
    }
    // One last sweep once every attempt has had its time and every run its grace, so that
    // nothing is left RUNNING and nothing missing goes unreported.
    const longestTimeoutMs = Math.max(...jobs.map((job) => job.definition.timeoutSeconds * 1_000));
    const longestGraceMs = Math.max(
      ...jobs.map(
        ({ definition }) =>
          definition.flexibleWindowMinutes * 60_000 + definition.misfireGraceSeconds * 1_000,
      ),
    );
    const endMs = Math.max(until.getTime(), clockMs + longestTimeoutMs) + longestGraceMs + 1_000;
    await this.sweepAt(endMs);
    return new Date(endMs);
  }

  /** Fires runs at their real times until the signal stops the run. */
  async live(jobs: readonly LocalJob[], from: Date, signal?: AbortSignal): Promise<Date> {
    this.remember(jobs);
    const timers = new Set<NodeJS.Timeout>();
    const inFlight = new Set<Promise<void>>();
    const track = (work: Promise<void>): void => {
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    };
    const at = (whenMs: number, action: () => void): void => {
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          action();
        },
        Math.max(0, whenMs - Date.now()),
      );
      timers.add(timer);
    };
    const fireNext = (job: LocalJob, afterMs: number): void => {
      const next = scheduleOf(job.definition, from).next(new Date(afterMs));
      if (!next) {
        return;
      }
      at(next.getTime(), () => {
        for (const delivery of this.deliveriesFor(job, next.getTime())) {
          at(delivery.atMs, () => track(this.deliverLive(delivery, at, track)));
        }
        fireNext(job, next.getTime());
      });
    };
    for (const job of jobs) {
      // A rate schedule without StartDate runs first at its creation: now.
      fireNext(job, from.getTime() - 1);
    }
    const sweepTimer = setInterval(() => track(this.sweepAt(Date.now())), SWEEP_INTERVAL_MS);
    await new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
      }
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    clearInterval(sweepTimer);
    for (const timer of timers) {
      clearTimeout(timer);
    }
    await Promise.all(inFlight);
    return new Date();
  }

  private remember(jobs: readonly LocalJob[]): void {
    for (const job of jobs) {
      this.jobs.set(job.definition.jobId, job);
    }
  }

  private async deliverLive(
    delivery: Delivery,
    at: (whenMs: number, action: () => void) => void,
    track: (work: Promise<void>) => void,
  ): Promise<void> {
    await this.deliver(delivery, Date.now());
    await this.report(delivery.job.definition.jobId, delivery.scheduledTime);
    for (const retry of this.takeDue(Infinity)) {
      at(retry.atMs, () => track(this.deliverLive(retry, at, track)));
    }
  }

  /** The deliveries Scheduler makes for one scheduled time, faults included. */
  private deliveriesFor(job: LocalJob, scheduledMs: number): Delivery[] {
    const { definition } = job;
    const scheduledTime = formatUtc(new Date(scheduledMs));
    const run = runKey(definition.jobId, scheduledTime);
    const count = this.faults.deliveriesOf(run);
    const lateMs =
      definition.flexibleWindowMinutes * 60_000 + definition.misfireGraceSeconds * 1_000 + 60_000;
    const atMs = scheduledMs + (this.faults.isLate(run) ? lateMs : 0);
    const deliveries: Delivery[] = [];
    this.addOutstanding(run, count);
    for (let index = 0; index < count; index += 1) {
      // Every delivery of one scheduled time carries the same scheduled-time attribute but
      // its own execution id, as Scheduler's do.
      deliveries.push({
        atMs,
        job,
        scheduledTime,
        event: eventFor(job, scheduledTime),
        requestId: randomUUID(),
        lambdaAttempt: 1,
        copy: index,
      });
    }
    return deliveries;
  }

  private takeDue(dueMs: number): Delivery[] {
    const due = this.pending.filter((delivery) => delivery.atMs <= dueMs);
    this.pending.splice(
      0,
      this.pending.length,
      ...this.pending.filter((delivery) => delivery.atMs > dueMs),
    );
    return due;
  }

  private addOutstanding(key: string, deliveries: number): void {
    this.outstanding.set(key, (this.outstanding.get(key) ?? 0) + deliveries);
  }

  private async deliver(delivery: Delivery, nowMs: number): Promise<void> {
    const { job } = delivery;
    this.addOutstanding(runKeyOf(delivery), -1);
    const fn = this.functions.get(job.definition.jobId);
    if (!fn) {
      return;
    }
    const crash: Crash = this.faults.crashOf(
      `${runKeyOf(delivery)}#${delivery.copy}#${delivery.lambdaAttempt}`,
    );
    const startedMs = Date.now();
    const result: InvokeResult = await fn.invoke(delivery.event, {
      virtualNowMs: nowMs,
      requestId: delivery.requestId,
      crash,
    });
    const endedMs = nowMs + (Date.now() - startedMs);
    if (result.kind === 'error') {
      await this.checkRecorded(delivery, nowMs, result.error);
    }
    if (result.kind !== 'returned' && delivery.lambdaAttempt <= job.definition.retryAttempts) {
      const delayMs =
        RETRY_DELAYS_MS[delivery.lambdaAttempt - 1] ?? RETRY_DELAYS_MS.at(-1) ?? 60_000;
      this.addOutstanding(runKeyOf(delivery), 1);
      this.pending.push({
        ...delivery,
        atMs: endedMs + delayMs,
        lambdaAttempt: delivery.lambdaAttempt + 1,
      });
    }
  }

  /**
   * A failed invocation whose failure the ledger holds recorded an attempt under its request
   * id during the invocation (Lambda's retries keep the request id, hence the time); any
   * other failure would go unseen, since the ledger has nothing to show for it, so it is
   * passed on. The attempt may no longer be the run's last: a duplicate delivery can have
   * retried the run in the meantime.
   */
  private async checkRecorded(
    delivery: Delivery,
    startedAtMs: number,
    error: { name: string; message: string },
  ): Promise<void> {
    if (!this.onFunctionError) {
      return;
    }
    const { jobId } = delivery.job.definition;
    const run = await this.ledger.getRun(jobId, delivery.scheduledTime);
    const recorded = (run?.attempts ?? []).some(
      (attempt) =>
        attempt.requestId === delivery.requestId && Date.parse(attempt.finishedAt) >= startedAtMs,
    );
    if (!recorded) {
      this.onFunctionError({
        jobId,
        scheduledTime: delivery.scheduledTime,
        error: `${error.name}: ${error.message}`,
      });
    }
  }

  private async sweepAt(nowMs: number): Promise<void> {
    const found = await sweep(this.ledger, nowMs, { expectedUntilMs: this.expectedUntilMs });
    if (nowMs - this.lastExpiryMs >= EXPIRY_INTERVAL_MS) {
      this.lastExpiryMs = nowMs;
      await deleteExpired(this.ledger, nowMs);
    }
    for (const finding of [...found.timedOut, ...found.notDelivered]) {
      await this.report(finding.jobId, finding.scheduledTime);
    }
  }

  /**
   * Prints a run once per finished attempt, earlier attempts included (a duplicate or a
   * takeover may have moved the run on before a report), and its last attempt once more if
   * it becomes final without changing: a retry that was pending died before its claim.
   */
  private async report(jobId: string, scheduledTime: string): Promise<void> {
    const run = await this.ledger.getRun(jobId, scheduledTime);
    if (!run) {
      return;
    }
    const key = runKey(jobId, scheduledTime);
    const shown = this.printed.get(key) ?? { attempts: new Set<number>(), state: '' };
    this.printed.set(key, shown);
    for (const entry of run.attempts ?? []) {
      const current = entry.attempt === run.attempt && run.status !== RunStatus.RUNNING;
      if (!current && !shown.attempts.has(entry.attempt)) {
        shown.attempts.add(entry.attempt);
        this.onAttempt(pastAttemptLine(run, entry));
      }
    }
    if (run.status === RunStatus.RUNNING) {
      return;
    }
    // A delivery still to come may claim a run that failed and has attempts left, or turn a
    // NOT_DELIVERED run into what its delivery finds; nothing else changes a finished run.
    const deliveryPending = (this.outstanding.get(key) ?? 0) > 0;
    const job = this.jobs.get(jobId);
    const attemptsLeft = job !== undefined && run.attempt < job.definition.retryAttempts + 1;
    const changeable =
      run.status === RunStatus.NOT_DELIVERED || (isRetryable(run.status) && attemptsLeft);
    const final = !(changeable && deliveryPending);
    const state = `${run.status}#${run.attempt}#${final}`;
    if (shown.state === state) {
      return;
    }
    shown.state = state;
    shown.attempts.add(run.attempt);
    // The attempt's own record has what the run item may lack: the duration and cause of an
    // attempt that the sweeper ended.
    const entry = run.attempts?.filter((candidate) => candidate.attempt === run.attempt).at(-1);
    this.onAttempt(entry ? { ...pastAttemptLine(run, entry), final } : toLine(run, final));
  }
}

function runKey(jobId: string, scheduledTime: string): string {
  return `${jobId}@${scheduledTime}`;
}

function runKeyOf(delivery: Delivery): string {
  return runKey(delivery.job.definition.jobId, delivery.scheduledTime);
}

function toLine(run: RunRecord, final: boolean): AttemptLine {
  return {
    jobId: run.jobId,
    scheduledTime: run.scheduledTime,
    status: run.status,
    attempt: run.attempt,
    durationMs: run.durationMs,
    deliveries: run.deliveries,
    final,
    error: run.error ? `${run.error.name}: ${run.error.message}` : undefined,
  };
}

/** A finished attempt, from its record in the run; not final unless the caller says so. */
function pastAttemptLine(run: RunRecord, entry: AttemptRecord): AttemptLine {
  return {
    ...toLine(run, false),
    status: entry.status,
    attempt: entry.attempt,
    durationMs: entry.durationMs,
    error: entry.errorName ? `${entry.errorName}: ${entry.errorMessage ?? ''}` : undefined,
  };
}

function eventFor(job: LocalJob, scheduledTime: string): unknown {
  const { jobId } = job.definition;
  return {
    ...job.input,
    [CONTEXT_KEY]: {
      jobId,
      scheduledTime,
      scheduleArn: `arn:aws:scheduler:local:000000000000:schedule/cronledger/${jobId}`,
      executionId: randomUUID(),
      attemptNumber: '1',
    },
  };
}

function scheduleOf(definition: JobDefinition, from: Date): Schedule {
  const { expression, timezone, start, end } = definition.schedule;
  return parseSchedule({
    expression,
    timezone,
    start: start ? new Date(start) : undefined,
    end: end ? new Date(end) : undefined,
    anchor: from,
  });
}

/** A rate schedule without StartDate starts where the local run starts. */
function rateAnchor(definition: JobDefinition, from: Date): string | undefined {
  const { expression, start } = definition.schedule;
  return expression.startsWith('rate(') && !start ? formatUtc(from) : undefined;
}

function functionEnvironment(
  job: LocalJob,
  endpoint: string,
  tableName: string,
): Record<string, string> {
  return {
    ...job.environment,
    [JobEnvironment.tableName]: tableName,
    [JobEnvironment.job]: JSON.stringify(job.definition),
    [JobEnvironment.endpoint]: endpoint,
    AWS_REGION: 'us-east-1',
    // The SDK warns once per process that Node.js 20 support ends in 2027; the README says so.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // DynamoDB Local checks that credentials are present, not what they are.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  };
}

async function createTable(
  client: ReturnType<typeof localClient>,
  tableName: string,
  endpoint: string,
): Promise<void> {
  try {
    await client.send(new CreateTableCommand(ledgerTableInput(tableName)));
  } catch (error) {
    // With --data or --endpoint the ledger of an earlier run is kept, and used.
    if (error instanceof ResourceInUseException) {
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new LocalRuntimeError(
      `could not create the ledger in DynamoDB at ${endpoint}: ${reason}`,
      {
        cause: error,
      },
    );
  }
}
