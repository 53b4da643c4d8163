import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobDefinition } from '../../functions/job-definition.ts';
import type { Claim, Delivery } from '../../functions/ledger/ledger.ts';
import { RunStatus } from '../../functions/ledger/status.ts';
import { type SweepReport, sweep } from '../../functions/sweeper/sweep.ts';
import { METRIC_NAMESPACE, metricLines } from '../../functions/sweeper.ts';
import {
  claimOrThrow,
  createTestLedger,
  deliveryOf,
  registerUniqueJob,
  type TestLedger,
  testJob,
} from '../support/ledger.ts';

// A table per test: sweep() reads every job in its table.
let store: TestLedger;

beforeEach(async () => {
  store = await createTestLedger();
});

afterEach(async () => {
  await store.drop();
});

async function registeredJob(
  registeredAt: string,
  overrides: Partial<JobDefinition> = {},
): Promise<JobDefinition> {
  return registerUniqueJob(store.ledger, Date.parse(registeredAt), overrides);
}

async function claimed(delivery: Delivery): Promise<Claim> {
  return claimOrThrow(store.ledger, delivery);
}

/** Delivers a run 10 s after its scheduled time and finishes it successfully 1 s later. */
async function ranOnTime(job: JobDefinition, scheduledTime: string): Promise<void> {
  const startMs = Date.parse(scheduledTime) + 10_000;
  const claim = await claimed(deliveryOf(job, scheduledTime, startMs));
  await store.ledger.finish(job, claim, {
    status: RunStatus.SUCCEEDED,
    finishedAtMs: startMs + 1_000,
    durationMs: 1_000,
  });
}

function timesOf(findings: SweepReport['notDelivered']): string[] {
  return findings.map((finding) => finding.scheduledTime);
}

describe('sweep: leases', () => {
  it('records TIMED_OUT for a run whose attempt crashed, once its lease has expired', async () => {
    // Prepare: the 08:00 run is claimed at 08:00:05 with a 60 s lease (to 08:01:05) and its
    // function dies without a finish.
    const job = await registeredJob('2026-05-01T08:00:00Z');
    const delivery = deliveryOf(job, '2026-05-01T08:00:00Z', Date.parse('2026-05-01T08:00:05Z'));
    await claimed(delivery);

    // Act: one sweep while the lease is live, one after it ended.
    const early = await sweep(store.ledger, Date.parse('2026-05-01T08:01:00Z'));
    const late = await sweep(store.ledger, Date.parse('2026-05-01T08:06:00Z'));

    // Assess
    expect(early.timedOut).toEqual([]);
    expect(late.timedOut).toEqual([{ jobId: job.jobId, scheduledTime: '2026-05-01T08:00:00Z' }]);
    const run = await store.ledger.getRun(job.jobId, '2026-05-01T08:00:00Z');
    expect(run).toMatchObject({
      status: RunStatus.TIMED_OUT,
      attempt: 1,
      finishedAt: '2026-05-01T08:06:00.000Z',
    });
    expect(run?.leaseExpiresAt).toBeUndefined();
    expect(await store.ledger.expiredLeases(Date.parse('2026-05-02T00:00:00Z'))).toEqual([]);
    const jobRecord = await store.ledger.getJob(job.jobId);
    expect(jobRecord?.counts).toEqual({ TIMED_OUT: 1 });
    // The attempt's record keeps what the ledger knew of it: claimed 08:00:05, lease of 60 s.
    expect(run?.attempts).toEqual([
      {
        attempt: 1,
        status: 'TIMED_OUT',
        startedAt: '2026-05-01T08:00:05.000Z',
        finishedAt: '2026-05-01T08:06:00.000Z',
        durationMs: 60_000,
        requestId: delivery.requestId,
        errorName: 'LeaseExpired',
        errorMessage: "the attempt's lease ended at 2026-05-01T08:01:05.000Z",
      },
    ]);
    expect(jobRecord?.lastRun).toEqual({
      scheduledTime: '2026-05-01T08:00:00Z',
      status: 'TIMED_OUT',
      attempt: 1,
      finishedAt: '2026-05-01T08:06:00.000Z',
    });
  });

  it('lets the next run claim the crashed run’s slot, because its lease is free', async () => {
    // Prepare: a single slot, held by the crashed 08:00 run until 08:01:05, then swept.
    const job = await registeredJob('2026-05-01T08:00:00Z', { maxConcurrency: 1 });
    await claimed(deliveryOf(job, '2026-05-01T08:00:00Z', Date.parse('2026-05-01T08:00:05Z')));
    await sweep(store.ledger, Date.parse('2026-05-01T08:06:00Z'));

    // Act: the 09:00 run arrives on time.
    const outcome = await store.ledger.claim(
      deliveryOf(job, '2026-05-01T09:00:00Z', Date.parse('2026-05-01T09:00:02Z')),
    );

    // Assess
    expect(outcome.kind).toBe('claimed');
    expect(outcome.kind === 'claimed' && outcome.claim.slot).toBe('0');
  });

  it('leaves a run alone whose finish came before the sweep', async () => {
    const job = await registeredJob('2026-05-01T08:00:00Z');
    await ranOnTime(job, '2026-05-01T08:00:00Z');

    const report = await sweep(store.ledger, Date.parse('2026-05-01T08:30:00Z'));

    expect(report).toEqual({ timedOut: [], notDelivered: [], jobsChecked: 1, failures: [] });
    expect((await store.ledger.getRun(job.jobId, '2026-05-01T08:00:00Z'))?.status).toBe(
      RunStatus.SUCCEEDED,
    );
  });

  it('lets a TIMED_OUT run be claimed again by its retry, as attempt 2', async () => {
    const job = await registeredJob('2026-05-01T08:00:00Z', { retryAttempts: 1 });
    await claimed(deliveryOf(job, '2026-05-01T08:00:00Z', Date.parse('2026-05-01T08:00:05Z')));
    await sweep(store.ledger, Date.parse('2026-05-01T08:06:00Z'));

    const retry = await store.ledger.claim(
      deliveryOf(job, '2026-05-01T08:00:00Z', Date.parse('2026-05-01T08:07:00Z')),
    );

    expect(retry.kind === 'claimed' && retry.claim.attempt).toBe(2);
  });
});

