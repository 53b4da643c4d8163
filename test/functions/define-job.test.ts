import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setVirtualNow } from '../../functions/clock.ts';
import { defineJob, type JobHandler, type LambdaContext } from '../../functions/define-job.ts';
import {
  JobConfigurationError,
  LedgerUnavailableError,
  RunTimedOutError,
} from '../../functions/errors.ts';
import { type JobDefinition, JobEnvironment } from '../../functions/job-definition.ts';
import { RunStatus } from '../../functions/ledger/status.ts';
import { localHooks } from '../../functions/local-hooks.ts';
import { createTestLedger, type TestLedger, testJob } from '../support/ledger.ts';

let store: TestLedger;

beforeAll(async () => {
  store = await createTestLedger();
});

afterAll(async () => {
  await store.drop();
  setVirtualNow(Date.now());
});

/** A job function wired to the test table, the way ScheduledJob wires one on Lambda. */
function deploy<T>(job: JobDefinition, handler: JobHandler<T>, endpoint = store.endpoint) {
  process.env[JobEnvironment.tableName] = store.tableName;
  process.env[JobEnvironment.job] = JSON.stringify(job);
  process.env[JobEnvironment.endpoint] = endpoint;
  process.env[JobEnvironment.logLevel] = 'SILENT';
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  return defineJob(handler);
}

function eventFor(jobId: string, scheduledTime: string, input: Record<string, unknown> = {}) {
  return {
    ...input,
    cronledger: {
      jobId,
      scheduledTime,
      scheduleArn: `arn:aws:scheduler:us-east-1:123456789012:schedule/cronledger/${jobId}`,
      executionId: randomUUID(),
      attemptNumber: '1',
    },
  };
}

function contextWith(remainingMs = 60_000): LambdaContext {
  const deadline = Date.now() + remainingMs;
  return { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => deadline - Date.now() };
}

/** A job of its own per test, so that tests never share a run or a slot. */
function uniqueJob(overrides: Partial<JobDefinition> = {}): JobDefinition {
  return testJob({ jobId: `job-${randomUUID().slice(0, 8)}`, ...overrides });
}

