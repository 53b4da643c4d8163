import { fileURLToPath } from 'node:url';
import { Duration, Errors, aws_lambda as lambda, type Stack, aws_sqs as sqs } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobLedger } from '../../cdk/job-ledger.ts';
import { JobSchedule } from '../../cdk/job-schedule.ts';
import { type JobLogLevel, ScheduledJob, type ScheduledJobProps } from '../../cdk/scheduled-job.ts';
import type { JobDefinition } from '../../functions/job-definition.ts';
import { ScheduleError } from '../../schedule/index.ts';
import { sharedCases } from '../support/shared-cases.ts';
import { flatten, removeOutdirs, resourceNamed, statementsOfRole, testStack } from './helpers.ts';

afterAll(removeOutdirs);

const ENTRY = fileURLToPath(new URL('./fixtures/job.ts', import.meta.url));
const NOW = new Date('2026-01-15T12:00:00Z');

const cases = sharedCases;

type JobOverrides = Partial<ScheduledJobProps> & Record<string, unknown>;

function addJob(stack: Stack, ledger: JobLedger, id: string, overrides: JobOverrides = {}) {
  return new ScheduledJob(stack, id, {
    ledger,
    schedule: JobSchedule.rate(Duration.minutes(5)),
    entry: ENTRY,
    ...overrides,
  } as ScheduledJobProps);
}

function synthJob(overrides: JobOverrides = {}) {
  const stack = testStack();
  const ledger = new JobLedger(stack, 'Ledger');
  const job = addJob(stack, ledger, 'Job', overrides);
  const template = Template.fromStack(stack);
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);
  return { stack, ledger, job, template, logicalId };
}

/** The message of what `act` throws, after checking it is a CDK validation error. */
function validationMessage(act: () => unknown): string {
  try {
    act();
  } catch (error) {
    expect(Errors.isValidationError(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a validation error');
}

beforeEach(() => {
  vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ScheduledJob schedule', () => {
  it('emits the expression and zone as written, in the ledger group, named by jobId', () => {
    // WHEN
    const { template, ledger, stack } = synthJob({
      jobId: 'nightly-report',
      schedule: JobSchedule.expression('cron(30 2 * * ? *)', { timezone: 'America/New_York' }),
    });

    // THEN
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'nightly-report',
      ScheduleExpression: 'cron(30 2 * * ? *)',
      ScheduleExpressionTimezone: 'America/New_York',
      GroupName: stack.resolve(ledger.scheduleGroup.scheduleGroupName),
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
    });
  });

  it('passes start, end, state and the flexible time window', () => {
    const { template } = synthJob({
      start: new Date('2026-02-01T00:00:00Z'),
      end: new Date('2027-02-01T00:00:00Z'),
      enabled: false,
      flexibleTimeWindow: Duration.minutes(15),
    });

    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      StartDate: '2026-02-01T00:00:00.000Z',
      EndDate: '2027-02-01T00:00:00.000Z',
      State: 'DISABLED',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
    });
  });

  it('sends the static input with the four context attributes under cronledger', () => {
    const { template } = synthJob({ jobId: 'sync', input: { region: 'eu', batch: 50 } });

    const schedule = resourceNamed(template, 'AWS::Scheduler::Schedule', 'JobSchedule');
    const target = schedule.properties.Target as { Input: unknown };
    expect(JSON.parse(flatten(target.Input))).toEqual({
      region: 'eu',
      batch: 50,
      cronledger: {
        jobId: 'sync',
        scheduledTime: '<aws.scheduler.scheduled-time>',
        scheduleArn: '<aws.scheduler.schedule-arn>',
        executionId: '<aws.scheduler.execution-id>',
        attemptNumber: '<aws.scheduler.attempt-number>',
      },
    });
  });
});

