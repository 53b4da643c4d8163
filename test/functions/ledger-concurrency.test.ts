import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobDefinition } from '../../functions/job-definition.ts';
import type { ClaimOutcome } from '../../functions/ledger/ledger.ts';
import { RunStatus } from '../../functions/ledger/status.ts';
import {
  createTestLedger,
  deliveryOf,
  registerUniqueJob,
  type TestLedger,
} from '../support/ledger.ts';

let store: TestLedger;

beforeAll(async () => {
  store = await createTestLedger();
});

afterAll(async () => {
  await store.drop();
});

/** A job of its own per test, registered before its first delivery as ScheduledJob does. */
async function registeredJob(overrides: Partial<JobDefinition> = {}): Promise<JobDefinition> {
  return registerUniqueJob(store.ledger, Date.parse('2026-03-01T00:00:00Z'), overrides);
}

function kinds(outcomes: readonly ClaimOutcome[]): Record<string, number> {
  const counted: Record<string, number> = {};
  for (const outcome of outcomes) {
    counted[outcome.kind] = (counted[outcome.kind] ?? 0) + 1;
  }
  return counted;
}

/** `YYYY-MM-DDTHH:MM:SSZ` for an instant given in epoch milliseconds. */
function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/**
 * Trial n delivers the run scheduled n minutes after 06:00 `deliveries` times at once, 5 s
 * late with a 30 s lease, so each trial's slot lease has expired by the next trial and every
 * trial starts from a free slot. Returns what each failing trial saw, so that one failure
 * does not hide whether it repeats.
 */
async function claimRaces(job: JobDefinition, trials: number, deliveries: number) {
  const firstMs = Date.parse('2026-03-02T06:00:00Z');
  const failures: string[] = [];
  for (let trial = 0; trial < trials; trial += 1) {
    const scheduledTime = utc(firstMs + trial * 60_000);
    const nowMs = firstMs + trial * 60_000 + 5_000;
    const outcomes = await Promise.all(
      Array.from({ length: deliveries }, () =>
        store.ledger.claim(deliveryOf(job, scheduledTime, nowMs, 30_000)),
      ),
    );
    const counted = kinds(outcomes);
    const run = await store.ledger.getRun(job.jobId, scheduledTime);
    if (
      counted.claimed !== 1 ||
      counted.duplicate !== deliveries - 1 ||
      run?.deliveries !== deliveries ||
      run.status !== RunStatus.RUNNING ||
      run.attempt !== 1
    ) {
      failures.push(
        `${scheduledTime}: ${JSON.stringify(counted)}, run ${run?.status} attempt ` +
          `${run?.attempt} deliveries ${run?.deliveries}`,
      );
    }
  }
  return failures;
}

