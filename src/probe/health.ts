/**
 * Health state machine (pure): probes report, this decides (DESIGN principle 3). Rise/fall
 * hysteresis so a single lost probe never flaps a member, and the delay before the next probe.
 *
 * The first verdict comes from the first probe, in both directions: `unknown` becomes `up` on one
 * success and `down` on one failure. Why not wait for `fall` failures at start: an address handed
 * out is cached by resolvers for the whole TTL, so serving a dead MTA for one more re-check pins it
 * in caches; a healthy member wrongly marked down at start costs only ~1.25 s of reduced spread
 * (its next success is re-checked 250 ms later). Why this cannot empty an answer on a cold start:
 * `unknown` is usable until the first result, and if every member fails its first probe the
 * balanced name's all-down policy applies (fail-open `all` by default). Once a member has a verdict,
 * only `fall` consecutive failures take it down and `rise` consecutive successes bring it back.
 */
import type { ProbeResult } from './types.ts';

/** Probe verdict. `unknown` = no verdict yet; it counts as usable so a cold start never empties an answer. */
export type ObservedState = 'unknown' | 'up' | 'down';

export interface MemberHealth {
  state: ObservedState;
  /** Epoch ms of the last state change (or of creation while `unknown`). */
  since: number;
  /** Consecutive successes / failures up to and including the latest result (one of them is 0). */
  successes: number;
  failures: number;
  /** Total probes counted by `step`. */
  probes: number;
  lastResult?: ProbeResult;
  /** Epoch ms of the latest result. */
  lastProbeAt?: number;
  /** The most recent failure, kept after recovery so status can say what went wrong last. */
  lastFailure?: { at: number; reason: string; detail?: string };
  /** Why the state is what it is, for people: "2 consecutive failures (fall 2): connect-refused". */
  reason?: string;
}

export interface HealthTransition {
  from: ObservedState;
  to: ObservedState;
  /** Stable code: the failure reason for → down, `ok` for → up. */
  reason: string;
  /** Human sentence, as in `MemberHealth.reason`. */
  detail: string;
  at: number;
}

export interface HysteresisSettings {
  rise: number;
  fall: number;
}

export interface DelaySettings {
  intervalMs: number;
  recheckMs: number;
  /** Fraction, e.g. 0.1 for ±10 %. */
  jitter: number;
}

export function initialHealth(now: number): MemberHealth {
  return { state: 'unknown', since: now, successes: 0, failures: 0, probes: 0 };
}

/** Failure reason code of a result; the check always sets one, but never trust a seam blindly. */
function failureReason(result: ProbeResult): string {
  return result.reason ?? 'failed';
}

/** Apply one probe result. Pure: `prev` is not modified. Thresholds below 1 count as 1. */
export function step(
  prev: MemberHealth,
  result: ProbeResult,
  settings: HysteresisSettings,
  now: number,
): { next: MemberHealth; transition?: HealthTransition } {
  const rise = Math.max(1, Math.floor(settings.rise));
  const fall = Math.max(1, Math.floor(settings.fall));
  const next: MemberHealth = {
    ...prev,
    successes: result.ok ? prev.successes + 1 : 0,
    failures: result.ok ? 0 : prev.failures + 1,
    probes: prev.probes + 1,
    lastResult: result,
    lastProbeAt: now,
  };
  if (!result.ok) {
    next.lastFailure = { at: now, reason: failureReason(result) };
    if (result.detail !== undefined) next.lastFailure.detail = result.detail;
  }

  let to: ObservedState = prev.state;
  let detail: string | undefined;
  if (prev.state === 'unknown') {
    to = result.ok ? 'up' : 'down';
    detail = result.ok ? 'first probe ok' : `first probe failed: ${describe(result)}`;
  } else if (prev.state === 'up' && next.failures >= fall) {
    to = 'down';
    detail = `${next.failures} consecutive failures (fall ${fall}): ${describe(result)}`;
  } else if (prev.state === 'down' && next.successes >= rise) {
    to = 'up';
    detail = `${next.successes} consecutive successes (rise ${rise})`;
  } else if (prev.state === 'down' && !result.ok) {
    next.reason = `down: ${describe(result)}`; // keep the reason current while it stays down
  }

  if (to === prev.state || detail === undefined) return { next };
  next.state = to;
  next.since = now;
  next.reason = detail;
  const reason = to === 'down' ? failureReason(result) : 'ok';
  return { next, transition: { from: prev.state, to, reason, detail, at: now } };
}

function describe(result: ProbeResult): string {
  const reason = failureReason(result);
  return result.detail ? `${reason} (${result.detail})` : reason;
}

/**
 * Milliseconds until the member's next probe, counted from the end of the latest one. While the
 * latest result disagrees with the state (failure while up, success while down) or there is no
 * verdict yet, re-check after `recheckMs` so verdicts come fast; otherwise `intervalMs` with uniform
 * ±jitter so many members do not probe in lock-step. `random` returns [0, 1).
 */
export function nextProbeDelay(health: MemberHealth, settings: DelaySettings, random: () => number): number {
  const last = health.lastResult;
  const pending =
    health.state === 'unknown' ||
    (last !== undefined && ((last.ok && health.state === 'down') || (!last.ok && health.state === 'up')));
  if (pending) return Math.max(0, settings.recheckMs);
  const jitter = Math.min(Math.max(settings.jitter, 0), 1);
  const factor = 1 + jitter * (2 * random() - 1);
  return Math.max(0, Math.round(settings.intervalMs * factor));
}
