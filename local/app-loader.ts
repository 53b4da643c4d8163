import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { App, AppProps } from 'aws-cdk-lib';
import { ValidationError } from 'aws-cdk-lib/core/lib/errors';
import { ScheduledJob } from '../cdk/scheduled-job.ts';
import type { JobDefinition } from '../functions/job-definition.ts';
import { LocalRuntimeError, UsageError } from './errors.ts';

/** A job of the app, with what the local runtime needs to run its handler. */
export interface LocalJob {
  readonly definition: JobDefinition;
  readonly entry: string;
  readonly handlerName: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly input: Readonly<Record<string, unknown>>;
}

export interface LoadedApp {
  readonly jobs: readonly LocalJob[];
  /** Jobs given an existing function instead of an entry file: their code is not here. */
  readonly remoteOnly: readonly string[];
}

/**
 * Builds the CDK app in this process, without bundling and without synthesis, and reads its
 * jobs off the construct tree. The module must export `createApp(props)`, as cdk/app.ts does.
 */
export async function loadApp(modulePath: string): Promise<LoadedApp> {
  if (!existsSync(resolve(modulePath))) {
    throw new UsageError(
      `--app must name a CDK app module, got: ${modulePath} (no such file in ${process.cwd()})`,
    );
  }
  const module = (await import(pathToFileURL(resolve(modulePath)).href)) as {
    createApp?: (props?: AppProps) => App;
  };
  if (typeof module.createApp !== 'function') {
    throw new LocalRuntimeError(
      `${modulePath} must export a function createApp(props), as cdk/app.ts does`,
    );
  }
  let app: App;
  try {
    app = module.createApp({ context: { 'aws:cdk:bundling-stacks': [] } });
  } catch (error) {
    // A construct that breaks a rule is bad input, reported as the CLI reports bad input; its
    // message names the construct's path.
    if (error instanceof ValidationError) {
      throw new UsageError(`${modulePath} cannot be built: ${error.message}`);
    }
    throw error;
  }
  const found = app.node
    .findAll()
    .filter((node): node is ScheduledJob => node instanceof ScheduledJob);
  const jobs: LocalJob[] = [];
  const remoteOnly: string[] = [];
  // On AWS each JobLedger is a table of its own; here every job shares one ledger.
  const pathOfJob = new Map<string, string>();
  for (const job of found) {
    const { jobId } = job.definition;
    const other = pathOfJob.get(jobId);
    if (other) {
      throw new UsageError(
        `${modulePath}: job ids must be unique in the app to run it locally, where all jobs ` +
          `share one ledger, got: ${jobId} at ${other} and at ${job.node.path}`,
      );
    }
    pathOfJob.set(jobId, job.node.path);
    if (!job.entry) {
      remoteOnly.push(jobId);
      continue;
    }
    jobs.push({
      definition: job.definition,
      entry: job.entry,
      handlerName: job.handlerName,
      environment: job.environment,
      input: job.input,
    });
  }
  if (jobs.length === 0) {
    throw new LocalRuntimeError(`${modulePath} defines no ScheduledJob with an entry file to run`);
  }
  return { jobs, remoteOnly };
}
