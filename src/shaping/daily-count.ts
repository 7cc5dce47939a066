/**
 * Per-member attempt counters for the current local day (pure; the keeper feeds it from
 * `OutcomeStore.onRecord`). The outcome store keeps one hour; a warm-up cap is per day, so the
 * count is kept here: attempts (sent, deferred, bounced: each one a delivery attempt through the
 * IP) per member and provider group since local midnight in the schedule's zone. A report of an
 * earlier day (a late log line) is not counted toward today; a new day starts from zero.
 * `dump` / `restore` let the keeper keep the counters in a file across restarts.
 *
 * History: when a member's day rolls over, the finished day's total is kept (newest last) so the
 * dashboard can draw the sends per day against the schedule; bounded per member by `retain`'s
 * day count (the plan's length), never more than `MAX_HISTORY_DAYS`. A day with no attempts
 * leaves no entry (it was 0).
 */
import type { MemberId } from '../name.ts';
import type { Outcome } from '../signals/index.ts';
import type { DailyCount } from './warm-up.ts';
import { localDate } from './zone-time.ts';

const ATTEMPTS = new Set(['sent', 'deferred', 'bounced']);
/** Upper bound of the per-member history whatever the plan says (a year and a bit). */
export const MAX_HISTORY_DAYS = 400;

/** Attempts on one earlier local day. */
export interface DayTotal {
  date: string;
  total: number;
}

export class DailyCounter {
  readonly #counts = new Map<MemberId, DailyCount & { date: string }>();
  readonly #history = new Map<MemberId, DayTotal[]>();
  readonly #keep = new Map<MemberId, number>();

  /** Counts one outcome when it is an attempt on `timeZone`'s current day at `now`. */
  record(outcome: Outcome, timeZone: string, now: number): void {
    if (!ATTEMPTS.has(outcome.status)) return;
    const today = localDate(now, timeZone);
    if (localDate(Math.min(outcome.at, now), timeZone) !== today) return;
    const count = this.#current(outcome.member, today);
    count.total += 1;
    count.providers[outcome.provider] = (count.providers[outcome.provider] ?? 0) + 1;
  }

  /** Adds counts read elsewhere (the outcome store's last hour at start). */
  seed(member: MemberId, timeZone: string, now: number, count: DailyCount): void {
    const current = this.#current(member, localDate(now, timeZone));
    current.total += count.total;
    for (const [group, n] of Object.entries(count.providers)) current.providers[group as keyof DailyCount['providers']] = (current.providers[group as keyof DailyCount['providers']] ?? 0) + n;
  }

  today(member: MemberId, timeZone: string, now: number): DailyCount {
    const count = this.#counts.get(member);
    if (!count || count.date !== localDate(now, timeZone)) return { total: 0, providers: {} };
    return { total: count.total, providers: { ...count.providers } };
  }

  /**
   * Attempts per earlier local day, oldest first, and today's as the last entry when counted:
   * every day with attempts within the kept history (days without any are absent).
   */
  history(member: MemberId, timeZone: string, now: number): DayTotal[] {
    const today = localDate(now, timeZone);
    const past = (this.#history.get(member) ?? []).filter((d) => d.date < today);
    const count = this.#counts.get(member);
    if (count && count.date < today && count.total > 0) past.push({ date: count.date, total: count.total });
    else if (count && count.date === today) past.push({ date: today, total: count.total });
    return past.slice(-this.#limit(member) - 1);
  }

  /** Every counter with its local date and its history, for a file that survives a restart. */
  dump(): Record<MemberId, DailyCount & { date: string; history?: DayTotal[] }> {
    const ids = new Set([...this.#counts.keys(), ...this.#history.keys()]);
    return Object.fromEntries([...ids].map((id) => {
      const c = this.#counts.get(id) ?? { date: '0000-00-00', total: 0, providers: {} };
      const history = this.#history.get(id);
      return [id, { date: c.date, total: c.total, providers: { ...c.providers }, ...(history?.length ? { history: history.map((d) => ({ ...d })) } : {}) }];
    }));
  }

  /** Counters read back from `dump()`; a counter of another day than today is ignored when read. */
  restore(data: unknown): void {
    if (typeof data !== 'object' || data === null) return;
    for (const [id, raw] of Object.entries(data as Record<string, unknown>)) {
      const c = raw as { date?: unknown; total?: unknown; providers?: unknown };
      if (typeof c.date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(c.date) || typeof c.total !== 'number' || !(c.total >= 0)) continue;
      const providers: DailyCount['providers'] = {};
      for (const [g, n] of Object.entries(typeof c.providers === 'object' && c.providers !== null ? c.providers : {})) if (typeof n === 'number' && n >= 0) providers[g as keyof DailyCount['providers']] = n;
      this.#counts.set(id, { date: c.date, total: c.total, providers });
      const history = Array.isArray((raw as { history?: unknown }).history) ? ((raw as { history: unknown[] }).history) : [];
      const days = history.filter((d): d is DayTotal => typeof d === 'object' && d !== null && typeof (d as DayTotal).date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test((d as DayTotal).date) && typeof (d as DayTotal).total === 'number' && (d as DayTotal).total >= 0);
      if (days.length > 0) this.#history.set(id, days.slice(-MAX_HISTORY_DAYS).map((d) => ({ date: d.date, total: d.total })));
    }
  }

  /** Keeps the counters of `members` only, each with up to its number of days of history. */
  retain(members: ReadonlyMap<MemberId, number>): void {
    for (const id of [...this.#counts.keys()]) if (!members.has(id)) this.#counts.delete(id);
    for (const id of [...this.#history.keys()]) if (!members.has(id)) this.#history.delete(id);
    this.#keep.clear();
    for (const [id, days] of members) {
      this.#keep.set(id, days);
      const history = this.#history.get(id);
      if (history) history.splice(0, Math.max(0, history.length - this.#limit(id)));
    }
  }

  #limit(member: MemberId): number {
    return Math.min(MAX_HISTORY_DAYS, Math.max(1, this.#keep.get(member) ?? MAX_HISTORY_DAYS));
  }

  #current(member: MemberId, date: string): DailyCount & { date: string } {
    let count = this.#counts.get(member);
    if (!count || count.date !== date) {
      if (count && count.total > 0 && count.date < date) {
        const history = this.#history.get(member) ?? [];
        history.push({ date: count.date, total: count.total });
        history.splice(0, Math.max(0, history.length - this.#limit(member)));
        this.#history.set(member, history);
      }
      count = { date, total: 0, providers: {} };
      this.#counts.set(member, count);
    }
    return count;
  }
}
