import { describe, expect, it } from 'vitest';
import { preview, previewLines } from '../../local/commands/preview.ts';
import { parseSchedule } from '../../schedule/index.ts';
import { sharedCases } from '../support/shared-cases.ts';

const cases = sharedCases;

async function run(argv: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await preview(argv, {
    stdout: (text) => stdout.push(text),
    stderr: (text) => stderr.push(text),
  });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

describe('preview --json', () => {
  const picked = cases.filter((c) => c.error !== true);

  it.each(picked.map((c) => [c.name, c] as const))(
    'prints the shared case: %s',
    async (_name, c) => {
      const argv = [c.expression, '--tz', c.timezone, '--from', c.from as string, '--json'];
      if (c.start !== undefined) argv.push('--start', c.start);
      if (c.end !== undefined) argv.push('--end', c.end);
      argv.push('--count', String(c.next?.length));

      const result = await run(argv);

      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual(c.next);
    },
  );

  it('prints an empty array when there are no more runs', async () => {
    const result = await run(['cron(0 0 30 2 ? *)', '--json']);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('[]');
  });

  it('anchors a rate without --start at --from', async () => {
    const result = await run([
      'rate(5 minutes)',
      '--from',
      '2026-01-01T00:01:00Z',
      '--count',
      '2',
      '--json',
    ]);

    expect(JSON.parse(result.stdout)).toEqual(['2026-01-01T00:06:00Z', '2026-01-01T00:11:00Z']);
  });

  it('defaults --from to the clock it is given', async () => {
    const stdout: string[] = [];
    const code = await preview(
      ['cron(0 12 * * ? *)', '--count', '1', '--json'],
      { stdout: (text) => stdout.push(text), stderr: () => undefined },
      { now: () => new Date('2026-05-05T13:00:00Z') },
    );

    expect(code).toBe(0);
    expect(JSON.parse(stdout.join(''))).toEqual(['2026-05-06T12:00:00Z']);
  });

  it('previews a spec given by the caller when no expression is passed', async () => {
    const stdout: string[] = [];
    await preview(
      ['--from', '2026-06-01T00:00:00Z', '--json'],
      { stdout: (text) => stdout.push(text), stderr: () => undefined },
      { spec: { expression: 'at(2026-06-01T12:00:00)', timezone: 'Europe/London' } },
    );

    expect(JSON.parse(stdout.join(''))).toEqual(['2026-06-01T11:00:00Z']);
  });
});

describe('preview table', () => {
  it('aligns UTC and local columns and notes a spring-forward skip', async () => {
    const result = await run([
      'cron(30 2 * * ? *)',
      '--tz',
      'America/New_York',
      '--from',
      '2026-03-07T00:00:00Z',
      '--count',
      '3',
    ]);

    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      'cron(30 2 * * ? *) in America/New_York',
      '#  UTC                   America/New_York           note',
      '1  2026-03-07T07:30:00Z  2026-03-07T02:30:00-05:00',
      '2  2026-03-09T06:30:00Z  2026-03-09T02:30:00-04:00  DST: 02:30 skipped on 2026-03-08',
      '3  2026-03-10T06:30:00Z  2026-03-10T02:30:00-04:00',
    ]);
  });

  it('notes a repeated fall-back time on the run it became', () => {
    const schedule = parseSchedule({
      expression: 'cron(30 1 * * ? *)',
      timezone: 'America/New_York',
    });

    const lines = previewLines(schedule, new Date('2026-10-31T12:00:00Z'), 2);

    expect(lines[2]).toMatch(
      /^1 +2026-11-01T05:30:00Z +2026-11-01T01:30:00-04:00 +DST: 01:30 occurs twice/,
    );
    expect(lines[3]).not.toMatch(/DST/);
  });

  it('says when the schedule ends', async () => {
    const result = await run(['cron(0 0 1 1 ? 2026)', '--from', '2025-01-01T00:00:00Z']);

    expect(result.stdout).toMatch(/no more runs after 2026-01-01T00:00:00Z$/);
  });

  it('prints help with exit code 0', async () => {
    const result = await run(['--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/anchor|created at --from/);
  });
});

describe('preview refuses invalid input with exit code 2', () => {
  it.each([
    [['cron(0 12 * * * *)'], /exactly one of `day-of-month` and `day-of-week`/],
    [['cron(0 0 13 * 5)'], /not an EventBridge expression/],
    [['cron(0 12 * * ? *)', '--tz', 'Mars/Olympus_Mons'], /IANA time zone/],
    [['cron(0 12 * * ? *)', '--from', 'yesterday'], /--from must be an ISO 8601 instant/],
    [
      ['cron(0 12 * * ? *)', '--from', '2026-01-01T00:00:00'],
      /--from must be an ISO 8601 instant with Z/,
    ],
    [['cron(0 12 * * ? *)', '--from', '2026-03-07'], /--from must be an ISO 8601 instant with Z/],
    [['cron(0 12 * * ? *)', '--end', '2026-03-07T10:00Z+01'], /--end must be an ISO 8601/],
    [['cron(0 12 * * ? *)', '--start', '2026-13-01T00:00:00Z'], /--start must be an ISO 8601/],
    [['cron(0 12 * * ? *)', '--count', '0'], /--count must be a whole number/],
    [['cron(0 12 * * ? *)', '--count', '2.5'], /--count must be a whole number/],
    [['cron(0 12 * * ? *)', '--bogus'], /Unknown option/],
    [['cron(0 12 * * ? *)', '--count', '-1'], /'--count' argument is ambiguous\. Did you/],
    [[], /an expression is required/],
    [
      ['rate(1 hour)', '--start', '2026-02-01T00:00:00Z', '--end', '2026-01-01T00:00:00Z'],
      /`start` must be before `end`/,
    ],
  ])('refuses %j', async (argv, message) => {
    const result = await run(argv);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    // One line: the reason, not the usage.
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
