import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { WorkerReply, WorkerRequest } from './worker-protocol.ts';

export interface LocalFunctionOptions {
  readonly jobId: string;
  /** Absolute path of the handler module. */
  readonly entry: string;
  readonly handlerName: string;
  /** The function's environment, as ScheduledJob sets it on Lambda. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Pass the handler's own output (its JSON log lines) to stderr; otherwise drop it. */
  readonly logs: boolean;
}

/** How one invocation ended, as Lambda would report it. */
export type InvokeResult =
  | { readonly kind: 'returned'; readonly value: unknown }
  | { readonly kind: 'error'; readonly error: { name: string; message: string; stack?: string } }
  | { readonly kind: 'crashed' }
  | { readonly kind: 'timed-out' };

export interface InvokeOptions {
  readonly virtualNowMs: number;
  /**
   * Lambda keeps an asynchronous invocation's request id through its retries.
   * @default - a new one
   */
  readonly requestId?: string;
  readonly crash?: WorkerRequest['crash'];
}

/** The runtime's own stderr, shared with each execution environment. */
const STDERR = 2;
const WORKER = fileURLToPath(new URL('./lambda-worker.ts', import.meta.url));
/** tsx as this package resolves it: `--import tsx` alone would look in the working directory. */
const TSX = import.meta.resolve('tsx');
/** Lambda stops a function at its timeout; we allow a little more for the IPC round trip. */
const KILL_SLACK_MS = 1_000;

interface Worker {
  readonly process: ChildProcess;
  busy: boolean;
}

/**
 * A job's function on this machine: a pool of execution environments (child processes), one
 * invocation at a time each, so that concurrent deliveries run side by side as on Lambda and a
 * crash kills only the environment it happens in.
 */
export class LocalFunction {
  private readonly workers = new Set<Worker>();
  private nextId = 1;

  constructor(private readonly options: LocalFunctionOptions) {}

  /** Starts one environment ahead of the first invocation, as provisioned concurrency would. */
  warm(): void {
    if (this.workers.size === 0) {
      this.spawn();
    }
  }

  invoke(event: unknown, options: InvokeOptions): Promise<InvokeResult> {
    const worker = [...this.workers].find((candidate) => !candidate.busy) ?? this.spawn();
    worker.busy = true;
    const request: WorkerRequest = {
      id: this.nextId++,
      event,
      requestId: options.requestId ?? randomUUID(),
      timeoutMs: this.options.timeoutMs,
      virtualNowMs: options.virtualNowMs,
      crash: options.crash,
    };
    return new Promise<InvokeResult>((resolve) => {
      const settle = (result: InvokeResult): void => {
        clearTimeout(timer);
        worker.process.off('message', onMessage);
        worker.process.off('exit', onExit);
        worker.busy = false;
        resolve(result);
      };
      const onMessage = (reply: WorkerReply): void => {
        if (reply.id === request.id) {
          settle(
            reply.ok
              ? { kind: 'returned', value: reply.value }
              : { kind: 'error', error: reply.error },
          );
        }
      };
      const onExit = (): void => {
        this.workers.delete(worker);
        settle({ kind: 'crashed' });
      };
      const timer = setTimeout(() => {
        this.workers.delete(worker);
        worker.process.off('exit', onExit);
        worker.process.kill('SIGKILL');
        settle({ kind: 'timed-out' });
      }, this.options.timeoutMs + KILL_SLACK_MS);
      worker.process.on('message', onMessage);
      worker.process.once('exit', onExit);
      worker.process.send(request);
    });
  }

  async close(): Promise<void> {
    const exits = [...this.workers].map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.process.exitCode !== null || worker.process.signalCode !== null) {
            resolve();
            return;
          }
          worker.process.once('exit', () => resolve());
          worker.process.kill('SIGTERM');
        }),
    );
    this.workers.clear();
    await Promise.all(exits);
  }

  private spawn(): Worker {
    const child = fork(WORKER, [], {
      env: {
        ...this.options.environment,
        PATH: process.env.PATH ?? '',
        CRONLEDGER_LOCAL_ENTRY: this.options.entry,
        CRONLEDGER_LOCAL_HANDLER: this.options.handlerName,
        AWS_LAMBDA_FUNCTION_NAME: this.options.jobId,
      },
      execArgv: ['--import', TSX],
      // A handler's log lines, when asked for, go to our stderr: stdout is the report's.
      stdio: this.options.logs
        ? ['ignore', STDERR, STDERR, 'ipc']
        : ['ignore', 'ignore', 'ignore', 'ipc'],
      // Ctrl-C stops the runtime, which then closes its environments after the summary.
      detached: true,
    });
    const worker: Worker = { process: child, busy: false };
    this.workers.add(worker);
    child.once('exit', () => this.workers.delete(worker));
    return worker;
  }
}
