import { randomUUID } from 'node:crypto';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setVirtualNow } from '../../functions/clock.ts';
import { defineJob, type LambdaContext } from '../../functions/define-job.ts';
import { RunTimedOutError } from '../../functions/errors.ts';
import { type JobDefinition, JobEnvironment } from '../../functions/job-definition.ts';
import { Ledger } from '../../functions/ledger/ledger.ts';
import type { RunRecord } from '../../functions/ledger/records.ts';
import { runKey } from '../../functions/ledger/schema.ts';
import { RunStatus } from '../../functions/ledger/status.ts';
import { sweep } from '../../functions/sweeper/sweep.ts';
import { localClient } from '../../local/dynamodb-local.ts';
import {
  claimOrThrow,
  createTestLedger,
  deliveryOf,
  registerUniqueJob,
  type TestLedger,
  testJob,
} from '../support/ledger.ts';

let store: TestLedger;

beforeAll(async () => {
  store = await createTestLedger();
});

afterAll(async () => {
  await store.drop();
  setVirtualNow(Date.now());
});

/** Every job here runs hourly on the hour, from a registration on 2026-04-01. */
const REGISTERED_MS = Date.parse('2026-04-01T00:00:00Z');

async function registeredJob(overrides: Partial<JobDefinition> = {}): Promise<JobDefinition> {
  return registerUniqueJob(store.ledger, REGISTERED_MS, overrides);
}

async function runOf(job: JobDefinition, scheduledTime: string): Promise<RunRecord> {
  const run = await store.ledger.getRun(job.jobId, scheduledTime);
  if (!run) {
    throw new Error(`no run ${job.jobId} @ ${scheduledTime}`);
  }
  return run;
}

