import { readFileSync } from 'node:fs';

/** One schedule case of ../shared/cases/schedules.json, drawn from real bug reports. */
export interface SharedCase {
  readonly name: string;
  readonly expression: string;
  readonly timezone: string;
  readonly from?: string;
  readonly start?: string;
  readonly end?: string;
  readonly next?: readonly string[];
  readonly error?: boolean;
}

/** The shared cases; CI lays shared/ beside the checkout, as on a developer's machine. */
export const sharedCases: readonly SharedCase[] = (
  JSON.parse(
    readFileSync(new URL('../../../shared/cases/schedules.json', import.meta.url), 'utf8'),
  ) as { cases: SharedCase[] }
).cases;
