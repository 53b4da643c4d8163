import { setTimeout as sleep } from 'node:timers/promises';
import { defineJob } from '../../functions/define-job.ts';

/** Stands in for a report that takes a moment to build, at 02:30 New York time. */
export const handler = defineJob(async (run) => {
  await sleep(150, undefined, { signal: run.signal });
  run.log.info('report built', { day: run.scheduledTime.toISOString().slice(0, 10) });
});
