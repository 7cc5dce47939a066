/**
 * Warm-up of a new IP (pure; docs/shaping.md): which day of its schedule a member is on, what it
 * may send today, and the `warm-up` factor that follows.
 *
 * - Days count local calendar days in the schedule's zone from the plan's start (day 1), minus
 *   the days spent paused (a pause freezes the calendar; it resumes on the day it stopped at).
 * - Open loop: factor = the day's share of full weight (a percent day: percent / 100; a cap day:
 *   cap / full volume), quantised to 0.1 % so the snapshot changes once a day.
 * - Closed loop (a cap day and fresh delivery signals): r = today's attempts / today's cap. Below
 *   80 % of the cap the factor is the open-loop share; from 80 % it falls linearly (in 5 % steps)
 *   to 0 at the cap; at or above the cap it is 0 (standby, used only by fail-open) until the next
 *   local midnight. The overall factor (names for every recipient) counts all attempts against
 *   the day's total cap. Each provider group with a cap that day also gets a factor of its own
 *   (`providerFactors`, read only by names with that `provider:`): r = the larger of the total's
 *   and that group's attempts / its cap, so a member at its Gmail cap leaves `gmail.relay…` only.
 * - Signals stale (none from any member recently, or none ever): open loop, reason
 *   `warm-up-signals-stale`, so a broken log follower degrades to the schedule, not to full volume.
 * - After the last day, or once finished, no factor: the member is warm.
 *
 * Contract: `warmUpStatus(inputs)` is a pure function of its inputs (the clock included).
 */
import type { ProviderGroup } from '../signals/index.ts';
import type { ShapingFactor, ShapingReason, WarmUpDay, WarmUpPlan } from './model.ts';
import { addDays, dayNumber, localDate, nextMidnight } from './zone-time.ts';

/** Operator and automatic state of one member's warm-up (kept by the keeper, audited). */
export interface WarmUpControl {
  /** A restart's new start date (replaces the plan's). */
  start?: string;
  /** Whole local days spent paused in earlier pauses. */
  pausedDays: number;
  /** While paused: since when and why. */
  pausedSince?: number;
  pausedBy?: 'operator' | 'suspect';
  /** Finished by an operator: the member is treated as warm. */
  finished?: boolean;
}

/** Attempts (sent + deferred + bounced) since local midnight. */
export interface DailyCount {
  total: number;
  providers: Partial<Record<ProviderGroup, number>>;
}

export interface WarmUpInputs {
  plan: WarmUpPlan;
  control: WarmUpControl;
  now: number;
  /** Today's attempts, or undefined when delivery signals are stale (open loop). */
  today: DailyCount | undefined;
}

export interface WarmUpStatus {
  /** Day of the schedule, 1-based (0 before the start date); `days` in all. */
  day: number;
  days: number;
  date: string;
  cap?: number;
  providerCaps?: Partial<Record<ProviderGroup, number>>;
  sent?: number;
  /** Today's attempts per provider group with a cap (closed loop only). */
  providerSent?: Partial<Record<ProviderGroup, number>>;
  /** Per provider group with a cap today, its factor (`provider` set); closed loop only. */
  providerFactors?: Partial<Record<ProviderGroup, ShapingFactor>>;
  /** The schedule's share of full weight today (open loop). */
  openShare: number;
  /** The factor now; undefined when the warm-up is complete or finished. */
  factor?: ShapingFactor;
  paused?: 'operator' | 'suspect';
  complete: boolean;
  /** Local date of the last day, counting pauses so far. */
  finishDate: string;
  /** Epoch ms of the next day boundary (local midnight). */
  nextDayAt: number;
}

export const NEAR_CAP = 0.8;
const STEP = 0.05;