describe('sweep: expected runs', () => {
  it('starts watching a job it sees for the first time, as a deploy leaves it', async () => {
    // Prepare: hourly, registered by a deploy (no watermark) at 05:00 as synth time; nothing
    // ever arrives. The first sweep at 09:30 only sets the watermark to 09:25 (09:30 - 300 s).
    const job = testJob({ jobId: 'fresh-deploy' });
    await store.ledger.registerJob(job, Date.parse('2026-05-01T05:00:00Z'));

    const first = await sweep(store.ledger, Date.parse('2026-05-01T09:30:00Z'));
    // 11:30 - 300 s = 11:25: the runs 10:00 and 11:00 fall after the watermark.
    const second = await sweep(store.ledger, Date.parse('2026-05-01T11:30:00Z'));

    expect(first.notDelivered).toEqual([]);
    expect(timesOf(second.notDelivered)).toEqual(['2026-05-01T10:00:00Z', '2026-05-01T11:00:00Z']);
    expect((await store.ledger.getJob(job.jobId))?.sweptUntil).toBe('2026-05-01T11:25:00Z');
  });

  it('sweeps every other job when one job cannot be compared, and names that one', async () => {
    // Prepare: a job whose stored zone this version refuses (an older one took any case),
    // next to a healthy hourly job missing its 07:00 run.
    const broken = await registeredJob('2026-05-03T06:00:00Z', {
      schedule: { expression: 'cron(0 * * * ? *)', timezone: 'america/new_york' },
    });
    const healthy = await registeredJob('2026-05-03T06:00:00Z');
    await ranOnTime(healthy, '2026-05-03T06:00:00Z');

    // Act: cutoff 07:25.
    const report = await sweep(store.ledger, Date.parse('2026-05-03T07:30:00Z'));

    // Assess
    expect(report.notDelivered).toEqual([
      { jobId: healthy.jobId, scheduledTime: '2026-05-03T07:00:00Z' },
    ]);
    expect(report.failures).toEqual([
      {
        jobId: broken.jobId,
        error:
          'ScheduleError: `timezone` must be spelled as the IANA database spells it, ' +
          'America/New_York, got: america/new_york',
      },
    ]);
  });

  it('records NOT_DELIVERED for a slot with no delivery, not for runs that came', async () => {
    // Prepare: hourly from 06:00; 06:00 and 08:00 arrive, 07:00 does not. At 09:30 with 300 s
    // of grace the cutoff is 09:25, so 09:00 is expected too and missing.
    const job = await registeredJob('2026-05-02T06:00:00Z');
    await ranOnTime(job, '2026-05-02T06:00:00Z');
    await ranOnTime(job, '2026-05-02T08:00:00Z');

    // Act
    const report = await sweep(store.ledger, Date.parse('2026-05-02T09:30:00Z'));

    // Assess
    expect(report.notDelivered).toEqual([
      { jobId: job.jobId, scheduledTime: '2026-05-02T07:00:00Z' },
      { jobId: job.jobId, scheduledTime: '2026-05-02T09:00:00Z' },
    ]);
    expect(await store.ledger.getRun(job.jobId, '2026-05-02T07:00:00Z')).toMatchObject({
      status: RunStatus.NOT_DELIVERED,
      attempt: 0,
      deliveries: 0,
      recordedAt: '2026-05-02T09:30:00.000Z',
    });
    const jobRecord = await store.ledger.getJob(job.jobId);
    expect(jobRecord?.counts).toEqual({ SUCCEEDED: 2, NOT_DELIVERED: 2 });
    expect(jobRecord?.sweptUntil).toBe('2026-05-02T09:25:00Z');
    expect(jobRecord?.nextRunTime).toBe('2026-05-02T10:00:00Z');
  });

  it.each([
    // 10:00 may still arrive until 10:05:00 (300 s of grace); only after that is it missing.
    { sweptAt: '2026-05-03T10:04:59Z', reported: [] },
    { sweptAt: '2026-05-03T10:05:00Z', reported: [] },
    { sweptAt: '2026-05-03T10:05:01Z', reported: ['2026-05-03T10:00:00Z'] },
  ])(
    'reports $reported for a missing 10:00 run swept at $sweptAt',
    async ({ sweptAt, reported }) => {
      const job = await registeredJob('2026-05-03T09:30:00Z');

      const report = await sweep(store.ledger, Date.parse(sweptAt));

      expect(timesOf(report.notDelivered)).toEqual(reported);
      expect(await store.ledger.getRun(job.jobId, '2026-05-03T10:00:00Z')).toEqual(
        reported.length ? expect.objectContaining({ status: RunStatus.NOT_DELIVERED }) : undefined,
      );
    },
  );

  it('counts the flexible time window into the grace', async () => {
    // A 15-minute window and 300 s of grace: 10:00 is missing only after 10:20:00.
    const job = await registeredJob('2026-05-03T09:30:00Z', { flexibleWindowMinutes: 15 });

    const within = await sweep(store.ledger, Date.parse('2026-05-03T10:20:00Z'));
    const after = await sweep(store.ledger, Date.parse('2026-05-03T10:20:01Z'));

    expect(within.notDelivered).toEqual([]);
    expect(after.notDelivered).toEqual([
      { jobId: job.jobId, scheduledTime: '2026-05-03T10:00:00Z' },
    ]);
  });

  it('reports each missing run once: the watermark stops a second report', async () => {
    // Prepare: 10:00 and 11:00 never arrive.
    const job = await registeredJob('2026-05-04T09:30:00Z');
    const first = await sweep(store.ledger, Date.parse('2026-05-04T10:30:00Z'));
    const watermark = (await store.ledger.getJob(job.jobId))?.sweptUntil;

    // Act: the same moment again, then an hour later.
    const again = await sweep(store.ledger, Date.parse('2026-05-04T10:30:00Z'));
    const later = await sweep(store.ledger, Date.parse('2026-05-04T11:30:00Z'));

    // Assess
    expect(timesOf(first.notDelivered)).toEqual(['2026-05-04T10:00:00Z']);
    expect(watermark).toBe('2026-05-04T10:25:00Z');
    expect(again.notDelivered).toEqual([]);
    expect(timesOf(later.notDelivered)).toEqual(['2026-05-04T11:00:00Z']);
    const jobRecord = await store.ledger.getJob(job.jobId);
    expect(jobRecord?.sweptUntil).toBe('2026-05-04T11:25:00Z');
    expect(jobRecord?.counts).toEqual({ NOT_DELIVERED: 2 });
  });

  it('expects nothing of a disabled job and moves its watermark on', async () => {
    const job = await registeredJob('2026-05-05T09:30:00Z', { enabled: false });

    const report = await sweep(store.ledger, Date.parse('2026-05-05T12:30:00Z'));

    expect(report.notDelivered).toEqual([]);
    expect((await store.ledger.getJob(job.jobId))?.sweptUntil).toBe('2026-05-05T12:25:00Z');
  });
});