describe('Ledger.claim', () => {
  it('records RUNNING, attempt 1, a lease to the deadline and slot 0 when on time', async () => {
    // Prepare: due 08:00, delivered at 08:00:07, 60 s to the deadline.
    const job = await registeredJob();
    const nowMs = Date.parse('2026-04-02T08:00:07Z');

    // Act
    const outcome = await store.ledger.claim(deliveryOf(job, '2026-04-02T08:00:00Z', nowMs));

    // Assess
    expect(outcome.kind).toBe('claimed');
    const run = await runOf(job, '2026-04-02T08:00:00Z');
    expect(run).toMatchObject({
      status: RunStatus.RUNNING,
      attempt: 1,
      deliveries: 1,
      slot: '0',
      leaseExpiresAt: Date.parse('2026-04-02T08:01:07Z'),
      startedAt: '2026-04-02T08:00:07.000Z',
      recordedAt: '2026-04-02T08:00:07.000Z',
    });
    expect(run.finishedAt).toBeUndefined();
  });

  it.each([
    { window: 0, graceSeconds: 300, delivered: '2026-04-02T09:05:00Z', kind: 'claimed' },
    { window: 0, graceSeconds: 300, delivered: '2026-04-02T09:05:01Z', kind: 'missed' },
    { window: 15, graceSeconds: 300, delivered: '2026-04-02T09:20:00Z', kind: 'claimed' },
    { window: 15, graceSeconds: 300, delivered: '2026-04-02T09:20:01Z', kind: 'missed' },
    { window: 0, graceSeconds: 0, delivered: '2026-04-02T09:00:01Z', kind: 'missed' },
  ])(
    'is $kind for 09:00 delivered at $delivered (window $window min, grace $graceSeconds s)',
    async ({ window, graceSeconds, delivered, kind }) => {
      // The last on-time moment is 09:00 + window * 60 s + grace; a delivery after it is late.
      const job = await registeredJob({
        flexibleWindowMinutes: window,
        misfireGraceSeconds: graceSeconds,
      });

      const outcome = await store.ledger.claim(
        deliveryOf(job, '2026-04-02T09:00:00Z', Date.parse(delivered)),
      );

      expect(outcome.kind).toBe(kind);
    },
  );

  it('records MISSED with attempt 0 and a finish time, and counts it on the job', async () => {
    const job = await registeredJob();
    const nowMs = Date.parse('2026-04-02T10:30:00Z');

    await store.ledger.claim(deliveryOf(job, '2026-04-02T10:00:00Z', nowMs));

    expect(await runOf(job, '2026-04-02T10:00:00Z')).toMatchObject({
      status: RunStatus.MISSED,
      attempt: 0,
      deliveries: 1,
      finishedAt: '2026-04-02T10:30:00.000Z',
    });
    const jobRecord = await store.ledger.getJob(job.jobId);
    expect(jobRecord?.counts).toEqual({ MISSED: 1 });
    expect(jobRecord?.lastRun).toMatchObject({
      scheduledTime: '2026-04-02T10:00:00Z',
      status: 'MISSED',
    });
  });

  it('records SKIPPED when the only slot is held by a live lease', async () => {
    // Prepare: 11:00 holds slot 0 until 12:00:05.
    const job = await registeredJob();
    await claimOrThrow(
      store.ledger,
      deliveryOf(job, '2026-04-02T11:00:00Z', Date.parse('2026-04-02T11:00:05Z'), 3_600_000),
    );

    // Act: the 11:30 run arrives on time while 11:00 is still running.
    const outcome = await store.ledger.claim(
      deliveryOf(job, '2026-04-02T11:30:00Z', Date.parse('2026-04-02T11:30:02Z')),
    );

    // Assess
    expect(outcome.kind).toBe('skipped');
    expect(await runOf(job, '2026-04-02T11:30:00Z')).toMatchObject({
      status: RunStatus.SKIPPED,
      attempt: 0,
      deliveries: 1,
    });
    expect((await store.ledger.getJob(job.jobId))?.counts).toEqual({ SKIPPED: 1 });
  });

  it("takes over a live lease when Lambda retries the holder's own request", async () => {
    // Prepare: attempt 1 claimed at 12:00:01 by a 5-minute function (lease to 12:05:01); its
    // process dies, and Lambda retries the event a minute later under the same request id.
    const job = await registeredJob({ timeoutSeconds: 300 });
    const delivery = deliveryOf(
      job,
      '2026-04-02T13:00:00Z',
      Date.parse('2026-04-02T13:00:01Z'),
      300_000,
    );
    const first = await claimOrThrow(store.ledger, delivery);

    // Act: the retry at 13:01:05, well inside the first attempt's lease.
    const retryAtMs = Date.parse('2026-04-02T13:01:05Z');
    const outcome = await store.ledger.claim({
      ...delivery,
      executionId: 'retry',
      nowMs: retryAtMs,
      deadlineMs: retryAtMs + 300_000,
    });

    // Assess: attempt 2 holds the run and the one slot; attempt 1 is on record as FAILED,
    // having lasted at most until the retry.
    expect(outcome.kind).toBe('claimed');
    const second = outcome.kind === 'claimed' ? outcome.claim : undefined;
    expect(second).toMatchObject({ attempt: 2, slot: '0' });
    const run = await runOf(job, '2026-04-02T13:00:00Z');
    expect(run).toMatchObject({
      status: RunStatus.RUNNING,
      attempt: 2,
      deliveries: 2,
      claimToken: second?.token,
    });
    expect(run.attempts).toEqual([
      {
        attempt: 1,
        status: 'FAILED',
        startedAt: '2026-04-02T13:00:01.000Z',
        finishedAt: '2026-04-02T13:01:05.000Z',
        durationMs: 64_000,
        requestId: delivery.requestId,
        errorName: 'InvocationFailed',
        errorMessage:
          'Lambda retried the event before the attempt recorded an outcome: its invocation ' +
          'failed (the process died, or its finish could not be written)',
      },
    ]);
    const jobRecord = await store.ledger.getJob(job.jobId);
    expect(jobRecord?.slots['0']?.token).toBe(second?.token);
    expect(jobRecord?.counts).toEqual({ FAILED: 1 });
    // The first attempt, should it still be alive after all, can no longer finish.
    const stale = await store.ledger.finish(job, first, {
      status: RunStatus.SUCCEEDED,
      finishedAtMs: retryAtMs + 1_000,
      durationMs: 65_000,
    });
    expect(stale.accepted).toBe(false);
  });

  it("gives Lambda's retry the dead attempt's own slot, though another is free", async () => {
    // Prepare: two slots. 15:00 takes slot 0 (leased for an hour), 15:30 slot 1; 15:00
    // finishes, freeing slot 0; the 15:30 attempt dies holding slot 1.
    const job = await registeredJob({ maxConcurrency: 2, timeoutSeconds: 900 });
    const early = await claimOrThrow(
      store.ledger,
      deliveryOf(job, '2026-04-02T15:00:00Z', Date.parse('2026-04-02T15:00:01Z'), 3_600_000),
    );
    const dying = deliveryOf(
      job,
      '2026-04-02T15:30:00Z',
      Date.parse('2026-04-02T15:30:01Z'),
      900_000,
    );
    expect((await claimOrThrow(store.ledger, dying)).slot).toBe('1');
    await store.ledger.finish(job, early, {
      status: RunStatus.SUCCEEDED,
      finishedAtMs: Date.parse('2026-04-02T15:30:30Z'),
      durationMs: 1_000,
    });

    // Act: Lambda's retry of the dead invocation.
    const retryAtMs = Date.parse('2026-04-02T15:31:05Z');
    const outcome = await store.ledger.claim({
      ...dying,
      nowMs: retryAtMs,
      deadlineMs: retryAtMs + 900_000,
    });

    // Assess: slot 1 passes to the retry; slot 0 stays free for the next run.
    expect(outcome.kind).toBe('claimed');
    const claim = outcome.kind === 'claimed' ? outcome.claim : undefined;
    expect(claim?.slot).toBe('1');
    const jobRecord = await store.ledger.getJob(job.jobId);
    expect(Object.keys(jobRecord?.slots ?? {})).toEqual(['1']);
    expect(jobRecord?.slots['1']?.token).toBe(claim?.token);
  });

  it("counts a copy under the holder's request id that comes sooner than any retry", async () => {
    // Prepare: attempt 1 claimed at 16:00:01 under request R.
    const job = await registeredJob({ timeoutSeconds: 300 });
    const delivery = deliveryOf(
      job,
      '2026-04-02T16:00:00Z',
      Date.parse('2026-04-02T16:00:01Z'),
      300_000,
    );
    await claimOrThrow(store.ledger, delivery);

    // Act: the same request id 10 s later: Lambda retries only a minute or so after a failure.
    const outcome = await store.ledger.claim({
      ...delivery,
      nowMs: Date.parse('2026-04-02T16:00:11Z'),
    });

    // Assess
    expect(outcome.kind).toBe('duplicate');
    expect(await runOf(job, '2026-04-02T16:00:00Z')).toMatchObject({
      status: RunStatus.RUNNING,
      attempt: 1,
      deliveries: 2,
    });
  });

  it('keeps its own claim when the SDK resends it after losing the answer', async () => {
    // Prepare: a job without slots, whose claim is a single UpdateItem; the first answer
    // from DynamoDB is lost after the write, so the SDK sends the same request again.
    const job = await registeredJob({ overlap: 'allow', retryAttempts: 2 });
    const client = localClient(store.endpoint);
    let lost = false;
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        if (!lost) {
          lost = true;
          throw Object.assign(new Error('the answer was lost'), { name: 'TimeoutError' });
        }
        return result;
      },
      { step: 'deserialize', name: 'loseFirstAnswer' },
    );
    const ledger = new Ledger({
      client: DynamoDBDocumentClient.from(client, {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableName: store.tableName,
    });

    // Act
    const outcome = await ledger.claim(
      deliveryOf(job, '2026-04-02T18:00:00Z', Date.parse('2026-04-02T18:00:01Z')),
    );
    client.destroy();

    // Assess: attempt 1 holds the run; no phantom attempt, no counter moved.
    expect(lost).toBe(true);
    expect(outcome.kind).toBe('claimed');
    const claim = outcome.kind === 'claimed' ? outcome.claim : undefined;
    const run = await runOf(job, '2026-04-02T18:00:00Z');
    expect(run).toMatchObject({ status: RunStatus.RUNNING, attempt: 1, claimToken: claim?.token });
    expect(run.attempts).toBeUndefined();
    expect((await store.ledger.getJob(job.jobId))?.counts).toEqual({});
  });

  it('counts a delivery under another request id as a duplicate in a live lease', async () => {
    // Prepare: attempt 1 holds the run until 14:05:01.
    const job = await registeredJob({ timeoutSeconds: 300 });
    await claimOrThrow(
      store.ledger,
      deliveryOf(job, '2026-04-02T14:00:00Z', Date.parse('2026-04-02T14:00:01Z'), 300_000),
    );

    // Act: a second delivery of the event from Lambda's queue, with a request id of its own.
    const outcome = await store.ledger.claim(
      deliveryOf(job, '2026-04-02T14:00:00Z', Date.parse('2026-04-02T14:01:05Z'), 300_000),
    );

    // Assess
    expect(outcome.kind).toBe('duplicate');
    expect(await runOf(job, '2026-04-02T14:00:00Z')).toMatchObject({
      status: RunStatus.RUNNING,
      attempt: 1,
      deliveries: 2,
    });
  });

  it('takes over an expired lease with the next attempt and a token of its own', async () => {
    // Prepare: attempt 1 claimed at 12:00:01 with a 60 s lease, so it ends at 12:01:01.
    const job = await registeredJob();
    const delivery = deliveryOf(job, '2026-04-02T12:00:00Z', Date.parse('2026-04-02T12:00:01Z'));
    const first = await claimOrThrow(store.ledger, delivery);

    // Act: a retry of the event arrives at 12:02, after the lease ended.
    const retry = deliveryOf(job, '2026-04-02T12:00:00Z', Date.parse('2026-04-02T12:02:00Z'));
    const second = await claimOrThrow(store.ledger, retry);

    // Assess
    expect(second).toMatchObject({ attempt: 2, slot: '0' });
    expect(second.token).not.toBe(first.token);
    expect(await runOf(job, '2026-04-02T12:00:00Z')).toMatchObject({
      status: RunStatus.RUNNING,
      attempt: 2,
      deliveries: 2,
      claimToken: second.token,
      requestId: retry.requestId,
      leaseExpiresAt: Date.parse('2026-04-02T12:03:00Z'),
    });
    const jobRecord = await store.ledger.getJob(job.jobId);
    expect(jobRecord?.slots['0']?.token).toBe(second.token);
    // Attempt 1 ended when its lease did, and the record keeps it as the sweeper would have.
    expect((await runOf(job, '2026-04-02T12:00:00Z')).attempts).toEqual([
      {
        attempt: 1,
        status: 'TIMED_OUT',
        startedAt: '2026-04-02T12:00:01.000Z',
        finishedAt: '2026-04-02T12:02:00.000Z',
        durationMs: 60_000,
        requestId: delivery.requestId,
        errorName: 'LeaseExpired',
        errorMessage: "the attempt's lease ended at 2026-04-02T12:01:01.000Z",
      },
    ]);
    expect(jobRecord?.counts).toEqual({ TIMED_OUT: 1 });
  });

  it('counts a delivery during a live lease as a duplicate, and runs nothing', async () => {
    const job = await registeredJob();
    await claimOrThrow(
      store.ledger,
      deliveryOf(job, '2026-04-02T13:00:00Z', Date.parse('2026-04-02T13:00:01Z')),
    );

    const outcome = await store.ledger.claim(
      deliveryOf(job, '2026-04-02T13:00:00Z', Date.parse('2026-04-02T13:00:30Z')),
    );

    expect(outcome.kind).toBe('duplicate');
    expect(await runOf(job, '2026-04-02T13:00:00Z')).toMatchObject({
      status: RunStatus.RUNNING,
      attempt: 1,
      deliveries: 2,
    });
  });
  it('starts afresh when the run vanishes between two steps of a claim', async () => {
    // Prepare: a FAILED 17:00 run. The claiming client deletes it (as TTL or a manual delete
    // would) right after its first write is refused, so the second write expects an item that
    // is gone. The delete is a real one in DynamoDB Local; the middleware only times it.
    const job = await registeredJob();
    const first = await claimOrThrow(
      store.ledger,
      deliveryOf(job, '2026-04-02T17:00:00Z', Date.parse('2026-04-02T17:00:01Z')),
    );
    await store.ledger.finish(job, first, {
      status: RunStatus.FAILED,
      finishedAtMs: Date.parse('2026-04-02T17:00:02Z'),
      durationMs: 1_000,
    });
    const client = localClient(store.endpoint);
    let refused = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          refused += 1;
          if (refused === 1) {
            await store.ledger.documentClient.send(
              new DeleteCommand({
                TableName: store.tableName,
                Key: runKey(job.jobId, '2026-04-02T17:00:00Z'),
              }),
            );
          }
          throw error;
        }
      },
      { step: 'initialize', name: 'deleteAfterFirstRefusal' },
    );
    const ledger = new Ledger({
      client: DynamoDBDocumentClient.from(client, {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableName: store.tableName,
    });

    // Act
    const outcome = await ledger.claim(
      deliveryOf(job, '2026-04-02T17:00:00Z', Date.parse('2026-04-02T17:01:02Z')),
    );
    client.destroy();

    // Assess: refused once for "absent", once for "FAILED, attempt 1"; then claimed afresh.
    expect(refused).toBe(2);
    expect(outcome.kind === 'claimed' && outcome.claim.attempt).toBe(1);
    expect(await runOf(job, '2026-04-02T17:00:00Z')).toMatchObject({
      status: RunStatus.RUNNING,
      attempt: 1,
      deliveries: 1,
    });
  });
});

