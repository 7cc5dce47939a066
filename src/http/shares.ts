/**
 * Answer shares: how often each balanced member was handed out over the last `windowSeconds`, fed
 * by the DNS `served(members)` hook (cache hits included) and read by `/status` and the dashboard.
 *
 * Contract: `add` runs on the query path, so it is O(members in the answer) with no allocation in
 * steady state: one-second buckets in a ring, a bucket cleared lazily when its second comes round
 * again. The DNS path passes the same members array for every reply of one ring slot, so the
 * counters of an array are looked up once and remembered by the array's identity: an array
 * passed to `add` must not be changed afterwards. `first` counts answers where the member came first, which is the address most clients
 * try first (RFC 6724 sorting aside), so for round-robin it shows the rotation working. The clock
 * is a parameter (DESIGN principle 5).
 */
import type { MemberId } from '../pool/index.ts';

export interface MemberShare {
  /** Answers in the window that carried the member. */
  answers: number;
  /** Answers in the window that listed the member first. */
  first: number;
  /** answers / answers that carried any balanced member, in [0, 1]. */
  fraction: number;
  /** first / answers that carried any balanced member, in [0, 1]. */
  firstFraction: number;
}

export interface SharesReport {
  windowSeconds: number;
  /** Answers in the window that carried at least one balanced member. */
  total: number;
  members: Record<MemberId, MemberShare>;
}

interface Counts {
  answers: Float64Array;
  first: Float64Array;
}

export class AnswerShares {
  readonly #window: number;
  readonly #now: () => number;
  /** The second each bucket currently counts; a bucket with an older stamp is stale. */
  readonly #stamps: Float64Array;
  readonly #totals: Float64Array;
  readonly #members = new Map<MemberId, Counts>();
  /** Counters of each members array seen (by identity): one lookup per answer instead of per member. */
  #resolved = new WeakMap<readonly MemberId[], Counts[]>();

  constructor(options: { windowSeconds?: number; now?: () => number } = {}) {
    this.#window = Math.max(1, Math.floor(options.windowSeconds ?? 60));
    this.#now = options.now ?? Date.now;
    this.#stamps = new Float64Array(this.#window).fill(-1);
    this.#totals = new Float64Array(this.#window);
  }

  get windowSeconds(): number {
    return this.#window;
  }

  /** One answer (or `count` alike, replayed from the answering worker) carrying `members`, in answer order. */
  add(members: readonly MemberId[], count = 1): void {
    if (members.length === 0) return;
    const slot = this.#slot(Math.floor(this.#now() / 1000));
    this.#totals[slot]! += count;
    let resolved = this.#resolved.get(members);
    if (!resolved) {
      resolved = members.map((id) => this.#countsOf(id));
      this.#resolved.set(members, resolved);
    }
    resolved[0]!.first[slot]! += count;
    for (let i = 0; i < resolved.length; i++) resolved[i]!.answers[slot]! += count;
  }

  #countsOf(id: MemberId): Counts {
    let counts = this.#members.get(id);
    if (!counts) {
      counts = { answers: new Float64Array(this.#window), first: new Float64Array(this.#window) };
      this.#members.set(id, counts);
    }
    return counts;
  }

  /** Counts over the window ending now; members with no answer in the window are left out. */
  report(): SharesReport {
    const second = Math.floor(this.#now() / 1000);
    const live: number[] = [];
    for (let slot = 0; slot < this.#window; slot++) {
      const stamp = this.#stamps[slot]!;
      if (stamp > second - this.#window && stamp <= second) live.push(slot);
    }
    const total = live.reduce((sum, slot) => sum + this.#totals[slot]!, 0);
    const members: Record<MemberId, MemberShare> = {};
    for (const [id, counts] of this.#members) {
      const answers = live.reduce((sum, slot) => sum + counts.answers[slot]!, 0);
      const first = live.reduce((sum, slot) => sum + counts.first[slot]!, 0);
      if (answers === 0) continue;
      members[id] = { answers, first, fraction: total > 0 ? answers / total : 0, firstFraction: total > 0 ? first / total : 0 };
    }
    return { windowSeconds: this.#window, total, members };
  }

  /** Forgets members not in `members` (they left the zones). */
  retain(members: ReadonlySet<MemberId>): void {
    for (const id of [...this.#members.keys()]) if (!members.has(id)) this.#members.delete(id);
    // Remembered arrays may point at forgotten counters: look every array up afresh.
    this.#resolved = new WeakMap();
  }

  /** The bucket for `second`, cleared first when it still holds an older second. */
  #slot(second: number): number {
    const slot = second % this.#window;
    if (this.#stamps[slot] !== second) {
      this.#stamps[slot] = second;
      this.#totals[slot] = 0;
      for (const counts of this.#members.values()) {
        counts.answers[slot] = 0;
        counts.first[slot] = 0;
      }
    }
    return slot;
  }
}

/**
 * A clock for counters on the query path: reads the system clock at most every `resolutionMs`
 * (an unref'd timer) and hands out that value. `Date.now()` costs about 40 ns, more than counting
 * an answer; one-second buckets do not need better than 100 ms. `stop` clears the timer.
 */
export function coarseClock(resolutionMs = 100): { now: () => number; stop: () => void } {
  let current = Date.now();
  const timer = setInterval(() => {
    current = Date.now();
  }, Math.max(1, resolutionMs));
  timer.unref();
  return { now: () => current, stop: () => clearInterval(timer) };
}
