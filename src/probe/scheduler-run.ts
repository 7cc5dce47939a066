/**
 * One probe run for the scheduler (edge: one watchdog timer): calls the check with an abort
 * signal and turns every way it can end into exactly one `settle(run, result)` call — its result,
 * a rejection or a synchronous throw (`probe-error`), or outliving the sum of the target's phase
 * timeouts plus `marginMs` (`probe-timeout`, the check is aborted). The scheduler marks the run
 * settled in `settle`; a second call for the same run is its to ignore.
 */
import type { Clock } from './clock.ts';
import { failure, type Run } from './scheduler-entry.ts';
import type { ProbeCheck, ProbeResult, ProbeTarget } from './types.ts';

export function startRun(check: ProbeCheck, target: ProbeTarget, clock: Clock, marginMs: number, settle: (run: Run, result: ProbeResult) => void): Run {
  const startedAt = clock.now();
  const run: Run = { controller: new AbortController(), watchdog: undefined, settled: false, discard: false };
  const t = target.timeouts;
  // Worst case of a well-behaved check: every phase, EHLO twice with STARTTLS (RFC 3207 §4.2).
  const budget = t.connectMs + t.bannerMs + 2 * t.ehloMs + t.tlsMs + t.quitMs + marginMs;
  run.watchdog = clock.setTimeout(() => {
    run.controller.abort();
    settle(run, failure('probe-timeout', `check did not finish within ${budget} ms`, startedAt, budget));
  }, budget);
  let pending: Promise<ProbeResult>;
  try {
    pending = Promise.resolve(check(target, run.controller.signal));
  } catch (error) {
    pending = Promise.reject(error);
  }
  pending.then(
    (result) => settle(run, result),
    (error: unknown) => settle(run, failure('probe-error', String(error), startedAt, clock.now() - startedAt)),
  );
  return run;
}
