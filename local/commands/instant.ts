import { UsageError } from '../errors.ts';

/** A date, a time to the minute, second or millisecond, and Z or an offset: one instant. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads an instant given on the command line. A date alone or a time without a zone is
 * refused rather than guessed: the same text names different instants in different zones.
 */
export function parseInstant(flag: string, text: string): Date {
  const date = INSTANT.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw new UsageError(
      `${flag} must be an ISO 8601 instant with Z or an offset, e.g. 2026-03-07T00:00:00Z, ` +
        `got: ${text}`,
    );
  }
  return date;
}