describe('Ledger.claim under concurrent deliveries', () => {
  it('claims a run once when 50 deliveries arrive at once, over 200 trials', async () => {
    // Prepare: one job with one slot, a run every minute.
    const job = await registeredJob({
      schedule: { expression: 'rate(1 minute)', timezone: 'UTC' },
    });
    const startedAt = performance.now();

    // Act
    const failures = await claimRaces(job, 200, 50);

    // Assess
    const elapsedMs = performance.now() - startedAt;
    console.info(`200 trials of 50 concurrent claims took ${Math.round(elapsedMs)} ms`);
    expect(failures).toEqual([]);
  }, 240_000);

  it('claims a run once among 50 deliveries when overlap is allowed, in 50 trials', async () => {
    // Prepare: no slot is taken, so the claim is a single conditional update of the run.
    const job = await registeredJob({
      schedule: { expression: 'rate(1 minute)', timezone: 'UTC' },
      overlap: 'allow',
    });

    // Act
    const failures = await claimRaces(job, 50, 50);

    // Assess
    expect(failures).toEqual([]);
  }, 120_000);

  it('lets only the claimed delivery run: its token is the one the run records', async () => {
    const job = await registeredJob();
    const nowMs = Date.parse('2026-03-02T09:00:03Z');

    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () =>
        store.ledger.claim(deliveryOf(job, '2026-03-02T09:00:00Z', nowMs)),
      ),
    );

    const claims = outcomes.flatMap((outcome) =>
      outcome.kind === 'claimed' ? [outcome.claim] : [],
    );
    expect(claims).toHaveLength(1);
    const run = await store.ledger.getRun(job.jobId, '2026-03-02T09:00:00Z');
    expect(run?.claimToken).toBe(claims[0]?.token);
    expect(run?.slot).toBe('0');
    const jobRecord = await store.ledger.getJob(job.jobId);
    expect(jobRecord?.slots).toEqual({
      '0': {
        scheduledTime: '2026-03-02T09:00:00Z',
        token: claims[0]?.token,
        expiresAt: nowMs + 60_000,
      },
    });
  });
  it('gives an expired lease to exactly one of 50 concurrent retries, as attempt 2', async () => {
    // Prepare: attempt 1 claimed at 10:00:01 with a 60 s lease (to 10:01:01), never finished.
    const job = await registeredJob();
    await store.ledger.claim(
      deliveryOf(job, '2026-03-02T10:00:00Z', Date.parse('2026-03-02T10:00:01Z')),
    );

    // Act: 50 retries arrive together at 10:02.
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () =>
        store.ledger.claim(
          deliveryOf(job, '2026-03-02T10:00:00Z', Date.parse('2026-03-02T10:02:00Z')),
        ),
      ),
    );

    // Assess
    expect(kinds(outcomes)).toEqual({ claimed: 1, duplicate: 49 });
    const claim = outcomes.find((outcome) => outcome.kind === 'claimed');
    expect(claim?.kind === 'claimed' && claim.claim.attempt).toBe(2);
    expect(await store.ledger.getRun(job.jobId, '2026-03-02T10:00:00Z')).toMatchObject({
      status: RunStatus.RUNNING,
      attempt: 2,
      deliveries: 51,
    });
  });

  it('re-claims a FAILED run for exactly one of 50 concurrent retries', async () => {
    const job = await registeredJob();
    const first = await store.ledger.claim(
      deliveryOf(job, '2026-03-02T11:00:00Z', Date.parse('2026-03-02T11:00:01Z')),
    );
    if (first.kind !== 'claimed') {
      throw new Error('the first delivery should have claimed the run');
    }
    await store.ledger.finish(job, first.claim, {
      status: RunStatus.FAILED,
      finishedAtMs: Date.parse('2026-03-02T11:00:02Z'),
      durationMs: 1_000,
      error: { name: 'Error', message: 'attempt 1 failed' },
    });

    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () =>
        store.ledger.claim(
          deliveryOf(job, '2026-03-02T11:00:00Z', Date.parse('2026-03-02T11:01:02Z')),
        ),
      ),
    );

    expect(kinds(outcomes)).toEqual({ claimed: 1, duplicate: 49 });
    expect(await store.ledger.getRun(job.jobId, '2026-03-02T11:00:00Z')).toMatchObject({
      status: RunStatus.RUNNING,
      attempt: 2,
      deliveries: 51,
    });
  });
});

