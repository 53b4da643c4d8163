/** Milliseconds of a Date a caller passed in; an invalid Date is a programming error. */
export function millisOf(date: Date, name: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${name} must be a valid Date, got: ${String(date)}`);
  return ms;
}

export function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`count must be a whole number >= 0, got: ${count}`);
  }
}
