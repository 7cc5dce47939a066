/**
 * The warm-up of a member as /status, `GET /api/members/:id/warmup` and `mxlb member warmup
 * status` show it (docs/shaping.md): day N of M, today's cap and attempts so far, the factor the
 * schedule gives now, whether the loop is closed, and the projected finish date.
 */
import type { WarmUpStatus } from '../shaping/index.ts';

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
  /** The schedule's share of full weight today (open loop). */
  openShare: number;
  /** The warm-up factor now and its reason code; absent when complete. */
  factor?: { value: number; reason: string };
  /** `closed` (attempts against the cap), `open` (percent curve), `stale` (no signals: open loop). */
  loop: 'closed' | 'open' | 'stale' | 'complete';
  /** Share of first places it got over the last minute of answers (API routes; /status has `share`). */
  shareNow?: number;
  paused?: 'operator' | 'suspect';
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
  if (status.factor) view.factor = { value: status.factor.value, reason: status.factor.reason };
  if (status.paused) view.paused = status.paused;
  return view;
}
