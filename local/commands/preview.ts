import { parseArgs } from 'node:util';
import {
  type DstChange,
  dstChanges,
  formatLocal,
  formatUtc,
  parseSchedule,
  type Schedule,
  ScheduleError,
  type ScheduleSpec,
} from '../../schedule/index.ts';
import { UsageError } from '../errors.ts';
import { oneLine, parseInstant } from './options.ts';

export interface PreviewOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export interface PreviewOptions {
  /**
   * A schedule found some other way (a job's), previewed when no expression is given;
   * --tz, --start and --end still override its fields.
   * @default - the expression argument is required
   */
  readonly spec?: ScheduleSpec;
  /**
   * The clock --from defaults to.
   * @default - the system clock
   */
  readonly now?: () => Date;
}

export const PREVIEW_USAGE = `Usage: cronledger preview "<expression>" [options]

Prints the next scheduled times of an EventBridge Scheduler expression, in UTC and in the
schedule's zone, and notes runs that daylight saving time skips or merges.

Options:
  --tz ZONE      IANA time zone the cron or at() expression is read in (default UTC)
  --from ISO     list scheduled times strictly after this instant (default now)
  --start ISO    StartDate: no run before it
  --end ISO      EndDate: runs strictly before it
  --count N      how many scheduled times, 1-10000 (default 10)
  --job ID       preview a job of the app instead of an expression (--app FILE: the app module)
  --json         print only a JSON array of UTC instants (YYYY-MM-DDTHH:MM:SSZ)
  -h, --help     show this help

ISO instants need Z or an offset, e.g. 2026-03-01T00:00:00Z, so the result never depends on
this machine's zone. A rate() without --start is taken as created at --from: its runs are
from + rate, from + 2 x rate, and so on.

Examples:
  cronledger preview "cron(30 2 * * ? *)" --tz America/New_York --from 2026-03-06T00:00:00Z
  cronledger preview "rate(5 minutes)" --count 3 --json`;

const DEFAULT_COUNT = 10;
const MAX_COUNT = 10_000;

/** `cronledger preview`: returns the process exit code (0, or 2 for invalid input). */
export async function preview(
  argv: string[],
  out: PreviewOutput,
  options: PreviewOptions = {},
): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        tz: { type: 'string' },
        from: { type: 'string' },
        start: { type: 'string' },
        end: { type: 'string' },
        count: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      out.stdout(PREVIEW_USAGE);
      return 0;
    }
    if (positionals.length > 1) throw new UsageError('give one expression, in quotes');
    const expression = positionals[0] ?? options.spec?.expression;
    if (expression === undefined) throw new UsageError('an expression is required');

    const from =
      values.from === undefined
        ? (options.now ?? (() => new Date()))()
        : parseInstant('--from', values.from);
    const start =
      values.start === undefined ? options.spec?.start : parseInstant('--start', values.start);
    const schedule = parseSchedule({
      expression,
      timezone: values.tz ?? options.spec?.timezone,
      start,
      end: values.end === undefined ? options.spec?.end : parseInstant('--end', values.end),
      // Without a StartDate a rate counts from its creation, which for a preview is --from.
      anchor: start === undefined ? from : undefined,
    });
    const count = values.count === undefined ? DEFAULT_COUNT : countOf(values.count);

    if (values.json) {
      out.stdout(JSON.stringify(schedule.nextN(from, count).map(formatUtc)));
    } else {
      for (const line of previewLines(schedule, from, count)) out.stdout(line);
    }
    return 0;
  } catch (error) {
    if (error instanceof ScheduleError || error instanceof UsageError) {
      out.stderr(`cronledger preview: ${error.message}`);
      return 2;
    }
    // parseArgs reports unknown or malformed options with a TypeError carrying a code.
    if (error instanceof TypeError && 'code' in error) {
      out.stderr(`cronledger preview: ${oneLine(error.message)} (see cronledger preview --help)`);
      return 2;
    }
    throw error;
  }
}

/**
 * The table `preview` prints: the next `count` scheduled times after `from`, in UTC and in the
 * schedule's zone, with a note on rows that follow a DST change of the schedule.
 */
export function previewLines(schedule: Schedule, from: Date, count: number): string[] {
  const runs = schedule.nextN(from, count);
  const title = `${schedule.expression} in ${schedule.timezone}`;
  if (runs.length === 0) return [title, 'no more runs'];
  const last = runs[runs.length - 1] as Date;
  const notes = notesByRow(
    runs,
    schedule,
    dstChanges(schedule, from, new Date(last.getTime() + 1)),
  );
  const rows = runs.map((run, index) => [
    String(index + 1),
    formatUtc(run),
    formatLocal(run, schedule.timezone),
    notes[index] ?? '',
  ]);
  const header = ['#', 'UTC', schedule.timezone, 'note'];
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const render = (cells: string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] as number))
      .join('  ')
      .trimEnd();
  const lines = [title, render(header), ...rows.map(render)];
  if (runs.length < count) lines.push(`no more runs after ${formatUtc(last)}`);
  return lines;
}

/** Notes keyed by row: a skip goes on the first run after it, a merge on the run it became. */
function notesByRow(
  runs: readonly Date[],
  schedule: Schedule,
  changes: readonly DstChange[],
): string[] {
  const skipped = new Map<number, Map<string, string[]>>();
  const notes: string[][] = runs.map(() => []);
  const locals = runs.map((run) => formatLocal(run, schedule.timezone).slice(0, 16));
  for (const change of changes) {
    const [date = '', time = ''] = change.localTime.split('T');
    if (change.kind === 'merged') {
      const row = runs.findIndex((run) => run.getTime() === change.utc?.getTime());
      if (row >= 0) notes[row]?.push(`DST: ${time} occurs twice on ${date}, runs once (first)`);
      continue;
    }
    // Wall-clock strings of one zone sort in time order, so the next run is the first later one.
    const row = locals.findIndex((local) => local > change.localTime);
    if (row < 0) continue;
    const byDate = skipped.get(row) ?? new Map<string, string[]>();
    byDate.set(date, [...(byDate.get(date) ?? []), time]);
    skipped.set(row, byDate);
  }
  for (const [row, byDate] of skipped) {
    for (const [date, times] of byDate)
      notes[row]?.unshift(`DST: ${times.join(', ')} skipped on ${date}`);
  }
  return notes.map((rowNotes) => rowNotes.join('; '));
}

function countOf(text: string): number {
  const count = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(count >= 1 && count <= MAX_COUNT)) {
    throw new UsageError(`--count must be a whole number 1-${MAX_COUNT}, got: ${text}`);
  }
  return count;
}
