import { defineJob } from '../../functions/define-job.ts';

export class UpstreamUnavailableError extends Error {
  constructor(hour: number) {
    super(`the upstream refused the sync scheduled for hour ${hour} (odd hours are refused)`);
    this.name = 'UpstreamUnavailableError';
  }
}

/** An hourly sync against an upstream that refuses every odd hour, to show failures. */
export const handler = defineJob(async (run) => {
  const hour = run.scheduledTime.getUTCHours();
  if (hour % 2 === 1) {
    throw new UpstreamUnavailableError(hour);
  }
  run.log.info('synced', { hour });
});
