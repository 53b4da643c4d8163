import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One schedule case of shared/cases/schedules.json, drawn from real bug reports. */
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

/** Where the team keeps the cases: shared/ beside the checkout, as CI and our machines lay it. */
export const SHARED_CASES_FILE = fileURLToPath(
  new URL('../../../shared/cases/schedules.json', import.meta.url),
);

/** Our copy of them, so that a clone anywhere else runs the same tests. */
export const COPIED_CASES_FILE = fileURLToPath(
  new URL('../schedule/fixtures/shared-cases.json', import.meta.url),
);

export const sharedCases: readonly SharedCase[] = (
  JSON.parse(
    readFileSync(existsSync(SHARED_CASES_FILE) ? SHARED_CASES_FILE : COPIED_CASES_FILE, 'utf8'),
  ) as { cases: SharedCase[] }
).cases;