describe('Ledger.finish', () => {
  it('records SUCCEEDED, returns the slot and counts the duration on the job', async () => {
    const job = await registeredJob();
    const delivery = deliveryOf(job, '2026-04-03T08:00:00Z', Date.parse('2026-04-03T08:00:02Z'));
    const claim = await claimOrThrow(store.ledger, delivery);

    const outcome = await store.ledger.finish(job, claim, {
      status: RunStatus.SUCCEEDED,
      finishedAtMs: Date.parse('2026-04-03T08:00:12Z'),
      durationMs: 9_500,
      nextRunTime: '2026-04-03T09:00:00Z',
    });

    expect(outcome).toEqual({ accepted: true });
    const run = await runOf(job, '2026-04-03T08:00:00Z');
    expect(run).toMatchObject({
      status: RunStatus.SUCCEEDED,
      attempt: 1,
      finishedAt: '2026-04-03T08:00:12.000Z',
      durationMs: 9_500,
      // Kept 30 days from 08:00:12: 1775203212 + 30 * 86400.
      expiresAt: 1_775_203_212 + 2_592_000,
    });
    expect(run.leaseExpiresAt).toBeUndefined();
    expect(run.attempts).toEqual([
      {
        attempt: 1,
        status: 'SUCCEEDED',
        startedAt: '2026-04-03T08:00:02.000Z',
        finishedAt: '2026-04-03T08:00:12.000Z',
        durationMs: 9_500,
        requestId: delivery.requestId,
      },
    ]);
    const jobRecord = await store.ledger.getJob(job.jobId);
    expect(jobRecord).toMatchObject({
      slots: {},
      counts: { SUCCEEDED: 1 },
      succeededDurationMs: 9_500,
      nextRunTime: '2026-04-03T09:00:00Z',
    });
  });

  it('records FAILED with its error, and the retry re-claims the run as attempt 2', async () => {
    // Prepare
    const job = await registeredJob({ retryAttempts: 2 });
    const first = await claimOrThrow(
      store.ledger,
      deliveryOf(job, '2026-04-03T09:00:00Z', Date.parse('2026-04-03T09:00:01Z')),
    );
    await store.ledger.finish(job, first, {
      status: RunStatus.FAILED,
      finishedAtMs: Date.parse('2026-04-03T09:00:04Z'),
      durationMs: 3_000,
      error: { name: 'UpstreamError', message: 'upstream said 503' },
    });
    const failed = await runOf(job, '2026-04-03T09:00:00Z');

    // Act: Lambda's retry arrives a minute later.
    const retry = await claimOrThrow(
      store.ledger,
      deliveryOf(job, '2026-04-03T09:00:00Z', Date.parse('2026-04-03T09:01:04Z')),
    );

    // Assess
    expect(failed).toMatchObject({
      status: RunStatus.FAILED,
      attempt: 1,
      error: { name: 'UpstreamError', message: 'upstream said 503' },
    });
    expect(retry.attempt).toBe(2);
    const run = await runOf(job, '2026-04-03T09:00:00Z');
    expect(run).toMatchObject({ status: RunStatus.RUNNING, attempt: 2, deliveries: 2 });
    expect(run.error).toBeUndefined();
    expect(run.attempts).toEqual([
      expect.objectContaining({ attempt: 1, status: 'FAILED', errorName: 'UpstreamError' }),
    ]);
    expect((await store.ledger.getJob(job.jobId))?.counts).toEqual({ FAILED: 1 });
  });

  it('refuses a stale finisher whose lease was taken over; the newer outcome stays', async () => {
    // Prepare: attempt 1 (lease to 14:01:01) is taken over at 14:05 by attempt 2, which
    // succeeds at 14:05:30.
    const job = await registeredJob();
    const stale = await claimOrThrow(
      store.ledger,
      deliveryOf(job, '2026-04-03T14:00:00Z', Date.parse('2026-04-03T14:00:01Z')),
    );
    const newer = await claimOrThrow(
      store.ledger,
      deliveryOf(job, '2026-04-03T14:00:00Z', Date.parse('2026-04-03T14:05:00Z')),
    );
    await store.ledger.finish(job, newer, {
      status: RunStatus.SUCCEEDED,
      finishedAtMs: Date.parse('2026-04-03T14:05:30Z'),
      durationMs: 30_000,
    });

    // Act: attempt 1 comes back from the dead at 14:06 and reports a failure.
    const outcome = await store.ledger.finish(job, stale, {
      status: RunStatus.FAILED,
      finishedAtMs: Date.parse('2026-04-03T14:06:00Z'),
      durationMs: 359_000,
      error: { name: 'Error', message: 'too late to matter' },
    });

    // Assess
    expect(outcome.accepted).toBe(false);
    expect(outcome.accepted === false && outcome.run).toMatchObject({
      status: RunStatus.SUCCEEDED,
      attempt: 2,
      claimToken: newer.token,
    });
    const run = await runOf(job, '2026-04-03T14:00:00Z');
    expect(run).toMatchObject({ status: RunStatus.SUCCEEDED, attempt: 2, durationMs: 30_000 });
    expect(run.error).toBeUndefined();
    // Attempt 1 is on record as the lease that ran out; its late FAILED is not.
    expect(run.attempts?.map((entry) => [entry.attempt, entry.status])).toEqual([
      [1, 'TIMED_OUT'],
      [2, 'SUCCEEDED'],
    ]);
    expect((await store.ledger.getJob(job.jobId))?.counts).toEqual({ TIMED_OUT: 1, SUCCEEDED: 1 });
  });

  it('refuses a stale finisher while the newer attempt runs, and keeps its slot', async () => {
    const job = await registeredJob();
    const stale = await claimOrThrow(
      store.ledger,
      deliveryOf(job, '2026-04-03T15:00:00Z', Date.parse('2026-04-03T15:00:01Z')),
    );
    const newer = await claimOrThrow(
      store.ledger,
      deliveryOf(job, '2026-04-03T15:00:00Z', Date.parse('2026-04-03T15:02:00Z')),
    );

    const outcome = await store.ledger.finish(job, stale, {
      status: RunStatus.SUCCEEDED,
      finishedAtMs: Date.parse('2026-04-03T15:02:10Z'),
      durationMs: 129_000,
    });

    expect(outcome.accepted).toBe(false);
    expect(await runOf(job, '2026-04-03T15:00:00Z')).toMatchObject({
      status: RunStatus.RUNNING,
      attempt: 2,
      claimToken: newer.token,
    });
    const jobRecord = await store.ledger.getJob(job.jobId);
    expect(jobRecord?.slots['0']?.token).toBe(newer.token);
    // Only the takeover has counted: it ended attempt 1 as TIMED_OUT.
    expect(jobRecord?.counts).toEqual({ TIMED_OUT: 1 });
  });
});

