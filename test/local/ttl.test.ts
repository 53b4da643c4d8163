import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStatus } from '../../functions/ledger/status.ts';
import { deleteExpired } from '../../local/ttl.ts';
import {
  claimOrThrow,
  createTestLedger,
  deliveryOf,
  registerUniqueJob,
  type TestLedger,
} from '../support/ledger.ts';

const DAY_MS = 86_400_000;
const T = Date.parse('2026-03-07T10:00:00Z');

let store: TestLedger;

beforeAll(async () => {
  store = await createTestLedger();
});

afterAll(async () => {
  await store.drop();
});

describe('deleteExpired', () => {
  it('deletes runs past their retention: successes after 30 days, others after 90', async () => {
    // Prepare: retention 30 days for SUCCEEDED, 90 for others; both runs end at about T.
    const job = await registerUniqueJob(store.ledger, T - DAY_MS, {
      retention: { succeededDays: 30, otherDays: 90 },
    });
    const claim = await claimOrThrow(store.ledger, deliveryOf(job, '2026-03-07T10:00:00Z', T));
    await store.ledger.finish(job, claim, {
      status: RunStatus.SUCCEEDED,
      finishedAtMs: T + 1_000,
      durationMs: 1_000,
    });
    await store.ledger.recordNotDelivered(job, '2026-03-07T09:00:00Z', T);

    // Act
    const after29Days = await deleteExpired(store.ledger, T + 29 * DAY_MS);
    const after31Days = await deleteExpired(store.ledger, T + 31 * DAY_MS);
    const after91Days = await deleteExpired(store.ledger, T + 91 * DAY_MS);

    // Assess: the job's own item has no TTL and stays.
    expect([after29Days, after31Days, after91Days]).toEqual([0, 1, 1]);
    expect(await store.ledger.listRuns(job.jobId)).toEqual([]);
    expect((await store.ledger.getJob(job.jobId))?.jobId).toBe(job.jobId);
  });
});
