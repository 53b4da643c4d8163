import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Ledger } from './ledger.ts';

export interface LedgerClientOptions {
  /**
   * The DynamoDB endpoint; the local runtime sets one on loopback.
   * @default - the region's endpoint
   */
  readonly endpoint?: string;
  /**
   * How long one request may take before it fails (and the SDK retries it, 3 attempts in
   * all). A ledger write takes milliseconds; a request hanging for seconds is a fault, and
   * waiting on it until Lambda's own timeout would leave no time to record anything.
   * @default 5000
   */
  readonly requestTimeoutMs?: number;
  /** @default 2000 */
  readonly connectionTimeoutMs?: number;
}

/** The ledger as Lambda code reaches it: one client per execution environment. */
export function createLedger(tableName: string, options: LedgerClientOptions = {}): Ledger {
  const client = new DynamoDBClient({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? 5_000,
      connectionTimeout: options.connectionTimeoutMs ?? 2_000,
      // Without it the handler only logs a warning when a request runs out of time.
      throwOnRequestTimeout: true,
    },
  });
  return new Ledger({
    client: DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    }),
    tableName,
  });
}