describe('terminal statuses', () => {
  /** Puts a 16:00 run into the status named, the way deliveries would. */
  const reach: Record<string, (job: JobDefinition) => Promise<void>> = {
    SUCCEEDED: async (job) => {
      const claim = await claimOrThrow(
        store.ledger,
        deliveryOf(job, '2026-04-04T16:00:00Z', Date.parse('2026-04-04T16:00:01Z')),
      );
      await store.ledger.finish(job, claim, {
        status: RunStatus.SUCCEEDED,
        finishedAtMs: Date.parse('2026-04-04T16:00:02Z'),
        durationMs: 1_000,
      });
    },
    MISSED: async (job) => {
      await store.ledger.claim(
        deliveryOf(job, '2026-04-04T16:00:00Z', Date.parse('2026-04-04T16:10:00Z')),
      );
    },
    SKIPPED: async (job) => {
      // 15:59 holds the slot, then finishes: the skipped run stays skipped with the slot free.
      const holder = await claimOrThrow(
        store.ledger,
        deliveryOf(job, '2026-04-04T15:59:00Z', Date.parse('2026-04-04T15:59:00Z')),
      );
      await store.ledger.claim(
        deliveryOf(job, '2026-04-04T16:00:00Z', Date.parse('2026-04-04T16:00:01Z')),
      );
      await store.ledger.finish(job, holder, {
        status: RunStatus.SUCCEEDED,
        finishedAtMs: Date.parse('2026-04-04T16:00:02Z'),
        durationMs: 62_000,
      });
    },
    'FAILED, attempts used up': async (job) => {
      const claim = await claimOrThrow(
        store.ledger,
        deliveryOf(job, '2026-04-04T16:00:00Z', Date.parse('2026-04-04T16:00:01Z')),
      );
      await store.ledger.finish(job, claim, {
        status: RunStatus.FAILED,
        finishedAtMs: Date.parse('2026-04-04T16:00:02Z'),
        durationMs: 1_000,
        error: { name: 'Error', message: 'no' },
      });
    },
  };

  it.each(Object.keys(reach))(
    'only adds to deliveries when a run that is %s is delivered again',
    async (name) => {
      // Prepare: no retries, so a FAILED run has used up its one attempt.
      const job = await registeredJob({ retryAttempts: 0 });
      await reach[name]?.(job);
      const before = await runOf(job, '2026-04-04T16:00:00Z');
      const jobBefore = await store.ledger.getJob(job.jobId);

      // Act: another on-time delivery, while no lease holds the slot.
      const outcome = await store.ledger.claim(
        deliveryOf(job, '2026-04-04T16:00:00Z', Date.parse('2026-04-04T16:00:03Z')),
      );

      // Assess
      expect(outcome.kind).toBe('duplicate');
      expect(await runOf(job, '2026-04-04T16:00:00Z')).toEqual({
        ...before,
        deliveries: before.deliveries + 1,
      });
      expect(await store.ledger.getJob(job.jobId)).toEqual(jobBefore);
    },
  );
});

