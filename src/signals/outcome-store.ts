/**
 * Outcome counts per member × provider × status in rolling one-minute buckets (in memory, clock
 * injected). Feeds `/status` (counts over the last 15 min and 1 h), `/api/delivery` (per-minute
 * series), `/metrics` (totals since start) and, next, the reputation model.
 *
 * Contract: memory is bounded: one series per (member, provider, status) that was ever recorded
 * (members are checked against the configured ones before they get here; `retain` drops the
 * series of departed members), each a fixed ring of `BUCKETS` counters. An outcome lands in the
 * bucket of its own time `at`, clamped to `now` (a clock ahead of ours) — an outcome older than the
 * ring counts in the totals only. Recording is synchronous and O(1) per outcome.
 */
import type { MemberId } from '../name.ts';
import { OUTCOME_STATUSES, type Outcome, type OutcomeStatus, type ProviderGroup } from './outcome.ts';

export const BUCKET_MS = 60_000;
/** One hour of one-minute buckets: the longest window /status shows. */
export const BUCKETS = 60;

interface Series {
  member: MemberId;
  provider: ProviderGroup;
  status: OutcomeStatus;
  total: number;
  counts: Uint32Array;
  /** The bucket number (floor(at / BUCKET_MS)) each slot currently holds. */
  slots: Float64Array;
}

export type StatusCounts = Record<OutcomeStatus, number>;

export interface OutcomeTotal {
  member: MemberId;
  provider: ProviderGroup;
  status: OutcomeStatus;
  total: number;
}

/** Per status, one count per minute, oldest first; the last entry is the current (partial) minute. */
export type StatusSeries = Record<OutcomeStatus, number[]>;

export const emptyCounts = (): StatusCounts => Object.fromEntries(OUTCOME_STATUSES.map((s) => [s, 0])) as StatusCounts;

export class OutcomeStore {
  readonly #now: () => number;
  readonly #series = new Map<string, Series>();
  /** The same series by member, so a member's counts read only its own (at most providers × statuses). */
  readonly #byMember = new Map<MemberId, Series[]>();
  readonly #listeners = new Set<(outcomes: readonly Outcome[]) => void>();

  constructor(options: { now: () => number }) {
    this.#now = options.now;
  }

  /** Counts every outcome (one batch, already validated) and tells the listeners (e.g. /metrics). */
  record(outcomes: readonly Outcome[]): void {
    const now = this.#now();
    for (const outcome of outcomes) {
      const series = this.#seriesOf(outcome.member, outcome.provider, outcome.status);
      series.total += 1;
      this.#add(series, Math.floor(Math.min(outcome.at, now) / BUCKET_MS), 1, now);
    }
    for (const listener of this.#listeners) listener(outcomes);
  }

  /**
   * Counts of one minute (`bucket` = floor(epoch ms / BUCKET_MS)) kept elsewhere (another
   * instance's, from Redis at start): added to the window, not to the since-start totals, and no
   * listener hears them (they are counts, not outcomes a rule could match).
   */
  restore(member: MemberId, provider: ProviderGroup, status: OutcomeStatus, bucket: number, count: number): void {
    if (!(count > 0)) return;
    this.#add(this.#seriesOf(member, provider, status), bucket, count, this.#now());
  }

  #seriesOf(member: MemberId, provider: ProviderGroup, status: OutcomeStatus): Series {
    const key = `${member}\u0000${provider}\u0000${status}`;
    let series = this.#series.get(key);
    if (!series) {
      series = { member, provider, status, total: 0, counts: new Uint32Array(BUCKETS), slots: new Float64Array(BUCKETS).fill(-1) };
      this.#series.set(key, series);
      const list = this.#byMember.get(member);
      if (list) list.push(series);
      else this.#byMember.set(member, [series]);
    }
    return series;
  }

  #add(series: Series, bucket: number, count: number, now: number): void {
    if (bucket <= Math.floor(now / BUCKET_MS) - BUCKETS) return;
    const slot = ((bucket % BUCKETS) + BUCKETS) % BUCKETS;
    if (series.slots[slot] !== bucket) {
      if (series.slots[slot]! > bucket) return; // the slot already holds a newer minute
      series.slots[slot] = bucket;
      series.counts[slot] = 0;
    }
    series.counts[slot]! += count;
  }

  onRecord(listener: (outcomes: readonly Outcome[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Counts per status of one member (all providers, or one) over the last `windowMs` (at most an hour). */
  counts(member: MemberId, windowMs: number, provider?: ProviderGroup): StatusCounts {
    const counts = emptyCounts();
    const current = Math.floor(this.#now() / BUCKET_MS);
    const oldest = current - Math.min(BUCKETS, Math.ceil(windowMs / BUCKET_MS)) + 1;
    for (const series of this.#byMember.get(member) ?? []) {
      if (provider !== undefined && series.provider !== provider) continue;
      for (let i = 0; i < BUCKETS; i++) {
        const bucket = series.slots[i]!;
        if (bucket >= oldest && bucket <= current) counts[series.status] += series.counts[i]!;
      }
    }
    return counts;
  }

  /**
   * Per-minute counts of one member (all providers summed) over the last `minutes` buckets
   * (1..BUCKETS, clamped), oldest first, ending with the current minute — for the dashboard's
   * deliverability charts (`GET /api/delivery`). Bucket i starts at (floor(now / BUCKET_MS) -
   * minutes + 1 + i) × BUCKET_MS. A member never recorded gets zeros.
   */
  series(member: MemberId, minutes: number): StatusSeries {
    const n = Math.max(1, Math.min(BUCKETS, Math.floor(minutes) || 1));
    const out = Object.fromEntries(OUTCOME_STATUSES.map((s) => [s, new Array<number>(n).fill(0)])) as StatusSeries;
    const current = Math.floor(this.#now() / BUCKET_MS);
    const oldest = current - n + 1;
    for (const series of this.#byMember.get(member) ?? []) {
      const row = out[series.status];
      for (let i = 0; i < BUCKETS; i++) {
        const bucket = series.slots[i]!;
        if (bucket >= oldest && bucket <= current) row[bucket - oldest]! += series.counts[i]!;
      }
    }
    return out;
  }

  /** Totals since start per series (for /metrics). */
  totals(): OutcomeTotal[] {
    return [...this.#series.values()].map(({ member, provider, status, total }) => ({ member, provider, status, total }));
  }

  /** Drops the series of members no longer configured. */
  retain(members: ReadonlySet<MemberId>): void {
    for (const [key, series] of this.#series) if (!members.has(series.member)) this.#series.delete(key);
    for (const member of this.#byMember.keys()) if (!members.has(member)) this.#byMember.delete(member);
  }
}
