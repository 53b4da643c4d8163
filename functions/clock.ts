/**
 * The wrapper's idea of now. On Lambda it is the system clock. The local runtime moves it to
 * virtual time during a replay, so that every timestamp the ledger records (claims, leases,
 * finishes) belongs to the replayed day, while durations stay real.
 */
let offsetMs = 0;

export function now(): number {
  return Date.now() + offsetMs;
}

/** Makes `now()` read `virtualNowMs` at this moment, and advance in real time from there. */
export function setVirtualNow(virtualNowMs: number): void {
  offsetMs = virtualNowMs - Date.now();
}