describe('NOT_DELIVERED delivered late', () => {
  it('becomes MISSED and moves its count from NOT_DELIVERED to MISSED', async () => {
    // Prepare: the 2026-04-05 00:00 run never arrives; a sweep at 00:06 records it
    // NOT_DELIVERED (cutoff 00:01 with 300 s of grace). Registered at 2026-04-05T00:00 so that
    // it is the only run the sweep expects.
    // A table of its own, so that the sweep sees no other test's jobs.
    const own = await createTestLedger();
    const job = testJob({ jobId: `job-${randomUUID().slice(0, 8)}` });
    await own.ledger.registerJob(job, Date.parse('2026-04-05T00:00:00Z'), {
      sweepFrom: '2026-04-05T00:00:00Z',
    });
    const report = await sweep(own.ledger, Date.parse('2026-04-05T00:06:00Z'));
    const mine = report.notDelivered.filter((finding) => finding.jobId === job.jobId);

    // Act: the delivery turns up an hour late.
    const outcome = await own.ledger.claim(
      deliveryOf(job, '2026-04-05T00:00:00Z', Date.parse('2026-04-05T01:00:00Z')),
    );

    // Assess
    expect(mine).toEqual([{ jobId: job.jobId, scheduledTime: '2026-04-05T00:00:00Z' }]);
    expect(outcome.kind).toBe('missed');
    const run = await own.ledger.getRun(job.jobId, '2026-04-05T00:00:00Z');
    expect(run).toMatchObject({
      status: RunStatus.MISSED,
      deliveries: 1,
      attempt: 0,
      // When the ledger first learnt of the run: the sweep.
      recordedAt: '2026-04-05T00:06:00.000Z',
    });
    expect((await own.ledger.getJob(job.jobId))?.counts).toEqual({ NOT_DELIVERED: 0, MISSED: 1 });
    await own.drop();
  });
});

