/**
 * Per-member attempt counters for the current local day (pure; the keeper feeds it from
 * `OutcomeStore.onRecord`). The outcome store keeps one hour; a warm-up cap is per day, so the
 * count is kept here: attempts (sent, deferred, bounced: each one a delivery attempt through the
 * IP) per member and provider group since local midnight in the schedule's zone. A report of an
 * earlier day (a late log line) is not counted toward today; a new day starts from zero.
 * `dump` / `restore` let the keeper keep the counters in a file across restarts.
 */
import type { MemberId } from '../name.ts';
import type { Outcome } from '../signals/index.ts';
import type { DailyCount } from './warm-up.ts';
import { localDate } from './zone-time.ts';

const ATTEMPTS = new Set(['sent', 'deferred', 'bounced']);

export class DailyCounter {
  readonly #counts = new Map<MemberId, DailyCount & { date: string }>();

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

  /** Every counter with its local date, for a file that survives a restart. */
  dump(): Record<MemberId, DailyCount & { date: string }> {
    return Object.fromEntries([...this.#counts].map(([id, c]) => [id, { date: c.date, total: c.total, providers: { ...c.providers } }]));
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
    }
  }

  retain(members: ReadonlySet<MemberId>): void {
    for (const id of [...this.#counts.keys()]) if (!members.has(id)) this.#counts.delete(id);
  }

  #current(member: MemberId, date: string): DailyCount & { date: string } {
    let count = this.#counts.get(member);
    if (!count || count.date !== date) {
      count = { date, total: 0, providers: {} };
      this.#counts.set(member, count);
    }
    return count;
  }
}
