import { fileURLToPath } from 'node:url';
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { JobLedger } from './job-ledger.ts';
import { JobSchedule } from './job-schedule.ts';
import { ScheduledJob } from './scheduled-job.ts';

function jobEntry(name: string): string {
  return fileURLToPath(new URL(`./jobs/${name}.ts`, import.meta.url));
}

/** The example app: one ledger and three jobs that show the common shapes of a schedule. */
export class ExampleStack extends Stack {
  readonly ledger: JobLedger;
  readonly heartbeat: ScheduledJob;
  readonly nightlyReport: ScheduledJob;
  readonly flakySync: ScheduledJob;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.ledger = new JobLedger(this, 'Ledger');

    this.heartbeat = new ScheduledJob(this, 'heartbeat', {
      ledger: this.ledger,
      schedule: JobSchedule.rate(Duration.minutes(5)),
      entry: jobEntry('heartbeat'),
      description: 'Proves the pipeline is alive',
    });

    this.nightlyReport = new ScheduledJob(this, 'nightly-report', {
      ledger: this.ledger,
      schedule: JobSchedule.expression('cron(30 2 * * ? *)', { timezone: 'America/New_York' }),
      entry: jobEntry('nightly-report'),
      timeout: Duration.minutes(2),
      description: 'Builds the nightly report at 02:30 New York time',
    });

    this.flakySync = new ScheduledJob(this, 'flaky-sync', {
      ledger: this.ledger,
      schedule: JobSchedule.expression('cron(0 * * * ? *)'),
      entry: jobEntry('flaky-sync'),
      description: 'An hourly sync that sometimes fails and is retried',
    });
  }
}
