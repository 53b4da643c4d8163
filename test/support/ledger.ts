import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import type { JobDefinition } from '../../functions/job-definition.ts';
import { type Claim, type Delivery, Ledger } from '../../functions/ledger/ledger.ts';
import { ledgerTableInput } from '../../functions/ledger/schema.ts';
import { localClient } from '../../local/dynamodb-local.ts';
import { formatUtc } from '../../schedule/index.ts';

export interface TestLedger {
  readonly ledger: Ledger;
  readonly endpoint: string;
  readonly tableName: string;
  drop(): Promise<void>;
}

/** A fresh ledger table in the run's DynamoDB Local. */
export async function createTestLedger(): Promise<TestLedger> {
  const endpoint = inject('dynamodbEndpoint');
  const client = localClient(endpoint);
  const tableName = `ledger-${randomUUID()}`;
  await client.send(new CreateTableCommand(ledgerTableInput(tableName)));
  const document = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    ledger: new Ledger({ client: document, tableName }),
    endpoint,
    tableName,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
    },
  };
}

export function testJob(overrides: Partial<JobDefinition> = {}): JobDefinition {
  return {
    jobId: 'report',
    schedule: { expression: 'cron(0 * * * ? *)', timezone: 'UTC' },
    enabled: true,
    flexibleWindowMinutes: 0,
    maxConcurrency: 1,
    overlap: 'skip',
    misfireGraceSeconds: 300,
    retryAttempts: 2,
    timeoutSeconds: 60,
    retention: { succeededDays: 30, otherDays: 90 },
    ...overrides,
  };
}

/** A job of its own, registered at `registeredMs`, so that tests never share a run or a slot. */
export async function registerUniqueJob(
  ledger: Ledger,
  registeredMs: number,
  overrides: Partial<JobDefinition> = {},
): Promise<JobDefinition> {
  const job = testJob({ jobId: `job-${randomUUID().slice(0, 8)}`, ...overrides });
  await ledger.registerJob(job, registeredMs, { sweepFrom: formatUtc(new Date(registeredMs)) });
  return job;
}

/** One delivery of a run's event, as one Lambda invocation with a request id of its own. */
export function deliveryOf(
  job: JobDefinition,
  scheduledTime: string,
  nowMs: number,
  leaseMs = 60_000,
): Delivery {
  return {
    job,
    scheduledTime,
    scheduleArn: `arn:aws:scheduler:us-east-1:123456789012:schedule/cronledger/${job.jobId}`,
    executionId: randomUUID(),
    requestId: randomUUID(),
    nowMs,
    deadlineMs: nowMs + leaseMs,
  };
}

/** Claims a run that the test expects to be free, and fails loudly when it is not. */
export async function claimOrThrow(ledger: Ledger, delivery: Delivery): Promise<Claim> {
  const outcome = await ledger.claim(delivery);
  if (outcome.kind !== 'claimed') {
    throw new Error(`expected a claim, got ${outcome.kind} (${outcome.run.status})`);
  }
  return outcome.claim;
}
