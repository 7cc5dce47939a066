/**
 * The report of an A/B experiment (pure): per-arm sample sizes, rates with 95 % Wilson intervals,
 * delay percentiles, two-proportion z-tests of each arm against the first arm (the control) on
 * bounce and deferral rates, and a verdict that names a winner only on enough evidence.
 *
 * Contract: `experimentReport(tallies, options)` never throws. Rates are per delivery attempt:
 * `samples` = sent + deferred + bounced + expired (complaints are counted, not in the rates);
 * `throttled` is the part of `deferred` whose DSN is 4.7.x or whose reply speaks of rate limits
 * (`isThrottled`). The verdict:
 * - no winner while any arm has fewer than `minSample` samples (default 100: below it a 2-point
 *   difference is noise, and the z-test's normal approximation is poor at the rates seen here);
 * - else each arm B is compared with the control A on both rates; a difference counts when
 *   p < alpha / (number of tests) (Bonferroni; alpha default 0.05). An arm is better when it is
 *   significantly lower on one rate and not significantly higher on the other; the winner is the
 *   one better arm (or the control when every other arm is significantly worse); anything else
 *   is "no significant difference" or "mixed".
 */
import { percentile, twoProportionZ, wilson, type Interval } from './ab-stats.ts';
import type { Outcome } from './outcome.ts';

/** How an outcome was tied to an arm (docs/routing.md "Attribution"). */
export type Attribution = 'member' | 'client';

export interface ArmTally {
  arm: string;
  sent: number;
  deferred: number;
  bounced: number;
  expired: number;
  complaint: number;
  throttled: number;
  /** Delays (seconds) of sent outcomes, a bounded sample. */
  delays: number[];
  /** Outcomes counted by each attribution. */
  attribution: Record<Attribution, number>;
}

export interface Rate {
  count: number;
  rate: number;
  ci95: Interval;
}

export interface ArmReport {
  arm: string;
  samples: number;
  attribution: Record<Attribution, number>;
  delivered: Rate;
  deferred: Rate;
  bounced: Rate;
  throttled: Rate;
  complaints: number;
  delay: { samples: number; p50?: number; p90?: number };
}

export interface Comparison {
  arm: string;
  control: string;
  metric: 'deferral' | 'bounce';
  rate: number;
  controlRate: number;
  z: number;
  p: number;
  significant: boolean;
}

export interface Verdict {
  winner?: string;
  reason: string;
}

export interface ExperimentReport {
  minSample: number;
  alpha: number;
  /** The per-test threshold after the Bonferroni correction. */
  threshold: number;
  arms: ArmReport[];
  comparisons: Comparison[];
  unattributed: number;
  verdict: Verdict;
}

export const DEFAULT_MIN_SAMPLE = 100;
export const DEFAULT_ALPHA = 0.05;

export function emptyTally(arm: string): ArmTally {
  return { arm, sent: 0, deferred: 0, bounced: 0, expired: 0, complaint: 0, throttled: 0, delays: [], attribution: { member: 0, client: 0 } };
}

/** A deferral that is a receiver's rate limit: DSN 4.7.x, or a reply about rates or too many messages. */
export function isThrottled(outcome: Pick<Outcome, 'status' | 'dsn' | 'reply'>): boolean {
  if (outcome.status !== 'deferred') return false;
  if (outcome.dsn?.startsWith('4.7.')) return true;
  return /rate.?limit|too many|throttl|try again later/i.test(outcome.reply ?? '');
}

/** Most sent delays kept per arm; beyond it a reservoir keeps a uniform sample (bounded memory). */
export const MAX_DELAYS = 5000;

/** Adds one outcome to a tally; `random` picks reservoir slots (Algorithm R, Vitter 1985). */
export function addOutcome(tally: ArmTally, outcome: Outcome, via: Attribution, random: () => number = Math.random): void {
  tally.attribution[via] += 1;
  if (outcome.status === 'complaint') {
    tally.complaint += 1;
    return;
  }
  tally[outcome.status] += 1;
  if (isThrottled(outcome)) tally.throttled += 1;
  if (outcome.status === 'sent' && outcome.delay !== undefined) {
    if (tally.delays.length < MAX_DELAYS) tally.delays.push(outcome.delay);
    else {
      const slot = Math.floor(random() * tally.sent);
      if (slot < MAX_DELAYS) tally.delays[slot] = outcome.delay;
    }
  }
}