describe('defineJob', () => {
  it('records a success with its handler time and updates the job in the same write', async () => {
    // Prepare: the run is due at 10:00 and delivered 20 s later.
    const job = uniqueJob();
    setVirtualNow(Date.parse('2026-03-07T10:00:20Z'));
    const seen: unknown[] = [];
    const fn = deploy(job, async (run) => {
      seen.push({ attempt: run.attempt, input: run.input, at: run.scheduledTime.toISOString() });
      // Waits until the clock has moved 50 ms: a Node timer alone may fire a little early.
      const untilMs = Date.now() + 50;
      while (Date.now() < untilMs) {
        await new Promise((resolve) => setTimeout(resolve, untilMs - Date.now()));
      }
    });

    // Act
    const result = await fn(
      eventFor(job.jobId, '2026-03-07T10:00:00Z', { region: 'eu' }),
      contextWith(),
    );

    // Assess
    expect(result).toMatchObject({ status: RunStatus.SUCCEEDED, attempt: 1, outcome: 'ran' });
    expect(seen).toEqual([{ attempt: 1, input: { region: 'eu' }, at: '2026-03-07T10:00:00.000Z' }]);
    const run = await store.ledger.getRun(job.jobId, '2026-03-07T10:00:00Z');
    expect(run).toMatchObject({
      status: RunStatus.SUCCEEDED,
      attempt: 1,
      deliveries: 1,
      scheduledTime: '2026-03-07T10:00:00Z',
    });
    // Duration is handler time: about 50 ms, not the 20 s of delivery lag.
    expect(run?.durationMs).toBeGreaterThanOrEqual(50);
    expect(run?.durationMs).toBeLessThan(5_000);
    expect(run?.startedAt?.startsWith('2026-03-07T10:00:20')).toBe(true);
    expect(run?.leaseExpiresAt).toBeUndefined();
    expect(run?.expiresAt).toBe(Math.floor(Date.parse(run?.finishedAt ?? '') / 1000) + 30 * 86_400);
    const jobRecord = await store.ledger.getJob(job.jobId);
    expect(jobRecord?.counts).toEqual({ SUCCEEDED: 1 });
    expect(jobRecord?.succeededDurationMs).toBe(run?.durationMs);
    expect(jobRecord?.nextRunTime).toBe('2026-03-07T11:00:00Z');
    expect(jobRecord?.lastRun).toMatchObject({
      scheduledTime: '2026-03-07T10:00:00Z',
      status: 'SUCCEEDED',
    });
    expect(jobRecord?.slots).toEqual({});
  });

  it('records a failure with its name, message and stack, and rethrows it', async () => {
    const job = uniqueJob();
    setVirtualNow(Date.parse('2026-03-07T11:00:05Z'));
    class UpstreamError extends Error {
      override name = 'UpstreamError';
    }
    const fn = deploy(job, function syncOrders() {
      throw new UpstreamError('upstream said 503');
    });

    await expect(fn(eventFor(job.jobId, '2026-03-07T11:00:00Z'), contextWith())).rejects.toThrow(
      'upstream said 503',
    );

    const run = await store.ledger.getRun(job.jobId, '2026-03-07T11:00:00Z');
    expect(run?.status).toBe(RunStatus.FAILED);
    expect(run?.error?.name).toBe('UpstreamError');
    expect(run?.error?.message).toBe('upstream said 503');
    expect(run?.error?.stack).toContain('syncOrders');
    expect(run?.attempts).toEqual([
      expect.objectContaining({ attempt: 1, status: 'FAILED', errorName: 'UpstreamError' }),
    ]);
    expect((await store.ledger.getJob(job.jobId))?.counts).toEqual({ FAILED: 1 });
  });

  it('runs the handler once when the same event is delivered twice', async () => {
    const job = uniqueJob();
    setVirtualNow(Date.parse('2026-03-07T12:00:01Z'));
    let calls = 0;
    const fn = deploy(job, () => {
      calls += 1;
    });
    const event = eventFor(job.jobId, '2026-03-07T12:00:00Z');

    await fn(event, contextWith());
    const second = await fn(event, contextWith());

    expect(calls).toBe(1);
    expect(second).toMatchObject({ outcome: 'duplicate', status: RunStatus.SUCCEEDED });
    expect((await store.ledger.getRun(job.jobId, '2026-03-07T12:00:00Z'))?.deliveries).toBe(2);
  });

  it('re-claims a FAILED run with the next attempt until the retries are used up', async () => {
    // Lambda's retries resend the identical event, so the ledger numbers the attempts.
    const job = uniqueJob({ retryAttempts: 2 });
    setVirtualNow(Date.parse('2026-03-07T13:00:02Z'));
    const attempts: number[] = [];
    const fn = deploy(job, (run) => {
      attempts.push(run.attempt);
      throw new Error(`attempt ${run.attempt} failed`);
    });
    const event = eventFor(job.jobId, '2026-03-07T13:00:00Z');

    for (let delivery = 0; delivery < 3; delivery += 1) {
      await expect(fn(event, contextWith())).rejects.toThrow(`attempt ${delivery + 1} failed`);
    }
    const fourth = await fn(event, contextWith());

    expect(attempts).toEqual([1, 2, 3]);
    expect(fourth).toMatchObject({ outcome: 'duplicate', status: RunStatus.FAILED, attempt: 3 });
    const run = await store.ledger.getRun(job.jobId, '2026-03-07T13:00:00Z');
    expect(run).toMatchObject({ status: 'FAILED', attempt: 3, deliveries: 4 });
    expect(run?.attempts?.map((entry) => entry.errorMessage)).toEqual([
      'attempt 1 failed',
      'attempt 2 failed',
      'attempt 3 failed',
    ]);
  });

  it('records MISSED, not running the handler, for a first delivery past the grace', async () => {
    // Grace 300 s and no window: 10:00:00 may run until 10:05:00; 10:05:01 is late.
    const job = uniqueJob();
    setVirtualNow(Date.parse('2026-03-07T14:05:01Z'));
    let calls = 0;
    const fn = deploy(job, () => {
      calls += 1;
    });

    const result = await fn(eventFor(job.jobId, '2026-03-07T14:00:00Z'), contextWith());

    expect(calls).toBe(0);
    expect(result).toMatchObject({ outcome: 'missed', status: RunStatus.MISSED });
    expect((await store.ledger.getJob(job.jobId))?.counts).toEqual({ MISSED: 1 });
  });

  it('counts the flexible time window into the grace', async () => {
    // A 15-minute window and 300 s of grace: 14:19:59 is still on time.
    const job = uniqueJob({ flexibleWindowMinutes: 15 });
    setVirtualNow(Date.parse('2026-03-07T14:19:59Z'));
    const fn = deploy(job, () => undefined);

    const result = await fn(eventFor(job.jobId, '2026-03-07T14:00:00Z'), contextWith());

    expect(result.outcome).toBe('ran');
  });

  it('records SKIPPED when another run holds the only slot', async () => {
    const job = uniqueJob({ maxConcurrency: 1 });
    setVirtualNow(Date.parse('2026-03-07T15:00:00Z'));
    let release: () => void = () => undefined;
    const fn = deploy(job, (run) => {
      if (run.scheduledTime.getUTCMinutes() === 0) {
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      }
      return undefined;
    });

    const long = fn(eventFor(job.jobId, '2026-03-07T15:00:00Z'), contextWith());
    await waitFor(
      async () =>
        (await store.ledger.getRun(job.jobId, '2026-03-07T15:00:00Z'))?.status === 'RUNNING',
    );
    const next = await fn(eventFor(job.jobId, '2026-03-07T15:01:00Z'), contextWith());
    release();
    await long;

    expect(next).toMatchObject({ outcome: 'skipped', status: RunStatus.SKIPPED });
    const counts = (await store.ledger.getJob(job.jobId))?.counts;
    expect(counts).toEqual({ SKIPPED: 1, SUCCEEDED: 1 });
  });

  it('aborts a handler that outlives its time and records TIMED_OUT', async () => {
    const job = uniqueJob();
    setVirtualNow(Date.parse('2026-03-07T16:00:00Z'));
    let aborted = false;
    const fn = deploy(job, (run) => {
      return new Promise<void>((resolve) => {
        run.signal.addEventListener('abort', () => {
          aborted = true;
          resolve();
        });
      });
    });

    // 1,000 ms left: the wrapper aborts at the larger of 10 % and 200 ms before the deadline.
    await expect(
      fn(eventFor(job.jobId, '2026-03-07T16:00:00Z'), contextWith(1_000)),
    ).rejects.toBeInstanceOf(RunTimedOutError);

    expect(aborted).toBe(true);
    const run = await store.ledger.getRun(job.jobId, '2026-03-07T16:00:00Z');
    expect(run?.status).toBe(RunStatus.TIMED_OUT);
    // Aborted 800 ms after the delivery arrived; the claim took some of those 800 ms.
    expect(run?.durationMs).toBeGreaterThan(400);
    expect(run?.durationMs).toBeLessThanOrEqual(850);
  });

  it("runs Lambda's retry of an invocation that died, inside the dead one's lease", async () => {
    // Prepare: a 5-minute function whose process dies right after its claim at 15:00:01.
    const job = uniqueJob({ timeoutSeconds: 300 });
    const ran: number[] = [];
    const fn = deploy(job, (run) => {
      ran.push(run.attempt);
    });
    const event = eventFor(job.jobId, '2026-03-07T15:00:00Z');
    const requestId = randomUUID();
    const context = { awsRequestId: requestId, getRemainingTimeInMillis: () => 300_000 };
    setVirtualNow(Date.parse('2026-03-07T15:00:01Z'));
    localHooks.afterClaim = () => {
      throw new Error('the process died');
    };
    await expect(fn(event, context)).rejects.toThrow('the process died');
    localHooks.afterClaim = undefined;

    // Act: Lambda retries a minute later with the same event and request id.
    setVirtualNow(Date.parse('2026-03-07T15:01:05Z'));
    const retry = await fn(event, context);

    // Assess
    expect(retry).toMatchObject({ outcome: 'ran', status: RunStatus.SUCCEEDED, attempt: 2 });
    expect(ran).toEqual([2]);
    const run = await store.ledger.getRun(job.jobId, '2026-03-07T15:00:00Z');
    expect(run?.attempts?.map((entry) => [entry.attempt, entry.status, entry.errorName])).toEqual([
      [1, 'FAILED', 'InvocationFailed'],
      [2, 'SUCCEEDED', undefined],
    ]);
  });

  it('does not run the handler when the ledger cannot be reached', async () => {
    // Nothing listens on port 9 of loopback: the claim fails to connect.
    const job = uniqueJob();
    let calls = 0;
    const fn = deploy(
      job,
      () => {
        calls += 1;
      },
      'http://127.0.0.1:9',
    );

    const failure = fn(eventFor(job.jobId, '2026-03-07T17:00:00Z'), contextWith());

    await expect(failure).rejects.toBeInstanceOf(LedgerUnavailableError);
    await expect(failure).rejects.toThrow(/could not claim the run job-\w+ @ 2026-03-07T17:00:00Z/);
    expect(calls).toBe(0);
  });

  it('rejects an event without the Scheduler context attributes, naming the field', async () => {
    const job = uniqueJob();
    const fn = deploy(job, () => undefined);

    await expect(fn({ hello: 'world' }, contextWith())).rejects.toThrow(/`cronledger`/);
    await expect(
      fn({ cronledger: { jobId: job.jobId, scheduledTime: 'yesterday' } }, contextWith()),
    ).rejects.toThrow(
      '`cronledger.scheduledTime` must be an ISO-8601 instant with a zone, from 1970 to 2199, ' +
        'got: yesterday',
    );
  });

  it('accepts the last run of the local year 2199 in the westernmost zones', async () => {
    // cron(59 23 31 12 ? 2199) in Pacific/Pago_Pago (UTC-11) runs at 2200-01-01T10:59Z.
    const job = uniqueJob();
    setVirtualNow(Date.parse('2200-01-01T10:59:01Z'));
    const fn = deploy(job, () => undefined);

    const result = await fn(eventFor(job.jobId, '2200-01-01T10:59:00Z'), contextWith());

    expect(result).toMatchObject({ outcome: 'ran', status: RunStatus.SUCCEEDED });
  });

  it.each([
    ['no zone, read in the machine zone by Date.parse', '2026-03-07T10:00:00'],
    ['a number', '1'],
    ['an English date', 'March 7 2026'],
    ['a date the calendar lacks', '2026-02-30T10:00:00Z'],
    ['after 2199', '+275760-09-13T00:00:00Z'],
    ['past the end of the local year 2199 everywhere', '2200-01-02T00:00:00Z'],
    ['before 1970', '1969-12-31T23:55:00Z'],
  ])('rejects a scheduled time that is %s, before any write', async (_, scheduledTime) => {
    const job = uniqueJob();
    let ran = false;
    const fn = deploy(job, () => {
      ran = true;
    });

    await expect(fn(eventFor(job.jobId, scheduledTime), contextWith())).rejects.toThrow(
      `must be an ISO-8601 instant with a zone, from 1970 to 2199, got: ${scheduledTime}`,
    );
    expect(ran).toBe(false);
    expect(await store.ledger.listRuns(job.jobId)).toEqual([]);
  });

  it('rejects a context without a request id, before any write', async () => {
    const job = uniqueJob();
    const fn = deploy(job, () => undefined);
    const { getRemainingTimeInMillis } = contextWith();

    await expect(
      fn(eventFor(job.jobId, '2026-03-07T10:00:00Z'), {
        getRemainingTimeInMillis,
      } as LambdaContext),
    ).rejects.toThrow('the Lambda context must carry `awsRequestId`, got: undefined');
    expect(await store.ledger.listRuns(job.jobId)).toEqual([]);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['"60000"', '60000'],
    ['0', 0],
    ['-5', -5],
    ['900001, past 15 minutes', 900_001],
  ])('rejects a context whose remaining time is %s, before any write', async (shown, left) => {
    const job = uniqueJob();
    const fn = deploy(job, () => undefined);
    const context = { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => left as number };

    await expect(fn(eventFor(job.jobId, '2026-03-07T10:00:00Z'), context)).rejects.toThrow(
      '`getRemainingTimeInMillis()` must return the milliseconds left, more than 0 and at most ' +
        `Lambda's 15 minutes, got: ${shown.split(',')[0]}`,
    );
    expect(await store.ledger.listRuns(job.jobId)).toEqual([]);
  });

  it.each([
    [{ schedule: undefined }, '`schedule.expression` must be a schedule expression, got: nothing'],
    [{ maxConcurrency: '2' }, '`maxConcurrency` must be a whole number, 1 or more, got: "2"'],
    [{ overlap: 'queue' }, "`overlap` must be 'skip' or 'allow', got: \"queue\""],
    [
      { schedule: { expression: 'cron(0 12 * * * *)', timezone: 'UTC' } },
      '`schedule` must be one EventBridge Scheduler accepts: ',
    ],
  ])('refuses a job definition with %j before any write', async (broken, message) => {
    const job = uniqueJob();
    const fn = deploy({ ...job, ...broken } as JobDefinition, () => undefined);

    const result = fn(eventFor(job.jobId, '2026-03-07T10:00:00Z'), contextWith());

    await expect(result).rejects.toBeInstanceOf(JobConfigurationError);
    await expect(result).rejects.toThrow(`CRONLEDGER_JOB: ${message}`);
    expect(await store.ledger.listRuns(job.jobId)).toEqual([]);
  });

  it.each([Number.NaN, -1, Number.POSITIVE_INFINITY])(
    'refuses an abort margin of %s when the job is defined',
    (abortMarginMs) => {
      expect(() => defineJob(() => undefined, { abortMarginMs })).toThrow(
        '`abortMarginMs` must be a finite number of milliseconds, 0 or more, ' +
          `got: ${abortMarginMs}`,
      );
    },
  );
});