describe('NOT_DELIVERED delivered on time without a free slot', () => {
  it('becomes SKIPPED and moves its count from NOT_DELIVERED to SKIPPED', async () => {
    // Prepare: 12:05 holds the only slot for ten minutes; the sweeper has already written
    // 12:00 NOT_DELIVERED (as clock skew between sweeper and function can make it do).
    const job = await registeredJob();
    await claimOrThrow(
      store.ledger,
      deliveryOf(job, '2026-04-06T12:05:00Z', Date.parse('2026-04-06T12:05:01Z'), 600_000),
    );
    await store.ledger.recordNotDelivered(
      job,
      '2026-04-06T12:00:00Z',
      Date.parse('2026-04-06T12:05:02Z'),
    );

    // Act: the 12:00 delivery arrives within its grace of 300 s, at 12:04:59 by the
    // function's clock.
    const outcome = await store.ledger.claim(
      deliveryOf(job, '2026-04-06T12:00:00Z', Date.parse('2026-04-06T12:04:59Z')),
    );

    // Assess
    expect(outcome.kind).toBe('skipped');
    expect(await runOf(job, '2026-04-06T12:00:00Z')).toMatchObject({
      status: RunStatus.SKIPPED,
      deliveries: 1,
    });
    expect((await store.ledger.getJob(job.jobId))?.counts).toEqual({
      NOT_DELIVERED: 0,
      SKIPPED: 1,
    });
  });
});

