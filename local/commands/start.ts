import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatUtc } from '../../schedule/index.ts';
import { type LocalJob, loadApp } from '../app-loader.ts';
import type { Output } from '../cli.ts';
import { UsageError } from '../errors.ts';
import { parseProbability } from '../faults.ts';
import { AttemptPrinter, summaryTable } from '../report.ts';
import { runLocal, runsInWindow } from '../runtime.ts';
import { parseInstant } from './options.ts';

export const START_USAGE = `Usage: cronledger start [options]   (npm start -- [options])

Runs the app's jobs on this machine: DynamoDB Local as the ledger, EventBridge Scheduler
emulated, each handler invoked as Lambda invokes it. Without --from/--until it runs in real
time until Ctrl-C; with them it replays that window in virtual time and exits.

Options:
  --from ISO         replay runs scheduled from this instant (inclusive)
  --until ISO        ... up to this instant (exclusive)
  --json             one JSON object per finished attempt, then a summary object
  --data DIR         keep the ledger in DIR between runs (default: in memory)
  --endpoint URL     use a DynamoDB that is already running instead of starting one
  --app FILE         the CDK app module exporting createApp (default cdk/app.ts)
  --duplicates P     deliver an event twice, at once, with probability P (0-1)
  --late P           deliver an event later than the job's misfire grace with probability P
  --crash P          kill an invocation, before or after its claim, with probability P
  --seed N           seed of the fault generator (default 1)
  --function-logs    pass the handlers' JSON log lines through to stderr
  --help             this text`;

/** Signals closer together than this are one request to stop. */
const REPEATED_SIGNAL_MS = 1_000;

/** About half an hour of replay on a laptop, a few hundred MB of memory. */
const MAX_REPLAY_RUNS = 50_000;

