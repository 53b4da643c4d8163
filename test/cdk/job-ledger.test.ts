import { Duration, aws_iam as iam, RemovalPolicy, aws_sns as sns } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { JobLedger } from '../../cdk/job-ledger.ts';
import { ledgerTableInput, RunningIndex } from '../../functions/ledger/schema.ts';
import { removeOutdirs, resourceNamed, statementsOfRole, testStack } from './helpers.ts';

afterAll(removeOutdirs);

function synthLedger(props: ConstructorParameters<typeof JobLedger>[2] = {}) {
  const stack = testStack();
  const ledger = new JobLedger(stack, 'Ledger', props);
  return { stack, ledger, template: Template.fromStack(stack) };
}

interface DeployedTable {
  readonly BillingMode: string;
  readonly KeySchema: unknown[];
  readonly AttributeDefinitions: { AttributeName?: string }[];
  readonly GlobalSecondaryIndexes: unknown[];
}

const byName = (a: { AttributeName?: string }, b: { AttributeName?: string }) =>
  String(a.AttributeName).localeCompare(String(b.AttributeName));

describe('JobLedger', () => {
  it('deploys the table that ledgerTableInput() describes for the local runtime', () => {
    // GIVEN
    const local = ledgerTableInput('ledger');

    // WHEN
    const { template } = synthLedger();

    // THEN
    const [[, table]] = Object.entries(template.findResources('AWS::DynamoDB::Table')) as [
      [string, { Properties: DeployedTable; DeletionPolicy: string }],
    ];
    const deployed = table.Properties;
    expect(deployed.BillingMode).toBe(local.BillingMode);
    expect(deployed.KeySchema).toEqual(local.KeySchema);
    expect([...deployed.AttributeDefinitions].sort(byName)).toEqual(
      [...(local.AttributeDefinitions ?? [])].sort(byName),
    );
    expect(deployed.GlobalSecondaryIndexes).toEqual(local.GlobalSecondaryIndexes);
  });

  it('keeps history safe: TTL, point-in-time recovery, AWS-managed encryption, retained', () => {
    const { template } = synthLedger();

    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('applies the removal policy it is given', () => {
    const { template } = synthLedger({ removalPolicy: RemovalPolicy.DESTROY });

    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });

  it('names the table child Resource and exposes its name', () => {
    const { stack, ledger } = synthLedger();

    expect(ledger.node.defaultChild).toBe(ledger.table);
    expect(stack.resolve(ledger.tableName)).toEqual({
      Ref: stack.getLogicalId(ledger.table.node.defaultChild as never),
    });
  });

  it('owns one schedule group, named when asked', () => {
    const { template } = synthLedger({ scheduleGroupName: 'cronledger-jobs' });

    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'cronledger-jobs' });
  });

  describe('sweeper', () => {
    it('runs on Node.js 22 with the table name, and no Lambda retries', () => {
      const { template, stack, ledger } = synthLedger();

      const sweeper = resourceNamed(template, 'AWS::Lambda::Function', 'LedgerSweeper');
      const tableId = stack.getLogicalId(ledger.table.node.defaultChild as never);
      expect(sweeper.properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Environment: { Variables: { CRONLEDGER_TABLE_NAME: { Ref: tableId } } },
      });
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: sweeper.logicalId },
        MaximumRetryAttempts: 0,
      });
    });

    it('is scheduled every 5 minutes, outside the jobs schedule group', () => {
      const { template, stack, ledger } = synthLedger();

      const schedule = resourceNamed(template, 'AWS::Scheduler::Schedule', 'LedgerSweeperSchedule');
      const sweeperId = stack.getLogicalId(ledger.sweeperFunction.node.defaultChild as never);
      expect(schedule.properties).toMatchObject({
        ScheduleExpression: 'rate(5 minutes)',
        State: 'ENABLED',
        Target: { Arn: { 'Fn::GetAtt': [sweeperId, 'Arn'] } },
      });
      expect(schedule.properties.GroupName).toBeUndefined();
    });

    it('takes its interval and can be deployed disabled', () => {
      const { template } = synthLedger({
        sweeper: { interval: Duration.minutes(15), enabled: false },
      });

      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(15 minutes)',
        State: 'DISABLED',
      });
    });

    it('refuses an interval that is no whole number of minutes', () => {
      expect(() => synthLedger({ sweeper: { interval: Duration.seconds(90) } })).toThrow(
        'Stack/Ledger: `sweeper.interval` must be a whole number of minutes, at least 1, ' +
          'got: 1 minute 30 seconds',
      );
    });

    it('may query the running index and write runs, and nothing else', () => {
      const { template } = synthLedger();

      const sweeperRole = resourceNamed(template, 'AWS::IAM::Role', 'LedgerSweeperServiceRole');
      const table = resourceNamed(template, 'AWS::DynamoDB::Table', 'Ledger');
      const tableArn = { 'Fn::GetAtt': [table.logicalId, 'Arn'] };
      expect(statementsOfRole(template, sweeperRole.logicalId)).toEqual([
        {
          Action: 'dynamodb:Query',
          Effect: 'Allow',
          Resource: [tableArn, { 'Fn::Join': ['', [tableArn, `/index/${RunningIndex.name}`]] }],
        },
        {
          Action: [
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:ConditionCheckItem',
          ],
          Effect: 'Allow',
          Resource: tableArn,
        },
      ]);
    });

    it('publishes to the topic it is given, and is told its ARN', () => {
      // GIVEN
      const stack = testStack();
      const topic = new sns.Topic(stack, 'Alerts');

      // WHEN
      new JobLedger(stack, 'Ledger', { sweeper: { topic } });

      // THEN
      const template = Template.fromStack(stack);
      const topicRef = { Ref: stack.getLogicalId(topic.node.defaultChild as never) };
      const sweeperRole = resourceNamed(template, 'AWS::IAM::Role', 'LedgerSweeperServiceRole');
      expect(statementsOfRole(template, sweeperRole.logicalId)).toContainEqual({
        Action: 'sns:Publish',
        Effect: 'Allow',
        Resource: topicRef,
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: { CRONLEDGER_SWEEPER_TOPIC_ARN: topicRef } },
      });
    });
  });

  describe('grants', () => {
    it('grantReadRuns allows GetItem and Query on the table and its index', () => {
      // GIVEN
      const stack = testStack();
      const ledger = new JobLedger(stack, 'Ledger');
      const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });

      // WHEN
      ledger.grantReadRuns(reader);

      // THEN
      const template = Template.fromStack(stack);
      const tableArn = {
        'Fn::GetAtt': [resourceNamed(template, 'AWS::DynamoDB::Table', 'Ledger').logicalId, 'Arn'],
      };
      expect(
        statementsOfRole(template, stack.getLogicalId(reader.node.defaultChild as never)),
      ).toEqual([
        {
          Action: ['dynamodb:GetItem', 'dynamodb:Query'],
          Effect: 'Allow',
          Resource: [tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }],
        },
      ]);
    });

    it('grantJobWrites limits the leading keys to JOBS and the job run partition', () => {
      // GIVEN
      const stack = testStack();
      const ledger = new JobLedger(stack, 'Ledger');
      const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.AccountRootPrincipal() });

      // WHEN
      ledger.grantJobWrites(writer, 'nightly-report');

      // THEN
      const template = Template.fromStack(stack);
      const [statement] = statementsOfRole(
        template,
        stack.getLogicalId(writer.node.defaultChild as never),
      );
      expect(statement).toMatchObject({
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['JOBS', 'RUN#nightly-report'] },
        },
      });
    });
  });
});