const circular: Record<string, unknown> = { id: 7 };
circular.self = circular;
const hugeName = Object.assign(new Error('boom'), { name: 'E'.repeat(500_000) });
const numberName = Object.assign(new Error('boom'), { name: 42 as unknown as string });

describe('defineJob with whatever a handler throws', () => {
  // Every value a handler throws is a failure, recorded as text that fits the item.
  it.each([
    ['undefined', undefined, { name: 'NonError', message: 'undefined' }],
    ['null', null, { name: 'NonError', message: 'null' }],
    ['0', 0, { name: 'NonError', message: '0' }],
    ['an empty string', '', { name: 'NonError', message: '' }],
    ['false', false, { name: 'NonError', message: 'false' }],
    ['a BigInt', 42n, { name: 'NonError', message: '42' }],
    ['a circular object', circular, { name: 'NonError', message: '[object Object]' }],
    ['an object without a prototype', Object.create(null), { name: 'NonError', message: '{}' }],
    ['an Error named by a number', numberName, { name: '42', message: 'boom' }],
    [
      'an Error with a 500 KB name',
      hugeName,
      { name: `${'E'.repeat(256 - 13)}…[truncated]`, message: 'boom' },
    ],
  ])('records FAILED when the handler throws %s', async (_, thrown, recorded) => {
    const job = uniqueJob();
    setVirtualNow(Date.parse('2026-03-07T12:00:01Z'));
    const fn = deploy(job, () => {
      throw thrown;
    });

    const result = fn(eventFor(job.jobId, '2026-03-07T12:00:00Z'), contextWith());

    await expect(result).rejects.toBe(thrown);
    const run = await store.ledger.getRun(job.jobId, '2026-03-07T12:00:00Z');
    expect(run?.status).toBe(RunStatus.FAILED);
    expect(run?.error).toMatchObject(recorded);
    expect(run?.attempts).toEqual([
      expect.objectContaining({ attempt: 1, status: 'FAILED', errorName: recorded.name }),
    ]);
    expect(run?.leaseExpiresAt).toBeUndefined();
    expect((await store.ledger.getJob(job.jobId))?.counts).toEqual({ FAILED: 1 });
  });

  it('records FAILED when the handler throws a value that cannot even be read', async () => {
    const job = uniqueJob();
    setVirtualNow(Date.parse('2026-03-07T14:00:01Z'));
    const hostile = new Proxy(new Error('hidden'), {
      get() {
        throw new Error('no reading');
      },
    });
    const fn = deploy(job, () => {
      throw hostile;
    });

    const result = fn(eventFor(job.jobId, '2026-03-07T14:00:00Z'), contextWith());

    await expect(result).rejects.toBe(hostile);
    const run = await store.ledger.getRun(job.jobId, '2026-03-07T14:00:00Z');
    expect(run).toMatchObject({
      status: RunStatus.FAILED,
      error: { name: 'UnreadableError' },
    });
    expect(run?.error?.message).toMatch(/^the handler threw a value that could not be read: /);
  });

  it('records FAILED when the handler rejects with no reason', async () => {
    const job = uniqueJob();
    setVirtualNow(Date.parse('2026-03-07T13:00:01Z'));
    const fn = deploy(job, () => Promise.reject());

    await expect(fn(eventFor(job.jobId, '2026-03-07T13:00:00Z'), contextWith())).rejects.toBe(
      undefined,
    );
    const run = await store.ledger.getRun(job.jobId, '2026-03-07T13:00:00Z');
    expect(run).toMatchObject({ status: RunStatus.FAILED, error: { name: 'NonError' } });
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