describe('ScheduledJob retries', () => {
  it('sets both retry layers by default: Scheduler 1 h / 10 with a DLQ, Lambda 1 h / 2', () => {
    // WHEN
    const { template, job, logicalId } = synthJob();

    // THEN
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: {
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 10 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(job.deadLetterQueue), 'Arn'] } },
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(job.function) },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
    });
  });

  it('takes the values it is given', () => {
    const { template } = synthJob({
      schedulerRetry: { maximumEventAge: Duration.minutes(10), maximumRetryAttempts: 0 },
      retryAttempts: 0,
      maxEventAge: Duration.hours(6),
    });

    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: { RetryPolicy: { MaximumEventAgeInSeconds: 600, MaximumRetryAttempts: 0 } },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 21_600,
    });
  });

  it('creates an encrypted dead-letter queue that keeps messages 14 days', () => {
    const { template } = synthJob();

    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it('uses the dead-letter queue it is given instead', () => {
    // GIVEN
    const stack = testStack();
    const ledger = new JobLedger(stack, 'Ledger');
    const queue = new sqs.Queue(stack, 'Shared');

    // WHEN
    const job = addJob(stack, ledger, 'Job', { deadLetterQueue: queue });

    // THEN
    expect(job.deadLetterQueue).toBe(queue);
    Template.fromStack(stack).resourceCountIs('AWS::SQS::Queue', 1);
  });
});

describe('ScheduledJob permissions', () => {
  it('lets the scheduler role invoke only its function and send only to its queue', () => {
    // GIVEN
    const stack = testStack();
    const ledger = new JobLedger(stack, 'Ledger');
    const job = addJob(stack, ledger, 'Job');
    addJob(stack, ledger, 'Other');

    // WHEN
    const template = Template.fromStack(stack);

    // THEN
    const schedule = resourceNamed(template, 'AWS::Scheduler::Schedule', 'JobSchedule');
    const roleArn = (schedule.properties.Target as { RoleArn: { 'Fn::GetAtt': string[] } }).RoleArn;
    const [roleId] = roleArn['Fn::GetAtt'];
    const functionArn = {
      'Fn::GetAtt': [stack.getLogicalId(job.function.node.defaultChild as never), 'Arn'],
    };
    const queueArn = {
      'Fn::GetAtt': [stack.getLogicalId(job.deadLetterQueue.node.defaultChild as never), 'Arn'],
    };
    expect(statementsOfRole(template, roleId as string)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: [functionArn, { 'Fn::Join': ['', [functionArn, ':*']] }],
      },
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: queueArn },
    ]);
    const role = template.findResources('AWS::IAM::Role')[roleId as string];
    expect(role?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: {
            'aws:SourceAccount': { Ref: 'AWS::AccountId' },
            'aws:SourceArn': {
              'Fn::GetAtt': [
                stack.getLogicalId(ledger.scheduleGroup.node.defaultChild as never),
                'Arn',
              ],
            },
          },
        },
      },
    ]);
  });

  it('lets the function write only its job and run items of the ledger, plus basic logs', () => {
    // WHEN
    const { template, job, ledger, stack } = synthJob({ jobId: 'sync' });

    // THEN
    const fn = job.function as lambda.Function;
    const roleId = stack.getLogicalId(fn.role?.node.defaultChild as never);
    const tableArn = {
      'Fn::GetAtt': [stack.getLogicalId(ledger.table.node.defaultChild as never), 'Arn'],
    };
    expect(statementsOfRole(template, roleId)).toEqual([
      {
        Action: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:ConditionCheckItem',
        ],
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['JOBS', 'RUN#sync'] },
        },
        Effect: 'Allow',
        Resource: tableArn,
      },
    ]);
    const role = template.findResources('AWS::IAM::Role')[roleId];
    expect(JSON.stringify(role?.Properties.ManagedPolicyArns)).toContain(
      'service-role/AWSLambdaBasicExecutionRole',
    );
    expect(role?.Properties.ManagedPolicyArns).toHaveLength(1);
  });
});

