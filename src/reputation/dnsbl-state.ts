/**
 * The DNSBL verdict of one member on one list, as a pure state machine (clock passed in), and the
 * per-list daily query budget.
 *
 * Contract of `stepDnsbl(prev, result, settings, now)`:
 * - `listed` answers: `confirm` in a row make the verdict `listed` (codes and TXT reason kept,
 *   refreshed while it stays listed);
 * - `not-listed` answers: `clear` in a row make it `clear`;
 * - `error` (the list refused: 127.255.255.252/.254/.255, 127.0.0.1, outside 127/8): the verdict
 *   becomes `error` at once and the streak restarts; an error is never a listing;
 * - `unknown` (timeout, SERVFAIL): nothing changes but `lastCheck`: the last verdict stands and a
 *   pending streak is neither advanced nor broken;
 * - `pending` says a streak is under way toward another verdict: the caller re-checks quickly.
 * `unusableDnsbl` / `usableAgain` apply the list's RFC 5782 §5 test points: an unusable list's
 * answers are ignored, so its verdicts say `unusable` and start over when it passes again.
 */
import type { DnsblResult } from './dnsbl.ts';

export type DnsblState = 'listed' | 'clear' | 'error' | 'unknown' | 'unusable';

export interface DnsblListVerdict {
  /** The list's zone. */
  list: string;
  state: DnsblState;
  /** Listed: the accepted return codes; error: the refusal code. */
  codes?: string[];
  /** Listed: the TXT reason; error and unusable: why. */
  reason?: string;
  /** Epoch ms the state was entered (absent while `unknown` from the start). */
  since?: number;
  /** Epoch ms of the last lookup that got an answer or failed. */
  lastCheck?: number;
  /** A streak toward another verdict: `count` of the `confirm`/`clear` needed so far. */
  pending?: { toward: 'listed' | 'clear'; count: number };
  /** The list's daily budget is spent: no lookups until UTC midnight, the verdict stands. */
  budgetExhausted?: boolean;
}

export interface DnsblStepSettings {
  confirm: number;
  clear: number;
}

export interface DnsblTransition {
  from: DnsblState;
  to: DnsblState;
}

export function initialDnsbl(list: string): DnsblListVerdict {
  return { list, state: 'unknown' };
}

function enter(prev: DnsblListVerdict, state: DnsblState, now: number, extra: Partial<DnsblListVerdict>): DnsblListVerdict {
  const next: DnsblListVerdict = { list: prev.list, state, since: now, lastCheck: now, ...extra };
  if (prev.budgetExhausted) next.budgetExhausted = true;
  return next;
}

export function stepDnsbl(prev: DnsblListVerdict, result: DnsblResult, settings: DnsblStepSettings, now: number): { next: DnsblListVerdict; transition?: DnsblTransition } {
  const moved = (next: DnsblListVerdict) => (next.state === prev.state ? { next } : { next, transition: { from: prev.state, to: next.state } });
  switch (result.status) {
    case 'unknown':
      return { next: { ...prev, lastCheck: now } };
    case 'error':
      if (prev.state === 'error') return { next: { ...prev, codes: [result.code], reason: result.why, lastCheck: now } };
      return moved(enter(prev, 'error', now, { codes: [result.code], reason: result.why }));
    case 'listed': {
      const listing: Partial<DnsblListVerdict> = { codes: [...result.codes], ...(result.reason !== undefined ? { reason: result.reason } : {}) };
      if (prev.state === 'listed') {
        const { pending: _dropped, ...rest } = prev;
        return { next: { ...rest, ...listing, lastCheck: now } };
      }
      const count = prev.pending?.toward === 'listed' ? prev.pending.count + 1 : 1;
      if (count >= settings.confirm) return moved(enter(prev, 'listed', now, listing));
      return { next: { ...prev, lastCheck: now, pending: { toward: 'listed', count } } };
    }
    case 'not-listed': {
      if (prev.state === 'clear') {
        const { pending: _dropped, ...rest } = prev;
        return { next: { ...rest, lastCheck: now } };
      }
      const count = prev.pending?.toward === 'clear' ? prev.pending.count + 1 : 1;
      if (count >= settings.clear) return moved(enter(prev, 'clear', now, {}));
      return { next: { ...prev, lastCheck: now, pending: { toward: 'clear', count } } };
    }
  }
}

/** The list failed its test points: its answers are ignored until it passes again. */
export function unusableDnsbl(prev: DnsblListVerdict, why: string, now: number): { next: DnsblListVerdict; transition?: DnsblTransition } {
  if (prev.state === 'unusable') return { next: { ...prev, reason: why } };
  return { next: { list: prev.list, state: 'unusable', reason: why, since: now }, transition: { from: prev.state, to: 'unusable' } };
}

/** The list passes its test points again: the member's verdict starts over (`unknown`). */
export function usableAgain(prev: DnsblListVerdict, now: number): { next: DnsblListVerdict; transition?: DnsblTransition } {
  if (prev.state !== 'unusable') return { next: prev };
  return { next: { list: prev.list, state: 'unknown', since: now }, transition: { from: 'unusable', to: 'unknown' } };
}

/** Queries spent on one list during one UTC day. */
export interface DnsblBudget {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  used: number;
}

export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** Epoch ms of the next UTC midnight after `now`. */
export function nextUtcMidnight(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

/**
 * Whether `queries` more fit in `limit` today, and the budget after spending them. A new UTC day
 * starts from zero. No limit: always fits (the count still runs, for reports).
 */
export function spendBudget(budget: DnsblBudget | undefined, queries: number, limit: number | undefined, now: number): { ok: boolean; next: DnsblBudget } {
  const day = utcDay(now);
  const current = budget && budget.day === day ? budget : { day, used: 0 };
  if (limit !== undefined && current.used + queries > limit) return { ok: false, next: current };
  return { ok: true, next: { day, used: current.used + queries } };
}

/** The lists on which a member is listed, with codes and reasons (what the reputation model acts on). */
export function listedLists(verdict: { lists: readonly DnsblListVerdict[] } | undefined): Array<{ list: string; codes: string[]; reason?: string; since?: number }> {
  if (!verdict) return [];
  return verdict.lists
    .filter((v) => v.state === 'listed')
    .map((v) => ({ list: v.list, codes: [...(v.codes ?? [])], ...(v.reason !== undefined ? { reason: v.reason } : {}), ...(v.since !== undefined ? { since: v.since } : {}) }));
}
