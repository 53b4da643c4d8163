/**
 * Points where the local runtime may step into a run, to inject the faults AWS causes. On
 * Lambda nothing sets them and they cost one property read per attempt.
 */
export const localHooks: {
  /** Called once the attempt holds its claim, before the handler starts. */
  afterClaim?: () => void;
} = {};