describe('ScheduledJob function', () => {
  it('bundles the entry as ESM on Node.js 22 with 256 MB and a 1-minute timeout', () => {
    const { template, job, ledger, logicalId } = synthJob({
      environment: { REPORT_BUCKET: 'reports' },
    });

    expect(job.entry).toBe(ENTRY);
    expect(job.handlerName).toBe('handler');
    expect(job.environment).toEqual({ REPORT_BUCKET: 'reports' });
    const fn = resourceNamed(template, 'AWS::Lambda::Function', 'JobFunction');
    expect(fn.properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 60,
      Environment: {
        Variables: {
          REPORT_BUCKET: 'reports',
          CRONLEDGER_TABLE_NAME: { Ref: logicalId(ledger.table) },
          CRONLEDGER_JOB: expect.any(String),
        },
      },
    });
  });

  it('hands the function its definition as JSON in CRONLEDGER_JOB', () => {
    // WHEN
    const { template, job } = synthJob({
      jobId: 'report',
      schedule: JobSchedule.cron({ minute: 0, hour: 6, timezone: 'Europe/Berlin' }),
      start: new Date('2026-02-01T00:00:00Z'),
      timeout: Duration.minutes(3),
      flexibleTimeWindow: Duration.minutes(10),
      maxConcurrency: 2,
      misfireGrace: Duration.minutes(10),
      retryAttempts: 1,
      retention: { succeeded: Duration.days(7) },
      logLevel: 'DEBUG',
    });

    // THEN
    const expected: JobDefinition = {
      jobId: 'report',
      schedule: {
        expression: 'cron(0 6 * * ? *)',
        timezone: 'Europe/Berlin',
        start: '2026-02-01T00:00:00.000Z',
      },
      enabled: true,
      flexibleWindowMinutes: 10,
      maxConcurrency: 2,
      overlap: 'skip',
      misfireGraceSeconds: 600,
      retryAttempts: 1,
      timeoutSeconds: 180,
      retention: { succeededDays: 7, otherDays: 90 },
    };
    expect(job.definition).toEqual(expected);
    const fn = resourceNamed(template, 'AWS::Lambda::Function', 'JobFunction');
    const variables = (fn.properties.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(JSON.parse(variables.CRONLEDGER_JOB as string)).toEqual(expected);
    expect(variables.CRONLEDGER_LOG_LEVEL).toBe('DEBUG');
  });

  it('uses the defaults of the definition when nothing is given', () => {
    const { job } = synthJob({ jobId: 'plain' });

    expect(job.definition).toEqual({
      jobId: 'plain',
      schedule: { expression: 'rate(5 minutes)', timezone: 'UTC' },
      enabled: true,
      flexibleWindowMinutes: 0,
      maxConcurrency: 1,
      overlap: 'skip',
      misfireGraceSeconds: 300,
      retryAttempts: 2,
      timeoutSeconds: 60,
      retention: { succeededDays: 30, otherDays: 90 },
    });
  });

  it('takes the construct id as jobId', () => {
    const { job } = synthJob();

    expect(job.definition.jobId).toBe('Job');
  });

  it('adopts an existing function: adds the job environment and keeps its timeout', () => {
    // GIVEN
    const stack = testStack();
    const ledger = new JobLedger(stack, 'Ledger');
    const existing = inlineFunction(stack, 'Existing', Duration.seconds(30));

    // WHEN
    const job = new ScheduledJob(stack, 'Job', {
      ledger,
      schedule: JobSchedule.rate(Duration.hours(1)),
      function: existing,
    });

    // THEN
    expect(job.function).toBe(existing);
    expect(job.entry).toBeUndefined();
    expect(job.definition.timeoutSeconds).toBe(30);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: { CRONLEDGER_JOB: Match.anyValue(), CRONLEDGER_TABLE_NAME: Match.anyValue() },
      },
    });
  });

  it('warns that an imported function must be given the job environment by hand', () => {
    // GIVEN
    const stack = testStack();
    const ledger = new JobLedger(stack, 'Ledger');
    const imported = lambda.Function.fromFunctionAttributes(stack, 'Imported', {
      functionArn: stack.formatArn({ service: 'lambda', resource: 'function:existing' }),
      sameEnvironment: true,
    });

    // WHEN
    new ScheduledJob(stack, 'Job', {
      ledger,
      schedule: JobSchedule.rate(Duration.hours(1)),
      function: imported,
    });

    // THEN
    Annotations.fromStack(stack).hasWarning(
      '/Stack/Job',
      Match.stringLikeRegexp('set CRONLEDGER_TABLE_NAME and CRONLEDGER_JOB on it yourself'),
    );
  });
});

