export { JobLedger, type JobLedgerProps, type SweeperOptions } from './job-ledger.ts';
export { JobRegistration, type JobRegistrationProps } from './job-registration.ts';
export {
  type CronFields,
  JobSchedule,
  type JobScheduleOptions,
  type WallClock,
} from './job-schedule.ts';
export {
  type JobLogLevel,
  type RetentionOptions,
  ScheduledJob,
  type ScheduledJobProps,
  type SchedulerRetryOptions,
} from './scheduled-job.ts';
