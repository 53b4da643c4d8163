import type { TestProject } from 'vitest/node';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

let dynamodb: DynamoDbLocal | undefined;

/** One DynamoDB Local for the whole run; each test file makes tables of its own in it. */
export async function setup(project: TestProject): Promise<void> {
  // The AWS SDK warns on Node.js 20 about its 2027 releases; the README says so once.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  dynamodb = await startDynamoDbLocal();
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
}

export async function teardown(): Promise<void> {
  await dynamodb?.stop();
}
