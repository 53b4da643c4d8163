import { defineJob } from '../../functions/define-job.ts';

/** Proves the pipeline is alive: it does nearly nothing, every five minutes. */
export const handler = defineJob(async (run) => {
  // The log line carries the job, scheduled time, attempt and request id by itself.
  run.log.info('heartbeat', { input: run.input });
});