export function warmUpStatus(inputs: WarmUpInputs): WarmUpStatus {
  const { plan, control, now } = inputs;
  const tz = plan.schedule.timeZone;
  const days = plan.schedule.days.length;
  const today = localDate(now, tz);
  const start = control.start ?? plan.start;
  const pausedNow = control.pausedSince === undefined ? 0 : dayNumber(today) - dayNumber(localDate(control.pausedSince, tz));
  const day = dayNumber(today) - dayNumber(start) - control.pausedDays - pausedNow + 1;
  const finishDate = addDays(start, control.pausedDays + pausedNow + days - 1);
  const base: WarmUpStatus = { day: Math.max(0, day), days, date: today, openShare: 1, complete: false, finishDate, nextDayAt: nextMidnight(now, tz) };
  if (control.pausedBy) base.paused = control.pausedBy;
  if (control.finished || day > days) return { ...base, openShare: 1, complete: true };
  if (day < 1) return { ...base, openShare: 0, factor: { name: 'warm-up', value: 0, reason: 'warm-up-not-started' } };
  const entry = plan.schedule.days[day - 1]!;
  const cap = dayCap(entry);
  const openShare = quantise(entryShare(entry, plan), 0.001);
  const status: WarmUpStatus = { ...base, openShare };
  if (cap !== undefined) status.cap = cap;
  if (entry.providers) status.providerCaps = { ...entry.providers };
  const paused = control.pausedBy;
  if (cap === undefined || !inputs.today) {
    const reason: ShapingReason = cap === undefined ? 'warm-up-open-loop' : 'warm-up-signals-stale';
    status.factor = { name: 'warm-up', value: openShare, reason: pausedReason(paused) ?? reason };
    return status;
  }
  const counts = inputs.today;
  status.sent = counts.total;
  const overall = cap > 0 ? counts.total / cap : Infinity;
  status.factor = capFactor(openShare, overall, paused, 'warm-up-under-cap', 'warm-up-near-cap', 'warm-up-cap-reached');
  const groups = Object.entries(entry.providers ?? {}) as [ProviderGroup, number][];
  if (groups.length > 0) {
    status.providerSent = {};
    status.providerFactors = {};
  }
  for (const [group, limit] of groups) {
    const sent = counts.providers[group] ?? 0;
    status.providerSent![group] = sent;
    const own = limit > 0 ? sent / limit : Infinity;
    // The total cap binds a provider's name too; the reason names the total only once it is the
    // one that holds the member back (so reasons do not flip with every outcome under the caps).
    const f = !(overall > own && overall >= NEAR_CAP)
      ? { ...capFactor(openShare, own, paused, 'warm-up-provider-under-cap', 'warm-up-provider-near-cap', 'warm-up-provider-cap-reached'), detail: `${group} cap ${limit}` }
      : capFactor(openShare, overall, paused, 'warm-up-under-cap', 'warm-up-near-cap', 'warm-up-cap-reached');
    status.providerFactors![group] = { ...f, provider: group };
  }
  return status;
}

/** A day's total cap: its `cap`, else the sum of its provider caps; undefined for a percent day. */
export function dayCap(entry: WarmUpDay): number | undefined {
  if (entry.cap !== undefined) return entry.cap;
  const provider = Object.values(entry.providers ?? {});
  return provider.length > 0 ? provider.reduce((a, b) => a + b, 0) : undefined;
}

function entryShare(entry: WarmUpDay, plan: WarmUpPlan): number {
  if (entry.percent !== undefined) return Math.min(1, Math.max(0, entry.percent / 100));
  const cap = dayCap(entry) ?? 0;
  const full = plan.fullVolume ?? lastCap(plan);
  return full > 0 ? Math.min(1, cap / full) : 1;
}

function lastCap(plan: WarmUpPlan): number {
  for (let i = plan.schedule.days.length - 1; i >= 0; i--) {
    const cap = dayCap(plan.schedule.days[i]!);
    if (cap !== undefined) return cap;
  }
  return 0;
}

/** The factor at used ratio r of a cap: the open share, falling from 80 % to 0 at the cap. */
function capFactor(openShare: number, r: number, paused: WarmUpControl['pausedBy'], under: ShapingReason, near: ShapingReason, reached: ShapingReason): ShapingFactor {
  if (r >= 1) return { name: 'warm-up', value: 0, reason: reached };
  const value = r >= NEAR_CAP ? quantise(openShare * Math.floor(((1 - r) / (1 - NEAR_CAP)) / STEP) * STEP, 0.0001) : openShare;
  return { name: 'warm-up', value, reason: pausedReason(paused) ?? (r >= NEAR_CAP ? near : under) };
}

function pausedReason(paused: WarmUpControl['pausedBy']): ShapingReason | undefined {
  if (!paused) return undefined;
  return paused === 'operator' ? 'warm-up-paused-operator' : 'warm-up-paused-suspect';
}

function quantise(value: number, step: number): number {
  return Math.round(Math.round(value / step) * step * 1e6) / 1e6;
}

/** Pause bookkeeping: the control after a pause or resume at `now` (calendar days paused are kept). */
export function pauseControl(control: WarmUpControl, by: 'operator' | 'suspect', now: number): WarmUpControl {
  if (control.pausedSince !== undefined) return { ...control, pausedBy: control.pausedBy === 'operator' ? 'operator' : by };
  return { ...control, pausedSince: now, pausedBy: by };
}

export function resumeControl(control: WarmUpControl, now: number, timeZone: string): WarmUpControl {
  if (control.pausedSince === undefined) return control;
  const paused = dayNumber(localDate(now, timeZone)) - dayNumber(localDate(control.pausedSince, timeZone));
  const { pausedSince: _s, pausedBy: _b, ...rest } = control;
  return { ...rest, pausedDays: control.pausedDays + Math.max(0, paused) };
}