describe('ScheduledJob registration', () => {
  it('upserts the job item at deploy, keeping slots, and marks it deleted on removal', () => {
    // WHEN
    const { template, job, ledger, stack } = synthJob({ jobId: 'sync' });

    // THEN
    const registration = resourceNamed(template, 'Custom::CronledgerJob', 'JobRegistration');
    const tableName = `\${${stack.getLogicalId(ledger.table.node.defaultChild as never)}}`;
    const create = JSON.parse(flatten(registration.properties.Create));
    expect(create).toEqual({
      service: 'DynamoDB',
      action: 'updateItem',
      parameters: {
        TableName: tableName,
        Key: { pk: { S: 'JOBS' }, sk: { S: 'JOB#sync' } },
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
          ':jobId': { S: 'sync' },
          ':definition': {
            M: expect.objectContaining({
              jobId: { S: 'sync' },
              schedule: { M: { expression: { S: 'rate(5 minutes)' }, timezone: { S: 'UTC' } } },
              enabled: { BOOL: true },
              timeoutSeconds: { N: '60' },
              retention: { M: { succeededDays: { N: '30' }, otherDays: { N: '90' } } },
            }),
          },
          ':updatedAt': { S: NOW.toISOString() },
          ':emptyMap': { M: {} },
        },
      },
      physicalResourceId: { id: 'JOBS/JOB#sync' },
    });
    expect(
      Object.keys(create.parameters.ExpressionAttributeValues[':definition'].M).sort(),
    ).toEqual(Object.keys(job.definition).sort());
    expect(flatten(registration.properties.Update)).toBe(flatten(registration.properties.Create));
    expect(JSON.parse(flatten(registration.properties.Delete))).toMatchObject({
      action: 'updateItem',
      parameters: {
        Key: { pk: { S: 'JOBS' }, sk: { S: 'JOB#sync' } },
        UpdateExpression: 'SET #deletedAt = :deletedAt',
      },
    });
    expect(registration.properties.InstallLatestAwsSdk).toBe(false);
  });

  it('may only update items of the JOBS partition of the ledger table', () => {
    const { template, ledger, stack } = synthJob();

    const policy = resourceNamed(
      template,
      'AWS::IAM::Policy',
      'JobRegistrationCustomResourcePolicy',
    );
    const tableArn = {
      'Fn::GetAtt': [stack.getLogicalId(ledger.table.node.defaultChild as never), 'Arn'],
    };
    expect((policy.properties.PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      {
        Action: 'dynamodb:UpdateItem',
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['JOBS'] } },
        Effect: 'Allow',
        Resource: tableArn,
      },
    ]);
  });
});

describe('ScheduledJob resource count', () => {
  it('adds 10 resources per job, and the custom resource provider (2) once', () => {
    // GIVEN
    const count = (jobs: number) => {
      const stack = testStack();
      const ledger = new JobLedger(stack, 'Ledger');
      for (let i = 0; i < jobs; i++) addJob(stack, ledger, `Job${i}`);
      return Object.keys(Template.fromStack(stack).toJSON().Resources).length;
    };

    // WHEN
    const [none, one, two] = [count(0), count(1), count(2)];

    // THEN
    expect(two - one).toBe(10);
    expect(one - none).toBe(12);
  });
});

