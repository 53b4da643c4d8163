import { createHash } from 'node:crypto';
import { UsageError } from './errors.ts';

/** Probabilities (0-1) of the faults AWS causes, drawn from a seed. */
export interface FaultOptions {
  /** A scheduled event is delivered twice, at the same moment. */
  readonly duplicates: number;
  /** A scheduled event arrives later than the job's misfire grace. */
  readonly late: number;
  /** An invocation dies: before the wrapper claims the run, or in the middle of the run. */
  readonly crash: number;
  readonly seed: number;
}

export const NO_FAULTS: FaultOptions = { duplicates: 0, late: 0, crash: 0, seed: 1 };

export type Crash = 'before-claim' | 'mid-run' | undefined;

/**
 * The same seed gives the same faults, so that a failing replay can be rerun. Each fault is
 * drawn from the seed and the name of what it strikes (a run, one delivery of it, one
 * invocation), never from a shared sequence: which of two concurrent deliveries reaches the
 * ledger first changes how many invocations there are, and must not change the faults of the
 * runs that follow.
 */
export class FaultPlan {
  constructor(private readonly options: FaultOptions) {}

  /** How many times the run `run` (job and scheduled time) is delivered. */
  deliveriesOf(run: string): number {
    return this.draw('duplicate', run) < this.options.duplicates ? 2 : 1;
  }

  isLate(run: string): boolean {
    return this.draw('late', run) < this.options.late;
  }

  /** Whether and where `invocation` (a delivery and its Lambda attempt) dies. */
  crashOf(invocation: string): Crash {
    if (this.draw('crash', invocation) >= this.options.crash) {
      return undefined;
    }
    return this.draw('crash-point', invocation) < 0.5 ? 'before-claim' : 'mid-run';
  }

  /** A number in [0, 1), the same for the same seed, kind and subject. */
  private draw(kind: string, subject: string): number {
    const digest = createHash('sha256').update(`${this.options.seed}\n${kind}\n${subject}`);
    return digest.digest().readUIntBE(0, 6) / 2 ** 48;
  }
}

/** Reads a probability option, naming it in the error. */
export function parseProbability(name: string, raw: string | undefined): number {
  if (raw === undefined) {
    return 0;
  }
  // Decimal notation only: Number() would also take ' 0.5', '0x1' and '1e-400'.
  const value = /^(0|1)?(\.\d+)?$/.test(raw) && raw !== '' ? Number(raw) : Number.NaN;
  if (!(value >= 0 && value <= 1)) {
    throw new UsageError(`--${name} must be a probability from 0 to 1, got: ${raw}`);
  }
  return value;
}
