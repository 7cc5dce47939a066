/**
 * Time source and timers for edge modules that schedule work. Production uses `systemClock`; unit
 * tests inject a fake one so timing logic runs deterministically without sleeping.
 */
/** Time source and timers; `systemClock` in production, a fake one in tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
