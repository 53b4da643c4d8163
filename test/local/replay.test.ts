import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { Ledger } from '../../functions/ledger/ledger.ts';
import { RunStatus } from '../../functions/ledger/status.ts';
import { type LoadedApp, loadApp } from '../../local/app-loader.ts';
import { localClient } from '../../local/dynamodb-local.ts';
import type { FaultOptions } from '../../local/faults.ts';
import type { AttemptLine, JobSummary } from '../../local/report.ts';
import { type FunctionFailure, runLocal } from '../../local/runtime.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FROM = new Date('2026-03-07T00:00:00Z');
const UNTIL = new Date('2026-03-07T08:00:00Z');

let app: LoadedApp;

beforeAll(async () => {
  app = await loadApp(`${ROOT}/cdk/app.ts`);
});

const HALF_HOUR = new Date('2026-03-07T00:30:00Z');

async function replay(faults?: FaultOptions, until = UNTIL) {
  const lines: AttemptLine[] = [];
  const tableName = `replay-${randomUUID()}`;
  const result = await runLocal({
    jobs: app.jobs,
    from: FROM,
    until,
    endpoint: inject('dynamodbEndpoint'),
    tableName,
    faults,
    onAttempt: (line) => lines.push(line),
  });
  return { lines, summaries: result.summaries, tableName };
}

function finalStatuses(lines: readonly AttemptLine[], jobId: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines.filter((candidate) => candidate.jobId === jobId && candidate.final)) {
    counts[line.status] = (counts[line.status] ?? 0) + 1;
  }
  return counts;
}

function summaryOf(summaries: readonly JobSummary[], jobId: string): JobSummary | undefined {
  return summaries.find((summary) => summary.jobId === jobId);
}

