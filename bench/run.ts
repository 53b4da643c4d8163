import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import {
  CreateTableCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  PutItemCommand,
  ResourceNotFoundException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { defineJob, type LambdaContext } from '../functions/define-job.ts';
import { type JobDefinition, JobEnvironment } from '../functions/job-definition.ts';
import { Ledger } from '../functions/ledger/ledger.ts';
import { ledgerTableInput } from '../functions/ledger/schema.ts';
import { RunStatus } from '../functions/ledger/status.ts';
import { type DynamoDbLocal, localClient, startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { LOCAL_TABLE_NAME } from '../local/runtime.ts';
import { formatUtc, parseSchedule } from '../schedule/index.ts';
import { benchSchedules, type ScheduleBenchResult } from './schedule.bench.ts';

/*
 * cronledger's benchmarks, in one process against one DynamoDB Local:
 *   ledger    what the wrapper adds to an invocation, next to Powertools idempotency
 *   schedule  next 1,000 scheduled times (bench/schedule.bench.ts)
 *   runtime   the local CLI: start to first attempt, and a day replayed
 * `npx tsx bench/run.ts [ledger|schedule|runtime]`; without an argument, all three.
 */

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const RESULTS_FILE = join(ROOT, 'bench', 'results.json');

const WARMUP_ROUNDS = 50;
const MEASURED_ROUNDS = 300;
/** Invocations of the unmodified wrapper sent through the counting proxy. */
const PROXY_COUNTED_RUNS = 50;
const START_REPEATS = 3;
const REPLAY_REPEATS = 2;
const REPLAY_FROM = '2026-03-07T00:00:00Z';
const REPLAY_UNTIL = '2026-03-08T00:00:00Z';
const CLI_TIMEOUT_MS = 120_000;

const PARTS = ['ledger', 'schedule', 'runtime'] as const;
type Part = (typeof PARTS)[number];

// ---------------------------------------------------------------------------------------------
// Statistics

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

function median(values: readonly number[]): number {
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Nearest-rank percentile: of 300 samples, p99 is the 297th smallest. */
function percentile(values: readonly number[], p: number): number {
  const s = sorted(values);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] as number;
}

function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

// ---------------------------------------------------------------------------------------------
// Request counting

/** Requests a client sent, by DynamoDB operation. */
class RequestTally {
  private readonly byOperation = new Map<string, number>();

  add(operation: string): void {
    this.byOperation.set(operation, (this.byOperation.get(operation) ?? 0) + 1);
  }

  total(): number {
    let sum = 0;
    for (const count of this.byOperation.values()) sum += count;
    return sum;
  }

  operations(): Record<string, number> {
    return Object.fromEntries([...this.byOperation].sort(([a], [b]) => a.localeCompare(b)));
  }

  reset(): void {
    this.byOperation.clear();
  }
}

/**
 * Counts at the deserialize step, the innermost one: it runs once per HTTP request the SDK
 * sends, so a retried request counts twice.
 */
function countRequests(client: DynamoDBClient, tally: RequestTally): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      tally.add(String(context.commandName ?? 'unknown').replace(/Command$/, ''));
      return next(args);
    },
    { step: 'deserialize', priority: 'low', name: 'benchRequestCounter' },
  );
}

/**
 * A loopback proxy that counts the HTTP requests passing through it to DynamoDB Local. It is
 * how the unmodified wrapper's requests are counted: defineJob builds its client from the
 * environment, so no middleware can be put on it from outside.
 */
