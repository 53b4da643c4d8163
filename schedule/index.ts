export { formatUtc, parseIsoInstant } from './calendar.ts';
export type { CronFields, DayRule } from './cron-fields.ts';
export { dstChanges } from './dst-changes.ts';
export { ScheduleError, type ScheduleErrorOptions, type ScheduleField } from './errors.ts';
export { parseSchedule } from './parse-schedule.ts';
export { formatLocal } from './time-zone.ts';
export type { DstChange, Schedule, ScheduleSpec } from './types.ts';