describe('the example app replayed from 00:00 to 08:00 UTC on 2026-03-07', () => {
  it('runs every job as its schedule says, and the ledger agrees', async () => {
    const { lines, summaries } = await replay();

    // heartbeat: rate(5 minutes) from 00:00, 8 hours = 8 * 12 = 96 runs.
    expect(finalStatuses(lines, 'heartbeat')).toEqual({ SUCCEEDED: 96 });
    // flaky-sync: hourly, 00..07; the odd hours 01, 03, 05, 07 fail on all 3 attempts.
    expect(finalStatuses(lines, 'flaky-sync')).toEqual({ SUCCEEDED: 4, FAILED: 4 });
    const failed = lines.filter(
      (line) => line.jobId === 'flaky-sync' && line.final && line.status === 'FAILED',
    );
    expect(failed.map((line) => line.scheduledTime)).toEqual([
      '2026-03-07T01:00:00Z',
      '2026-03-07T03:00:00Z',
      '2026-03-07T05:00:00Z',
      '2026-03-07T07:00:00Z',
    ]);
    expect(
      failed.every((line) => line.attempt === 3 && /odd hours are refused/.test(line.error ?? '')),
    ).toBe(true);
    // The intermediate attempts are printed too, not final.
    expect(
      lines
        .filter((line) => line.jobId === 'flaky-sync' && !line.final)
        .map((line) => line.attempt),
    ).toEqual([1, 2, 1, 2, 1, 2, 1, 2]);
    // nightly-report: 02:30 New York on 2026-03-07 is EST (UTC-5), so 07:30Z.
    const nightly = lines.filter((line) => line.jobId === 'nightly-report');
    expect(nightly.map((line) => [line.scheduledTime, line.status])).toEqual([
      ['2026-03-07T07:30:00Z', 'SUCCEEDED'],
    ]);

    // The window ends at 08:00 (exclusive): the next heartbeat is the 08:00 one.
    expect(summaryOf(summaries, 'heartbeat')).toMatchObject({
      runs: 96,
      statuses: { SUCCEEDED: 96 },
      nextRunTime: '2026-03-07T08:00:00Z',
    });
    expect(summaryOf(summaries, 'flaky-sync')).toMatchObject({
      runs: 8,
      statuses: { SUCCEEDED: 4, FAILED: 4 },
    });
    // The next New York 02:30 after 08:00Z on the 7th: the 8th has none (spring forward), so
    // the 9th at 02:30 EDT (UTC-4) = 06:30Z.
    expect(summaryOf(summaries, 'nightly-report')).toMatchObject({
      runs: 1,
      statuses: { SUCCEEDED: 1 },
      nextRunTime: '2026-03-09T06:30:00Z',
    });
  }, 120_000);

  it('keeps one run per scheduled time and the same counts with every event twice', async () => {
    const { lines, summaries } = await replay({ duplicates: 1, late: 0, crash: 0, seed: 1 });

    expect(finalStatuses(lines, 'heartbeat')).toEqual({ SUCCEEDED: 96 });
    expect(finalStatuses(lines, 'flaky-sync')).toEqual({ SUCCEEDED: 4, FAILED: 4 });
    expect(finalStatuses(lines, 'nightly-report')).toEqual({ SUCCEEDED: 1 });
    const finals = lines.filter((line) => line.final);
    const keys = finals.map((line) => `${line.jobId}@${line.scheduledTime}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(finals.every((line) => line.deliveries >= 2)).toBe(true);
    expect(summaryOf(summaries, 'heartbeat')?.deliveries).toBeGreaterThanOrEqual(192);
  }, 120_000);

  it('records every late first delivery as MISSED, without running the handler', async () => {
    const { lines, summaries } = await replay(
      { duplicates: 0, late: 1, crash: 0, seed: 1 },
      HALF_HOUR,
    );

    // 00:00-00:30: heartbeats at 00, 05, ..., 25 and flaky-sync at 00, every one late.
    expect(finalStatuses(lines, 'heartbeat')).toEqual({ MISSED: 6 });
    expect(finalStatuses(lines, 'flaky-sync')).toEqual({ MISSED: 1 });
    expect(summaryOf(summaries, 'heartbeat')).toMatchObject({
      runs: 6,
      averageDurationMs: undefined,
    });
  }, 120_000);

  it('ends crashed runs as TIMED_OUT, and runs no attempt recorded as NOT_DELIVERED', async () => {
    // Every invocation dies: half before the wrapper's claim, half after it. A run some
    // attempt claimed ends TIMED_OUT by the sweeper; one no attempt claimed, NOT_DELIVERED.
    // Seed 3 kills all three invocations of two of the seven runs before their claims.
    const { lines, summaries } = await replay(
      { duplicates: 0, late: 0, crash: 1, seed: 3 },
      HALF_HOUR,
    );

    const finals = lines.filter((line) => line.final);
    expect(new Set(finals.map((line) => line.status))).toEqual(
      new Set(['TIMED_OUT', 'NOT_DELIVERED']),
    );
    expect(
      finals
        .filter((line) => line.status === 'NOT_DELIVERED')
        .every((line) => line.deliveries === 0),
    ).toBe(true);
    // Still one final outcome per scheduled time, none of them past the window.
    expect(summaryOf(summaries, 'heartbeat')?.runs).toBe(6);
    expect(summaryOf(summaries, 'flaky-sync')?.runs).toBe(1);
    expect(finals.every((line) => line.scheduledTime < '2026-03-07T00:30:00Z')).toBe(true);
    expect(lines.every((line) => line.status !== RunStatus.RUNNING)).toBe(true);
    // A TIMED_OUT line says how long the lease was and why the attempt ended: with a timeout
    // of 1 minute, the sweeper's lease ran 60 s from the claim, less the claim's own time.
    for (const line of lines.filter((candidate) => candidate.status === 'TIMED_OUT')) {
      expect(line.error).toMatch(/^LeaseExpired: the attempt's lease ended at /);
      expect(line.durationMs).toBeGreaterThan(55_000);
      expect(line.durationMs).toBeLessThanOrEqual(60_000);
    }
  }, 120_000);
});

describe('a replay with every kind of fault at once', () => {
  it('prints one final line per run, and the final lines agree with the ledger', async () => {
    const { lines, summaries, tableName } = await replay(
      { duplicates: 0.3, late: 0.1, crash: 0.1, seed: 3 },
      new Date('2026-03-07T03:00:00Z'),
    );

    const finals = lines.filter((line) => line.final);
    const runs = finals.map((line) => `${line.jobId}@${line.scheduledTime}`);
    expect(new Set(runs).size).toBe(runs.length);
    for (const summary of summaries) {
      expect(finalStatuses(lines, summary.jobId)).toEqual(summary.statuses);
    }
    // Every attempt the ledger holds was printed, those a later attempt moved past included.
    const client = localClient(inject('dynamodbEndpoint'));
    const ledger = new Ledger({ client: DynamoDBDocumentClient.from(client), tableName });
    const printed = new Set(
      lines.map((line) => `${line.jobId}@${line.scheduledTime}#${line.attempt}:${line.status}`),
    );
    let attempts = 0;
    for (const summary of summaries) {
      for (const run of await ledger.listRuns(summary.jobId)) {
        for (const entry of run.attempts ?? []) {
          attempts += 1;
          expect(printed).toContain(
            `${run.jobId}@${run.scheduledTime}#${entry.attempt}:${entry.status}`,
          );
        }
      }
    }
    client.destroy();
    // 3 hours: 36 heartbeats, 3 flaky-syncs with up to 3 attempts each.
    expect(attempts).toBeGreaterThanOrEqual(36);
  }, 120_000);
});

