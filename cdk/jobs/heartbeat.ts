import { defineJob } from '../../functions/define-job.ts';

/** Proves the pipeline is alive: it does nearly nothing, every five minutes. */
export const handler = defineJob(async (run) => {
  run.log.info('heartbeat', { scheduledTime: run.scheduledTime.toISOString() });
});