describe('sweep: daylight saving time', () => {
  it('expects no 02:30 on the New York spring-forward day; reports a real gap', async () => {
    // Prepare: cron(30 2 * * ? *) in America/New_York. On 2026-03-08 clocks jump from 02:00
    // to 03:00 EDT, so 02:30 never happens and Scheduler skips it. The runs are 02:30 EST
    // (07:30Z) on the 7th, then 02:30 EDT (06:30Z) on the 9th and the 10th. One job has all
    // of them, the other lacks the 9th.
    const schedule = { expression: 'cron(30 2 * * ? *)', timezone: 'America/New_York' };
    const complete = await registeredJob('2026-03-06T12:00:00Z', { schedule });
    const gappy = await registeredJob('2026-03-06T12:00:00Z', { schedule });
    for (const time of ['2026-03-07T07:30:00Z', '2026-03-09T06:30:00Z', '2026-03-10T06:30:00Z']) {
      await ranOnTime(complete, time);
      if (time !== '2026-03-09T06:30:00Z') {
        await ranOnTime(gappy, time);
      }
    }

    // Act
    const report = await sweep(store.ledger, Date.parse('2026-03-10T12:00:00Z'));

    // Assess
    expect(report.notDelivered).toEqual([
      { jobId: gappy.jobId, scheduledTime: '2026-03-09T06:30:00Z' },
    ]);
    expect((await store.ledger.listRuns(complete.jobId)).map((run) => run.status)).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
      'SUCCEEDED',
    ]);
  });

  it('expects one 01:30 run on the fall-back day in New York, not two', async () => {
    // Prepare: cron(30 1 * * ? *) in America/New_York. On 2026-11-01 01:00-02:00 happens
    // twice (EDT, then EST); Scheduler runs once, at the first 01:30 (EDT, 05:30Z). The runs
    // are 05:30Z on Oct 31 and Nov 1, then 06:30Z (EST) on Nov 2.
    const schedule = { expression: 'cron(30 1 * * ? *)', timezone: 'America/New_York' };
    const job = await registeredJob('2026-10-30T12:00:00Z', { schedule });
    for (const time of ['2026-10-31T05:30:00Z', '2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z']) {
      await ranOnTime(job, time);
    }

    // Act
    const report = await sweep(store.ledger, Date.parse('2026-11-02T12:00:00Z'));

    // Assess: in particular no NOT_DELIVERED for the second 01:30 (06:30Z on Nov 1).
    expect(report.notDelivered).toEqual([]);
    expect(await store.ledger.getRun(job.jobId, '2026-11-01T06:30:00Z')).toBeUndefined();
  });

  it('reports the one fall-back run when it did not arrive', async () => {
    const schedule = { expression: 'cron(30 1 * * ? *)', timezone: 'America/New_York' };
    const job = await registeredJob('2026-10-30T12:00:00Z', { schedule });
    await ranOnTime(job, '2026-10-31T05:30:00Z');
    await ranOnTime(job, '2026-11-02T06:30:00Z');

    const report = await sweep(store.ledger, Date.parse('2026-11-02T12:00:00Z'));

    expect(timesOf(report.notDelivered)).toEqual(['2026-11-01T05:30:00Z']);
  });
});

