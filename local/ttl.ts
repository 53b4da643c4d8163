import { DeleteCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { Ledger } from '../functions/ledger/ledger.ts';
import { LedgerKeys } from '../functions/ledger/schema.ts';

/**
 * Deletes items whose TTL has passed. DynamoDB does this by itself on AWS; DynamoDB Local
 * keeps the TTL setting but never expires anything, so the local runtime does it here.
 */
export async function deleteExpired(ledger: Ledger, nowMs: number): Promise<number> {
  const client = ledger.documentClient;
  let deleted = 0;
  const pages = paginateScan(
    { client },
    {
      TableName: ledger.tableName,
      FilterExpression: '#ttl < :now',
      ExpressionAttributeNames: {
        '#ttl': LedgerKeys.timeToLive,
        '#pk': LedgerKeys.partitionKey,
        '#sk': LedgerKeys.sortKey,
      },
      ExpressionAttributeValues: { ':now': Math.floor(nowMs / 1_000) },
      ProjectionExpression: '#pk, #sk',
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      await client.send(
        new DeleteCommand({
          TableName: ledger.tableName,
          Key: {
            [LedgerKeys.partitionKey]: item[LedgerKeys.partitionKey],
            [LedgerKeys.sortKey]: item[LedgerKeys.sortKey],
          },
        }),
      );
      deleted += 1;
    }
  }
  return deleted;
}