describe('ScheduledJob validation', () => {
  it.each(cases.filter((c) => c.error))('refuses "$name" naming the job and the field', (c) => {
    // GIVEN
    const stack = testStack();
    const ledger = new JobLedger(stack, 'Ledger');

    // WHEN
    let thrown: unknown;
    try {
      addJob(stack, ledger, 'Job', {
        schedule: JobSchedule.expression(c.expression, { timezone: c.timezone }),
      });
    } catch (error) {
      thrown = error;
    }

    // THEN
    expect(Errors.isValidationError(thrown)).toBe(true);
    const { message, cause } = thrown as Error;
    expect(cause).toBeInstanceOf(ScheduleError);
    const { field } = cause as ScheduleError;
    expect(field).toBeDefined();
    expect(message.startsWith(`Stack/Job: schedule ${field}: `)).toBe(true);
    expect(message).toContain((cause as ScheduleError).message);
  });

  it('names the field the engine found wrong', () => {
    const stack = testStack();
    const ledger = new JobLedger(stack, 'Ledger');

    const message = validationMessage(() =>
      addJob(stack, ledger, 'Job', { schedule: JobSchedule.expression('cron(0 12 ? * 0 *)') }),
    );

    expect(message).toBe(
      'Stack/Job: schedule day-of-week: `day-of-week` must be 1-7 or SUN-SAT with 1 = Sunday, ' +
        'got: 0 (in cron(0 12 ? * 0 *))',
    );
  });

  it.each<[string, JobOverrides, string]>([
    [
      'a jobId with a space',
      { jobId: 'nightly report' },
      '`jobId` must be 1-64 letters, digits, `_`, `.` or `-`, got: nightly report',
    ],
    [
      'a jobId of 65 characters',
      { jobId: 'j'.repeat(65) },
      `\`jobId\` must be 1-64 letters, digits, \`_\`, \`.\` or \`-\`, got: ${'j'.repeat(65)}`,
    ],
    [
      'start after end',
      { start: new Date('2026-03-01T00:00:00Z'), end: new Date('2026-02-01T00:00:00Z') },
      'schedule start: `start` must be before `end`',
    ],
    [
      'a flexible window of 0 minutes',
      { flexibleTimeWindow: Duration.minutes(0) },
      '`flexibleTimeWindow` must be whole minutes from 1 minute to 1 day, got: 0 minutes',
    ],
    [
      'a flexible window over 1440 minutes',
      { flexibleTimeWindow: Duration.minutes(1441) },
      '`flexibleTimeWindow` must be whole minutes from 1 minute to 1 day',
    ],
    [
      'a flexible window in seconds',
      { flexibleTimeWindow: Duration.seconds(90) },
      '`flexibleTimeWindow` must be whole minutes',
    ],
    [
      '3 Lambda retries',
      { retryAttempts: 3 },
      '`retryAttempts` must be an integer from 0 to 2, got: 3',
    ],
    [
      'a Lambda event age of 7 hours',
      { maxEventAge: Duration.hours(7) },
      '`maxEventAge` must be whole seconds from 1 minute to 6 hours, got: 7 hours',
    ],
    [
      'a Lambda event age of 30 seconds',
      { maxEventAge: Duration.seconds(30) },
      '`maxEventAge` must be whole seconds from 1 minute to 6 hours',
    ],
    [
      '186 Scheduler retries',
      { schedulerRetry: { maximumRetryAttempts: 186 } },
      '`schedulerRetry.maximumRetryAttempts` must be an integer from 0 to 185, got: 186',
    ],
    [
      'a Scheduler event age of 2 days',
      { schedulerRetry: { maximumEventAge: Duration.days(2) } },
      '`schedulerRetry.maximumEventAge` must be whole seconds from 1 minute to 1 day, got: 2 days',
    ],
    [
      'a concurrency of 11',
      { maxConcurrency: 11 },
      '`maxConcurrency` must be an integer from 1 to 10, got: 11',
    ],
    [
      'a concurrency of 1.5',
      { maxConcurrency: 1.5 },
      '`maxConcurrency` must be an integer from 1 to 10, got: 1.5',
    ],
    [
      'a concurrency with overlap allow',
      { overlap: 'allow', maxConcurrency: 2 },
      "`maxConcurrency` must be left out with overlap 'allow', got: 2",
    ],
    [
      'an unknown overlap',
      { overlap: 'queue' as never },
      "`overlap` must be 'skip' or 'allow', got: queue",
    ],
    [
      'a retention in hours',
      { retention: { succeeded: Duration.hours(36) } },
      '`retention.succeeded` must be whole days',
    ],
    [
      'a timeout over 15 minutes',
      { timeout: Duration.minutes(16) },
      '`timeout` must be whole seconds from 1 second to 15 minutes, got: 16 minutes',
    ],
    [
      'a memory size of 64 MB',
      { memorySize: 64 },
      '`memorySize` must be an integer from 128 to 10240, got: 64',
    ],
    [
      'the reserved input key',
      { input: { cronledger: {} } },
      '`input` must not use the key `cronledger`',
    ],
    [
      'a reserved variable',
      { environment: { CRONLEDGER_JOB: '{}' } },
      '`environment` must not set the CRONLEDGER_* variables, got: CRONLEDGER_JOB',
    ],
    [
      'Node.js 20',
      { runtime: lambda.Runtime.NODEJS_20_X },
      '`runtime` must be Node.js 22 or newer, got: nodejs20.x',
    ],
    [
      'a Python runtime',
      { runtime: lambda.Runtime.PYTHON_3_12 },
      '`runtime` must be Node.js 22 or newer, got: python3.12',
    ],
    [
      'neither entry nor function',
      { entry: undefined },
      '`entry` must be given when `function` is not',
    ],
    [
      'an entry file that does not exist',
      { entry: 'no/such/handler.ts' },
      '`entry` must name an existing file (a relative path is read from ',
    ],
    [
      'an empty handler name',
      { handler: '' },
      '`handler` must be the name of an export of `entry`, got: ',
    ],
    [
      'a maxConcurrency of NaN',
      { maxConcurrency: Number.NaN },
      '`maxConcurrency` must be an integer from 1 to 10, got: NaN',
    ],
    [
      'a misfireGrace given as a number, from JavaScript',
      { misfireGrace: 100 as unknown as Duration },
      '`misfireGrace` must be a Duration, e.g. Duration.minutes(5), got: 100',
    ],
    [
      'an input that is a string, from JavaScript',
      { input: 'x' as unknown as Record<string, unknown> },
      '`input` must be an object of static fields, got: x',
    ],
    [
      'a description longer than Lambda takes',
      { description: 'd'.repeat(600) },
      '`description` must be at most 256 characters, as Lambda allows, got: 600 characters',
    ],
    [
      'a log level Lambda code does not know',
      { logLevel: 'TRACE' as JobLogLevel },
      '`logLevel` must be one of DEBUG, INFO, WARN, ERROR, got: TRACE',
    ],
    [
      'an input holding a function',
      { input: { retry: () => 1 } },
      '`input` must hold only JSON: strings, finite numbers, booleans, null, arrays and plain ' +
        'objects, got: a function at input.retry',
    ],
    [
      'an input holding a BigInt deep down',
      { input: { batch: [{ size: 10n }] } },
      '`input` must hold only JSON: strings, finite numbers, booleans, null, arrays and plain ' +
        'objects, got: a bigint at input.batch[0].size',
    ],
    [
      'an input holding NaN',
      { input: { ratio: Number.NaN } },
      '`input` must hold only JSON: strings, finite numbers, booleans, null, arrays and plain ' +
        'objects, got: NaN at input.ratio',
    ],
    [
      'an input with a cycle',
      { input: cyclicInput() },
      '`input` must hold only JSON: strings, finite numbers, booleans, null, arrays and plain ' +
        'objects, got: a cycle at input.self',
    ],
    [
      'no schedule, from JavaScript',
      { schedule: undefined as unknown as JobSchedule },
      '`schedule` must be a JobSchedule, got: undefined',
    ],
    [
      'a schedule expression with a leading space',
      { schedule: JobSchedule.expression(' cron(0 12 * * ? *)') },
      'schedule expression: `expression` must not begin or end with white space, got: ' +
        '" cron(0 12 * * ? *)"',
    ],
  ])('refuses %s', (_name, overrides, expected) => {
    // GIVEN
    const stack = testStack();
    const ledger = new JobLedger(stack, 'Ledger');

    // WHEN
    const message = validationMessage(() => addJob(stack, ledger, 'Job', overrides));

    // THEN
    expect(message.startsWith(`Stack/Job: ${expected}`)).toBe(true);
  });

  it('refuses a job without a ledger, from JavaScript', () => {
    const stack = testStack();

    const message = validationMessage(
      () =>
        new ScheduledJob(stack, 'Orphan', {
          schedule: JobSchedule.rate(Duration.hours(1)),
        } as never),
    );

    expect(message).toBe(
      'Stack/Orphan: `ledger` must be the JobLedger that records the runs, got: undefined',
    );
  });

  it('refuses the latest version of a function another job runs', () => {
    const stack = testStack();
    const ledger = new JobLedger(stack, 'Ledger');
    const owned = inlineFunction(stack, 'Owned');
    addJob(stack, ledger, 'First', { entry: undefined, function: owned });

    const message = validationMessage(() =>
      addJob(stack, ledger, 'Second', { entry: undefined, function: owned.latestVersion }),
    );

    expect(message).toContain('`function` must be a function of this job alone: Stack/First');
  });

  it('refuses a second import of the function another job runs', () => {
    const stack = testStack();
    const ledger = new JobLedger(stack, 'Ledger');
    addJob(stack, ledger, 'First', {
      entry: undefined,
      function: lambda.Function.fromFunctionName(stack, 'ImportOne', 'sync'),
    });

    const message = validationMessage(() =>
      addJob(stack, ledger, 'Second', {
        entry: undefined,
        function: lambda.Function.fromFunctionName(stack, 'ImportTwo', 'sync'),
      }),
    );

    expect(message).toContain('`function` must be a function of this job alone: Stack/First');
  });

  it('refuses a function that another job runs already', () => {
    const stack = testStack();
    const ledger = new JobLedger(stack, 'Ledger');
    const shared = inlineFunction(stack, 'Shared');
    addJob(stack, ledger, 'First', { entry: undefined, function: shared });

    const message = validationMessage(() =>
      addJob(stack, ledger, 'Second', { entry: undefined, function: shared }),
    );

    expect(message).toBe(
      'Stack/Second: `function` must be a function of this job alone: Stack/First runs it ' +
        "already, and each job's function carries its own definition, got: Stack/Shared",
    );
  });

  it('refuses both entry and function, and entry-only props with function', () => {
    const stack = testStack();
    const ledger = new JobLedger(stack, 'Ledger');
    const existing = lambda.Function.fromFunctionName(stack, 'Existing', 'existing');

    expect(validationMessage(() => addJob(stack, ledger, 'Both', { function: existing }))).toBe(
      'Stack/Both: `function` must be left out when `entry` is given, got: Stack/Existing',
    );
    expect(
      validationMessage(() =>
        addJob(stack, ledger, 'Sized', { entry: undefined, function: existing, memorySize: 512 }),
      ),
    ).toBe(
      'Stack/Sized: `memorySize` must be left out with `function`: configure the function ' +
        'itself, got: 512',
    );
  });

  it('refuses two jobs with one jobId in a ledger', () => {
    const stack = testStack();
    const ledger = new JobLedger(stack, 'Ledger');
    addJob(stack, ledger, 'First', { jobId: 'sync' });

    expect(validationMessage(() => addJob(stack, ledger, 'Second', { jobId: 'sync' }))).toBe(
      'Stack/Second: `jobId` must be unique in the ledger Stack/Ledger, got: sync',
    );
  });
});

