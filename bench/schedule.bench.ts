import { pathToFileURL } from 'node:url';
import { CronExpressionParser } from 'cron-parser';
import { Cron } from 'croner';
import { parseSchedule } from '../schedule/index.ts';
import { clearTimeZoneCache } from '../schedule/time-zone.ts';

/*
 * Next 1,000 scheduled times, cronledger against croner and cron-parser 5 in the same run.
 * Every timed iteration parses the expression afresh and computes 1,000 times from the same
 * instant. cronledger keeps its per-zone offset tables for the life of the process, so its
 * figure is the warm one; the cold column clears those tables before each iteration.
 * Peers get the nearest pattern in their own syntax (day-of-week 0-6, Sunday = 0) and are left
 * out where they lack the feature.
 */

const COUNT = 1000;
const ITERATIONS = 9;
const FROM = new Date('2026-01-01T00:00:00Z');

interface BenchCase {
  readonly name: string;
  readonly expression: string;
  readonly timezone: string;
  /** Five-field pattern for croner and cron-parser; undefined when they cannot express it. */
  readonly peer?: string;
  readonly cronParser?: boolean;
}

const CASES: readonly BenchCase[] = [
  { name: 'UTC daily', expression: 'cron(0 12 * * ? *)', timezone: 'UTC', peer: '0 12 * * *' },
  {
    name: 'every 5 minutes',
    expression: 'cron(0/5 * * * ? *)',
    timezone: 'UTC',
    peer: '*/5 * * * *',
  },
  { name: 'L (last day)', expression: 'cron(0 0 L * ? *)', timezone: 'UTC', peer: '0 0 L * *' },
  {
    name: '# (first Monday)',
    expression: 'cron(0 9 ? * 2#1 *)',
    timezone: 'UTC',
    peer: '0 9 * * 1#1',
  },
  // cron-parser 5 has no W.
  {
    name: 'W (near 15th)',
    expression: 'cron(0 9 15W * ? *)',
    timezone: 'UTC',
    peer: '0 9 15W * *',
    cronParser: false,
  },
  {
    name: 'New York 02:30',
    expression: 'cron(30 2 * * ? *)',
    timezone: 'America/New_York',
    peer: '30 2 * * *',
  },
  {
    name: 'Sydney weekdays',
    expression: 'cron(*/15 9-17 ? * MON-FRI *)',
    timezone: 'Australia/Sydney',
    peer: '*/15 9-17 * * 1-5',
  },
  // Peers have no rate(); */5 is the nearest cron, timed for scale only.
  { name: 'rate 5 minutes', expression: 'rate(5 minutes)', timezone: 'UTC', peer: '*/5 * * * *' },
];

export interface ScheduleBenchRow {
  readonly name: string;
  readonly expression: string;
  readonly timezone: string;
  readonly cronledgerMs: number;
  readonly cronledgerColdMs: number;
  readonly cronerMs?: number;
  readonly cronParserMs?: number;
  /** cronledger / the faster peer; below 1 means cronledger is faster. */
  readonly ratio?: number;
  /** Times only one of cronledger and croner lists, over the span both cover (DST handling). */
  readonly differFromCroner?: number;
}

export interface ScheduleBenchResult {
  readonly count: number;
  readonly iterations: number;
  readonly rows: readonly ScheduleBenchRow[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function timeMs(work: () => unknown, before?: () => void): number {
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    before?.();
    const started = performance.now();
    work();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

function cronledgerTimes(c: BenchCase): Date[] {
  return parseSchedule({ expression: c.expression, timezone: c.timezone }).nextN(FROM, COUNT);
}

function cronerTimes(c: BenchCase, pattern: string): Date[] {
  const zone = c.timezone === 'UTC' ? { utcOffset: 0 } : { timezone: c.timezone };
  return new Cron(pattern, { ...zone, paused: true }).nextRuns(COUNT, FROM);
}

function cronParserTimes(c: BenchCase, pattern: string): Date[] {
  const expression = CronExpressionParser.parse(pattern, { tz: c.timezone, currentDate: FROM });
  return expression.take(COUNT).map((date) => date.toDate());
}

/** Times in one list and not the other, up to the earlier of the two last times. */
function differences(ours: readonly Date[], theirs: readonly Date[]): number {
  const horizon = Math.min(ours.at(-1)?.getTime() ?? 0, theirs.at(-1)?.getTime() ?? 0);
  const inside = (list: readonly Date[]) =>
    new Set(list.map((d) => d.getTime()).filter((ms) => ms <= horizon));
  const a = inside(ours);
  const b = inside(theirs);
  return [...a].filter((ms) => !b.has(ms)).length + [...b].filter((ms) => !a.has(ms)).length;
}

export async function benchSchedules(): Promise<ScheduleBenchResult> {
  // One untimed pass so the first case does not pay for compiling everyone's code.
  for (const c of CASES) {
    cronledgerTimes(c);
    if (c.peer !== undefined) cronerTimes(c, c.peer);
    if (c.peer !== undefined && c.cronParser !== false) cronParserTimes(c, c.peer);
  }
  const rows = CASES.map((c): ScheduleBenchRow => {
    const ours = cronledgerTimes(c);
    const cronledgerMs = timeMs(() => cronledgerTimes(c));
    const cronledgerColdMs = timeMs(() => cronledgerTimes(c), clearTimeZoneCache);
    let cronerMs: number | undefined;
    let cronParserMs: number | undefined;
    let differFromCroner: number | undefined;
    if (c.peer !== undefined) {
      const pattern = c.peer;
      differFromCroner = differences(ours, cronerTimes(c, pattern));
      cronerMs = timeMs(() => cronerTimes(c, pattern));
      if (c.cronParser !== false) cronParserMs = timeMs(() => cronParserTimes(c, pattern));
    }
    const peers = [cronerMs, cronParserMs].filter((ms): ms is number => ms !== undefined);
    const ratio = peers.length > 0 ? cronledgerMs / Math.min(...peers) : undefined;
    return {
      ...c,
      cronledgerMs,
      cronledgerColdMs,
      cronerMs,
      cronParserMs,
      ratio,
      differFromCroner,
    };
  });
  return { count: COUNT, iterations: ITERATIONS, rows };
}

function printTable(result: ScheduleBenchResult): void {
  const fixed = (ms: number | undefined, digits = 2) =>
    ms === undefined ? '-' : ms.toFixed(digits);
  const header = [
    'case',
    'cronledger ms',
    'cold ms',
    'croner ms',
    'cron-parser ms',
    'ratio',
    'differ',
  ];
  const body = result.rows.map((row) => [
    row.name,
    fixed(row.cronledgerMs),
    fixed(row.cronledgerColdMs),
    fixed(row.cronerMs),
    fixed(row.cronParserMs),
    fixed(row.ratio),
    row.differFromCroner === undefined ? '-' : String(row.differFromCroner),
  ]);
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...body.map((r) => (r[i] as string).length)),
  );
  const line = (cells: string[]) =>
    cells.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ');
  console.log(`next ${result.count} scheduled times, median of ${result.iterations} iterations`);
  console.log(line(header));
  for (const row of body) console.log(line(row));
  console.log(
    'ratio = cronledger / fastest peer; differ = times unlike croner (rate: not comparable)',
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printTable(await benchSchedules());
}