export async function start(argv: readonly string[], out: Output): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      from: { type: 'string' },
      until: { type: 'string' },
      json: { type: 'boolean', default: false },
      data: { type: 'string' },
      endpoint: { type: 'string' },
      app: { type: 'string', default: 'cdk/app.ts' },
      duplicates: { type: 'string' },
      late: { type: 'string' },
      crash: { type: 'string' },
      seed: { type: 'string' },
      'function-logs': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    out.stdout(START_USAGE);
    return 0;
  }
  const from = values.from === undefined ? undefined : parseInstant('--from', values.from);
  const until = values.until === undefined ? undefined : parseInstant('--until', values.until);
  if ((from === undefined) !== (until === undefined)) {
    throw new UsageError('--from and --until go together: a replay needs both ends of its window');
  }
  if (from && from.getTime() < 0) {
    throw new UsageError(
      '--from must be 1970-01-01T00:00:00Z or later, where scheduled times begin, ' +
        `got: ${values.from}`,
    );
  }
  if (from && until && from.getTime() >= until.getTime()) {
    throw new UsageError(`--from must be before --until, got: ${values.from} and ${values.until}`);
  }
  const seed =
    values.seed === undefined ? 1 : /^-?\d+$/.test(values.seed) ? Number(values.seed) : Number.NaN;
  if (!Number.isSafeInteger(seed)) {
    throw new UsageError(`--seed must be an integer, got: ${values.seed}`);
  }
  if (values.endpoint !== undefined && !isHttpUrl(values.endpoint)) {
    throw new UsageError(`--endpoint must be an http(s) URL, got: ${values.endpoint}`);
  }
  if (
    values.data !== undefined &&
    existsSync(values.data) &&
    !statSync(values.data).isDirectory()
  ) {
    throw new UsageError(`--data must name a directory, got: ${values.data}, which is a file`);
  }
  const faults = {
    duplicates: parseProbability('duplicates', values.duplicates),
    late: parseProbability('late', values.late),
    crash: parseProbability('crash', values.crash),
    seed,
  };

  const app = await loadApp(values.app);
  if (from && until) {
    const runs = runsInWindow(app.jobs, from, until, MAX_REPLAY_RUNS);
    if (runs.total > MAX_REPLAY_RUNS) {
      const limit = MAX_REPLAY_RUNS.toLocaleString('en');
      const counts = Object.entries(runs.byJob)
        .map(([jobId, count]) => `${jobId} ${count > MAX_REPLAY_RUNS ? `over ${limit}` : count}`)
        .join(', ');
      throw new UsageError(
        `--from and --until must hold at most ${limit} runs of the app's jobs, got: ${counts}`,
      );
    }
  }
  const printer = new AttemptPrinter(app.jobs.map((job) => job.definition.jobId));
  for (const jobId of app.remoteOnly) {
    out.stderr(
      `cronledger: ${jobId} uses an existing Lambda function; ` +
        'it cannot run locally and is left out',
    );
  }
  if (from && until) {
    for (const warning of retentionWarnings(app.jobs, from, until)) {
      out.stderr(warning);
    }
  }
  // Each kind of failure once per job: a handler that cannot load fails every delivery alike.
  const failuresShown = new Set<string>();
  const interrupt = stopOnInterrupt(out);
  try {
    const result = await runLocal({
      jobs: app.jobs,
      from,
      until,
      dataDir: values.data,
      endpoint: values.endpoint,
      faults,
      functionLogs: values['function-logs'],
      signal: interrupt.signal,
      onReady: ({ endpoint }) => {
        if (!values.json) {
          const mode = from
            ? `replaying ${values.from} to ${values.until}`
            : 'running in real time (Ctrl-C stops)';
          const jobs = `${app.jobs.length} job${app.jobs.length === 1 ? '' : 's'}`;
          out.stdout(`cronledger: ${jobs}, ledger on ${endpoint}, ${mode}`);
          out.stdout(printer.header());
        }
      },
      onAttempt: (line) => {
        const text = values.json ? JSON.stringify(line) : printer.line(line);
        if (text !== undefined) {
          out.stdout(text);
        }
      },
      onFunctionError: ({ jobId, scheduledTime, error }) => {
        // By the error's name: its message often names the run, and would repeat the line.
        const kind = `${jobId}\n${error.split(':')[0]}`;
        if (!failuresShown.has(kind)) {
          failuresShown.add(kind);
          out.stderr(
            `cronledger: ${jobId} @ ${scheduledTime} failed before the ledger recorded a run ` +
              `(not shown again for this job and error): ${error}`,
          );
        }
      },
    });
    if (values.json) {
      out.stdout(
        JSON.stringify({
          summary: {
            from: formatUtc(result.from),
            until: formatUtc(result.until),
            jobs: result.summaries,
          },
        }),
      );
    } else {
      out.stdout('');
      for (const row of summaryTable(result.summaries)) {
        out.stdout(row);
      }
    }
    return 0;
  } finally {
    interrupt.dispose();
  }
}

/**
 * Ctrl-C (or SIGTERM) as the CLI takes it. The first signal stops the runtime, which then
 * prints the summary. One Ctrl-C often arrives twice (npm forwards it to us, `timeout`
 * signals the child and then its group), so a repeat within a second is the same request; a
 * later one exits at once. Either way the exit handlers run, so DynamoDB Local and the
 * execution environments never outlive us.
 */
function stopOnInterrupt(out: Output): { signal: AbortSignal; dispose(): void } {
  const stop = new AbortController();
  let firstSignalAtMs: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (firstSignalAtMs === undefined) {
      firstSignalAtMs = Date.now();
      out.stderr(
        '\ncronledger: stopping once the invocations under way end; ' +
          'Ctrl-C again, a second from now, quits at once',
      );
      stop.abort();
    } else if (Date.now() - firstSignalAtMs > REPEATED_SIGNAL_MS) {
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: stop.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** A replay longer than a job's retention loses its early runs to the emulated TTL. */
function retentionWarnings(jobs: readonly LocalJob[], from: Date, until: Date): string[] {
  return jobs.flatMap(({ definition }) => {
    const keptDays = Math.min(definition.retention.succeededDays, definition.retention.otherDays);
    if (until.getTime() - from.getTime() <= keptDays * 86_400_000) {
      return [];
    }
    return [
      `cronledger: the window is longer than ${definition.jobId}'s retention ` +
        `(${keptDays} day${keptDays === 1 ? '' : 's'}): its earlier runs expire during the ` +
        "replay, as DynamoDB's TTL would delete them, and the summary counts only the runs " +
        'still kept',
    ];
  });
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
