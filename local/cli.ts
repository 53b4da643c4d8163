import { parseArgs } from 'node:util';
import { oneLine } from './commands/options.ts';
import { type PreviewOptions, preview } from './commands/preview.ts';
import { start } from './commands/start.ts';
import { UsageError } from './errors.ts';

const USAGE = `Usage: cronledger <command> [options]

Commands:
  start     run the app's jobs locally: DynamoDB Local as the ledger, our Scheduler emulation
  preview   print the next scheduled times of an expression or of a job (--job ID)

Run \`cronledger <command> --help\` for a command's options.`;

export interface Output {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processOutput: Output = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
};

/** Runs one command and returns its exit status: 0 done, 1 failed, 2 bad usage. */
export async function main(argv: readonly string[], out: Output = processOutput): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await start(rest, out);
      case 'preview': {
        const { args, options } = await jobSpecFor(rest);
        return await preview(args, out, options);
      }
      case undefined:
        out.stderr(USAGE);
        return 2;
      case '--help':
      case 'help':
        out.stdout(USAGE);
        return 0;
      default:
        throw new UsageError(`unknown command \`${command}\`; expected start or preview`);
    }
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      out.stderr(`cronledger: ${oneLine(error.message)}`);
      return 2;
    }
    out.stderr(`cronledger: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/** node:util parseArgs refuses unknown or malformed options with these codes. */
function isParseArgsError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    error instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')
  );
}

/** `preview --job ID` previews the schedule of one of the app's jobs. */
async function jobSpecFor(
  argv: readonly string[],
): Promise<{ args: string[]; options?: PreviewOptions }> {
  const { values, tokens } = parseArgs({
    args: [...argv],
    options: { job: { type: 'string' }, app: { type: 'string' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  // Everything but --job and --app is preview's own to read.
  const ours = new Set<number>();
  for (const token of tokens) {
    if (token.kind === 'option' && (token.name === 'job' || token.name === 'app')) {
      ours.add(token.index);
      if (token.inlineValue === false) {
        ours.add(token.index + 1);
      }
    }
  }
  const args = argv.filter((_, index) => !ours.has(index));
  const examples = { job: '--job heartbeat', app: '--app cdk/app.ts' } as const;
  for (const flag of ['job', 'app'] as const) {
    if (values[flag] === true) {
      throw new UsageError(`--${flag} must be followed by a value, e.g. ${examples[flag]}`);
    }
  }
  if (typeof values.job !== 'string') {
    return { args };
  }
  const { loadApp } = await import('./app-loader.ts');
  const app = await loadApp(typeof values.app === 'string' ? values.app : 'cdk/app.ts');
  const job = app.jobs.find((candidate) => candidate.definition.jobId === values.job);
  if (!job) {
    const known = app.jobs.map((candidate) => candidate.definition.jobId).join(', ');
    throw new UsageError(`--job must name a job of the app (${known}), got: ${values.job}`);
  }
  const { expression, timezone, start: startDate, end } = job.definition.schedule;
  return {
    args,
    options: {
      spec: {
        expression,
        timezone,
        start: startDate ? new Date(startDate) : undefined,
        end: end ? new Date(end) : undefined,
      },
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      process.stderr.write(`cronledger: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
