import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { JobDefinition } from '../job-definition.ts';
import type {
  AttemptRecord,
  JobRecord,
  LastRunRecord,
  RunErrorRecord,
  RunRecord,
} from './records.ts';
import { jobKey, LedgerKeys, RunningIndex, runKey } from './schema.ts';
import { isRetryable, RunStatus } from './status.ts';
import { updateExpression } from './update-expression.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface LedgerOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

export interface Delivery {
  readonly job: JobDefinition;
  /** `YYYY-MM-DDTHH:MM:SSZ` */
  readonly scheduledTime: string;
  readonly scheduleArn: string;
  readonly executionId: string;
  /**
   * The Lambda request id, recorded with the claim. It is no claim token: Lambda's retries of
   * an asynchronous invocation keep the request id of the first, so each claim draws its own.
   */
  readonly requestId: string;
  readonly nowMs: number;
  /** The function's deadline, epoch milliseconds: the lease of a claim ends there. */
  readonly deadlineMs: number;
}

export interface RegisterOptions {
  /** The first run of a rate schedule without StartDate (its creation), when known. */
  readonly anchor?: string;
  /** Compare expected runs from this instant on, `YYYY-MM-DDTHH:MM:SSZ`. */
  readonly sweepFrom?: string;
}

/** What a delivery came to. Only `claimed` lets the handler run. */
export type ClaimOutcome =
  | { readonly kind: 'claimed'; readonly claim: Claim }
  | { readonly kind: 'missed' | 'skipped' | 'duplicate'; readonly run: RunRecord };

export interface Claim {
  readonly jobId: string;
  readonly scheduledTime: string;
  readonly attempt: number;
  readonly token: string;
  /** The Lambda request id of the invocation that holds the claim. */
  readonly requestId: string;
  readonly slot?: string;
  readonly startedAtMs: number;
  readonly leaseExpiresAt: number;
}

export interface Finish {
  readonly status:
    | typeof RunStatus.SUCCEEDED
    | typeof RunStatus.FAILED
    | typeof RunStatus.TIMED_OUT;
  readonly finishedAtMs: number;
  readonly durationMs: number;
  readonly error?: RunErrorRecord;
  /** The job's next fire time after this moment; undefined when the schedule has none left. */
  readonly nextRunTime?: string;
}

/** A finish is refused when the attempt no longer holds the claim; `run` is what holds it. */
export type FinishOutcome =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly run: RunRecord | undefined };

/** What the ledger must find for a write to a run to apply. */
type Expectation =
  | { readonly kind: 'absent' }
  | { readonly kind: 'status'; readonly run: RunRecord }
  | { readonly kind: 'expired-lease'; readonly run: RunRecord }
  /** RUNNING under the delivery's own request id: Lambda is retrying a failed invocation. */
  | { readonly kind: 'abandoned'; readonly run: RunRecord };

type Step =
  | { readonly kind: 'claim'; readonly expect: Expectation; readonly attempt: number }
  | { readonly kind: 'miss' | 'skip'; readonly expect: Expectation }
  | { readonly kind: 'count' };

const MAX_STEPS = 12;
/**
 * Lambda retries a failed asynchronous invocation after about a minute; half of that leaves
 * room for clocks and for how long the failed invocation ran before it failed.
 */
const LAMBDA_RETRY_DELAY_MS = 30_000;
const ERROR_MESSAGE_LIMIT = 4_096;
const ERROR_STACK_LIMIT = 16_384;
const ATTEMPT_MESSAGE_LIMIT = 1_024;

/**
 * The run ledger's protocol. Every change of a run's state is one conditional write, or one
 * transaction of the run's item and its job's item, so that no reader ever sees one without
 * the other.
 *
 * Who may write a run, and when:
 *
 *   no item / NOT_DELIVERED --first delivery, on time------------> RUNNING (attempt 1, token A)
 *   no item / NOT_DELIVERED --first delivery, after the grace----> MISSED
 *   no item / NOT_DELIVERED --first delivery, no free slot-------> SKIPPED
 *   RUNNING (token A)       --finish carrying token A------------> SUCCEEDED | FAILED | TIMED_OUT
 *   RUNNING, lease expired  --sweeper----------------------------> TIMED_OUT
 *   RUNNING, lease expired  --a later delivery, attempts left----> RUNNING (attempt n+1, token B)
 *   RUNNING (request R)     --Lambda's retry of R, attempts left-> RUNNING (attempt n+1, token B)
 *   FAILED | TIMED_OUT      --a later delivery, attempts left----> RUNNING (attempt n+1, token B)
 *   anything else           --any delivery-----------------------> deliveries + 1, nothing else
 *
 * A claim and its finish are two requests when nothing contends: the claim is one
 * transaction that takes the run and a concurrency slot on the job (a lease that ends with
 * the function's deadline, so a crashed attempt frees it by itself), and the finish is one
 * transaction that records the outcome, returns the slot and updates the job's counters. A
 * finish is conditioned on the claim token, so once a newer attempt has taken over, an older
 * one can no longer write. A refused write returns the item it found (ALL_OLD), and the next
 * step is decided from that item, without a second read.
 */
