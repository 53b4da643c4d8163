import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Session {
  readonly child: ChildProcess;
  /** Resolves with the first stdout line that matches, or rejects when the process ends. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the exit code and everything printed on stdout. */
  readonly exited: Promise<{ code: number | null; stdout: string }>;
}

/** `cronledger start` as a user runs it, with its own DynamoDB Local. */
function startCli(args: readonly string[]): Session {
  const child = spawn('node', ['bin/cronledger.js', 'start', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  const waiters: { pattern: RegExp; resolve: (match: RegExpMatchArray) => void }[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const waiter of [...waiters]) {
      const match = stdout.match(waiter.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  });
  const exited = new Promise<{ code: number | null; stdout: string }>((resolve) => {
    child.once('exit', (code) => resolve({ code, stdout }));
  });
  return {
    child,
    exited,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void exited.then(() => reject(new Error(`exited before printing ${pattern}:\n${stdout}`)));
      }),
  };
}

/** True when something still accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const LEDGER_PORT = /ledger on http:\/\/127\.0\.0\.1:(\d+)/;

describe('cronledger start and Ctrl-C', () => {
  it('stops a replay where it is, sums up what it reached and stops DynamoDB Local', async () => {
    // Prepare: 30 days would take minutes to replay; Ctrl-C comes after the first runs.
    const cli = startCli(['--from', '2026-03-01T00:00:00Z', '--until', '2026-03-31T00:00:00Z']);
    const port = Number((await cli.waitFor(LEDGER_PORT))[1]);
    await cli.waitFor(/2026-03-01T00:30:00Z {2}heartbeat/);

    // Act
    cli.child.kill('SIGINT');
    const { code, stdout } = await cli.exited;

    // Assess: 30 days hold 8,640 heartbeats; the summary counts only those that ran.
    expect(code).toBe(0);
    const heartbeats = stdout.match(/^heartbeat +(\d+) /m);
    expect(Number(heartbeats?.[1])).toBeGreaterThanOrEqual(7);
    expect(Number(heartbeats?.[1])).toBeLessThan(8_640);
    expect(await listening(port)).toBe(false);
  }, 90_000);

  it('takes a Ctrl-C that arrives twice at once as one, and still prints the summary', async () => {
    // Prepare: npm and `timeout` both pass one Ctrl-C on, so the CLI receives it twice.
    const cli = startCli([]);
    const port = Number((await cli.waitFor(LEDGER_PORT))[1]);
    await cli.waitFor(/ {2}heartbeat {6}SUCCEEDED/);

    // Act
    cli.child.kill('SIGINT');
    cli.child.kill('SIGINT');
    const { code, stdout } = await cli.exited;

    // Assess: the heartbeat fires at start, so the summary has its run.
    expect(code).toBe(0);
    expect(stdout).toMatch(/^heartbeat +1 +1 /m);
    expect(await listening(port)).toBe(false);
  }, 90_000);
});
