/** Messages between the local runtime and a function worker (local/lambda-worker.ts). */
export interface WorkerRequest {
  readonly id: number;
  readonly event: unknown;
  readonly requestId: string;
  readonly timeoutMs: number;
  /** The virtual time at which this invocation starts. */
  readonly virtualNowMs: number;
  /** A fault to inject: die before the wrapper claims the run, or after. */
  readonly crash?: 'before-claim' | 'mid-run';
}

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { readonly name: string; readonly message: string; readonly stack?: string };
    };