describe('Ledger.claim with overlapping runs', () => {
  it('never holds more than maxConcurrency slots, skipping runs that find none', async () => {
    // Prepare: ten runs a minute apart, all still running at 10:10 (leases of an hour).
    const job = await registeredJob({
      maxConcurrency: 2,
      misfireGraceSeconds: 3_600,
      schedule: { expression: 'rate(1 minute)', timezone: 'UTC' },
    });
    const nowMs = Date.parse('2026-03-03T10:10:00Z');
    const times = Array.from({ length: 10 }, (_, minute) =>
      utc(Date.parse('2026-03-03T10:00:00Z') + minute * 60_000),
    );

    // Act
    const outcomes = await Promise.all(
      times.map((time) => store.ledger.claim(deliveryOf(job, time, nowMs, 3_600_000))),
    );

    // Assess
    expect(kinds(outcomes)).toEqual({ claimed: 2, skipped: 8 });
    const jobRecord = await store.ledger.getJob(job.jobId);
    expect(Object.keys(jobRecord?.slots ?? {}).sort()).toEqual(['0', '1']);
    expect(jobRecord?.counts).toEqual({ SKIPPED: 8 });
    const runs = await store.ledger.listRuns(job.jobId);
    expect(runs.filter((run) => run.status === RunStatus.RUNNING)).toHaveLength(2);
    expect(runs.filter((run) => run.status === RunStatus.SKIPPED)).toHaveLength(8);
  });

  it('gives a finished run’s slot to exactly one of the next overlapping runs', async () => {
    // Prepare: two runs hold both slots; then one of them finishes.
    const job = await registeredJob({
      maxConcurrency: 2,
      misfireGraceSeconds: 3_600,
      schedule: { expression: 'rate(1 minute)', timezone: 'UTC' },
    });
    const startMs = Date.parse('2026-03-03T11:00:00Z');
    const held = await store.ledger.claim(
      deliveryOf(job, '2026-03-03T11:00:00Z', startMs + 61_000, 3_600_000),
    );
    await store.ledger.claim(deliveryOf(job, '2026-03-03T11:01:00Z', startMs + 61_000, 3_600_000));
    if (held.kind !== 'claimed') {
      throw new Error('the 11:00 run should have been claimed');
    }
    await store.ledger.finish(job, held.claim, {
      status: RunStatus.SUCCEEDED,
      finishedAtMs: startMs + 120_000,
      durationMs: 59_000,
    });
    const times = Array.from({ length: 8 }, (_, index) => utc(startMs + (index + 2) * 60_000));

    // Act: eight later runs arrive together at 11:10, with one slot free.
    const outcomes = await Promise.all(
      times.map((time) => store.ledger.claim(deliveryOf(job, time, startMs + 600_000, 3_600_000))),
    );

    // Assess
    expect(kinds(outcomes)).toEqual({ claimed: 1, skipped: 7 });
    // 11:00 held slot 0 and gave it back; 11:01 still holds slot 1.
    const winner = outcomes.find((outcome) => outcome.kind === 'claimed');
    const slots = (await store.ledger.getJob(job.jobId))?.slots ?? {};
    expect(slots['1']?.scheduledTime).toBe('2026-03-03T11:01:00Z');
    expect(winner?.kind === 'claimed' && winner.claim.slot).toBe('0');
    expect(slots['0']?.token).toBe(winner?.kind === 'claimed' ? winner.claim.token : undefined);
  });

  it('frees both slots once their leases have expired, without any finish', async () => {
    // Prepare: two runs claimed at 12:00:40 with 30 s leases, which end at 12:01:10.
    const job = await registeredJob({
      maxConcurrency: 2,
      misfireGraceSeconds: 3_600,
      schedule: { expression: 'rate(1 minute)', timezone: 'UTC' },
    });
    await Promise.all(
      ['2026-03-03T12:00:00Z', '2026-03-03T12:00:30Z'].map((time) =>
        store.ledger.claim(deliveryOf(job, time, Date.parse('2026-03-03T12:00:40Z'), 30_000)),
      ),
    );
    const times = Array.from({ length: 6 }, (_, index) =>
      utc(Date.parse('2026-03-03T12:02:00Z') + index * 60_000),
    );

    // Act: six runs arrive together at 12:08, long after both leases ended at 12:01:10.
    const outcomes = await Promise.all(
      times.map((time) =>
        store.ledger.claim(deliveryOf(job, time, Date.parse('2026-03-03T12:08:00Z'), 3_600_000)),
      ),
    );

    // Assess
    expect(kinds(outcomes)).toEqual({ claimed: 2, skipped: 4 });
  });

  it('lets every overlapping run claim when the job allows overlap', async () => {
    const job = await registeredJob({
      maxConcurrency: 1,
      overlap: 'allow',
      misfireGraceSeconds: 3_600,
      schedule: { expression: 'rate(1 minute)', timezone: 'UTC' },
    });
    const nowMs = Date.parse('2026-03-03T13:10:00Z');
    const times = Array.from({ length: 10 }, (_, minute) =>
      utc(Date.parse('2026-03-03T13:00:00Z') + minute * 60_000),
    );

    const outcomes = await Promise.all(
      times.map((time) => store.ledger.claim(deliveryOf(job, time, nowMs, 3_600_000))),
    );

    expect(kinds(outcomes)).toEqual({ claimed: 10 });
    expect((await store.ledger.getJob(job.jobId))?.slots).toEqual({});
    const runs = await store.ledger.listRuns(job.jobId);
    expect(runs.every((run) => run.status === RunStatus.RUNNING && run.slot === undefined)).toBe(
      true,
    );
  });
});