async function startCountingProxy(
  target: string,
  tally: RequestTally,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const server = createServer((incoming, outgoing) => {
    const operation = String(incoming.headers['x-amz-target'] ?? 'unknown')
      .split('.')
      .pop();
    tally.add(operation ?? 'unknown');
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
        agent,
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    forward.on('error', (error) => outgoing.destroy(error));
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Ledger overhead

export interface VariantFigures {
  readonly requestsPerRun: number;
  readonly requestsByOperation: Record<string, number>;
  readonly medianMs: number;
  readonly addedLatencyMedianMs: number;
  readonly addedLatencyP99Ms: number;
}

export interface LedgerBenchResult {
  readonly warmupRounds: number;
  readonly rounds: number;
  readonly bareMedianMs: number;
  readonly bareP99Ms: number;
  /** cronledger's defineJob wrapper, unmodified. */
  readonly requestsPerRun: number;
  readonly requestsCountedBy: string;
  readonly requestsByOperation: Record<string, number>;
  readonly medianMs: number;
  readonly addedLatencyMedianMs: number;
  readonly addedLatencyP99Ms: number;
  /** Ledger.claim + handler + Ledger.finish on an injected client, as defineJob does them. */
  readonly ledgerPath: VariantFigures;
  readonly powertools: VariantFigures;
  /** cronledger added median / Powertools added median. */
  readonly addedLatencyRatioVsPowertools: number;
  /** What DynamoDB Local itself charges for each design's two requests, with minimal items. */
  readonly floor: FloorFigures;
}

interface FloorFigures {
  /** Two two-item TransactWriteItems: a claim and a finish that keep run and job atomic. */
  readonly transactionPairMedianMs: number;
  /** A conditional PutItem and an UpdateItem, as Powertools sends them. */
  readonly singleWritePairMedianMs: number;
  /** transactionPair / singleWritePair: the ratio no two-transaction design can go below. */
  readonly ratio: number;
}

type Invoke = () => Promise<unknown>;

interface Variant {
  readonly name:
    | 'bare'
    | 'wrapper'
    | 'ledgerPath'
    | 'powertools'
    | 'transactionPair'
    | 'singleWritePair';
  /** Builds the invocation for one round, outside the timed region. */
  prepare(scheduledTime: string): Invoke;
  readonly samples: number[];
}

function benchJob(jobId: string): JobDefinition {
  return {
    jobId,
    schedule: { expression: 'cron(0 * * * ? *)', timezone: 'UTC' },
    enabled: true,
    flexibleWindowMinutes: 0,
    maxConcurrency: 1,
    overlap: 'skip',
    // Every round uses a scheduled time of its own, up to an hour in the past: all on time.
    misfireGraceSeconds: 86_400,
    retryAttempts: 2,
    timeoutSeconds: 60,
    retention: { succeededDays: 30, otherDays: 90 },
  };
}

function schedulerEvent(jobId: string, scheduledTime: string): Record<string, unknown> {
  return {
    cronledger: {
      jobId,
      scheduledTime,
      scheduleArn: `arn:aws:scheduler:us-east-1:123456789012:schedule/cronledger/${jobId}`,
      executionId: randomUUID(),
      attemptNumber: '1',
    },
  };
}

function lambdaContext(functionName: string, remainingMs = 60_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '128',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Points defineJob at a table the way ScheduledJob does; read at a wrapper's first call. */
function configureWrapper(job: JobDefinition, tableName: string, endpoint: string): void {
  process.env[JobEnvironment.tableName] = tableName;
  process.env[JobEnvironment.job] = JSON.stringify(job);
  process.env[JobEnvironment.endpoint] = endpoint;
  process.env[JobEnvironment.logLevel] = 'SILENT';
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
}

/** What defineJob does around a handler, on a ledger whose client the bench owns. */
async function ledgerPathInvocation(
  ledger: Ledger,
  job: JobDefinition,
  handler: () => Promise<void>,
  event: Record<string, unknown>,
  context: LambdaContext,
): Promise<void> {
  const attributes = event.cronledger as { scheduledTime: string; executionId: string };
  const receivedAtMs = Date.now();
  const outcome = await ledger.claim({
    job,
    scheduledTime: attributes.scheduledTime,
    scheduleArn: '',
    executionId: attributes.executionId,
    requestId: context.awsRequestId,
    nowMs: receivedAtMs,
    deadlineMs: receivedAtMs + context.getRemainingTimeInMillis(),
  });
  if (outcome.kind !== 'claimed') {
    throw new Error(`bench: ${job.jobId} ${attributes.scheduledTime} was ${outcome.kind}`);
  }
  const startedMs = Date.now();
  await handler();
  const finishedAtMs = Date.now();
  const next = parseSchedule({
    expression: job.schedule.expression,
    timezone: job.schedule.timezone,
    anchor: new Date(attributes.scheduledTime),
  }).next(new Date(finishedAtMs));
  const finish = await ledger.finish(job, outcome.claim, {
    status: RunStatus.SUCCEEDED,
    finishedAtMs,
    durationMs: finishedAtMs - startedMs,
    nextRunTime: next ? formatUtc(next) : undefined,
  });
  if (!finish.accepted) {
    throw new Error(`bench: the finish of ${job.jobId} ${attributes.scheduledTime} was refused`);
  }
}

async function benchLedger(dynamodb: DynamoDbLocal): Promise<LedgerBenchResult> {
  const admin = localClient(dynamodb.endpoint);
  const ledgerTable = `bench-ledger-${randomUUID().slice(0, 8)}`;
  const powertoolsTable = `bench-powertools-${randomUUID().slice(0, 8)}`;
  await admin.send(new CreateTableCommand(ledgerTableInput(ledgerTable)));
  await admin.send(
    new CreateTableCommand({
      TableName: powertoolsTable,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    }),
  );

  // The same no-op handler under every variant.
  const handler = async (): Promise<void> => {};

  const wrapperJob = benchJob('bench-wrapper');
  configureWrapper(wrapperJob, ledgerTable, dynamodb.endpoint);
  const wrapped = defineJob(handler);

  const ledgerPathJob = benchJob('bench-ledger-path');
  const ledgerTally = new RequestTally();
  const ledgerClient = localClient(dynamodb.endpoint);
  countRequests(ledgerClient, ledgerTally);
  const ledger = new Ledger({
    client: DynamoDBDocumentClient.from(ledgerClient, {
      marshallOptions: { removeUndefinedValues: true },
    }),
    tableName: ledgerTable,
  });

  const powertoolsTally = new RequestTally();
  const powertoolsClient = localClient(dynamodb.endpoint);
  countRequests(powertoolsClient, powertoolsTally);
  const idempotent = makeIdempotent(async (_event: unknown, _context: Context) => handler(), {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: powertoolsTable,
      awsSdkV3Client: powertoolsClient,
    }),
  });

  const floorClient = localClient(dynamodb.endpoint);
  const variants: Variant[] = [
    {
      name: 'bare',
      prepare: (scheduledTime) => {
        const event = schedulerEvent('bench-bare', scheduledTime);
        const context = lambdaContext('bench-bare');
        const bare = async (_event: unknown, _context: Context): Promise<void> => handler();
        return () => bare(event, context);
      },
      samples: [],
    },
    {
      name: 'wrapper',
      prepare: (scheduledTime) => {
        const event = schedulerEvent(wrapperJob.jobId, scheduledTime);
        const context = lambdaContext('bench-wrapper');
        return () => wrapped(event, context);
      },
      samples: [],
    },
    {
      name: 'ledgerPath',
      prepare: (scheduledTime) => {
        const event = schedulerEvent(ledgerPathJob.jobId, scheduledTime);
        const context = lambdaContext('bench-ledger-path');
        return () => ledgerPathInvocation(ledger, ledgerPathJob, handler, event, context);
      },
      samples: [],
    },
    {
      name: 'powertools',
      prepare: (scheduledTime) => {
        // The event carries the scheduled time, so every round hashes to a new key.
        const event = schedulerEvent('bench-powertools', scheduledTime);
        const context = lambdaContext('bench-powertools');
        return () => idempotent(event, context);
      },
      samples: [],
    },
    {
      name: 'transactionPair',
      prepare: (scheduledTime) => {
        const [claim, finish] = floorTransactions(ledgerTable, 'bench-floor-tx', scheduledTime);
        return async () => {
          await floorClient.send(claim);
          await floorClient.send(finish);
        };
      },
      samples: [],
    },
    {
      name: 'singleWritePair',
      prepare: (scheduledTime) => {
        const [put, update] = floorSingleWrites(powertoolsTable, scheduledTime);
        return async () => {
          await floorClient.send(put);
          await floorClient.send(update);
        };
      },
      samples: [],
    },
  ];

  // One scheduled time per round, one second apart, all within the last hour.
  const totalRounds = WARMUP_ROUNDS + MEASURED_ROUNDS;
  const firstMs = Math.floor(Date.now() / 1_000) * 1_000 - 3_600_000;
  for (let r = 0; r < totalRounds; r += 1) {
    if (r === WARMUP_ROUNDS) {
      for (const variant of variants) variant.samples.length = 0;
      ledgerTally.reset();
      powertoolsTally.reset();
    }
    const scheduledTime = formatUtc(new Date(firstMs + r * 1_000));
    // Round-robin: each round starts with the next variant, so none is always first or last.
    for (let k = 0; k < variants.length; k += 1) {
      const variant = variants[(r + k) % variants.length] as Variant;
      const invoke = variant.prepare(scheduledTime);
      const started = performance.now();
      await invoke();
      variant.samples.push(performance.now() - started);
    }
  }

  // The unmodified wrapper once more, through the counting proxy: untimed, for its count.
  const proxyTally = new RequestTally();
  const proxy = await startCountingProxy(dynamodb.endpoint, proxyTally);
  const countedJob = benchJob('bench-wrapper-counted');
  configureWrapper(countedJob, ledgerTable, proxy.endpoint);
  const counted = defineJob(handler);
  // Its first call registers the job, which a long-lived job has done long before.
  const countedFirstMs = firstMs + totalRounds * 1_000;
  await counted(
    schedulerEvent(countedJob.jobId, formatUtc(new Date(countedFirstMs))),
    lambdaContext('bench-wrapper-counted'),
  );
  proxyTally.reset();
  for (let i = 1; i <= PROXY_COUNTED_RUNS; i += 1) {
    await counted(
      schedulerEvent(countedJob.jobId, formatUtc(new Date(countedFirstMs + i * 1_000))),
      lambdaContext('bench-wrapper-counted'),
    );
  }
  await proxy.close();

  const byName = Object.fromEntries(variants.map((v) => [v.name, v.samples])) as Record<
    Variant['name'],
    number[]
  >;
  const added = (samples: readonly number[]) => samples.map((ms, i) => ms - (byName.bare[i] ?? 0));
  const figures = (samples: readonly number[], tally: RequestTally, runs: number) => ({
    requestsPerRun: round(tally.total() / runs, 2),
    requestsByOperation: perRun(tally.operations(), runs),
    medianMs: round(median(samples)),
    addedLatencyMedianMs: round(median(added(samples))),
    addedLatencyP99Ms: round(percentile(added(samples), 99)),
  });
  const wrapper = figures(byName.wrapper, proxyTally, PROXY_COUNTED_RUNS);
  const powertools = figures(byName.powertools, powertoolsTally, MEASURED_ROUNDS);

  await admin.send(new DeleteTableCommand({ TableName: ledgerTable }));
  await admin.send(new DeleteTableCommand({ TableName: powertoolsTable }));
  for (const client of [admin, ledgerClient, powertoolsClient, floorClient]) client.destroy();
  const transactionPair = median(added(byName.transactionPair));
  const singleWritePair = median(added(byName.singleWritePair));

  return {
    warmupRounds: WARMUP_ROUNDS,
    rounds: MEASURED_ROUNDS,
    bareMedianMs: round(median(byName.bare), 4),
    bareP99Ms: round(percentile(byName.bare, 99), 4),
    ...wrapper,
    requestsCountedBy:
      `HTTP requests through a loopback proxy, ${PROXY_COUNTED_RUNS} runs of the unmodified ` +
      'wrapper',
    ledgerPath: figures(byName.ledgerPath, ledgerTally, MEASURED_ROUNDS),
    powertools,
    addedLatencyRatioVsPowertools: round(
      wrapper.addedLatencyMedianMs / powertools.addedLatencyMedianMs,
      2,
    ),
    floor: {
      transactionPairMedianMs: round(transactionPair),
      singleWritePairMedianMs: round(singleWritePair),
      ratio: round(transactionPair / singleWritePair, 2),
    },
  };
}

/**
 * The least a claim and a finish can send when each writes the run and its job in one
 * transaction: a conditional write of a small run item and a counter on the job item.
 */
function floorTransactions(
  tableName: string,
  jobId: string,
  scheduledTime: string,
): [TransactWriteItemsCommand, TransactWriteItemsCommand] {
  const run = { pk: { S: `RUN#${jobId}` }, sk: { S: scheduledTime } };
  const job = { pk: { S: 'JOBS' }, sk: { S: `JOB#${jobId}` } };
  const count = (field: string) => ({
    Update: {
      TableName: tableName,
      Key: job,
      UpdateExpression: `ADD ${field} :one`,
      ExpressionAttributeValues: { ':one': { N: '1' } },
    },
  });
  return [
    new TransactWriteItemsCommand({
      TransactItems: [
        {
          Put: {
            TableName: tableName,
            Item: { ...run, status: { S: RunStatus.RUNNING } },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        count('claims'),
      ],
    }),
    new TransactWriteItemsCommand({
      TransactItems: [
        {
          Update: {
            TableName: tableName,
            Key: run,
            UpdateExpression: 'SET #status = :done',
            ConditionExpression: '#status = :running',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':done': { S: RunStatus.SUCCEEDED },
              ':running': { S: RunStatus.RUNNING },
            },
          },
        },
        count('finishes'),
      ],
    }),
  ];
}

/** Powertools' two requests, with minimal items: claim a key, then complete it. */
function floorSingleWrites(
  tableName: string,
  scheduledTime: string,
): [PutItemCommand, UpdateItemCommand] {
  const key = { id: { S: `bench-floor#${scheduledTime}` } };
  return [
    new PutItemCommand({
      TableName: tableName,
      Item: { ...key, status: { S: 'INPROGRESS' } },
      ConditionExpression: 'attribute_not_exists(id)',
    }),
    new UpdateItemCommand({
      TableName: tableName,
      Key: key,
      UpdateExpression: 'SET #status = :done',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':done': { S: 'COMPLETED' } },
    }),
  ];
}

function perRun(operations: Record<string, number>, runs: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(operations).map(([name, count]) => [name, round(count / runs, 2)]),
  );
}

// ---------------------------------------------------------------------------------------------
// Local runtime

export interface RuntimeBenchResult {
  /** Spawn of `cronledger start` to its first attempt line, median of the repeats. */
  readonly startToFirstRunMs: number;
  readonly startToFirstRunSamplesMs: readonly number[];
  /** SIGINT to exit. */
  readonly stopMs: number;
  /** Wall time of `cronledger start --from --until --json` over one day, median. */
  readonly dayReplayMs: number;
  readonly dayReplaySamplesMs: readonly number[];
  readonly dayReplayAttempts: number;
  readonly attemptsPerSecond: number;
  /** The CLI is given the bench's DynamoDB Local; started alone it starts one of its own. */
  readonly dynamodbLocalStartMs: number;
}

interface CliRun {
  readonly stdout: string[];
  readonly stderr: string;
  readonly firstAttemptMs?: number;
  readonly exitMs: number;
  readonly code: number | null;
}

const ATTEMPT_LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\s+\S+\s+[A-Z_]+\s/;

/**
 * Runs the CLI from the repository root (where cdk/app.ts is). With `interruptOnAttempt` it
 * sends SIGINT once the first attempt line appears.
 */
function runCli(args: readonly string[], interruptOnAttempt: boolean): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'cronledger.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, CRONLEDGER_LOG_LEVEL: 'SILENT' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: string[] = [];
    let pending = '';
    let stderr = '';
    let firstAttemptMs: number | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench: cronledger ${args.join(' ')} ran over ${CLI_TIMEOUT_MS} ms`));
    }, CLI_TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        stdout.push(line);
        if (firstAttemptMs === undefined && ATTEMPT_LINE.test(line)) {
          firstAttemptMs = performance.now() - started;
          if (interruptOnAttempt) child.kill('SIGINT');
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (pending) stdout.push(pending);
      resolve({ stdout, stderr, firstAttemptMs, exitMs: performance.now() - started, code });
    });
  });
}

/** Each CLI run starts from an empty ledger, as a run with its own DynamoDB Local would. */
async function dropLocalTable(client: DynamoDBClient): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: LOCAL_TABLE_NAME }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
}

function cliFailure(what: string, run: CliRun): Error {
  return new Error(
    `bench: ${what} exited with ${run.code}: ` +
      `${run.stderr.trim() || run.stdout.slice(-3).join(' / ')}`,
  );
}

async function benchRuntime(
  dynamodb: DynamoDbLocal,
  dynamodbLocalStartMs: number,
): Promise<RuntimeBenchResult> {
  const admin = localClient(dynamodb.endpoint);
  const endpoint = ['--endpoint', dynamodb.endpoint];
  const starts: number[] = [];
  const stops: number[] = [];
  for (let i = 0; i < START_REPEATS; i += 1) {
    await dropLocalTable(admin);
    const run = await runCli(['start', ...endpoint], true);
    if (run.firstAttemptMs === undefined || run.code !== 0) {
      throw cliFailure('cronledger start (real time)', run);
    }
    starts.push(run.firstAttemptMs);
    stops.push(run.exitMs - run.firstAttemptMs);
  }

  const replays: number[] = [];
  let attempts = 0;
  for (let i = 0; i < REPLAY_REPEATS; i += 1) {
    await dropLocalTable(admin);
    const run = await runCli(
      ['start', '--from', REPLAY_FROM, '--until', REPLAY_UNTIL, '--json', ...endpoint],
      false,
    );
    if (run.code !== 0) throw cliFailure('cronledger start (replay)', run);
    replays.push(run.exitMs);
    attempts = run.stdout.filter((line) => line.startsWith('{"jobId"')).length;
  }
  await dropLocalTable(admin);
  admin.destroy();

  const dayReplayMs = median(replays);
  return {
    startToFirstRunMs: round(median(starts), 1),
    startToFirstRunSamplesMs: starts.map((ms) => round(ms, 1)),
    stopMs: round(median(stops), 1),
    dayReplayMs: round(dayReplayMs, 1),
    dayReplaySamplesMs: replays.map((ms) => round(ms, 1)),
    dayReplayAttempts: attempts,
    attemptsPerSecond: round(attempts / (dayReplayMs / 1_000), 1),
    dynamodbLocalStartMs: round(dynamodbLocalStartMs, 1),
  };
}

// ---------------------------------------------------------------------------------------------
// Printing

/** `align` has one letter per column, `l` or `r`; numbers read best right-aligned. */
function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: string,
): string[] {
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) =>
        align[i] === 'r' ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

const ms = (value: number | undefined, digits = 2): string =>
  value === undefined ? '-' : value.toFixed(digits);

function printLedger(result: LedgerBenchResult): void {
  const operations = (byOperation: Record<string, number>) =>
    Object.entries(byOperation)
      .map(([name, count]) => `${count} ${name}`)
      .join(' + ');
  console.log(
    `\nLedger overhead: ${result.rounds} rounds after ${result.warmupRounds} warm-up, variants ` +
      `round-robin`,
  );
  const rows = [
    ['bare handler', ms(result.bareMedianMs, 4), '-', '-', '0', '-'],
    [
      'cronledger defineJob',
      ms(result.medianMs),
      ms(result.addedLatencyMedianMs),
      ms(result.addedLatencyP99Ms),
      String(result.requestsPerRun),
      operations(result.requestsByOperation),
    ],
    [
      '  Ledger claim+finish',
      ms(result.ledgerPath.medianMs),
      ms(result.ledgerPath.addedLatencyMedianMs),
      ms(result.ledgerPath.addedLatencyP99Ms),
      String(result.ledgerPath.requestsPerRun),
      operations(result.ledgerPath.requestsByOperation),
    ],
    [
      'Powertools makeIdempotent',
      ms(result.powertools.medianMs),
      ms(result.powertools.addedLatencyMedianMs),
      ms(result.powertools.addedLatencyP99Ms),
      String(result.powertools.requestsPerRun),
      operations(result.powertools.requestsByOperation),
    ],
  ];
  for (const line of table(
    ['variant', 'median ms', 'added median', 'added p99', 'requests', 'by operation'],
    rows,
    'lrrrrl',
  )) {
    console.log(line);
  }
  console.log(
    `cronledger added median / Powertools added median: ${result.addedLatencyRatioVsPowertools}`,
  );
  const { floor } = result;
  console.log(
    `DynamoDB Local alone, minimal items: two 2-item transactions ` +
      `${ms(floor.transactionPairMedianMs)} ms, a PutItem and an UpdateItem ` +
      `${ms(floor.singleWritePairMedianMs)} ms: ratio ${floor.ratio}`,
  );
}

function printSchedule(result: ScheduleBenchResult): void {
  console.log(
    `\nSchedule engine: next ${result.count} scheduled times, median of ${result.iterations} ` +
      `iterations (ms)`,
  );
  const rows = result.rows.map((row) => [
    row.name,
    ms(row.cronledgerMs),
    ms(row.cronledgerColdMs),
    ms(row.cronerMs),
    ms(row.cronParserMs),
    ms(row.ratio, 3),
    row.differFromCroner === undefined ? '-' : String(row.differFromCroner),
  ]);
  for (const line of table(
    ['case', 'cronledger', 'cold', 'croner', 'cron-parser', 'ratio', 'differ'],
    rows,
    'lrrrrrr',
  )) {
    console.log(line);
  }
  console.log('ratio = cronledger / fastest peer; differ = times unlike croner');
}

function printRuntime(result: RuntimeBenchResult): void {
  console.log('\nLocal runtime (cronledger start, given the bench DynamoDB Local)');
  const rows = [
    [
      'start to first attempt',
      `${ms(result.startToFirstRunMs, 0)} ms`,
      `median of ${result.startToFirstRunSamplesMs.length}: ` +
        `${result.startToFirstRunSamplesMs.map((v) => ms(v, 0)).join(', ')}`,
    ],
    ['SIGINT to exit', `${ms(result.stopMs, 0)} ms`, 'median'],
    [
      'replay of one day',
      `${ms(result.dayReplayMs, 0)} ms`,
      `${result.dayReplayAttempts} attempts, ${result.attemptsPerSecond}/s; runs: ` +
        `${result.dayReplaySamplesMs.map((v) => ms(v, 0)).join(', ')}`,
    ],
    [
      'DynamoDB Local start',
      `${ms(result.dynamodbLocalStartMs, 0)} ms`,
      'paid on top when the CLI starts its own',
    ],
  ];
  for (const line of table(['figure', 'value', 'note'], rows, 'lrl')) console.log(line);
}

// ---------------------------------------------------------------------------------------------
// Main

function parseParts(argv: readonly string[]): Part[] {
  if (argv.length === 0 || (argv.length === 1 && argv[0] === 'all')) return [...PARTS];
  for (const arg of argv) {
    if (!(PARTS as readonly string[]).includes(arg)) {
      throw new Error(`bench: a part must be one of ${PARTS.join(', ')} or all, got: ${arg}`);
    }
  }
  return argv as Part[];
}

/** Results of the parts run now, over those of earlier runs of the other parts. */
function previousResults(): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  // The SDK warns about its 2027 releases on Node 20; the README's Limitations say so already.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const parts = parseParts(process.argv.slice(2));
  const cpuList = cpus();
  const machine = {
    node: process.version,
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model ?? 'unknown',
    platform: `${platform()} ${release()}`,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    // Other work on the machine shows in the tails; the load says how much there was.
    loadAverageAtStart: loadavg().map((load) => round(load, 2)),
    loadAverageAtEnd: [] as number[],
  };
  console.log(
    `cronledger bench: ${parts.join(', ')} on node ${machine.node}, ${machine.cpus} cpus`,
  );
  const results: Record<string, unknown> = { ...previousResults() };

  let dynamodb: DynamoDbLocal | undefined;
  let dynamodbLocalStartMs = 0;
  try {
    if (parts.includes('ledger') || parts.includes('runtime')) {
      const started = performance.now();
      dynamodb = await startDynamoDbLocal();
      dynamodbLocalStartMs = performance.now() - started;
      console.log(
        `DynamoDB Local on ${dynamodb.endpoint}, ready in ${ms(dynamodbLocalStartMs, 0)} ms`,
      );
    }
    if (parts.includes('ledger') && dynamodb) {
      results.ledger = await benchLedger(dynamodb);
      printLedger(results.ledger as LedgerBenchResult);
    }
    if (parts.includes('schedule')) {
      results.schedule = await benchSchedules();
      printSchedule(results.schedule as ScheduleBenchResult);
    }
    if (parts.includes('runtime') && dynamodb) {
      results.runtime = await benchRuntime(dynamodb, dynamodbLocalStartMs);
      printRuntime(results.runtime as RuntimeBenchResult);
    }
  } finally {
    await dynamodb?.stop();
  }

  machine.loadAverageAtEnd = loadavg().map((load) => round(load, 2));
  results.machine = machine;
  results.measuredAt = new Date().toISOString();
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${RESULTS_FILE}`);
}

await main();
