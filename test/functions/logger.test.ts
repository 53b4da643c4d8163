import { describe, expect, it } from 'vitest';
import { Logger } from '../../functions/logger.ts';

function capture(level = 'INFO') {
  const lines: string[] = [];
  const log = new Logger(
    { jobId: 'sync', scheduledTime: '2026-03-07T01:00:00Z', attempt: 2, requestId: 'r-1' },
    level,
    (line) => lines.push(line),
    () => Date.parse('2026-03-07T01:00:03Z'),
  );
  return { log, lines, parsed: () => lines.map((line) => JSON.parse(line)) };
}

describe('Logger', () => {
  it('writes one JSON object per line with the fixed keys first', () => {
    const { log, lines } = capture();

    log.info('run started', { slot: '0' });

    expect(lines).toEqual([
      '{"level":"INFO","message":"run started","timestamp":"2026-03-07T01:00:03.000Z",' +
        '"jobId":"sync","scheduledTime":"2026-03-07T01:00:00Z","attempt":2,' +
        '"requestId":"r-1","slot":"0"}',
    ]);
  });

  it('leaves out lines below the level', () => {
    const { log, parsed } = capture('WARN');

    log.info('quiet');
    log.error('loud');

    expect(parsed().map((line) => line.message)).toEqual(['loud']);
  });

  it('writes a BigInt as its digits and a cycle as [Circular], and never throws', () => {
    const { log, parsed } = capture();
    const cycle: Record<string, unknown> = { name: 'a' };
    cycle.self = cycle;
    const shared = { id: 7 };

    log.info('odd values', { count: 12345678901234567890n, cycle, pair: [shared, shared] });

    expect(parsed()[0]).toMatchObject({
      count: '12345678901234567890',
      cycle: { name: 'a', self: '[Circular]' },
      pair: [{ id: 7 }, { id: 7 }],
    });
  });

  it.each([
    [
      'a getter that throws',
      {
        get broken() {
          throw new Error('no');
        },
      },
      'Error: no',
    ],
    [
      'a proxy that refuses every read',
      new Proxy(
        {},
        {
          ownKeys: () => {
            throw new Error('no keys');
          },
        },
      ),
      'Error: no keys',
    ],
    [
      'a toJSON that throws a value without a prototype',
      {
        value: {
          toJSON() {
            throw Object.create(null);
          },
        },
      },
      '[object Object]',
    ],
  ])('keeps the fixed keys when the extra fields hold %s', (_, extra, reason) => {
    const { log, parsed } = capture();

    log.info('odd extra', extra as Record<string, unknown>);

    expect(parsed()[0]).toEqual({
      level: 'INFO',
      message: 'odd extra',
      timestamp: '2026-03-07T01:00:03.000Z',
      jobId: 'sync',
      scheduledTime: '2026-03-07T01:00:00Z',
      attempt: 2,
      requestId: 'r-1',
      logError: `the extra fields could not be written as JSON: ${reason}`,
    });
  });

  it('keeps the fixed keys when a value cannot be written at all', () => {
    const { log, parsed } = capture();
    const hostile = {
      toJSON() {
        throw new Error('no');
      },
    };

    log.warn('hostile', { hostile });

    expect(parsed()[0]).toMatchObject({
      level: 'WARN',
      message: 'hostile',
      jobId: 'sync',
      attempt: 2,
      logError: 'the extra fields could not be written as JSON: Error: no',
    });
  });
});