describe('TIMED_OUT by the wrapper', () => {
  it('aborts the handler before the deadline and records TIMED_OUT for attempt 1', async () => {
    // Prepare: a function with 1,000 ms left; the wrapper aborts 200 ms before the deadline.
    const job = await registeredJob();
    process.env[JobEnvironment.tableName] = store.tableName;
    process.env[JobEnvironment.job] = JSON.stringify(job);
    process.env[JobEnvironment.endpoint] = store.endpoint;
    process.env[JobEnvironment.logLevel] = 'SILENT';
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
    setVirtualNow(Date.parse('2026-04-06T08:00:02Z'));
    let abortedAtMs = 0;
    const fn = defineJob(
      (run) =>
        new Promise<void>((resolve) =>
          run.signal.addEventListener('abort', () => {
            abortedAtMs = Date.now();
            resolve();
          }),
        ),
    );
    const deadline = Date.now() + 1_000;
    const context: LambdaContext = {
      awsRequestId: randomUUID(),
      getRemainingTimeInMillis: () => deadline - Date.now(),
    };
    const event = {
      cronledger: {
        jobId: job.jobId,
        scheduledTime: '2026-04-06T08:00:00Z',
        scheduleArn: 'arn',
        executionId: 'e',
      },
    };

    // Act
    const result = fn(event, context);

    // Assess
    await expect(result).rejects.toBeInstanceOf(RunTimedOutError);
    const run = await runOf(job, '2026-04-06T08:00:00Z');
    expect(run).toMatchObject({ status: RunStatus.TIMED_OUT, attempt: 1 });
    // About 1,000 ms were left at receipt, so the margin is max(200, 100) ms: the handler is
    // aborted no earlier than 200 ms before the deadline, and before it.
    expect(abortedAtMs).toBeGreaterThanOrEqual(deadline - 200);
    expect(abortedAtMs).toBeLessThan(deadline);
    const recordedMs = Date.parse(run.finishedAt ?? '') - Date.parse(run.startedAt ?? '');
    expect(run.durationMs).toBeLessThanOrEqual(recordedMs);
    expect(run.startedAt?.startsWith('2026-04-06T08:00:0')).toBe(true);
    expect((await store.ledger.getJob(job.jobId))?.counts).toEqual({ TIMED_OUT: 1 });
  });
});

