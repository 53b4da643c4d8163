/**
 * Errors of the run wrapper and the ledger. Callers tell them apart with `instanceof`; each
 * keeps the data a caller needs to decide what to do next.
 */

/** The event is not one the job's schedule sends: a field is missing or malformed. */
export class InvalidEventError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = 'InvalidEventError';
    this.field = field;
  }
}

/** `CRONLEDGER_JOB` or `CRONLEDGER_TABLE_NAME` is missing or malformed. */
export class JobConfigurationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'JobConfigurationError';
  }
}

/**
 * The ledger could not record a state change, so the wrapper did not run the handler (on a
 * claim) or could not record its outcome (on a finish). `cause` is the DynamoDB error.
 */
export class LedgerUnavailableError extends Error {
  readonly jobId: string;
  readonly scheduledTime: string;

  constructor(jobId: string, scheduledTime: string, action: string, options?: ErrorOptions) {
    const reason = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(
      `could not ${action} the run ${jobId} @ ${scheduledTime} in the ledger${reason}`,
      options,
    );
    this.name = 'LedgerUnavailableError';
    this.jobId = jobId;
    this.scheduledTime = scheduledTime;
  }
}

/** The handler outlived its time; the wrapper aborted it and recorded TIMED_OUT. */
export class RunTimedOutError extends Error {
  readonly jobId: string;
  readonly scheduledTime: string;
  readonly attempt: number;

  constructor(jobId: string, scheduledTime: string, attempt: number, limitMs: number) {
    super(`run ${jobId} @ ${scheduledTime} (attempt ${attempt}) was aborted after ${limitMs} ms`);
    this.name = 'RunTimedOutError';
    this.jobId = jobId;
    this.scheduledTime = scheduledTime;
    this.attempt = attempt;
  }
}
