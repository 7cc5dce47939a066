/**
 * The warm-up of a member as /status, `GET /api/members/:id/warmup` and `mxlb member warmup
 * status` show it (docs/shaping.md): day N of M, today's cap and attempts so far, the factor the
 * schedule gives now, whether the loop is closed, and the projected finish date.
 */
import { dayCap, dayNumber, type DayTotal, type WarmUpPlan, type WarmUpStatus } from '../shaping/index.ts';

export interface WarmUpView {
  day: number;
  days: number;
  /** Local date of today in the schedule's zone. */
  date: string;
  timeZone: string;
  schedule: string;
  cap?: number;
  providerCaps?: Record<string, number>;
  /** Attempts (sent + deferred + bounced) since local midnight; absent while signals are stale. */
  sent?: number;
  /** Attempts since local midnight per provider group with a cap today (closed loop only). */
  providerSent?: Record<string, number>;
  /**
   * Per provider group with a cap today, the factor its per-provider name (`provider:`) reads
   * (closed loop only); names for every recipient read `factor`.
   */
  providerFactors?: Record<string, { value: number; reason: string; detail?: string }>;
  /** The schedule's share of full weight today (open loop). */
  openShare: number;
  /** The warm-up factor now and its reason code; absent when complete. */
  factor?: { value: number; reason: string };
  /** `closed` (attempts against the cap), `open` (percent curve), `stale` (no signals: open loop). */
  loop: 'closed' | 'open' | 'stale' | 'complete';
  /** Share of first places it got over the last minute of answers (API routes; /status has `share`). */
  shareNow?: number;
  paused?: 'operator' | 'suspect';
  /** The reason the operator gave, while paused by one. */
  pauseReason?: string;
  complete: boolean;
  finishDate: string;
  nextDayAt: string;
}

export function warmUpView(status: WarmUpStatus, schedule: string, timeZone: string): WarmUpView {
  const view: WarmUpView = {
    day: status.day,
    days: status.days,
    date: status.date,
    timeZone,
    schedule,
    openShare: status.openShare,
    loop: status.complete ? 'complete' : status.cap === undefined ? 'open' : status.sent === undefined ? 'stale' : 'closed',
    complete: status.complete,
    finishDate: status.finishDate,
    nextDayAt: new Date(status.nextDayAt).toISOString(),
  };
  if (status.cap !== undefined) view.cap = status.cap;
  if (status.providerCaps) view.providerCaps = { ...status.providerCaps } as Record<string, number>;
  if (status.sent !== undefined) view.sent = status.sent;
  if (status.providerSent) view.providerSent = { ...status.providerSent } as Record<string, number>;
  if (status.providerFactors) {
    view.providerFactors = Object.fromEntries(Object.entries(status.providerFactors).map(([g, f]) => [g, { value: f.value, reason: f.reason, ...(f.detail !== undefined ? { detail: f.detail } : {}) }]));
  }
  if (status.factor) view.factor = { value: status.factor.value, reason: status.factor.reason };
  if (status.paused) view.paused = status.paused;
  return view;
}

/** The whole plan and the sends so far, for the dashboard's warm-up chart (GET /api/warmups only). */
export interface WarmUpCurve {
  /** Day 1…M of the schedule: its total cap, or its percent of full weight for a percent day. */
  plan: Array<{ cap?: number; percent?: number }>;
  /**
   * Attempts per local date with the schedule day it falls on, oldest first, today last. The day is
   * counted back from today's, so days spent paused are not told apart from earlier days.
   */
  history: Array<{ date: string; day: number; sent: number }>;
}

export function warmUpCurve(plan: WarmUpPlan, status: WarmUpStatus, history: readonly DayTotal[]): WarmUpCurve {
  const today = dayNumber(status.date);
  return {
    plan: plan.schedule.days.map((entry) => {
      const cap = dayCap(entry);
      return cap !== undefined ? { cap } : { percent: entry.percent ?? 100 };
    }),
    history: history.map((d) => ({ date: d.date, day: status.day - (today - dayNumber(d.date)), sent: d.total })),
  };
}
