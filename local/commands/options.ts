/** Values read off the command line, shared by the commands. */
import { parseIsoInstant } from '../../schedule/index.ts';
import { UsageError } from '../errors.ts';

/**
 * Reads an instant given on the command line. A date alone, a time without a zone, or a date
 * the calendar lacks is refused rather than guessed or rolled over.
 */
export function parseInstant(flag: string, text: string): Date {
  const date = parseIsoInstant(text);
  if (!date) {
    throw new UsageError(
      `${flag} must be an ISO 8601 instant with Z or an offset, on a date and time that ` +
        `exist, e.g. 2026-03-07T00:00:00Z, got: ${text}`,
    );
  }
  return date;
}

/** node:util parseArgs explains some refusals over three lines; the CLI reports in one. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ');
}