describe('late deliveries that arrive with a sweep', () => {
  it('print NOT_DELIVERED as not final while the late delivery is still to come', async () => {
    // Prepare: a job every minute; a late delivery comes 6 minutes after its scheduled time
    // (grace 5 minutes + 1), so the run at 00:04 is delivered at 00:10, with the sweep that
    // finds it missing.
    const overlap = await loadApp(`${ROOT}/test/local/fixtures/overlap-app.ts`);
    const lines: AttemptLine[] = [];

    // Act
    await runLocal({
      jobs: overlap.jobs,
      from: FROM,
      until: new Date('2026-03-07T01:00:00Z'),
      endpoint: inject('dynamodbEndpoint'),
      tableName: `late-${randomUUID()}`,
      faults: { duplicates: 0, late: 0.3, crash: 0, seed: 1 },
      onAttempt: (line) => lines.push(line),
    });

    // Assess: 60 runs, each with exactly one final line; some were late.
    const finals = lines.filter((line) => line.final);
    expect(new Set(finals.map((line) => line.scheduledTime)).size).toBe(60);
    expect(finals).toHaveLength(60);
    expect(finals.filter((line) => line.status === RunStatus.MISSED).length).toBeGreaterThan(0);
  }, 120_000);
});

describe('a crashed attempt holding the only slot', () => {
  it('makes a run SKIPPED until Lambda retries the crash, which takes its run over', async () => {
    // Prepare: every minute, 150 s timeout, one slot. The 00:00 attempt dies at once, its
    // lease running to about 00:02:30. The 00:01 run arrives at 00:01:00 and finds the slot
    // held. Lambda retries the crash a minute after it, just after 00:01:00, under the same
    // request id: the retry takes the run, and the slot, over as attempt 2 and succeeds.
    const overlap = await loadApp(`${ROOT}/test/local/fixtures/overlap-app.ts`);
    const lines: AttemptLine[] = [];

    // Act
    await runLocal({
      jobs: overlap.jobs,
      from: FROM,
      until: new Date('2026-03-07T00:06:00Z'),
      endpoint: inject('dynamodbEndpoint'),
      tableName: `overlap-${randomUUID()}`,
      onAttempt: (line) => lines.push(line),
    });

    // Assess: attempt 1 of 00:00 is on record as FAILED; from 00:02 on the slot is free.
    const finals = lines
      .filter((line) => line.final)
      .sort((a, b) => (a.scheduledTime < b.scheduledTime ? -1 : 1));
    expect(
      finals.map((line) => [line.scheduledTime.slice(11, 16), line.status, line.deliveries]),
    ).toEqual([
      ['00:00', 'SUCCEEDED', 2],
      ['00:01', 'SKIPPED', 1],
      ['00:02', 'SUCCEEDED', 1],
      ['00:03', 'SUCCEEDED', 1],
      ['00:04', 'SUCCEEDED', 1],
      ['00:05', 'SUCCEEDED', 1],
    ]);
    const first = lines.find((line) => line.scheduledTime.endsWith('00:00:00Z') && !line.final);
    expect(first).toMatchObject({ status: 'FAILED', attempt: 1 });
    expect(first?.error).toMatch(/^InvocationFailed: Lambda retried the event /);
  }, 120_000);
});

