import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import type { JobDefinition } from '../../functions/job-definition.ts';
import { Ledger } from '../../functions/ledger/ledger.ts';
import { ledgerTableInput } from '../../functions/ledger/schema.ts';
import { localClient } from '../../local/dynamodb-local.ts';

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
