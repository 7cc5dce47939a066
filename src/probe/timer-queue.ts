/**
 * Due times of many members behind one clock timer (edge helper of the scheduler).
 *
 * Why: with 10,000 members, a `setTimeout` per member means 10,000 live Timeout objects re-created
 * after every probe; a binary heap of (due time, key) with one timer armed for the earliest entry
 * costs O(log n) per schedule and one object per pending entry. Times are exact (no wheel
 * rounding), so the scheduler's timing contract is unchanged under a fake clock.
 *
 * Contract: `schedule(key, delayMs)` replaces any pending due time of `key`; `cancel(key)` drops it;
 * `fire(key)` is called once per due entry, in due-time order (ties in scheduling order), from the
 * clock's timer callback. Cancelled or replaced entries are skipped lazily (a generation per key).
 */
import type { Clock } from './clock.ts';

interface Slot<K> {
  at: number;
  seq: number;
  key: K;
}

export class TimerQueue<K> {
  readonly #clock: Clock;
  readonly #fire: (key: K) => void;
  readonly #heap: Slot<K>[] = [];
  /** The live slot of each key; a heap slot not found here was cancelled or replaced. */
  readonly #live = new Map<K, Slot<K>>();
  #seq = 0;
  #timer: unknown;
  #timerAt = Infinity;

  constructor(clock: Clock, fire: (key: K) => void) {
    this.#clock = clock;
    this.#fire = fire;
  }

  get size(): number {
    return this.#live.size;
  }

  has(key: K): boolean {
    return this.#live.has(key);
  }

  schedule(key: K, delayMs: number): void {
    const slot: Slot<K> = { at: this.#clock.now() + Math.max(0, delayMs), seq: this.#seq++, key };
    this.#live.set(key, slot);
    this.#push(slot);
    if (slot.at < this.#timerAt) this.#arm(slot.at);
  }

  cancel(key: K): void {
    this.#live.delete(key);
    if (this.#live.size === 0) this.clear();
  }

  clear(): void {
    this.#live.clear();
    this.#heap.length = 0;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = this.#clock.setTimeout(() => this.#run(), Math.max(0, at - this.#clock.now()));
  }

  #run(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    while (this.#heap.length > 0 && this.#heap[0]!.at <= now) {
      const slot = this.#pop();
      if (this.#live.get(slot.key) !== slot) continue; // cancelled or rescheduled
      this.#live.delete(slot.key);
      this.#fire(slot.key);
    }
    // Drop stale slots at the top so the timer is armed for a live entry.
    while (this.#heap.length > 0 && this.#live.get(this.#heap[0]!.key) !== this.#heap[0]) this.#pop();
    if (this.#heap.length > 0 && this.#timer === undefined) this.#arm(this.#heap[0]!.at);
  }

  #less(a: Slot<K>, b: Slot<K>): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(slot: Slot<K>): void {
    const heap = this.#heap;
    heap.push(slot);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.#less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #pop(): Slot<K> {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.#less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && this.#less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}