export class Ledger {
  private readonly client: DynamoDBDocumentClient;
  readonly tableName: string;

  constructor(options: LedgerOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  /** The client the ledger writes with, for maintenance the ledger itself does not do. */
  get documentClient(): DynamoDBDocumentClient {
    return this.client;
  }

  /**
   * Writes a job's definition, keeping its state, slots, counters and history. Unless
   * `sweepFrom` says where, the sweeper starts comparing expected runs when it first sees the
   * job, since the moment its schedule was created is not known here.
   */
  async registerJob(
    definition: JobDefinition,
    nowMs: number,
    options: RegisterOptions = {},
  ): Promise<void> {
    const { anchor, sweepFrom } = options;
    const now = new Date(nowMs).toISOString();
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: jobKey(definition.jobId),
        UpdateExpression: updateExpression({
          set: [
            'jobId = :jobId',
            '#definition = :definition',
            'updatedAt = :now',
            'registeredAt = if_not_exists(registeredAt, :now)',
            'slots = if_not_exists(slots, :empty)',
            'counts = if_not_exists(counts, :empty)',
            anchor && 'anchor = :anchor',
            sweepFrom && 'sweptUntil = :sweepFrom',
          ],
          remove: ['deletedAt'],
        }),
        ExpressionAttributeNames: { '#definition': 'definition' },
        ExpressionAttributeValues: {
          ':jobId': definition.jobId,
          ':definition': definition,
          ':now': now,
          ':empty': {},
          ...(anchor ? { ':anchor': anchor } : {}),
          ...(sweepFrom ? { ':sweepFrom': sweepFrom } : {}),
        },
      }),
    );
  }

  /** Decides what a delivery comes to and records it: see the timeline above the class. */
  async claim(delivery: Delivery): Promise<ClaimOutcome> {
    const { job, nowMs } = delivery;
    const latestOnTimeMs =
      Date.parse(delivery.scheduledTime) +
      job.flexibleWindowMinutes * 60_000 +
      job.misfireGraceSeconds * 1_000;
    const late = nowMs > latestOnTimeMs;
    // Guess that this is the run's first delivery and that slot 0 is free: true whenever
    // nothing contends, which makes the claim a single request.
    let existing: RunRecord | undefined;
    let jobRecord: JobRecord | undefined;

    for (let step = 0; step < MAX_STEPS; step += 1) {
      const next = decide(existing, delivery, late);
      const picked = next.kind === 'claim' ? pickSlot(next, jobRecord, job, nowMs) : undefined;
      // No free slot: a first delivery is SKIPPED; a retry leaves its run as it stands.
      const action: Step =
        next.kind !== 'claim' || picked !== null
          ? next
          : next.attempt === 1
            ? { kind: 'skip', expect: next.expect }
            : { kind: 'count' };
      const slot = picked ?? undefined;
      let claim: Claim | undefined;
      try {
        switch (action.kind) {
          case 'claim':
            claim = newClaim(delivery, action, slot);
            await this.writeClaim(delivery, action, claim);
            return { kind: 'claimed', claim };
          case 'miss':
          case 'skip':
            return {
              kind: action.kind === 'miss' ? 'missed' : 'skipped',
              run: await this.writeUnrun(delivery, action),
            };
          case 'count':
            return { kind: 'duplicate', run: await this.countDelivery(delivery) };
        }
      } catch (error) {
        const refusal = readRefusal(error);
        if (!refusal) {
          throw error;
        }
        if (refusal.conflict) {
          await backoff(step);
          continue;
        }
        // The SDK resends a request whose answer it lost; a resent claim that finds its own
        // token has already won, and must not take itself over.
        if (claim && refusal.run?.claimToken === claim.token) {
          return { kind: 'claimed', claim };
        }
        if (refusal.runRefused) {
          // The run as the refused write found it. No item means that it vanished between two
          // steps (TTL or a manual delete): start again from a first delivery, rather than
          // repeat a write that expects the item we last saw.
          existing = refusal.run;
        } else if (refusal.jobRefused && (!refusal.job?.slots || !refusal.job.counts)) {
          await this.registerJob(job, nowMs);
        } else if (refusal.job) {
          jobRecord = refusal.job;
        }
      }
    }
    throw new LedgerContentionError(job.jobId, delivery.scheduledTime, MAX_STEPS);
  }

  /**
   * Records an attempt's outcome, if the attempt still holds the claim. The job's slot is
   * returned in the same transaction unless another run has taken it over meanwhile.
   */
  async finish(job: JobDefinition, claim: Claim, finish: Finish): Promise<FinishOutcome> {
    let releaseSlot = claim.slot !== undefined;
    for (let step = 0; step < MAX_STEPS; step += 1) {
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              this.finishRunItem(job, claim, finish),
              this.finishJobItem(job, claim, finish, releaseSlot),
            ],
          }),
        );
        return { accepted: true };
      } catch (error) {
        const refusal = readRefusal(error);
        if (!refusal) {
          throw error;
        }
        if (refusal.conflict) {
          await backoff(step);
        } else if (refusal.runRefused) {
          return { accepted: false, run: refusal.run };
        } else if (refusal.jobRefused && releaseSlot) {
          // The lease ran out and another run holds the slot now: keep its lease.
          releaseSlot = false;
        } else {
          await this.registerJob(job, finish.finishedAtMs);
        }
      }
    }
    throw new LedgerContentionError(job.jobId, claim.scheduledTime, MAX_STEPS);
  }

  async getRun(jobId: string, scheduledTime: string): Promise<RunRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: runKey(jobId, scheduledTime),
        ConsistentRead: true,
      }),
    );
    return result.Item as RunRecord | undefined;
  }

  async getJob(jobId: string): Promise<JobRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: jobKey(jobId), ConsistentRead: true }),
    );
    return result.Item as JobRecord | undefined;
  }

  async listJobs(): Promise<JobRecord[]> {
    const jobs: JobRecord[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': LedgerKeys.partitionKey },
        ExpressionAttributeValues: { ':pk': jobKey('').pk },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      jobs.push(...((page.Items ?? []) as JobRecord[]));
    }
    return jobs;
  }

  /**
   * A job's runs, newest first, optionally those scheduled in [from, until). `limit` caps the
   * count; without it every matching run is read.
   */
  async listRuns(
    jobId: string,
    options: {
      readonly from?: string;
      readonly until?: string;
      readonly limit?: number;
      readonly oldestFirst?: boolean;
    } = {},
  ): Promise<RunRecord[]> {
    const runs: RunRecord[] = [];
    const { pk } = runKey(jobId, '');
    const range =
      options.from !== undefined && options.until !== undefined
        ? ' AND #sk BETWEEN :from AND :until'
        : options.from !== undefined
          ? ' AND #sk >= :from'
          : options.until !== undefined
            ? ' AND #sk <= :until'
            : '';
    const pages = paginateQuery(
      { client: this.client, pageSize: options.limit },
      {
        TableName: this.tableName,
        KeyConditionExpression: `#pk = :pk${range}`,
        ExpressionAttributeNames: {
          '#pk': LedgerKeys.partitionKey,
          ...(range ? { '#sk': LedgerKeys.sortKey } : {}),
        },
        ExpressionAttributeValues: {
          ':pk': pk,
          ...(options.from !== undefined ? { ':from': options.from } : {}),
          ...(options.until !== undefined ? { ':until': options.until } : {}),
        },
        ScanIndexForward: options.oldestFirst ?? false,
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of (page.Items ?? []) as RunRecord[]) {
        // BETWEEN includes its upper bound; the window is half-open.
        if (options.until !== undefined && item.scheduledTime >= options.until) {
          continue;
        }
        runs.push(item);
        if (options.limit !== undefined && runs.length >= options.limit) {
          return runs;
        }
      }
    }
    return runs;
  }

  /** Keys of RUNNING runs whose lease ended before `nowMs`, read from the sparse index. */
  async expiredLeases(nowMs: number): Promise<{ jobId: string; scheduledTime: string }[]> {
    const found: { jobId: string; scheduledTime: string }[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: RunningIndex.name,
        KeyConditionExpression: '#shard = :shard AND #lease < :now',
        ExpressionAttributeNames: {
          '#shard': RunningIndex.partitionKey,
          '#lease': RunningIndex.sortKey,
        },
        ExpressionAttributeValues: { ':shard': RunningIndex.shard, ':now': nowMs },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const pk = String(item[LedgerKeys.partitionKey]);
        found.push({
          jobId: pk.slice('RUN#'.length),
          scheduledTime: String(item[LedgerKeys.sortKey]),
        });
      }
    }
    return found;
  }

  /**
   * Records TIMED_OUT for a run whose lease has expired, unless a finish or a takeover got
   * there first: the write is conditioned on the claim the sweeper read. Its slot needs no
   * release, since an expired lease is free to any claim.
   */
  async expireRun(
    job: JobDefinition,
    jobId: string,
    scheduledTime: string,
    nowMs: number,
  ): Promise<RunRecord | undefined> {
    const run = await this.getRun(jobId, scheduledTime);
    if (run?.status !== RunStatus.RUNNING || (run.leaseExpiresAt ?? 0) >= nowMs) {
      return undefined;
    }
    const now = new Date(nowMs).toISOString();
    const entry = lapsedAttempt(run, nowMs, 'expired-lease');
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: runKey(jobId, scheduledTime),
                UpdateExpression: updateExpression({
                  set: [
                    '#status = :timedOut',
                    'finishedAt = :now',
                    'expiresAt = :ttl',
                    '#attempts = list_append(if_not_exists(#attempts, :none), :entry)',
                  ],
                  remove: ['runningShard', 'leaseExpiresAt', 'durationMs'],
                }),
                ConditionExpression:
                  '#status = :running AND claimToken = :token AND leaseExpiresAt < :nowMs',
                ExpressionAttributeNames: { '#status': 'status', '#attempts': 'attempts' },
                ExpressionAttributeValues: {
                  ':timedOut': RunStatus.TIMED_OUT,
                  ':running': RunStatus.RUNNING,
                  ':token': run.claimToken ?? '',
                  ':now': now,
                  ':nowMs': nowMs,
                  ':ttl': expiryEpochSeconds(job, RunStatus.TIMED_OUT, nowMs),
                  ':none': [],
                  ':entry': [entry],
                },
              },
            },
            this.countOnJob(jobId, { [RunStatus.TIMED_OUT]: 1 }, now, {
              scheduledTime,
              status: RunStatus.TIMED_OUT,
              attempt: run.attempt,
              finishedAt: now,
            }),
          ],
        }),
      );
    } catch (error) {
      const refusal = readRefusal(error);
      if (refusal?.runRefused) {
        return undefined;
      }
      throw error;
    }
    return this.getRun(jobId, scheduledTime);
  }

  /** Records NOT_DELIVERED for an expected run of which no delivery left a trace. */
  async recordNotDelivered(
    job: JobDefinition,
    scheduledTime: string,
    nowMs: number,
  ): Promise<boolean> {
    const now = new Date(nowMs).toISOString();
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...runKey(job.jobId, scheduledTime),
                  jobId: job.jobId,
                  scheduledTime,
                  status: RunStatus.NOT_DELIVERED,
                  attempt: 0,
                  deliveries: 0,
                  recordedAt: now,
                  expiresAt: expiryEpochSeconds(job, RunStatus.NOT_DELIVERED, nowMs),
                },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': LedgerKeys.partitionKey },
              },
            },
            this.countOnJob(job.jobId, { [RunStatus.NOT_DELIVERED]: 1 }, now),
          ],
        }),
      );
      return true;
    } catch (error) {
      const refusal = readRefusal(error);
      if (refusal?.runRefused) {
        return false;
      }
      throw error;
    }
  }

  /** Moves the sweeper's watermark and the job's next run time. */
  async markSwept(
    jobId: string,
    sweptUntil: string,
    nextRunTime: string | undefined,
    nowMs: number,
  ): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: jobKey(jobId),
        UpdateExpression: updateExpression({
          set: ['sweptUntil = :swept', 'updatedAt = :now', nextRunTime && 'nextRunTime = :next'],
          remove: [!nextRunTime && 'nextRunTime'],
        }),
        ConditionExpression: 'attribute_exists(jobId)',
        ExpressionAttributeValues: {
          ':swept': sweptUntil,
          ':now': new Date(nowMs).toISOString(),
          ...(nextRunTime ? { ':next': nextRunTime } : {}),
        },
      }),
    );
  }

  private async writeClaim(
    delivery: Delivery,
    step: Extract<Step, { kind: 'claim' }>,
    claim: Claim,
  ): Promise<void> {
    const { job, nowMs } = delivery;
    const { slot } = claim;
    const startedAt = new Date(nowMs).toISOString();
    const { expect } = step;
    const run = expectationCondition(expect, nowMs);
    // A takeover records the end of the attempt it replaces: TIMED_OUT when its lease ran out,
    // as the sweeper would have, FAILED when Lambda is retrying its invocation.
    const takenOver = expect.kind === 'expired-lease' || expect.kind === 'abandoned';
    const lapsed = takenOver ? lapsedAttempt(expect.run, nowMs, expect.kind) : undefined;
    // The attempt taken over may still hold its slot: its claim may reuse it.
    const inherited = takenOver ? expect.run.claimToken : undefined;
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: runKey(job.jobId, delivery.scheduledTime),
          UpdateExpression: updateExpression({
            set: [
              '#status = :running',
              '#attempt = :attempt',
              'claimToken = :token',
              'leaseExpiresAt = :lease',
              'runningShard = :shard',
              'startedAt = :startedAt',
              'jobId = :jobId',
              'scheduledTime = :scheduledTime',
              'scheduleArn = :arn',
              'executionId = :executionId',
              'requestId = :requestId',
              'recordedAt = if_not_exists(recordedAt, :startedAt)',
              slot !== undefined && '#slot = :slot',
              lapsed && '#attempts = list_append(if_not_exists(#attempts, :none), :lapsed)',
            ],
            add: ['deliveries :one'],
            remove: [
              'finishedAt',
              'durationMs',
              'expiresAt',
              '#error',
              slot === undefined && '#slot',
            ],
          }),
          ConditionExpression: run.expression,
          ExpressionAttributeNames: {
            ...run.names,
            '#status': 'status',
            '#attempt': 'attempt',
            '#error': 'error',
            '#slot': 'slot',
            ...(lapsed ? { '#attempts': 'attempts' } : {}),
          },
          ExpressionAttributeValues: {
            ...run.values,
            ...(lapsed ? { ':none': [], ':lapsed': [lapsed] } : {}),
            ':running': RunStatus.RUNNING,
            ':attempt': step.attempt,
            ':token': claim.token,
            ':lease': claim.leaseExpiresAt,
            ':shard': RunningIndex.shard,
            ':startedAt': startedAt,
            ':jobId': job.jobId,
            ':scheduledTime': delivery.scheduledTime,
            ':arn': delivery.scheduleArn,
            ':executionId': delivery.executionId,
            ':requestId': delivery.requestId,
            ':one': 1,
            ...(slot === undefined ? {} : { ':slot': slot }),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ];
    const changes: Partial<Record<RunStatus, number>> = {
      ...(step.expect.kind === 'status' && step.expect.run.status === RunStatus.NOT_DELIVERED
        ? { [RunStatus.NOT_DELIVERED]: -1 }
        : {}),
      ...(lapsed ? { [lapsed.status]: 1 } : {}),
    };
    const counting = countActions(changes);
    if (slot !== undefined) {
      items.push({
        Update: {
          TableName: this.tableName,
          Key: jobKey(job.jobId),
          UpdateExpression: updateExpression({ set: ['#slots.#slot = :lease'], add: counting.add }),
          ConditionExpression:
            'attribute_exists(#slots) AND (attribute_not_exists(#slots.#slot) OR ' +
            `#slots.#slot.#expires < :nowMs${inherited ? ' OR #slots.#slot.#token = :held' : ''})`,
          ExpressionAttributeNames: {
            '#slots': 'slots',
            '#slot': slot,
            '#expires': 'expiresAt',
            ...(inherited ? { '#token': 'token' } : {}),
            ...counting.names,
          },
          ExpressionAttributeValues: {
            ':lease': {
              scheduledTime: delivery.scheduledTime,
              token: claim.token,
              expiresAt: claim.leaseExpiresAt,
            },
            ':nowMs': nowMs,
            ...(inherited ? { ':held': inherited } : {}),
            ...counting.values,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      });
    } else if (counting.add.length > 0) {
      items.push(this.countOnJob(job.jobId, changes, startedAt));
    }
    await this.write(items);
  }

  /**
   * Sends the items as one transaction, or as a plain conditional update when there is only
   * one: the same guarantee at about half the latency. Refusals read the same either way.
   */
  private async write(items: TransactItem[]): Promise<void> {
    const [only] = items;
    if (items.length === 1 && only?.Update) {
      await this.client.send(new UpdateCommand(only.Update));
      return;
    }
    await this.client.send(new TransactWriteCommand({ TransactItems: items }));
  }

  /** Records a first delivery that does not run: MISSED (too late) or SKIPPED (no slot). */
  private async writeUnrun(
    delivery: Delivery,
    step: Extract<Step, { kind: 'miss' | 'skip' }>,
  ): Promise<RunRecord> {
    const { job, nowMs } = delivery;
    const status = step.kind === 'miss' ? RunStatus.MISSED : RunStatus.SKIPPED;
    const now = new Date(nowMs).toISOString();
    const condition = expectationCondition(step.expect, nowMs);
    const replacesNotDelivered = step.expect.kind === 'status';
    const item: RunRecord & { pk: string; sk: string } = {
      ...runKey(job.jobId, delivery.scheduledTime),
      jobId: job.jobId,
      scheduledTime: delivery.scheduledTime,
      status,
      attempt: 0,
      deliveries: replacesNotDelivered ? step.expect.run.deliveries + 1 : 1,
      scheduleArn: delivery.scheduleArn,
      executionId: delivery.executionId,
      recordedAt: replacesNotDelivered ? step.expect.run.recordedAt : now,
      finishedAt: now,
      expiresAt: expiryEpochSeconds(job, status, nowMs),
    };
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: item,
          ConditionExpression: condition.expression,
          ExpressionAttributeNames: condition.names,
          ExpressionAttributeValues: Object.keys(condition.values).length
            ? condition.values
            : undefined,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      // One update of the job: a transaction may not touch an item twice.
      this.countOnJob(
        job.jobId,
        { [status]: 1, ...(replacesNotDelivered ? { [RunStatus.NOT_DELIVERED]: -1 } : {}) },
        now,
        { scheduledTime: delivery.scheduledTime, status, attempt: 0, finishedAt: now },
      ),
    ];
    await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    return item;
  }

  private async countDelivery(delivery: Delivery): Promise<RunRecord> {
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: runKey(delivery.job.jobId, delivery.scheduledTime),
        UpdateExpression: 'ADD deliveries :one',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': LedgerKeys.partitionKey },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return result.Attributes as RunRecord;
  }

  private finishRunItem(job: JobDefinition, claim: Claim, finish: Finish): TransactItem {
    const finishedAt = new Date(finish.finishedAtMs).toISOString();
    const error = finish.error && fitError(finish.error);
    const entry = {
      attempt: claim.attempt,
      status: finish.status,
      startedAt: new Date(claim.startedAtMs).toISOString(),
      finishedAt,
      durationMs: finish.durationMs,
      requestId: claim.requestId,
      ...(error
        ? { errorName: error.name, errorMessage: truncate(error.message, ATTEMPT_MESSAGE_LIMIT) }
        : {}),
    };
    return {
      Update: {
        TableName: this.tableName,
        Key: runKey(claim.jobId, claim.scheduledTime),
        UpdateExpression: updateExpression({
          set: [
            '#status = :status',
            'finishedAt = :finishedAt',
            'durationMs = :duration',
            'expiresAt = :ttl',
            '#attempts = list_append(if_not_exists(#attempts, :none), :entry)',
            finish.error && '#error = :error',
          ],
          remove: ['runningShard', 'leaseExpiresAt', !finish.error && '#error'],
        }),
        ConditionExpression: '#status = :running AND claimToken = :token',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#attempts': 'attempts',
          '#error': 'error',
        },
        ExpressionAttributeValues: {
          ':status': finish.status,
          ':running': RunStatus.RUNNING,
          ':token': claim.token,
          ':finishedAt': finishedAt,
          ':duration': finish.durationMs,
          ':ttl': expiryEpochSeconds(job, finish.status, finish.finishedAtMs),
          ':none': [],
          ':entry': [entry],
          ...(error ? { ':error': error } : {}),
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  private finishJobItem(
    job: JobDefinition,
    claim: Claim,
    finish: Finish,
    releaseSlot: boolean,
  ): TransactItem {
    const lastRun: LastRunRecord = {
      scheduledTime: claim.scheduledTime,
      status: finish.status,
      attempt: claim.attempt,
      finishedAt: new Date(finish.finishedAtMs).toISOString(),
      durationMs: finish.durationMs,
    };
    const succeeded = finish.status === RunStatus.SUCCEEDED;
    return {
      Update: {
        TableName: this.tableName,
        Key: jobKey(job.jobId),
        UpdateExpression: updateExpression({
          set: [
            'lastRun = :lastRun',
            'updatedAt = :now',
            finish.nextRunTime && 'nextRunTime = :next',
          ],
          add: ['#counts.#outcome :one', succeeded && 'succeededDurationMs :duration'],
          remove: [releaseSlot && '#slots.#slot', !finish.nextRunTime && 'nextRunTime'],
        }),
        ConditionExpression: releaseSlot
          ? '#slots.#slot.#token = :token'
          : 'attribute_exists(#counts)',
        ExpressionAttributeNames: {
          '#counts': 'counts',
          '#outcome': finish.status,
          ...(releaseSlot
            ? { '#slots': 'slots', '#slot': claim.slot ?? '', '#token': 'token' }
            : {}),
        },
        ExpressionAttributeValues: {
          ':lastRun': lastRun,
          ':now': lastRun.finishedAt,
          ':one': 1,
          ...(finish.nextRunTime ? { ':next': finish.nextRunTime } : {}),
          ...(succeeded ? { ':duration': finish.durationMs } : {}),
          ...(releaseSlot ? { ':token': claim.token } : {}),
        },
      },
    };
  }

  /** Moves the job's counters by `changes`, e.g. `{ MISSED: 1, NOT_DELIVERED: -1 }`. */
  private countOnJob(
    jobId: string,
    changes: Partial<Record<RunStatus, number>>,
    now: string,
    lastRun?: LastRunRecord,
  ): TransactItem {
    const counting = countActions(changes);
    return {
      Update: {
        TableName: this.tableName,
        Key: jobKey(jobId),
        UpdateExpression: updateExpression({
          set: ['updatedAt = :now', lastRun && 'lastRun = :lastRun'],
          add: counting.add,
        }),
        ConditionExpression: 'attribute_exists(#counts)',
        ExpressionAttributeNames: { '#counts': 'counts', ...counting.names },
        ExpressionAttributeValues: {
          ':now': now,
          ...counting.values,
          ...(lastRun ? { ':lastRun': lastRun } : {}),
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }
}

/** Too many conflicting writers in a row; the caller should let Lambda retry the event. */
export class LedgerContentionError extends Error {
  readonly jobId: string;
  readonly scheduledTime: string;

  constructor(jobId: string, scheduledTime: string, steps: number) {
    super(`run ${jobId} @ ${scheduledTime}: the ledger stayed contended for ${steps} steps`);
    this.name = 'LedgerContentionError';
    this.jobId = jobId;
    this.scheduledTime = scheduledTime;
  }
}

/**
 * The record of an attempt that ended with no finish: what the ledger knows of it is when it
 * started, and either how long its lease was (TIMED_OUT) or that Lambda retried its
 * invocation, which it does only after the invocation failed (FAILED, at most this long).
 */
function lapsedAttempt(
  run: RunRecord,
  nowMs: number,
  cause: 'expired-lease' | 'abandoned',
): AttemptRecord {
  const finishedAt = new Date(nowMs).toISOString();
  const startedAtMs = Date.parse(run.startedAt ?? finishedAt);
  const leaseEndMs = run.leaseExpiresAt ?? nowMs;
  const record = {
    attempt: run.attempt,
    startedAt: run.startedAt ?? finishedAt,
    finishedAt,
    durationMs: Math.max(0, Math.min(leaseEndMs, nowMs) - startedAtMs),
    ...(run.requestId ? { requestId: run.requestId } : {}),
  };
  return cause === 'expired-lease'
    ? {
        ...record,
        status: RunStatus.TIMED_OUT,
        errorName: 'LeaseExpired',
        errorMessage: `the attempt's lease ended at ${new Date(leaseEndMs).toISOString()}`,
      }
    : {
        ...record,
        status: RunStatus.FAILED,
        errorName: 'InvocationFailed',
        errorMessage:
          'Lambda retried the event before the attempt recorded an outcome: its invocation ' +
          'failed (the process died, or its finish could not be written)',
      };
}

/** A claim for a delivery, with a token of its own: Lambda's retries keep the request id. */
function newClaim(
  delivery: Delivery,
  step: Extract<Step, { kind: 'claim' }>,
  slot: string | undefined,
): Claim {
  return {
    jobId: delivery.job.jobId,
    scheduledTime: delivery.scheduledTime,
    attempt: step.attempt,
    token: randomUUID(),
    requestId: delivery.requestId,
    slot,
    startedAtMs: delivery.nowMs,
    leaseExpiresAt: delivery.deadlineMs,
  };
}

/** The ADD actions that move a job's counters, with their placeholders. */
function countActions(changes: Partial<Record<RunStatus, number>>): {
  add: string[];
  names: Record<string, string>;
  values: Record<string, number>;
} {
  const statuses = Object.keys(changes) as RunStatus[];
  return {
    add: statuses.map((status) => `#counts.#${status} :by${status}`),
    names: {
      ...(statuses.length > 0 ? { '#counts': 'counts' } : {}),
      ...Object.fromEntries(statuses.map((status) => [`#${status}`, status])),
    },
    values: Object.fromEntries(statuses.map((status) => [`:by${status}`, changes[status] ?? 0])),
  };
}

/** The next step for a delivery, given what the ledger holds for its run. */
function decide(existing: RunRecord | undefined, delivery: Delivery, late: boolean): Step {
  const { job, nowMs } = delivery;
  const maxAttempts = job.retryAttempts + 1;
  if (!existing || existing.status === RunStatus.NOT_DELIVERED) {
    const expect: Expectation = existing ? { kind: 'status', run: existing } : { kind: 'absent' };
    return late ? { kind: 'miss', expect } : { kind: 'claim', expect, attempt: 1 };
  }
  if (existing.attempt >= maxAttempts) {
    return { kind: 'count' };
  }
  if (existing.status === RunStatus.RUNNING && (existing.leaseExpiresAt ?? 0) < nowMs) {
    return {
      kind: 'claim',
      expect: { kind: 'expired-lease', run: existing },
      attempt: existing.attempt + 1,
    };
  }
  // Lambda resends an event under the same request id only to retry an invocation that
  // failed, a minute or more after it, so the attempt holding the run is over, though its
  // lease is not. A copy under that id sooner than that is no retry: it only counts.
  const heldSinceMs = Date.parse(existing.startedAt ?? '');
  if (
    existing.status === RunStatus.RUNNING &&
    existing.requestId === delivery.requestId &&
    nowMs - heldSinceMs >= LAMBDA_RETRY_DELAY_MS
  ) {
    return {
      kind: 'claim',
      expect: { kind: 'abandoned', run: existing },
      attempt: existing.attempt + 1,
    };
  }
  if (isRetryable(existing.status)) {
    return {
      kind: 'claim',
      expect: { kind: 'status', run: existing },
      attempt: existing.attempt + 1,
    };
  }
  return { kind: 'count' };
}

/**
 * The slot a claim should try: `undefined` when the job does not limit concurrency, `null`
 * when every slot is held by a live lease, so the run must be skipped. A claim that takes a
 * run over may reuse the slot of the attempt it replaces.
 */
function pickSlot(
  step: Extract<Step, { kind: 'claim' }>,
  jobRecord: JobRecord | undefined,
  job: JobDefinition,
  nowMs: number,
): string | undefined | null {
  if (job.overlap === 'allow') {
    return undefined;
  }
  const replaced = step.expect.kind === 'abandoned' ? step.expect.run : undefined;
  const free = (slot: string): boolean => {
    const lease = jobRecord?.slots?.[slot];
    return !lease || lease.expiresAt < nowMs || lease.token === replaced?.claimToken;
  };
  // The replaced attempt's own slot first, so that it is not left held until its lease ends.
  const candidates = [
    ...(replaced?.slot !== undefined ? [replaced.slot] : []),
    ...Array.from({ length: job.maxConcurrency }, (_, index) => String(index)),
  ];
  return candidates.find(free) ?? null;
}

function expectationCondition(
  expect: Expectation,
  nowMs: number,
): { expression: string; names: Record<string, string>; values: Record<string, unknown> } {
  switch (expect.kind) {
    case 'absent':
      return {
        expression: 'attribute_not_exists(#pk)',
        names: { '#pk': LedgerKeys.partitionKey },
        values: {},
      };
    case 'status':
      return {
        expression: '#status = :expectedStatus AND #attempt = :expectedAttempt',
        names: { '#status': 'status', '#attempt': 'attempt' },
        values: { ':expectedStatus': expect.run.status, ':expectedAttempt': expect.run.attempt },
      };
    case 'abandoned':
      return {
        expression:
          '#status = :expectedStatus AND claimToken = :expectedToken AND ' +
          'requestId = :expectedRequestId',
        names: { '#status': 'status' },
        values: {
          ':expectedStatus': RunStatus.RUNNING,
          ':expectedToken': expect.run.claimToken ?? '',
          ':expectedRequestId': expect.run.requestId ?? '',
        },
      };
    case 'expired-lease':
      return {
        expression:
          '#status = :expectedStatus AND claimToken = :expectedToken AND leaseExpiresAt < :nowMs',
        names: { '#status': 'status' },
        values: {
          ':expectedStatus': RunStatus.RUNNING,
          ':expectedToken': expect.run.claimToken ?? '',
          ':nowMs': nowMs,
        },
      };
  }
}

interface Refusal {
  readonly conflict: boolean;
  readonly runRefused: boolean;
  readonly jobRefused: boolean;
  readonly run?: RunRecord;
  readonly job?: JobRecord;
}

/**
 * Reads a refused write: which condition failed and the item it found. Anything that is not
 * a refusal (throttling, a timeout, the endpoint down) returns undefined and is rethrown.
 */
function readRefusal(error: unknown): Refusal | undefined {
  if (error instanceof TransactionConflictException) {
    return { conflict: true, runRefused: false, jobRefused: false };
  }
  if (error instanceof ConditionalCheckFailedException) {
    return {
      conflict: false,
      runRefused: true,
      jobRefused: false,
      run: toRecord<RunRecord>(error.Item),
    };
  }
  if (!(error instanceof TransactionCanceledException)) {
    return undefined;
  }
  const reasons = error.CancellationReasons ?? [];
  if (reasons.some((reason) => reason.Code === 'TransactionConflict')) {
    return { conflict: true, runRefused: false, jobRefused: false };
  }
  const refused = (index: number): boolean => reasons[index]?.Code === 'ConditionalCheckFailed';
  if (!reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) {
    return undefined;
  }
  return {
    conflict: false,
    runRefused: refused(0),
    jobRefused: reasons.slice(1).some((_, index) => refused(index + 1)),
    run: refused(0) ? toRecord<RunRecord>(reasons[0]?.Item) : undefined,
    job: reasons
      .slice(1)
      .map((reason) =>
        reason.Code === 'ConditionalCheckFailed' ? toRecord<JobRecord>(reason.Item) : undefined,
      )
      .find((job) => job !== undefined),
  };
}

function toRecord<T>(item: Record<string, AttributeValue> | undefined): T | undefined {
  return item && Object.keys(item).length > 0 ? (unmarshall(item) as T) : undefined;
}

function expiryEpochSeconds(job: JobDefinition, status: RunStatus, nowMs: number): number {
  const days =
    status === RunStatus.SUCCEEDED ? job.retention.succeededDays : job.retention.otherDays;
  return Math.floor(nowMs / 1_000) + Math.round(days * 86_400);
}

function fitError(error: RunErrorRecord): RunErrorRecord {
  return {
    name: truncate(error.name, 256),
    message: truncate(error.message, ERROR_MESSAGE_LIMIT),
    ...(error.stack ? { stack: truncate(error.stack, ERROR_STACK_LIMIT) } : {}),
  };
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 13)}…[truncated]`;
}

/** Jittered, growing pauses: concurrent deliveries of one run spread out instead of colliding. */
function backoff(step: number): Promise<void> {
  const ceilingMs = Math.min(200, 10 * 2 ** step);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceilingMs));
}