describe('a function that fails before the ledger sees it', () => {
  it('is passed on for every failed invocation, and only then', async () => {
    // Prepare: two jobs every ten minutes, both failing every invocation; one cannot even load
    // its handler module, the other fails inside defineJob, which records it.
    const failing = await loadApp(`${ROOT}/test/local/fixtures/failing-app.ts`);
    const lines: AttemptLine[] = [];
    const failures: FunctionFailure[] = [];

    // Act: runs at 00:00, 00:10 and 00:20, each with Lambda's two retries.
    await runLocal({
      jobs: failing.jobs,
      from: FROM,
      until: HALF_HOUR,
      endpoint: inject('dynamodbEndpoint'),
      tableName: `failing-${randomUUID()}`,
      onAttempt: (line) => lines.push(line),
      onFunctionError: (failure) => failures.push(failure),
    });

    // Assess: 3 runs x 3 invocations of the unloadable job, each passed on; the ledger never
    // heard of them, so the sweeper records them NOT_DELIVERED. The recorded failures are not
    // passed on: they are FAILED runs at attempt 3.
    expect(failures).toHaveLength(9);
    expect(new Set(failures.map((failure) => failure.jobId))).toEqual(new Set(['unloadable']));
    expect(failures.map((failure) => failure.scheduledTime).sort()).toEqual(
      ['00:00', '00:10', '00:20'].flatMap((time) => Array(3).fill(`2026-03-07T${time}:00Z`)),
    );
    expect(failures[0]?.error).toMatch(/cronledger-no-such-package/);
    const finals = (jobId: string) =>
      lines
        .filter((line) => line.final && line.jobId === jobId)
        .map((line) => [line.scheduledTime.slice(11, 16), line.status, line.attempt])
        .sort();
    expect(finals('unloadable')).toEqual([
      ['00:00', 'NOT_DELIVERED', 0],
      ['00:10', 'NOT_DELIVERED', 0],
      ['00:20', 'NOT_DELIVERED', 0],
    ]);
    expect(finals('always-fails')).toEqual([
      ['00:00', 'FAILED', 3],
      ['00:10', 'FAILED', 3],
      ['00:20', 'FAILED', 3],
    ]);
  }, 120_000);
});

describe('a function that fails after the ledger recorded its attempt', () => {
  it('is not passed on when every event is delivered twice', async () => {
    // Prepare: every event delivered twice at once. Each failure is found by its own request
    // id among the run's attempts, so it is known as recorded whichever copy claimed the run
    // and whatever the other did since. (Which copy wins is up to the machine: this checks
    // the outcome, not one particular interleaving.)
    const failing = await loadApp(`${ROOT}/test/local/fixtures/failing-app.ts`);
    const failures: FunctionFailure[] = [];

    // Act
    await runLocal({
      jobs: failing.jobs.filter((job) => job.definition.jobId === 'always-fails'),
      from: FROM,
      until: HALF_HOUR,
      endpoint: inject('dynamodbEndpoint'),
      tableName: `duplicated-${randomUUID()}`,
      faults: { duplicates: 1, late: 0, crash: 0, seed: 7 },
      onAttempt: () => {},
      onFunctionError: (failure) => failures.push(failure),
    });

    // Assess: every failure is an attempt on the record.
    expect(failures).toEqual([]);
  }, 120_000);
});

