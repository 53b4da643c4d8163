/**
 * One execution environment of a job's function, as a child process of the local runtime:
 * it imports the handler module once (the cold start) and then serves invocations, one at a
 * time, as Lambda does. Faults are injected here, where a real Lambda would die.
 */
import { pathToFileURL } from 'node:url';
import { setVirtualNow } from '../functions/clock.ts';
import type { LambdaContext } from '../functions/define-job.ts';
import { localHooks } from '../functions/local-hooks.ts';
import type { WorkerReply, WorkerRequest } from './worker-protocol.ts';

type Handler = (event: unknown, context: LambdaContext) => Promise<unknown>;

const entry = process.env.CRONLEDGER_LOCAL_ENTRY ?? '';
const handlerName = process.env.CRONLEDGER_LOCAL_HANDLER ?? 'handler';
let handler: Handler | undefined;

function reply(message: WorkerReply): void {
  process.send?.(message);
}

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: the process was killed');
}

// An environment outlives no runtime: when the runtime is gone, so is the channel.
process.on('disconnect', () => process.exit(0));

process.on('message', async (request: WorkerRequest) => {
  if (request.crash === 'before-claim') {
    die();
  }
  localHooks.afterClaim = request.crash === 'mid-run' ? die : undefined;
  setVirtualNow(request.virtualNowMs);
  const startedAt = Date.now();
  const context: LambdaContext = {
    awsRequestId: request.requestId,
    getRemainingTimeInMillis: () => request.timeoutMs - (Date.now() - startedAt),
  };
  try {
    if (!handler) {
      const module = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
      const exported = module[handlerName];
      if (typeof exported !== 'function') {
        throw new TypeError(
          `${entry} must export a function \`${handlerName}\`, got: ${typeof exported}`,
        );
      }
      handler = exported as Handler;
    }
    const value = await handler(request.event, context);
    reply({ id: request.id, ok: true, value });
  } catch (error) {
    const { name, message, stack } =
      error instanceof Error
        ? error
        : { name: 'NonError', message: String(error), stack: undefined };
    reply({ id: request.id, ok: false, error: { name, message, stack } });
  }
});