describe('ScheduledJob warnings', () => {
  function warningsOf(overrides: JobOverrides) {
    const { stack } = synthJob(overrides);
    return Annotations.fromStack(stack).findWarning('/Stack/Job', Match.anyValue());
  }
  const ids = (warnings: ReturnType<typeof warningsOf>) =>
    warnings.map((w) => /\[ack: ([^\]]+)\]/.exec(String(w.entry.data))?.[1]);

  it('lists the local times that daylight saving time skips or merges in the next year', () => {
    // WHEN
    const skipped = warningsOf({
      schedule: JobSchedule.expression('cron(30 2 * * ? *)', { timezone: 'America/New_York' }),
    });
    const merged = warningsOf({
      schedule: JobSchedule.expression('cron(30 1 * * ? *)', { timezone: 'America/New_York' }),
    });

    // THEN
    expect(ids(skipped)).toEqual(['cronledger:dst']);
    expect(String(skipped[0]?.entry.data)).toContain('no run at 2026-03-08T02:30');
    expect(String(skipped[0]?.entry.data)).not.toContain('occurs twice');
    expect(String(merged[0]?.entry.data)).toContain('one run for 2026-11-01T01:30');
  });

  it('says nothing about a UTC cron or a rate', () => {
    expect(warningsOf({ schedule: JobSchedule.expression('cron(30 2 * * ? *)') })).toEqual([]);
    expect(warningsOf({ schedule: JobSchedule.rate(Duration.days(1)) })).toEqual([]);
  });

  it('warns about an at() in the past, and not about one in the future', () => {
    const past = warningsOf({
      schedule: JobSchedule.at({ year: 2025, month: 12, day: 31, hour: 23, minute: 0 }, 'UTC'),
    });
    const future = warningsOf({
      schedule: JobSchedule.at({ year: 2026, month: 6, day: 1, hour: 12, minute: 0 }, 'UTC'),
    });

    expect(ids(past)).toEqual(['cronledger:at-in-past']);
    expect(future).toEqual([]);
  });

  it('warns about a schedule that has no time left, and names the reason', () => {
    const pastYear = warningsOf({ schedule: JobSchedule.expression('cron(0 12 * * ? 2020)') });
    const farStart = warningsOf({
      schedule: JobSchedule.rate(Duration.hours(1)),
      start: new Date('2300-01-01T00:00:00Z'),
    });

    expect(ids(pastYear)).toEqual(['cronledger:never-runs']);
    expect(ids(farStart)).toEqual(['cronledger:never-runs']);
    expect(String(farStart[0]?.entry.data)).toContain('(the last is 2199)');
  });

  it('warns about a misfire grace shorter than the minute Scheduler delivers within', () => {
    const short = warningsOf({ misfireGrace: Duration.seconds(30) });
    const minute = warningsOf({ misfireGrace: Duration.minutes(1) });

    expect(ids(short)).toEqual(['cronledger:short-misfire-grace']);
    expect(String(short[0]?.entry.data)).toContain('The misfire grace (30 s) is shorter');
    expect(minute).toEqual([]);
  });

  it('warns about a timeout longer than the shortest interval', () => {
    const warnings = warningsOf({
      schedule: JobSchedule.rate(Duration.minutes(1)),
      timeout: Duration.minutes(2),
    });

    expect(ids(warnings)).toEqual(['cronledger:timeout-exceeds-interval']);
    expect(String(warnings[0]?.entry.data)).toContain('The timeout (120 s) is longer');
  });
});

function cyclicInput(): Record<string, unknown> {
  const input: Record<string, unknown> = { name: 'loop' };
  input.self = input;
  return input;
}

/** A function of the stack's own that a job may be given instead of an entry. */
function inlineFunction(stack: Stack, id: string, timeout?: Duration): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('export const handler = async () => {};'),
    timeout,
  });
}
