import { describe, expect, it } from 'vitest';
import { main } from '../../local/cli.ts';

async function run(argv: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status = await main(argv, {
    stdout: (text) => stdout.push(text),
    stderr: (text) => stderr.push(text),
  });
  return { status, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

describe('cronledger preview --job', () => {
  it("previews a job of the app with the job's own zone", async () => {
    const { status, stdout } = await run([
      'preview',
      '--job',
      'nightly-report',
      '--from',
      '2026-03-07T00:00:00Z',
      '--count',
      '3',
      '--json',
    ]);

    // 02:30 New York: EST on the 7th (07:30Z); the 8th has no 02:30; EDT after (06:30Z).
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      '2026-03-07T07:30:00Z',
      '2026-03-09T06:30:00Z',
      '2026-03-10T06:30:00Z',
    ]);
  });

  it('asks for the id when --job has none', async () => {
    const { status, stderr } = await run(['preview', '--job']);

    expect(status).toBe(2);
    expect(stderr).toBe('cronledger: --job must be followed by a value, e.g. --job heartbeat');
  });

  it('names the known jobs when the id is wrong', async () => {
    const { status, stderr } = await run(['preview', '--job', 'nope']);

    expect(status).toBe(2);
    expect(stderr).toContain(
      '--job must name a job of the app (heartbeat, nightly-report, flaky-sync), got: nope',
    );
  });
});

describe('cronledger start', () => {
  it.each([
    [['--from', '2026-03-07T00:00:00Z'], '--from and --until go together'],
    [
      ['--from', 'yesterday', '--until', '2026-03-07T00:00:00Z'],
      '--from must be an ISO 8601 instant with Z or an offset',
    ],
    [
      ['--from', '2026-03-07', '--until', '2026-03-08T00:00:00Z'],
      '--from must be an ISO 8601 instant with Z or an offset, on a date and time that exist, ' +
        'e.g. 2026-03-07T00:00:00Z, got: 2026-03-07',
    ],
    [
      ['--from', '2026-02-30T00:00:00Z', '--until', '2026-03-08T00:00:00Z'],
      'on a date and time that exist, e.g. 2026-03-07T00:00:00Z, got: 2026-02-30T00:00:00Z',
    ],
    [['--app', 'no/such-app.ts'], '--app must name a CDK app module, got: no/such-app.ts'],
    [
      ['--from', '1969-12-31T23:30:00Z', '--until', '1970-01-01T00:30:00Z'],
      '--from must be 1970-01-01T00:00:00Z or later, where scheduled times begin, ' +
        'got: 1969-12-31T23:30:00Z',
    ],
    // heartbeat every 5 minutes: 181 days x 288 is over the limit; 02:30 New York is skipped
    // on 2026-03-08, the spring-forward day, so 180 nightly reports; 181 x 24 hourly syncs.
    [
      ['--from', '2026-01-01T00:00:00Z', '--until', '2026-07-01T00:00:00Z'],
      "--from and --until must hold at most 50,000 runs of the app's jobs, got: " +
        'heartbeat over 50,000, nightly-report 180, flaky-sync 4344',
    ],
    [
      ['--from', '1970-01-01T00:00:00Z', '--until', '2199-12-31T00:00:00Z'],
      'got: heartbeat over 50,000, nightly-report over 50,000, flaky-sync over 50,000',
    ],
    [['--from', '2026-02-30T00:00:00Z', '--until', '2026-03-02T00:00:00Z'], 'got: 2026-02-30'],
    [
      ['--from', '2026-03-08T00:00:00Z', '--until', '2026-03-07T00:00:00Z'],
      '--from must be before --until',
    ],
    [['--duplicates', '2'], '--duplicates must be a probability from 0 to 1, got: 2'],
    [['--crash', 'often'], '--crash must be a probability from 0 to 1, got: often'],
    [['--seed', '1.5'], '--seed must be an integer, got: 1.5'],
    [['--seed', '0x10'], '--seed must be an integer, got: 0x10'],
    [['--seed='], '--seed must be an integer, got: '],
    [['--duplicates', ' 0.5'], '--duplicates must be a probability from 0 to 1, got:  0.5'],
    [['--late', '0x1'], '--late must be a probability from 0 to 1, got: 0x1'],
    [['--crash', '1e-400'], '--crash must be a probability from 0 to 1, got: 1e-400'],
    [['--endpoint', 'http://'], '--endpoint must be an http(s) URL, got: http://'],
    [
      ['--data', 'package.json'],
      '--data must name a directory, got: package.json, which is a file',
    ],
    [['--endpoint', 'localhost:8000'], '--endpoint must be an http(s) URL, got: localhost:8000'],
    [['--frm', '2026-03-07T00:00:00Z'], "Unknown option '--frm'"],
  ])('exits with status 2 on %j', async (args, message) => {
    const { status, stderr } = await run(['start', ...args]);

    expect(status).toBe(2);
    expect(stderr).toContain(message);
  });

  it('exits with status 2 and names the job when the app breaks a rule', async () => {
    const app = new URL('./fixtures/invalid-app.ts', import.meta.url).pathname;

    const { status, stderr } = await run(['start', '--app', app]);

    expect(status).toBe(2);
    expect(stderr).toContain(
      'Invalid/sunday-report: schedule day-of-week: `day-of-week` must be 1-7 or SUN-SAT with ' +
        '1 = Sunday, got: 0',
    );
  });

  it('refuses an app whose ledgers share a job id: locally they share one ledger', async () => {
    const app = new URL('./fixtures/two-ledgers-app.ts', import.meta.url).pathname;

    const { status, stderr } = await run(['start', '--app', app]);

    expect(status).toBe(2);
    expect(stderr).toContain(
      'job ids must be unique in the app to run it locally, where all jobs share one ledger, ' +
        'got: sync at East/sync and at West/sync',
    );
  });

  it('says when a replay outlasts a retention, and the summary counts the runs kept', async () => {
    const app = new URL('./fixtures/short-retention-app.ts', import.meta.url).pathname;

    const { status, stdout, stderr } = await run([
      'start',
      '--app',
      app,
      '--from',
      '2026-03-01T00:00:00Z',
      '--until',
      '2026-03-04T00:00:00Z',
      '--json',
    ]);

    // 3 days at 00, 06, 12 and 18 o'clock: 12 runs printed. The last expiry pass runs with the
    // final sweep, at 03-04T00:05:01 (the window's end + 5 minutes' grace + 1 s, an hour after
    // the one before), and deletes every run that finished a day before that: the 8 of the 1st
    // and 2nd and 03-03T00:00. The runs at 06, 12 and 18 on the 3rd are kept.
    expect(status).toBe(0);
    expect(stderr).toBe(
      "cronledger: the window is longer than brief's retention (1 day): its earlier runs " +
        "expire during the replay, as DynamoDB's TTL would delete them, and the summary " +
        'counts only the runs still kept',
    );
    const lines = stdout.split('\n').map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.final)).toHaveLength(12);
    expect(lines.at(-1).summary.jobs[0]).toMatchObject({ jobId: 'brief', runs: 3 });
  }, 60_000);

  it('prints the usage on stderr and exits with status 2 without a command', async () => {
    const { status, stdout, stderr } = await run([]);

    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Usage: cronledger <command> [options]');
  });

  it('exits with status 2 on an unknown command', async () => {
    const { status, stderr } = await run(['deploy']);

    expect(status).toBe(2);
    expect(stderr).toContain('unknown command `deploy`');
  });
});
