import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { UsageError } from './errors.ts';

/** Probabilities (0-1) of the faults AWS causes, drawn from one seeded generator. */
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

/** The same seed gives the same faults in the same order, so a failing replay can be rerun. */
export class FaultPlan {
  private readonly random: () => number;

  constructor(private readonly options: FaultOptions) {
    const generator = xoroshiro128plus(options.seed);
    this.random = () => uniformFloat64(generator);
  }

  get enabled(): boolean {
    return this.options.duplicates > 0 || this.options.late > 0 || this.options.crash > 0;
  }

  deliveriesOf(): number {
    return this.draw(this.options.duplicates) ? 2 : 1;
  }

  isLate(): boolean {
    return this.draw(this.options.late);
  }

  crashOf(): Crash {
    if (!this.draw(this.options.crash)) {
      return undefined;
    }
    return this.random() < 0.5 ? 'before-claim' : 'mid-run';
  }

  private draw(probability: number): boolean {
    // Always draw, so that one fault's probability does not shift the others' sequence.
    const value = this.random();
    return value < probability;
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
