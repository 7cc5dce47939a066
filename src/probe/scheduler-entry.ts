/**
 * The scheduler's per-member record and the helpers around it (plain data, no timers): whether a
 * reload changed what a member is probed with, and the failed result the scheduler reports for a
 * check that broke its contract.
 */
import type { Logger } from '../log.ts';
import type { MemberId } from '../name.ts';
import type { Clock } from './clock.ts';
import type { DelaySettings, HealthTransition, HysteresisSettings, MemberHealth } from './health.ts';
import type { ProbeCheck, ProbeResult, ProbeTarget } from './types.ts';

export interface ScheduledTarget {
  memberId: MemberId;
  target: ProbeTarget;
  settings: HysteresisSettings & DelaySettings;
}

export type ResultListener = (
  memberId: MemberId,
  result: ProbeResult,
  health: MemberHealth,
  transition?: HealthTransition,
) => void;

export interface SchedulerOptions {
  check: ProbeCheck;
  clock?: Clock;
  /** Uniform [0, 1), for interval jitter. */
  random?: () => number;
  /**
   * Probes in flight at once over all members (default 256): 10,000 members every 10 s are 1,000
   * probes a second, and on a busy control plane a probe's wall time grows with event-loop lag, so
   * 64 slots fell behind (verdicts later than 2 intervals, measured with `npm run bench:probes`).
   */
  concurrency?: number;
  /** New members' first probes are spread over this many ms (default 200). */
  staggerMs?: number;
  /** Grace beyond the target's summed phase timeouts before a check is declared hung (default 1000). */
  watchdogMarginMs?: number;
  logger?: Logger;
}

export interface Run {
  controller: AbortController;
  watchdog: unknown;
  settled: boolean;
  /** Target changed or removed while in flight: the result describes something else, drop it. */
  discard: boolean;
}

export interface Entry {
  id: MemberId;
  target: ProbeTarget;
  settings: HysteresisSettings & DelaySettings;
  health: MemberHealth;
  /** At least one real probe finished (for the first round). */
  probed: boolean;
  /**
   * The first interval after its first verdict is drawn from [0.5, 1.5) × interval instead of
   * interval ± jitter: members added together (a start, a reload) were probed within `staggerMs`
   * of each other, and without this their probes would stay bunched for many intervals.
   */
  spread: boolean;
  queued: boolean;
  run?: Run;
  /** Start a probe as soon as the current (discarded) one settles. */
  rerun: boolean;
  removed: boolean;
  /** Not owned by this instance: no timer armed (see `setOwnership`). */
  parked: boolean;
}

export function sameTarget(a: ScheduledTarget, b: Entry): boolean {
  const x = a.target;
  const y = b.target;
  return (
    x.address === y.address && x.port === y.port && x.ehloName === y.ehloName && x.starttls === y.starttls &&
    x.minCertDays === y.minCertDays && x.tlsServername === y.tlsServername &&
    String(x.bannerPattern) === String(y.bannerPattern) &&
    JSON.stringify(x.timeouts) === JSON.stringify(y.timeouts) &&
    JSON.stringify(a.settings) === JSON.stringify(b.settings)
  );
}

export function failure(reason: string, detail: string, startedAt: number, totalMs: number): ProbeResult {
  return { ok: false, reason, detail, phases: [], startedAt, totalMs };
}
