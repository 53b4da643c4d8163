/**
 * The statuses of a run, shared by the wrapper, the sweeper, the local runtime and the tests.
 * docs/run-states.md draws the transitions between them.
 */
export const RunStatus = {
  /** An attempt holds the run's claim and its lease has not expired. */
  RUNNING: 'RUNNING',
  /** The handler returned. */
  SUCCEEDED: 'SUCCEEDED',
  /** The handler threw; a later attempt may claim the run again while attempts remain. */
  FAILED: 'FAILED',
  /** The first delivery came later than the job's misfire grace; the handler did not run. */
  MISSED: 'MISSED',
  /** The job's concurrency limit was reached; the handler did not run. */
  SKIPPED: 'SKIPPED',
  /** The attempt outlived its lease: aborted by the wrapper, or found expired by the sweeper. */
  TIMED_OUT: 'TIMED_OUT',
  /** The sweeper expected the run and no delivery arrived within the grace. */
  NOT_DELIVERED: 'NOT_DELIVERED',
} as const;

export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

/** Statuses that a further attempt may replace, while the job's attempts are not used up. */
export const RETRYABLE_STATUSES: readonly RunStatus[] = [RunStatus.FAILED, RunStatus.TIMED_OUT];

export function isRetryable(status: RunStatus): boolean {
  return RETRYABLE_STATUSES.includes(status);
}
