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
