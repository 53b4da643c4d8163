import { describe, expect, it } from 'vitest';
import { parseIsoInstant } from '../../schedule/index.ts';

describe('parseIsoInstant', () => {
  it.each([
    ['2026-03-07T00:00:00Z', '2026-03-07T00:00:00.000Z'],
    ['2026-03-07T10:00Z', '2026-03-07T10:00:00.000Z'],
    ['2026-03-07T10:00:00.250Z', '2026-03-07T10:00:00.250Z'],
    // 10:00 at +05:30 is 04:30 UTC; 01:00 at -08:00 is 09:00 UTC.
    ['2026-03-07T10:00:00+05:30', '2026-03-07T04:30:00.000Z'],
    ['2026-03-07T01:00:00-08:00', '2026-03-07T09:00:00.000Z'],
    // 2024 is a leap year (divisible by 4, not by 100); 2000 is one (divisible by 400).
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['2026-12-31T23:59:59Z', '2026-12-31T23:59:59.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseIsoInstant(text)?.toISOString()).toBe(iso);
  });

  it.each([
    // Dates the calendar lacks, which Date.parse rolls over into the next month.
    '2026-02-29T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-10T00:00:00Z',
    '2026-03-00T00:00:00Z',
    '2026-03-07T24:00:00Z',
    '2026-03-07T10:60:00Z',
    '2026-03-07T10:00:60Z',
    '2026-03-07T10:00:00+24:00',
    // No zone, so the instant depends on the machine's zone; a date alone; other spellings.
    '2026-03-07T10:00:00',
    '2026-03-07',
    ' 2026-03-07T10:00:00Z',
    '2026-03-07 10:00:00Z',
    '+275760-09-13T00:00:00Z',
    'March 7 2026',
    '1',
    '',
  ])('refuses %j', (text) => {
    expect(parseIsoInstant(text)).toBeUndefined();
  });
});