function rate(count: number, n: number): Rate {
  return { count, rate: n > 0 ? count / n : 0, ci95: wilson(count, n) };
}

function armReport(t: ArmTally): ArmReport {
  const samples = t.sent + t.deferred + t.bounced + t.expired;
  const sorted = [...t.delays].sort((a, b) => a - b);
  const delay: ArmReport['delay'] = { samples: sorted.length };
  const p50 = percentile(sorted, 0.5);
  const p90 = percentile(sorted, 0.9);
  if (p50 !== undefined) delay.p50 = p50;
  if (p90 !== undefined) delay.p90 = p90;
  return {
    arm: t.arm,
    samples,
    attribution: { ...t.attribution },
    delivered: rate(t.sent, samples),
    deferred: rate(t.deferred, samples),
    bounced: rate(t.bounced + t.expired, samples),
    throttled: rate(t.throttled, samples),
    complaints: t.complaint,
    delay,
  };
}

/** See the module contract. */
export function experimentReport(tallies: readonly ArmTally[], options: { minSample?: number; alpha?: number; unattributed?: number } = {}): ExperimentReport {
  const minSample = options.minSample ?? DEFAULT_MIN_SAMPLE;
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const arms = tallies.map(armReport);
  const control = arms[0];
  const tests = Math.max(1, (arms.length - 1) * 2);
  const threshold = alpha / tests;
  const comparisons: Comparison[] = [];
  if (control) {
    for (const arm of arms.slice(1)) {
      for (const metric of ['deferral', 'bounce'] as const) {
        const pick = (r: ArmReport) => (metric === 'deferral' ? r.deferred : r.bounced);
        const test = twoProportionZ(pick(arm).count, arm.samples, pick(control).count, control.samples);
        comparisons.push({ arm: arm.arm, control: control.arm, metric, rate: test.p1, controlRate: test.p2, z: test.z, p: test.p, significant: test.p < threshold });
      }
    }
  }
  return { minSample, alpha, threshold, arms, comparisons, unattributed: options.unattributed ?? 0, verdict: verdict(arms, comparisons, minSample) };
}

function verdict(arms: readonly ArmReport[], comparisons: readonly Comparison[], minSample: number): Verdict {
  if (arms.length < 2) return { reason: 'no winner: fewer than two arms have outcomes' };
  const short = arms.filter((a) => a.samples < minSample);
  if (short.length > 0) return { reason: `no winner: too few samples (${short.map((a) => `arm ${a.arm}: ${a.samples} < ${minSample}`).join(', ')})` };
  const better: string[] = [];
  const worse: string[] = [];
  for (const arm of arms.slice(1)) {
    const mine = comparisons.filter((c) => c.arm === arm.arm && c.significant);
    const lower = mine.some((c) => c.rate < c.controlRate);
    const higher = mine.some((c) => c.rate > c.controlRate);
    if (lower && !higher) better.push(arm.arm);
    if (higher && !lower) worse.push(arm.arm);
  }
  const control = arms[0]!.arm;
  if (better.length === 1) return { winner: better[0]!, reason: `arm ${better[0]} has significantly lower ${lowered(comparisons, better[0]!)} than arm ${control}` };
  if (better.length === 0 && worse.length === arms.length - 1) return { winner: control, reason: `every other arm has significantly higher bounce or deferral rates than arm ${control}` };
  if (better.length > 1) return { reason: `no single winner: arms ${better.join(', ')} are each better than arm ${control}` };
  return { reason: 'no significant difference in bounce or deferral rates' };
}

function lowered(comparisons: readonly Comparison[], arm: string): string {
  return comparisons.filter((c) => c.arm === arm && c.significant && c.rate < c.controlRate).map((c) => `${c.metric} rates`).join(' and ');
}

/** "arm B: deferrals 2.1 % vs 3.4 % (arm A), p = 0.003" — one line per comparison. */
export function comparisonLine(c: Comparison): string {
  const what = c.metric === 'deferral' ? 'deferrals' : 'bounces';
  return `arm ${c.arm}: ${what} ${pct(c.rate)} vs ${pct(c.controlRate)} (arm ${c.control}), p = ${pValue(c.p)}${c.significant ? ' (significant)' : ''}`;
}

export function pct(r: number): string {
  return `${(r * 100).toFixed(1)} %`;
}

export function pValue(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}