describe('request counts', () => {
  // A slot lives on the job's item, so a claim under `skip` is a transaction of two items; a
  // job that allows overlap takes no slot, and its claim writes the run alone.
  it.each([
    { overlap: 'skip', claimedWith: 'TransactWriteItemsCommand' },
    { overlap: 'allow', claimedWith: 'UpdateItemCommand' },
  ] as const)(
    'costs exactly two DynamoDB requests for a successful uncontended run under $overlap',
    async ({ overlap, claimedWith }) => {
      // Prepare: a client of its own, counting every request it sends on the wire (the
      // deserialize step runs once per HTTP attempt, retries included).
      const job = await registeredJob({ overlap });
      const client = localClient(store.endpoint);
      const sent: string[] = [];
      client.middlewareStack.add(
        (next, context) => async (args) => {
          sent.push(context.commandName ?? 'unknown');
          return next(args);
        },
        { step: 'deserialize', name: 'countRequests' },
      );
      const ledger = new Ledger({
        client: DynamoDBDocumentClient.from(client, {
          marshallOptions: { removeUndefinedValues: true },
        }),
        tableName: store.tableName,
      });

      // Act
      const claim = await claimOrThrow(
        ledger,
        deliveryOf(job, '2026-04-07T08:00:00Z', Date.parse('2026-04-07T08:00:01Z')),
      );
      const finish = await ledger.finish(job, claim, {
        status: RunStatus.SUCCEEDED,
        finishedAtMs: Date.parse('2026-04-07T08:00:02Z'),
        durationMs: 1_000,
      });
      client.destroy();

      // Assess
      expect(finish.accepted).toBe(true);
      expect(sent).toEqual([claimedWith, 'TransactWriteItemsCommand']);
      expect((await runOf(job, '2026-04-07T08:00:00Z')).status).toBe(RunStatus.SUCCEEDED);
    },
  );
});
