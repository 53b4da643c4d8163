import type { JobDefinition } from '../job-definition.ts';
import type { RunStatus } from './status.ts';

/** One run of a job: the item at (RUN#<jobId>, <scheduledTime>). */
export interface RunRecord {
  readonly jobId: string;
  /** The schedule's time for this run, `YYYY-MM-DDTHH:MM:SSZ`. */
  readonly scheduledTime: string;
  readonly status: RunStatus;
  /** The attempt that holds, or last held, the claim; 0 when no attempt ever ran. */
  readonly attempt: number;
  /** Every delivery of this run's event, duplicates and retries included. */
  readonly deliveries: number;
  readonly claimToken?: string;
  /** The job's concurrency slot the claim holds, when the job limits concurrency. */
  readonly slot?: string;
  /** Epoch milliseconds; present only while RUNNING (the `running` index keys on it). */
  readonly leaseExpiresAt?: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Handler time of the last finished attempt, not scheduling lag. */
  readonly durationMs?: number;
  readonly error?: RunErrorRecord;
  /** One entry per finished attempt, oldest first: nothing an earlier attempt recorded is lost. */
  readonly attempts?: readonly AttemptRecord[];
  readonly scheduleArn?: string;
  readonly executionId?: string;
  /** The Lambda request id of the attempt that last claimed the run. */
  readonly requestId?: string;
  /** When the ledger first learnt of this run, ISO-8601. */
  readonly recordedAt: string;
  /** Epoch seconds when DynamoDB's TTL may delete the item. */
  readonly expiresAt?: number;
}

export interface RunErrorRecord {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export interface AttemptRecord {
  readonly attempt: number;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  /** The Lambda request id of the invocation that made the attempt (retries keep it). */
  readonly requestId?: string;
  readonly errorName?: string;
  readonly errorMessage?: string;
}

/** A job: the item at (JOBS, JOB#<jobId>). */
export interface JobRecord {
  readonly jobId: string;
  readonly definition: JobDefinition;
  /** Concurrency slots by number, each a lease held by one RUNNING run. */
  readonly slots: Readonly<Record<string, SlotLease>>;
  readonly registeredAt: string;
  readonly updatedAt?: string;
  readonly deletedAt?: string;
  /** The next fire time after the last change, `YYYY-MM-DDTHH:MM:SSZ`; absent when none is left. */
  readonly nextRunTime?: string;
  readonly lastRun?: LastRunRecord;
  /** Counts of finished attempts by status. */
  readonly counts?: Readonly<Partial<Record<RunStatus, number>>>;
  /** Sum of the durations of SUCCEEDED attempts: with counts.SUCCEEDED, the average. */
  readonly succeededDurationMs?: number;
  /** The sweeper has compared expected runs with the ledger up to here (exclusive). */
  readonly sweptUntil?: string;
  /** The creation time of a rate schedule without StartDate, when known: its first run. */
  readonly anchor?: string;
}

export interface SlotLease {
  readonly scheduledTime: string;
  readonly token: string;
  readonly expiresAt: number;
}

export interface LastRunRecord {
  readonly scheduledTime: string;
  readonly status: RunStatus;
  readonly attempt: number;
  readonly finishedAt: string;
  readonly durationMs?: number;
}

/** The average handler time of a job's SUCCEEDED attempts, or undefined before the first. */
export function averageDurationMs(job: JobRecord): number | undefined {
  const succeeded = job.counts?.SUCCEEDED ?? 0;
  if (succeeded === 0 || job.succeededDurationMs === undefined) {
    return undefined;
  }
  return Math.round(job.succeededDurationMs / succeeded);
}
