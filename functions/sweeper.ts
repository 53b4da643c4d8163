import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { now } from './clock.ts';
import { JobConfigurationError } from './errors.ts';
import { JobEnvironment } from './job-definition.ts';
import { createLedger } from './ledger/client.ts';
import type { Ledger } from './ledger/ledger.ts';
import { Logger } from './logger.ts';
import { type SweepReport, sweep } from './sweeper/sweep.ts';

/** The SNS topic the sweeper reports findings to, when JobLedger was given one. */
export const SWEEPER_TOPIC_ENV = 'CRONLEDGER_SWEEPER_TOPIC_ARN';
export const METRIC_NAMESPACE = 'Cronledger';

let ledger: Ledger | undefined;

/** The sweeper's Lambda handler, scheduled by JobLedger every five minutes by default. */
export async function handler(): Promise<SweepReport> {
  ledger ??= ledgerFromEnvironment();
  const log = new Logger({}, process.env[JobEnvironment.logLevel]);
  const report = await sweep(ledger, now());
  for (const line of metricLines(report, now())) {
    process.stdout.write(`${line}\n`);
  }
  for (const failure of report.failures) {
    log.error('sweep of a job failed; the next sweep tries again', { ...failure });
  }
  log.info('sweep finished', {
    timedOut: report.timedOut.length,
    notDelivered: report.notDelivered.length,
    jobsChecked: report.jobsChecked,
    failed: report.failures.length,
  });
  const topicArn = process.env[SWEEPER_TOPIC_ENV];
  if (topicArn && (report.timedOut.length > 0 || report.notDelivered.length > 0)) {
    await new SNSClient({}).send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject:
          `cronledger: ${report.timedOut.length} timed out, ` +
          `${report.notDelivered.length} not delivered`,
        Message: JSON.stringify(report, null, 2),
      }),
    );
  }
  return report;
}

/**
 * CloudWatch embedded metric format: one object per job with findings, so that the metrics
 * `TimedOut` and `NotDelivered` exist per job id (Scheduler itself has none per schedule).
 */
export function metricLines(report: SweepReport, timestampMs: number): string[] {
  const byJob = new Map<string, { timedOut: number; notDelivered: number }>();
  for (const { jobId } of report.timedOut) {
    const entry = byJob.get(jobId) ?? { timedOut: 0, notDelivered: 0 };
    byJob.set(jobId, { ...entry, timedOut: entry.timedOut + 1 });
  }
  for (const { jobId } of report.notDelivered) {
    const entry = byJob.get(jobId) ?? { timedOut: 0, notDelivered: 0 };
    byJob.set(jobId, { ...entry, notDelivered: entry.notDelivered + 1 });
  }
  return [...byJob].map(([jobId, counts]) =>
    JSON.stringify({
      _aws: {
        Timestamp: timestampMs,
        CloudWatchMetrics: [
          {
            Namespace: METRIC_NAMESPACE,
            Dimensions: [['JobId']],
            Metrics: [
              { Name: 'TimedOut', Unit: 'Count' },
              { Name: 'NotDelivered', Unit: 'Count' },
            ],
          },
        ],
      },
      JobId: jobId,
      TimedOut: counts.timedOut,
      NotDelivered: counts.notDelivered,
    }),
  );
}

function ledgerFromEnvironment(): Ledger {
  const tableName = process.env[JobEnvironment.tableName];
  if (!tableName) {
    throw new JobConfigurationError(`${JobEnvironment.tableName} must be set; JobLedger sets it`);
  }
  return createLedger(tableName, { endpoint: process.env[JobEnvironment.endpoint] });
}
