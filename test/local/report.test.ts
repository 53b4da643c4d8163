import { describe, expect, it } from 'vitest';
import { type AttemptLine, AttemptPrinter } from '../../local/report.ts';

const failed: AttemptLine = {
  jobId: 'flaky-sync',
  scheduledTime: '2026-03-07T01:00:00Z',
  status: 'FAILED',
  attempt: 1,
  durationMs: 3,
  deliveries: 1,
  final: false,
  error: 'Error: refused',
};

describe('AttemptPrinter', () => {
  it('aligns a row under the header, error last', () => {
    const printer = new AttemptPrinter(['flaky-sync', 'heartbeat']);

    expect(printer.header()).toBe(
      'SCHEDULED (UTC)       JOB        STATUS        ATTEMPT  DURATION  DELIVERIES',
    );
    expect(printer.line(failed)).toBe(
      '2026-03-07T01:00:00Z  flaky-sync FAILED              1      3 ms           1' +
        '  Error: refused',
    );
  });

  it('leaves out a row that only became final, and prints the next attempt', () => {
    const printer = new AttemptPrinter(['flaky-sync']);

    const rows = [
      printer.line(failed),
      printer.line({ ...failed, final: true }),
      printer.line({ ...failed, attempt: 2, deliveries: 2 }),
    ];

    expect(rows[1]).toBeUndefined();
    expect(rows[2]).toContain('FAILED              2      3 ms           2');
  });

  it('prints the same row for another run', () => {
    const printer = new AttemptPrinter(['flaky-sync']);

    printer.line(failed);
    const other = printer.line({ ...failed, scheduledTime: '2026-03-07T03:00:00Z' });

    expect(other).toMatch(/^2026-03-07T03:00:00Z {2}flaky-sync FAILED/);
  });
});