describe('a ledger kept on disk with --data', () => {
  it('keeps the runs of one replay for the next, which does not run them again', async () => {
    // Prepare: a first replay 00:00-00:30 records six heartbeats in a folder.
    const dataDir = mkdtempSync(join(tmpdir(), 'cronledger-data-'));
    const replayInto = (until: Date) =>
      runLocal({ jobs: app.jobs, from: FROM, until, dataDir, onAttempt: () => undefined });
    try {
      await replayInto(HALF_HOUR);

      // Act: a second replay, with its own DynamoDB Local, over 00:00-01:00.
      const second = await replayInto(new Date('2026-03-07T01:00:00Z'));

      // Assess: 12 heartbeats; the first six were delivered once in each replay and ran once.
      expect(summaryOf(second.summaries, 'heartbeat')).toMatchObject({
        runs: 12,
        statuses: { SUCCEEDED: 12 },
        deliveries: 6 * 2 + 6,
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

/** `cronledger start` as a user runs it, from `cwd`; stdout read as JSON lines. */
async function startCli(args: readonly string[], cwd = ROOT) {
  const { stdout, stderr } = await promisify(execFile)(
    'node',
    [join(ROOT, 'bin/cronledger.js'), 'start', ...args],
    { cwd, timeout: 90_000 },
  );
  const objects = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { objects, stderr };
}

describe('npm start -- --json', () => {
  it('prints one JSON object per finished attempt and the summary last', async () => {
    const { objects } = await startCli([
      '--from',
      '2026-03-07T06:00:00Z',
      '--until',
      '2026-03-07T08:00:00Z',
      '--json',
    ]);
    const summary = objects.at(-1)?.summary as { jobs: JobSummary[] } | undefined;
    const attempts = objects.slice(0, -1);

    // 06:00-08:00: 24 heartbeats, flaky-sync at 06 (ok) and 07 (3 failed attempts), 07:30 report.
    expect(attempts).toHaveLength(24 + 1 + 3 + 1);
    expect(attempts[0]).toEqual({
      jobId: expect.any(String),
      scheduledTime: '2026-03-07T06:00:00Z',
      status: 'SUCCEEDED',
      attempt: 1,
      durationMs: expect.any(Number),
      deliveries: 1,
      final: true,
    });
    expect(summary?.jobs.map((job) => [job.jobId, job.runs])).toEqual([
      ['heartbeat', 24],
      ['nightly-report', 1],
      ['flaky-sync', 2],
    ]);
  }, 120_000);

  it("passes the handlers' logs to stderr with --function-logs, keeping stdout JSON", async () => {
    const { objects, stderr } = await startCli([
      '--from',
      '2026-03-07T00:00:00Z',
      '--until',
      '2026-03-07T00:05:00Z',
      '--json',
      '--function-logs',
    ]);

    // stdout: the 00:00 heartbeat and flaky-sync, then the summary; stderr: their logs.
    expect(objects).toHaveLength(3);
    const logs = stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'heartbeat',
        jobId: 'heartbeat',
        scheduledTime: '2026-03-07T00:00:00Z',
        attempt: 1,
      }),
    );
  }, 120_000);

  it('runs the app from a working directory outside the project', async () => {
    // Bundling options, handler environments and tsx are all found from the app's files.
    const { objects } = await startCli(
      [
        '--app',
        join(ROOT, 'cdk/app.ts'),
        '--from',
        '2026-03-07T00:00:00Z',
        '--until',
        '2026-03-07T00:10:00Z',
        '--json',
      ],
      tmpdir(),
    );
    const attempts = objects.filter((line) => line.summary === undefined);

    // 00:00 and 00:05 for heartbeat, 00:00 for flaky-sync (an even hour), all on time.
    expect(
      attempts.map(({ jobId, scheduledTime, status }) => [jobId, scheduledTime, status]),
    ).toEqual(
      expect.arrayContaining([
        ['heartbeat', '2026-03-07T00:00:00Z', 'SUCCEEDED'],
        ['heartbeat', '2026-03-07T00:05:00Z', 'SUCCEEDED'],
        ['flaky-sync', '2026-03-07T00:00:00Z', 'SUCCEEDED'],
      ]),
    );
    expect(attempts).toHaveLength(3);
  }, 120_000);

  it('says once per job and error, on stderr, that a function failed unrecorded', async () => {
    const { objects, stderr } = await startCli([
      '--app',
      'test/local/fixtures/failing-app.ts',
      '--from',
      '2026-03-07T00:00:00Z',
      '--until',
      '2026-03-07T00:30:00Z',
      '--json',
    ]);

    // Nine invocations of the unloadable job failed alike: one line, for the first of them.
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      'cronledger: unloadable @ 2026-03-07T00:00:00Z failed before the ledger recorded a run ' +
        '(not shown again for this job and error): ',
    );
    expect(lines[0]).toContain('cronledger-no-such-package');
    expect(JSON.stringify(objects)).not.toContain('cronledger-no-such-package');
  }, 120_000);
});
