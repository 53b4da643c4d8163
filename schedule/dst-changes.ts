import { CronSchedule } from './cron-schedule.ts';
import type { DstChange, Schedule } from './types.ts';

/**
 * Wall times a cron schedule matches that daylight saving time changes, at transitions in
 * [from, until): `skipped` ones did not exist, `merged` ones happened twice and ran once.
 * rate() and at() schedules have none: rate runs in absolute time, at() names one instant.
 */
export function dstChanges(schedule: Schedule, from: Date, until: Date): DstChange[] {
  return schedule instanceof CronSchedule ? schedule.dstChanges(from, until) : [];
}
