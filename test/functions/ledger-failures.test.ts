import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setVirtualNow } from '../../functions/clock.ts';
import { defineJob, type JobHandler, type LambdaContext } from '../../functions/define-job.ts';
import { LedgerUnavailableError } from '../../functions/errors.ts';
import { type JobDefinition, JobEnvironment } from '../../functions/job-definition.ts';
import { type Claim, type Delivery, Ledger } from '../../functions/ledger/ledger.ts';
import { RunStatus } from '../../functions/ledger/status.ts';
import { sweep } from '../../functions/sweeper/sweep.ts';
import {
  claimOrThrow,
  createTestLedger,
  deliveryOf,
  registerUniqueJob,
  type TestLedger,
} from '../support/ledger.ts';

let store: TestLedger;
let deadPort: number;
let silent: Server;
let silentPort: number;
const silentSockets = new Set<Socket>();

beforeAll(async () => {
  store = await createTestLedger();
  // A loopback port that nothing listens on: taken from the kernel, then let go.
  const probe = await listen(createServer());
  deadPort = portOf(probe);
  await close(probe);
  // A loopback server that accepts connections and never answers.
  silent = await listen(
    createServer((socket) => {
      silentSockets.add(socket);
      socket.on('close', () => silentSockets.delete(socket));
    }),
  );
  silentPort = portOf(silent);
});

afterAll(async () => {
  for (const socket of silentSockets) {
    socket.destroy();
  }
  await close(silent);
  await store.drop();
  setVirtualNow(Date.now());
});

interface Failure {
  readonly name: string;
  /** A ledger on the same table whose requests fail the way named. */
  readonly ledger: () => { ledger: Ledger; destroy: () => void };
  readonly assertError: (error: unknown) => void;
}

