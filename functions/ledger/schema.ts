import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The ledger is one table. Job items share the partition `JOBS`, so listing the jobs is one
 * query; each job's runs have a partition of their own, sorted by scheduled time, so a job's
 * history reads newest first with `ScanIndexForward: false`, and the key itself makes a run
 * unique per (job, scheduled time).
 *
 *   pk            sk                      item
 *   JOBS          JOB#<jobId>             the job: definition, state, slots, counters
 *   RUN#<jobId>   <scheduledTime, UTC>    one run
 *
 * RUNNING runs also carry `runningShard` and `leaseExpiresAt`, which the `running` index keys
 * on. The finishing write removes both, so the index is sparse: the sweeper reads only runs
 * that are in flight, never the history.
 */
export const LedgerKeys = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLive: 'expiresAt',
} as const;

export const RunningIndex = {
  name: 'running',
  partitionKey: 'runningShard',
  sortKey: 'leaseExpiresAt',
  /** One value: every in-flight run of the table sits in one index partition. */
  shard: 'RUNNING',
} as const;

export const JOBS_PARTITION = 'JOBS';

export function jobKey(jobId: string): { pk: string; sk: string } {
  return { pk: JOBS_PARTITION, sk: `JOB#${jobId}` };
}

export function runKey(jobId: string, scheduledTime: string): { pk: string; sk: string } {
  return { pk: `RUN#${jobId}`, sk: scheduledTime };
}

/**
 * The table as the local runtime creates it. cdk/job-ledger.ts builds the deployed table from
 * the same constants, and test/cdk asserts that the two agree.
 */
export function ledgerTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [
      { AttributeName: LedgerKeys.partitionKey, KeyType: 'HASH' },
      { AttributeName: LedgerKeys.sortKey, KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: LedgerKeys.partitionKey, AttributeType: 'S' },
      { AttributeName: LedgerKeys.sortKey, AttributeType: 'S' },
      { AttributeName: RunningIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: RunningIndex.sortKey, AttributeType: 'N' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: RunningIndex.name,
        KeySchema: [
          { AttributeName: RunningIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: RunningIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  };
}
