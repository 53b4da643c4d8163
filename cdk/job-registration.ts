import { aws_iam as iam, Tokenization } from 'aws-cdk-lib';
import {
  AwsCustomResource,
  AwsCustomResourcePolicy,
  type AwsSdkCall,
  PhysicalResourceId,
} from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { JobDefinition } from '../functions/job-definition.ts';
import { JOBS_PARTITION, jobKey, LedgerKeys } from '../functions/ledger/schema.ts';
import type { JobLedger } from './job-ledger.ts';

/** Properties of a `JobRegistration`. */
export interface JobRegistrationProps {
  /** The ledger to register the job in. */
  readonly ledger: JobLedger;
  /** The job, as its function reads it. */
  readonly definition: JobDefinition;
  /**
   * The instant recorded as the job's `updatedAt`, and as `registeredAt` the first time.
   *
   * @default - the time of synthesis
   */
  readonly updatedAt?: Date;
}

/**
 * Writes a job's item in the ledger at deploy time, so the sweeper knows a job before its
 * first run. Deploying sets the definition and keeps the job's slots; removing the job sets
 * `deletedAt` and keeps the item and its runs, because history outlives the job.
 *
 * An AWS SDK call made by CloudFormation has no clock of its own, so the times it writes are
 * the synth time: `registeredAt` and `updatedAt` lie a little before the deployment, and,
 * since CloudFormation hands a deletion the properties of the last deployment, `deletedAt`
 * is the synth time of the deployment that last wrote the job (the job was removed at or
 * after it). That is why a deploy also removes the sweeper's watermark: the sweeper starts
 * watching the job from its next sweep, instead of expecting runs from a synth time that may
 * lie before the schedule existed, or through a time the job was deleted.
 */
export class JobRegistration extends Construct {
  constructor(scope: Construct, id: string, props: JobRegistrationProps) {
    super(scope, id);

    const { ledger, definition } = props;
    const key = jobKey(definition.jobId);
    const updatedAt = (props.updatedAt ?? new Date()).toISOString();
    const target = {
      TableName: ledger.tableName,
      Key: {
        [LedgerKeys.partitionKey]: { S: key.pk },
        [LedgerKeys.sortKey]: { S: key.sk },
      },
    };

    const register: AwsSdkCall = {
      service: 'DynamoDB',
      action: 'updateItem',
      parameters: {
        ...target,
        UpdateExpression:
          'SET #jobId = :jobId, #definition = :definition, #updatedAt = :updatedAt, ' +
          '#registeredAt = if_not_exists(#registeredAt, :updatedAt), ' +
          '#slots = if_not_exists(#slots, :emptyMap), ' +
          '#counts = if_not_exists(#counts, :emptyMap) ' +
          'REMOVE #deletedAt, #sweptUntil',
        ExpressionAttributeNames: {
          '#jobId': 'jobId',
          '#definition': 'definition',
          '#updatedAt': 'updatedAt',
          '#registeredAt': 'registeredAt',
          '#slots': 'slots',
          '#counts': 'counts',
          '#deletedAt': 'deletedAt',
          '#sweptUntil': 'sweptUntil',
        },
        ExpressionAttributeValues: {
          ':jobId': { S: definition.jobId },
          ':definition': toAttributeValue(definition),
          ':updatedAt': { S: updatedAt },
          ':emptyMap': { M: {} },
        },
      },
      physicalResourceId: PhysicalResourceId.of(`${key.pk}/${key.sk}`),
    };
    const markDeleted: AwsSdkCall = {
      service: 'DynamoDB',
      action: 'updateItem',
      parameters: {
        ...target,
        UpdateExpression: 'SET #deletedAt = :deletedAt',
        ExpressionAttributeNames: { '#deletedAt': 'deletedAt' },
        ExpressionAttributeValues: { ':deletedAt': { S: updatedAt } },
      },
      // A table deleted by hand must not hold the stack's deletion hostage.
      ignoreErrorCodesMatching: 'ResourceNotFoundException',
    };

    new AwsCustomResource(this, 'Resource', {
      resourceType: 'Custom::CronledgerJob',
      onCreate: register,
      onUpdate: register,
      onDelete: markDeleted,
      installLatestAwsSdk: false,
      policy: AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['dynamodb:UpdateItem'],
          resources: [ledger.table.tableArn],
          conditions: {
            'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [JOBS_PARTITION] },
          },
        }),
      ]),
    });
  }
}

type AttributeValue =
  | { S: string }
  | { N: string }
  | { BOOL: boolean }
  | { L: AttributeValue[] }
  | { M: Record<string, AttributeValue> };

/** DynamoDB's typed form of plain data; keys whose value is undefined are left out. */
function toAttributeValue(value: unknown): AttributeValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: Tokenization.stringifyNumber(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttributeValue) };
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    return { M: Object.fromEntries(entries.map(([name, item]) => [name, toAttributeValue(item)])) };
  }
  throw new TypeError(`A job definition holds no ${typeof value} values, got: ${String(value)}`);
}
