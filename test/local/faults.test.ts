import { describe, expect, it } from 'vitest';
import { FaultPlan, parseProbability } from '../../local/faults.ts';

const runs = Array.from({ length: 10_000 }, (_, index) => `job@${index}`);

describe('FaultPlan', () => {
  it('draws the same faults for the same seed, whatever the order of the questions', () => {
    const options = { duplicates: 0.3, late: 0.2, crash: 0.4, seed: 7 };
    const forward = new FaultPlan(options);
    const backward = new FaultPlan(options);

    const asked = runs.slice(0, 200).map((run) => forward.crashOf(run));
    const askedBackward = [...runs.slice(0, 200)].reverse().map((run) => backward.crashOf(run));

    expect(askedBackward.reverse()).toEqual(asked);
  });

  it('strikes about the share of runs it is given, and another seed strikes others', () => {
    const plan = new FaultPlan({ duplicates: 0.3, late: 0, crash: 0, seed: 1 });
    const other = new FaultPlan({ duplicates: 0.3, late: 0, crash: 0, seed: 2 });

    const duplicated = runs.filter((run) => plan.deliveriesOf(run) === 2);
    const duplicatedByOther = runs.filter((run) => other.deliveriesOf(run) === 2);

    // 30% of 10,000 is 3,000; a fair draw stays within 3 standard deviations (~140) of it.
    expect(duplicated.length).toBeGreaterThan(2_860);
    expect(duplicated.length).toBeLessThan(3_140);
    expect(duplicatedByOther).not.toEqual(duplicated);
  });

  it('never strikes at 0 and always at 1', () => {
    const never = new FaultPlan({ duplicates: 0, late: 0, crash: 0, seed: 1 });
    const always = new FaultPlan({ duplicates: 1, late: 1, crash: 1, seed: 1 });

    expect(runs.some((run) => never.deliveriesOf(run) !== 1 || never.isLate(run))).toBe(false);
    expect(runs.some((run) => never.crashOf(run) !== undefined)).toBe(false);
    expect(runs.every((run) => always.deliveriesOf(run) === 2 && always.isLate(run))).toBe(true);
    const points = new Set(runs.map((run) => always.crashOf(run)));
    expect(points).toEqual(new Set(['before-claim', 'mid-run']));
  });
});

describe('parseProbability', () => {
  it.each(['0', '1', '0.5', '.25', '1.0'])('reads %s', (raw) => {
    expect(parseProbability('crash', raw)).toBe(Number(raw));
  });

  it.each(['1.5', '-0.1', ' 0.5', '0x1', '1e-3', ''])('refuses %j, naming the option', (raw) => {
    expect(() => parseProbability('crash', raw)).toThrow(
      `--crash must be a probability from 0 to 1, got: ${raw}`,
    );
  });
});
