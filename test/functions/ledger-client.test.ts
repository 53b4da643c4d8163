import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger } from '../../functions/ledger/client.ts';

let silent: Server;
const sockets = new Set<Socket>();

beforeAll(async () => {
  // A loopback server that accepts connections and never answers.
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
});

afterAll(async () => {
  for (const socket of sockets) {
    socket.destroy();
  }
  await new Promise((resolve) => silent.close(resolve));
});

describe('createLedger', () => {
  it('fails a request that gets no answer instead of waiting for it', async () => {
    // Prepare: 200 ms per request, 3 attempts with the SDK's backoff between them.
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const ledger = createLedger('ledger', {
      endpoint: `http://127.0.0.1:${port}`,
      requestTimeoutMs: 200,
    });
    const startedMs = Date.now();

    // Act
    const reading = ledger.getRun('report', '2026-03-07T10:00:00Z');

    // Assess: an error well before Lambda's own timeout would have struck.
    await expect(reading).rejects.toThrow(/requestTimeout|timed out|timeout/i);
    expect(Date.now() - startedMs).toBeLessThan(10_000);
  });
});
