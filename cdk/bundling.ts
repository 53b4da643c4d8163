import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { aws_lambda as lambda, aws_lambda_nodejs as nodejs } from 'aws-cdk-lib';

/** The runtime of every function cronledger deploys, unless a job asks for a newer one. */
export const DEFAULT_RUNTIME = lambda.Runtime.NODEJS_22_X;

const MIN_NODE_MAJOR = 22;

/**
 * ESM output, bundled by the local esbuild. ESM has no `require`, which some CommonJS
 * dependencies still call, so the banner makes one from `import.meta.url`.
 */
export const ESM_BUNDLING: nodejs.BundlingOptions = {
  format: nodejs.OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  banner:
    "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);",
};

/** Whether a runtime is Node.js 22 or newer, the versions cronledger supports. */
export function isSupportedRuntime(runtime: lambda.Runtime): boolean {
  const major = /^nodejs(\d+)\.x$/.exec(runtime.name)?.[1];
  return runtime.family === lambda.RuntimeFamily.NODEJS && Number(major) >= MIN_NODE_MAJOR;
}

const LOCK_FILES = ['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'bun.lock'];

/**
 * The lock file of the project an entry file belongs to: the nearest one above it.
 * NodejsFunction would look above the working directory instead, so that synth, `npm start`
 * and `preview --job` would fail when run from anywhere but the project.
 * @returns undefined when there is none, and NodejsFunction looks as it does by default
 */
export function lockFileOf(entry: string): string | undefined {
  for (let dir = dirname(resolve(entry)); ; dir = dirname(dir)) {
    const found = LOCK_FILES.map((name) => join(dir, name)).find((file) => existsSync(file));
    if (found || dirname(dir) === dir) {
      return found;
    }
  }
}