function ledgerWith(client: DynamoDBClient): { ledger: Ledger; destroy: () => void } {
  return {
    ledger: new Ledger({
      client: DynamoDBDocumentClient.from(client, {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableName: store.tableName,
    }),
    destroy: () => client.destroy(),
  };
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const failures: Failure[] = [
  {
    name: 'the endpoint is down',
    ledger: () =>
      ledgerWith(
        new DynamoDBClient({
          endpoint: `http://127.0.0.1:${deadPort}`,
          region: 'us-east-1',
          credentials,
          maxAttempts: 1,
        }),
      ),
    assertError: (error) => {
      expect(error).toMatchObject({ code: 'ECONNREFUSED' });
      expect((error as Error).message).toContain(`127.0.0.1:${deadPort}`);
    },
  },
  {
    name: 'the request times out',
    ledger: () =>
      ledgerWith(
        new DynamoDBClient({
          endpoint: `http://127.0.0.1:${silentPort}`,
          region: 'us-east-1',
          credentials,
          maxAttempts: 1,
          // Without throwOnRequestTimeout, this version of the handler only warns.
          requestHandler: new NodeHttpHandler({ requestTimeout: 200, throwOnRequestTimeout: true }),
        }),
      ),
    assertError: (error) => {
      expect(error).toMatchObject({ name: 'TimeoutError' });
      expect((error as Error).message).toContain('exceeded the configured 200 ms requestTimeout');
    },
  },
  {
    name: 'DynamoDB throttles',
    ledger: () => {
      // DynamoDB Local never throttles, so there is no local part for this failure: the
      // middleware throws the exception DynamoDB would answer with, before any request.
      const client = new DynamoDBClient({
        endpoint: store.endpoint,
        region: 'us-east-1',
        credentials,
        maxAttempts: 1,
      });
      client.middlewareStack.add(
        () => async () => {
          throw new ProvisionedThroughputExceededException({
            message: 'The level of configured provisioned throughput for the table was exceeded.',
            $metadata: { httpStatusCode: 400 },
          });
        },
        { step: 'initialize', name: 'throttle' },
      );
      return ledgerWith(client);
    },
    assertError: (error) => {
      expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
      expect((error as Error).message).toBe(
        'The level of configured provisioned throughput for the table was exceeded.',
      );
    },
  },
];

async function registeredJob(overrides: Partial<JobDefinition> = {}): Promise<JobDefinition> {
  return registerUniqueJob(store.ledger, Date.parse('2026-06-02T08:00:00Z'), overrides);
}

async function claimed(delivery: Delivery): Promise<Claim> {
  return claimOrThrow(store.ledger, delivery);
}

/** A 08:00 run whose first attempt failed at 08:00:03: its retry would claim attempt 2. */
async function failedRun(job: JobDefinition): Promise<void> {
  const claim = await claimed(
    deliveryOf(job, '2026-06-02T08:00:00Z', Date.parse('2026-06-02T08:00:01Z')),
  );
  await store.ledger.finish(job, claim, {
    status: RunStatus.FAILED,
    finishedAtMs: Date.parse('2026-06-02T08:00:03Z'),
    durationMs: 2_000,
    error: { name: 'Error', message: 'first attempt failed' },
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe.each(failures)('Ledger when $name', ({ ledger: broken, assertError }) => {
  it('rejects the claim with DynamoDB’s error and changes nothing already recorded', async () => {
    // Prepare
    const job = await registeredJob();
    await failedRun(job);
    const runBefore = await store.ledger.getRun(job.jobId, '2026-06-02T08:00:00Z');
    const jobBefore = await store.ledger.getJob(job.jobId);
    const { ledger, destroy } = broken();

    // Act: the retry's delivery, on a ledger that cannot be written.
    const error = await rejection(
      ledger.claim(deliveryOf(job, '2026-06-02T08:00:00Z', Date.parse('2026-06-02T08:01:03Z'))),
    );
    destroy();

    // Assess
    assertError(error);
    expect(await store.ledger.getRun(job.jobId, '2026-06-02T08:00:00Z')).toEqual(runBefore);
    expect(await store.ledger.getJob(job.jobId)).toEqual(jobBefore);
    expect(runBefore).toMatchObject({ status: RunStatus.FAILED, attempt: 1, deliveries: 1 });
  });

  it('rejects the finish; the run stays RUNNING until the sweeper ends it', async () => {
    // Prepare: attempt 1 claimed at 09:00:01 (lease to 09:01:01) on the working ledger.
    const job = await registeredJob();
    const claim = await claimed(
      deliveryOf(job, '2026-06-02T09:00:00Z', Date.parse('2026-06-02T09:00:01Z')),
    );
    const runBefore = await store.ledger.getRun(job.jobId, '2026-06-02T09:00:00Z');
    const jobBefore = await store.ledger.getJob(job.jobId);
    const { ledger, destroy } = broken();

    // Act
    const error = await rejection(
      ledger.finish(job, claim, {
        status: RunStatus.SUCCEEDED,
        finishedAtMs: Date.parse('2026-06-02T09:00:05Z'),
        durationMs: 4_000,
      }),
    );
    destroy();
    const runAfter = await store.ledger.getRun(job.jobId, '2026-06-02T09:00:00Z');
    const jobAfter = await store.ledger.getJob(job.jobId);
    const swept = await sweep(store.ledger, Date.parse('2026-06-02T09:02:00Z'));

    // Assess
    assertError(error);
    expect(runAfter).toEqual(runBefore);
    expect(runAfter).toMatchObject({
      status: RunStatus.RUNNING,
      claimToken: claim.token,
      leaseExpiresAt: Date.parse('2026-06-02T09:01:01Z'),
    });
    expect(jobAfter).toEqual(jobBefore);
    expect(swept.timedOut).toContainEqual({
      jobId: job.jobId,
      scheduledTime: '2026-06-02T09:00:00Z',
    });
    expect((await store.ledger.getRun(job.jobId, '2026-06-02T09:00:00Z'))?.status).toBe(
      RunStatus.TIMED_OUT,
    );
  });
});

describe('defineJob when the ledger fails', () => {
  /** A job function wired to `endpoint`, the way ScheduledJob wires one on Lambda. */
  function deploy(job: JobDefinition, handler: JobHandler, endpoint: string) {
    process.env[JobEnvironment.tableName] = store.tableName;
    process.env[JobEnvironment.job] = JSON.stringify(job);
    process.env[JobEnvironment.endpoint] = endpoint;
    process.env[JobEnvironment.logLevel] = 'SILENT';
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
    return defineJob(handler);
  }

  function eventFor(job: JobDefinition, scheduledTime: string) {
    return {
      cronledger: {
        jobId: job.jobId,
        scheduledTime,
        scheduleArn: `arn:aws:scheduler:us-east-1:123456789012:schedule/cronledger/${job.jobId}`,
        executionId: randomUUID(),
        attemptNumber: '2',
      },
    };
  }

  function contextWith(remainingMs = 60_000): LambdaContext {
    const deadline = Date.now() + remainingMs;
    return { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => deadline - Date.now() };
  }

  it('throws LedgerUnavailableError and runs nothing when the claim fails', async () => {
    // Prepare: the FAILED 08:00 run's retry arrives while the endpoint is down.
    const job = await registeredJob();
    await failedRun(job);
    const runBefore = await store.ledger.getRun(job.jobId, '2026-06-02T08:00:00Z');
    setVirtualNow(Date.parse('2026-06-02T08:01:03Z'));
    let calls = 0;
    const fn = deploy(
      job,
      () => {
        calls += 1;
      },
      `http://127.0.0.1:${deadPort}`,
    );

    // Act
    const error = await rejection(fn(eventFor(job, '2026-06-02T08:00:00Z'), contextWith()));

    // Assess
    expect(calls).toBe(0);
    expect(error).toBeInstanceOf(LedgerUnavailableError);
    const cause = (error as Error).cause as Error;
    expect(cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect((error as Error).message).toBe(
      `could not claim the run ${job.jobId} @ 2026-06-02T08:00:00Z in the ledger: ${cause.message}`,
    );
    expect(await store.ledger.getRun(job.jobId, '2026-06-02T08:00:00Z')).toEqual(runBefore);
  });

  it('throws LedgerUnavailableError when the finish fails; the run stays RUNNING', async () => {
    // Prepare: the function reaches DynamoDB Local through a loopback proxy, which the
    // handler shuts down, so the claim goes through and the finish finds the endpoint gone.
    const job = await registeredJob();
    const proxy = await startProxy(store.endpoint);
    setVirtualNow(Date.parse('2026-06-02T10:00:02Z'));
    let calls = 0;
    const fn = deploy(
      job,
      async () => {
        calls += 1;
        await proxy.stop();
      },
      proxy.endpoint,
    );

    // Act
    const error = await rejection(fn(eventFor(job, '2026-06-02T10:00:00Z'), contextWith()));

    // Assess
    expect(calls).toBe(1);
    expect(error).toBeInstanceOf(LedgerUnavailableError);
    const cause = (error as Error).cause as Error;
    expect(cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect((error as Error).message).toBe(
      `could not finish the run ${job.jobId} @ 2026-06-02T10:00:00Z in the ledger: ` +
        `${cause.message}`,
    );
    const run = await store.ledger.getRun(job.jobId, '2026-06-02T10:00:00Z');
    expect(run).toMatchObject({ status: RunStatus.RUNNING, attempt: 1, deliveries: 1 });
    expect(run?.leaseExpiresAt).toBeGreaterThan(Date.parse('2026-06-02T10:00:02Z'));
    expect(run?.attempts).toBeUndefined();
    expect((await store.ledger.getJob(job.jobId))?.counts).toEqual({});
  });
});

/** A TCP proxy on loopback to `endpoint`; stop() drops its connections and its port. */
async function startProxy(
  endpoint: string,
): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const target = new URL(endpoint);
  const sockets = new Set<Socket>();
  const server = createServer((downstream) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        downstream.destroy();
        upstream.destroy();
      });
    }
    downstream.pipe(upstream);
    upstream.pipe(downstream);
  });
  await listen(server);
  return {
    endpoint: `http://127.0.0.1:${portOf(server)}`,
    stop: async () => {
      const closed = close(server);
      for (const socket of sockets) {
        socket.destroy();
      }
      await closed;
    },
  };
}

function listen(server: Server): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function portOf(server: Server): number {
  const address = server.address();
  if (typeof address !== 'object' || address === null) {
    throw new Error('the server has no port');
  }
  return address.port;
}