describe('metricLines', () => {
  it('writes one EMF object per job with findings, counting each kind by job', () => {
    // Prepare: job a timed out twice; b timed out once and missed one; c missed two.
    const report: SweepReport = {
      timedOut: [
        { jobId: 'a', scheduledTime: '2026-05-06T08:00:00Z' },
        { jobId: 'b', scheduledTime: '2026-05-06T08:00:00Z' },
        { jobId: 'a', scheduledTime: '2026-05-06T09:00:00Z' },
      ],
      notDelivered: [
        { jobId: 'c', scheduledTime: '2026-05-06T07:00:00Z' },
        { jobId: 'b', scheduledTime: '2026-05-06T07:00:00Z' },
        { jobId: 'c', scheduledTime: '2026-05-06T08:00:00Z' },
      ],
      jobsChecked: 4,
      failures: [],
    };
    const timestampMs = Date.parse('2026-05-06T09:30:00Z');

    // Act
    const lines = metricLines(report, timestampMs);

    // Assess
    const metadata = {
      Timestamp: timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: 'Cronledger',
          Dimensions: [['JobId']],
          Metrics: [
            { Name: 'TimedOut', Unit: 'Count' },
            { Name: 'NotDelivered', Unit: 'Count' },
          ],
        },
      ],
    };
    expect(METRIC_NAMESPACE).toBe('Cronledger');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { _aws: metadata, JobId: 'a', TimedOut: 2, NotDelivered: 0 },
      { _aws: metadata, JobId: 'b', TimedOut: 1, NotDelivered: 1 },
      { _aws: metadata, JobId: 'c', TimedOut: 0, NotDelivered: 2 },
    ]);
    expect(lines.every((line) => !line.includes('\n'))).toBe(true);
  });

  it('gives a valid EMF object for every dimension and metric it declares', () => {
    const lines = metricLines(
      {
        timedOut: [{ jobId: 'nightly', scheduledTime: '2026-05-06T02:00:00Z' }],
        notDelivered: [],
        jobsChecked: 1,
        failures: [],
      },
      Date.parse('2026-05-06T02:10:00Z'),
    );

    // EMF: every dimension key is a string at the root; every metric name is a number there.
    for (const line of lines) {
      const object = JSON.parse(line) as Record<string, unknown> & {
        _aws: {
          Timestamp: number;
          CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[];
        };
      };
      expect(Number.isInteger(object._aws.Timestamp)).toBe(true);
      for (const directive of object._aws.CloudWatchMetrics) {
        for (const key of directive.Dimensions.flat()) {
          expect(typeof object[key]).toBe('string');
        }
        for (const metric of directive.Metrics) {
          expect(typeof object[metric.Name]).toBe('number');
        }
      }
    }
    expect(lines).toHaveLength(1);
  });

  it('writes nothing when the sweep found nothing', () => {
    expect(
      metricLines({ timedOut: [], notDelivered: [], jobsChecked: 3, failures: [] }, 0),
    ).toEqual([]);
  });

  it('counts the findings of a real sweep', async () => {
    // Prepare: a crashed 08:00 run (lease to 08:01:05) and a missing 09:00 run.
    const job = await registeredJob('2026-05-07T08:00:00Z');
    await claimed(deliveryOf(job, '2026-05-07T08:00:00Z', Date.parse('2026-05-07T08:00:05Z')));
    const sweptAtMs = Date.parse('2026-05-07T09:30:00Z');

    // Act
    const lines = metricLines(await sweep(store.ledger, sweptAtMs), sweptAtMs);

    // Assess
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ JobId: job.jobId, TimedOut: 1, NotDelivered: 1 }),
    ]);
  });
});
