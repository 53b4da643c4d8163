import type { JobDefinition } from '../functions/job-definition.ts';
import type { Ledger } from '../functions/ledger/ledger.ts';
import { averageDurationMs } from '../functions/ledger/records.ts';
import { RunStatus } from '../functions/ledger/status.ts';
import { formatUtc, parseSchedule } from '../schedule/index.ts';
import type { LocalJob } from './app-loader.ts';

/** One finished attempt, as `npm start` prints it. */
export interface AttemptLine {
  readonly jobId: string;
  readonly scheduledTime: string;
  readonly status: RunStatus;
  readonly attempt: number;
  readonly durationMs?: number;
  readonly deliveries: number;
  /** No further attempt of this run will come. */
  readonly final: boolean;
  readonly error?: string;
}

/** A job's runs in the window, as read back from the ledger. */
export interface JobSummary {
  readonly jobId: string;
  readonly runs: number;
  readonly statuses: Partial<Record<RunStatus, number>>;
  readonly deliveries: number;
  readonly averageDurationMs?: number;
  readonly nextRunTime?: string;
}

export async function summarize(
  ledger: Ledger,
  jobs: readonly LocalJob[],
  from: Date,
  until: Date,
): Promise<JobSummary[]> {
  const summaries: JobSummary[] = [];
  for (const { definition } of jobs) {
    const runs = await ledger.listRuns(definition.jobId, {
      from: formatUtc(from),
      until: formatUtc(until),
      oldestFirst: true,
    });
    const statuses: Partial<Record<RunStatus, number>> = {};
    for (const run of runs) {
      statuses[run.status] = (statuses[run.status] ?? 0) + 1;
    }
    const job = await ledger.getJob(definition.jobId);
    summaries.push({
      jobId: definition.jobId,
      runs: runs.length,
      statuses,
      deliveries: runs.reduce((sum, run) => sum + run.deliveries, 0),
      averageDurationMs: job ? averageDurationMs(job) : undefined,
      nextRunTime: nextAtOrAfter(definition, from, until),
    });
  }
  return summaries;
}

/** The job's first scheduled time at or after the end of the window. */
function nextAtOrAfter(definition: JobDefinition, from: Date, until: Date): string | undefined {
  const { expression, timezone, start, end } = definition.schedule;
  const next = parseSchedule({
    expression,
    timezone,
    start: start ? new Date(start) : undefined,
    end: end ? new Date(end) : undefined,
    anchor: from,
  }).next(new Date(until.getTime() - 1));
  return next ? formatUtc(next) : undefined;
}

/**
 * Formats attempt lines in aligned columns; the widths fit the app's job ids. A line that
 * repeats the one before it for the same run, told only that it has become final, is left
 * out: `--json` carries `final`, a table for people would show the same row twice.
 */
export class AttemptPrinter {
  private readonly idWidth: number;
  private readonly lastRowByRun = new Map<string, string>();

  constructor(jobIds: readonly string[]) {
    this.idWidth = Math.max(6, ...jobIds.map((id) => id.length));
  }

  header(): string {
    const columns = ['SCHEDULED (UTC)'.padEnd(21), 'JOB'.padEnd(this.idWidth), 'STATUS'.padEnd(13)];
    return `${columns.join(' ')} ATTEMPT  DURATION  DELIVERIES`;
  }

  /** The row for an attempt, or undefined when it would repeat the run's last row. */
  line(attempt: AttemptLine): string | undefined {
    const row = this.format(attempt);
    const run = `${attempt.jobId}@${attempt.scheduledTime}`;
    if (this.lastRowByRun.get(run) === row) {
      return undefined;
    }
    this.lastRowByRun.set(run, row);
    return row;
  }

  private format(attempt: AttemptLine): string {
    const duration = attempt.durationMs === undefined ? '-' : `${attempt.durationMs} ms`;
    const columns = [
      attempt.scheduledTime.padEnd(21),
      attempt.jobId.padEnd(this.idWidth),
      attempt.status.padEnd(13),
      String(attempt.attempt).padStart(7),
      duration.padStart(9),
      String(attempt.deliveries).padStart(11),
    ];
    return `${columns.join(' ')}${attempt.error ? `  ${attempt.error}` : ''}`;
  }
}

export function summaryTable(summaries: readonly JobSummary[]): string[] {
  const statuses = Object.values(RunStatus).filter((status) =>
    summaries.some((job) => job.statuses[status]),
  );
  const idWidth = Math.max(6, ...summaries.map((job) => job.jobId.length));
  const header = [
    'JOB'.padEnd(idWidth),
    'RUNS'.padStart(5),
    ...statuses.map((status) => status.padStart(Math.max(status.length, 4))),
    'AVG MS'.padStart(7),
    'NEXT RUN (UTC)',
  ];
  const rows = summaries.map((job) =>
    [
      job.jobId.padEnd(idWidth),
      String(job.runs).padStart(5),
      ...statuses.map((status) =>
        String(job.statuses[status] ?? 0).padStart(Math.max(status.length, 4)),
      ),
      (job.averageDurationMs === undefined ? '-' : String(job.averageDurationMs)).padStart(7),
      job.nextRunTime ?? '-',
    ].join(' '),
  );
  return [header.join(' '), ...rows];
}
