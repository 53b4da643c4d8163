import { formatUtc, parseSchedule, type Schedule } from '../../schedule/index.ts';
import type { JobDefinition } from '../job-definition.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { JobRecord, RunRecord } from '../ledger/records.ts';

export interface SweepOptions {
  /**
   * At most this many expected runs are compared per job and sweep; a job further behind
   * catches up over the following sweeps.
   * @default 1000
   */
  readonly maxExpectedPerJob?: number;
  /**
   * Expect no run scheduled at or after this instant: a local replay fires nothing past its
   * window.
   * @default - no bound but the cutoff
   */
  readonly expectedUntilMs?: number;
}

export interface SweepFinding {
  readonly jobId: string;
  readonly scheduledTime: string;
}

export interface SweepReport {
  /** Runs whose lease expired with no finish: now TIMED_OUT. */
  readonly timedOut: readonly SweepFinding[];
  /** Expected runs of which no delivery left a trace: now NOT_DELIVERED. */
  readonly notDelivered: readonly SweepFinding[];
  readonly jobsChecked: number;
  /** Jobs whose comparison failed (a definition this version refuses, a throttled read). */
  readonly failures: readonly SweepFailure[];
}

export interface SweepFailure {
  readonly jobId: string;
  /** `name: message` of what went wrong. */
  readonly error: string;
}

/**
 * The dead man's switch. It ends runs whose attempt died without finishing, and records the
 * runs that should have happened and never arrived.
 *
 * A run scheduled at T may still arrive until T + flexible window + misfire grace; after
 * that the wrapper would record it MISSED. So the sweeper compares only up to that cutoff,
 * and everything before the job's watermark (`sweptUntil`) has been compared already. The
 * expected times come from the schedule engine, so DST gaps and repeated hours expect
 * exactly what EventBridge Scheduler fires, never a run it skips.
 */
export async function sweep(
  ledger: Ledger,
  nowMs: number,
  options: SweepOptions = {},
): Promise<SweepReport> {
  const jobs = await ledger.listJobs();
  const definitions = new Map(jobs.map((job) => [job.jobId, job.definition]));

  const leases = await ledger.expiredLeases(nowMs);
  const expired = await Promise.all(
    leases.map(async (lease) => {
      const definition = definitions.get(lease.jobId);
      const run =
        definition && (await ledger.expireRun(definition, lease.jobId, lease.scheduledTime, nowMs));
      return run ? [lease] : [];
    }),
  );
  // Jobs are independent of each other: compare them side by side, and let one job that
  // cannot be compared stop no other.
  const live = jobs.filter((job) => !job.deletedAt);
  const settled = await Promise.allSettled(
    live.map((job) => sweepJob(ledger, job, nowMs, options)),
  );
  const failures: SweepFailure[] = [];
  const notDelivered = settled.flatMap((result, index) => {
    if (result.status === 'fulfilled') {
      return result.value;
    }
    const { reason } = result;
    failures.push({
      jobId: live[index]?.jobId ?? '',
      error: reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason),
    });
    return [];
  });
  return { timedOut: expired.flat(), notDelivered, jobsChecked: live.length, failures };
}

async function sweepJob(
  ledger: Ledger,
  job: JobRecord,
  nowMs: number,
  options: SweepOptions,
): Promise<SweepFinding[]> {
  const limit = options.maxExpectedPerJob ?? 1_000;
  const { definition } = job;
  const schedule = await scheduleOf(ledger, job);
  const lastOnTimeMs =
    nowMs - definition.flexibleWindowMinutes * 60_000 - definition.misfireGraceSeconds * 1_000;
  const cutoffMs =
    Math.floor(Math.min(lastOnTimeMs, options.expectedUntilMs ?? Infinity) / 1_000) * 1_000;
  const nextRun = schedule?.next(new Date(nowMs));
  const nextRunTime = nextRun ? formatUtc(nextRun) : undefined;
  if (job.sweptUntil === undefined) {
    // First sight of the job (a deploy registers it without a watermark): watch from here on.
    await ledger.markSwept(job.jobId, formatUtc(new Date(cutoffMs)), nextRunTime, nowMs);
    return [];
  }
  const fromMs = Date.parse(job.sweptUntil);
  if (!schedule || !definition.enabled || cutoffMs <= fromMs) {
    if (cutoffMs > fromMs) {
      await ledger.markSwept(job.jobId, formatUtc(new Date(cutoffMs)), nextRunTime, nowMs);
    }
    return [];
  }

  let expected = schedule.between(new Date(fromMs), new Date(cutoffMs));
  let sweptUntilMs = cutoffMs;
  if (expected.length > limit) {
    expected = expected.slice(0, limit);
    sweptUntilMs = (expected.at(-1)?.getTime() ?? cutoffMs) + 1_000;
  }
  const found: SweepFinding[] = [];
  const first = expected[0];
  if (first) {
    const recorded = new Set(
      (
        await ledger.listRuns(job.jobId, {
          from: formatUtc(first),
          until: formatUtc(new Date(sweptUntilMs)),
        })
      ).map((run: RunRecord) => run.scheduledTime),
    );
    for (const time of expected) {
      const scheduledTime = formatUtc(time);
      if (
        !recorded.has(scheduledTime) &&
        (await ledger.recordNotDelivered(definition, scheduledTime, nowMs))
      ) {
        found.push({ jobId: job.jobId, scheduledTime });
      }
    }
  }
  await ledger.markSwept(job.jobId, formatUtc(new Date(sweptUntilMs)), nextRunTime, nowMs);
  return found;
}

/**
 * The job's schedule as the sweeper can know it. A rate schedule without StartDate counts
 * from its creation, which only a delivered run reveals: until one has arrived (or the local
 * runtime recorded the anchor) its expected runs are unknown and none is reported.
 */
async function scheduleOf(ledger: Ledger, job: JobRecord): Promise<Schedule | undefined> {
  const spec = specOf(job.definition);
  if (!spec.expression.startsWith('rate(') || spec.start) {
    return parseSchedule(spec);
  }
  const anchor = job.anchor ?? (await ledger.listRuns(job.jobId, { limit: 1 }))[0]?.scheduledTime;
  return anchor ? parseSchedule({ ...spec, anchor: new Date(anchor) }) : undefined;
}

function specOf(definition: JobDefinition) {
  const { expression, timezone, start, end } = definition.schedule;
  return {
    expression,
    timezone,
    start: start ? new Date(start) : undefined,
    end: end ? new Date(end) : undefined,
  };
}
