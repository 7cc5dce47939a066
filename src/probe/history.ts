/**
 * Recent probe results per member and recent state transitions, for `/status` and the dashboard
 * (latency sparklines, "what happened lately"). Memory is bounded: `perMember` samples per member
 * but at most `budget` samples over all members (with 10,000 members probed every 10 s, 300 plain
 * objects per member grew the heap by ~150 MB within the first 50 minutes; now 30 per member —
 * five minutes at that interval — in typed columns shared by all members, 17 bytes a sample), `transitions`
 * entries overall, and members that leave the zones are dropped with `retain`.
 *
 * Contract: `record` is called from the scheduler's onResult for every result (the composition root
 * wires it); everything it keeps is plain data copied out of the result, never the result object,
 * so a reader cannot change what the next reader sees. Readers get copies, oldest first.
 */
import type { MemberId } from '../name.ts';
import type { HealthTransition, ObservedState } from './health.ts';
import type { ProbeResult } from './types.ts';

/** One probe, reduced to what a chart and a list need. */
export interface ProbeSample {
  /** Epoch ms the probe started. */
  at: number;
  ok: boolean;
  /** Failure reason code; absent when ok. */
  reason?: string;
  totalMs: number;
}

export interface TransitionEvent {
  member: MemberId;
  from: ObservedState;
  to: ObservedState;
  /** Stable code: the failure reason for → down, `ok` for → up. */
  reason: string;
  detail: string;
  at: number;
}

export interface ProbeHistoryOptions {
  /** Samples kept per member (default 300: five minutes at one probe a second). */
  perMember?: number;
  /** Transitions kept over all members (default 200). */
  transitions?: number;
  /** Samples kept over all members (default 300,000): `retain` sizes each member's share. */
  budget?: number;
}

/** Fewest samples per member whatever the member count (a sparkline needs some). */
const MIN_PER_MEMBER = 30;

/** Reason codes as small integers (0: ok); the codes are a short, stable list. */
const reasonCodes = new Map<string, number>();
const reasonNames: string[] = [''];

function reasonCode(reason: string): number {
  let code = reasonCodes.get(reason);
  if (code === undefined && reasonNames.length < 255) {
    code = reasonNames.length;
    reasonNames.push(reason);
    reasonCodes.set(reason, code);
  }
  return code ?? reasonCode('failed');
}

/**
 * Every member's samples in three shared columns, one fixed-size slot per member: not three typed
 * arrays per member, whose objects and separately allocated backing stores (each with its own
 * bookkeeping in V8 and the C library's heap) cost more than the 510 bytes of samples they held at
 * 30 samples a member. Slots of departed members are reused; the columns grow by copying.
 */
class Columns {
  at: Float64Array;
  totalMs: Float64Array;
  reason: Uint8Array;
  readonly #free: number[] = [];
  #next = 0;

  /** Most slots to double to (the budget's share); beyond it the columns grow by half. */
  readonly #cap: number;

  /** `slot` samples per member, room for `slots` members (grows when more come). */
  constructor(
    readonly slot: number,
    slots: number,
    cap: number,
  ) {
    this.#cap = cap;
    const n = Math.max(1, slots) * slot;
    this.at = new Float64Array(n);
    this.totalMs = new Float64Array(n);
    this.reason = new Uint8Array(n);
  }

  get slots(): number {
    return this.reason.length / this.slot;
  }

  /** A free slot's index. */
  take(): number {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    if (this.#next === this.slots) this.#grow();
    return this.#next++;
  }

  release(index: number): void {
    this.#free.push(index);
  }

  #grow(): void {
    const current = this.slots;
    let slots = Math.max(16, current * 2);
    if (slots > this.#cap) slots = Math.max(this.#cap, Math.ceil(current * 1.5));
    const n = slots * this.slot;
    const at = new Float64Array(n);
    const totalMs = new Float64Array(n);
    const reason = new Uint8Array(n);
    at.set(this.at);
    totalMs.set(this.totalMs);
    reason.set(this.reason);
    this.at = at;
    this.totalMs = totalMs;
    this.reason = reason;
  }
}

/** One member's samples: a ring over its slot of the shared columns, oldest overwritten once full. */
class SampleRing {
  start = 0;
  size = 0;
  readonly #base: number;

  constructor(
    readonly columns: Columns,
    readonly index: number,
  ) {
    this.#base = index * columns.slot;
  }

  get capacity(): number {
    return this.columns.slot;
  }

  push(at: number, totalMs: number, reason: number): void {
    let i = this.start;
    if (this.size < this.capacity) i = (this.start + this.size++) % this.capacity;
    else this.start = (this.start + 1) % this.capacity;
    const c = this.columns;
    c.at[this.#base + i] = at;
    c.totalMs[this.#base + i] = totalMs;
    c.reason[this.#base + i] = reason;
  }

  list(limit = this.size): ProbeSample[] {
    const count = Math.max(0, Math.min(this.size, Math.floor(limit)));
    const out: ProbeSample[] = [];
    const c = this.columns;
    for (let k = this.size - count; k < this.size; k++) {
      const i = this.#base + ((this.start + k) % this.capacity);
      const sample: ProbeSample = { at: c.at[i]!, ok: c.reason[i] === 0, totalMs: c.totalMs[i]! };
      if (c.reason[i] !== 0) sample.reason = reasonNames[c.reason[i]!]!;
      out.push(sample);
    }
    return out;
  }

  /** The newest samples that fit a slot of `into`, copied into a new slot there. */
  movedTo(into: Columns): SampleRing {
    const next = new SampleRing(into, into.take());
    for (const s of this.list(into.slot)) next.push(s.at, s.totalMs, s.ok ? 0 : reasonCode(s.reason ?? 'failed'));
    return next;
  }
}

/** Fixed-capacity FIFO: push overwrites the oldest once full. */
class Ring<T> {
  readonly #items: (T | undefined)[];
  #start = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#items = new Array<T | undefined>(Math.max(1, Math.floor(capacity))).fill(undefined);
  }

  push(item: T): void {
    const capacity = this.#items.length;
    if (this.#size < capacity) {
      this.#items[(this.#start + this.#size) % capacity] = item;
      this.#size += 1;
    } else {
      this.#items[this.#start] = item;
      this.#start = (this.#start + 1) % capacity;
    }
  }

  /** The newest `limit` items (all by default), oldest first. */
  list(limit = this.#size): T[] {
    const count = Math.max(0, Math.min(this.#size, Math.floor(limit)));
    const out: T[] = [];
    for (let i = this.#size - count; i < this.#size; i++) out.push(this.#items[(this.#start + i) % this.#items.length]!);
    return out;
  }
}

export class ProbeHistory {
  readonly #maxPerMember: number;
  readonly #budget: number;
  #perMember: number;
  #columns: Columns;
  readonly #samples = new Map<MemberId, SampleRing>();
  readonly #transitions: Ring<TransitionEvent>;

  constructor(options: ProbeHistoryOptions = {}) {
    this.#maxPerMember = Math.max(1, Math.floor(options.perMember ?? 300));
    this.#budget = Math.max(1, Math.floor(options.budget ?? 300_000));
    this.#perMember = this.#maxPerMember;
    this.#columns = this.#newColumns(this.#perMember, 0);
    this.#transitions = new Ring(options.transitions ?? 200);
  }

  /** Samples kept per member now: `perMember`, less when the budget is shared by many members. */
  get perMember(): number {
    return this.#perMember;
  }

  /** Keeps one probe result (and the transition it caused, if any). */
  record(member: MemberId, result: ProbeResult, transition?: HealthTransition): void {
    let ring = this.#samples.get(member);
    if (!ring) {
      ring = new SampleRing(this.#columns, this.#columns.take());
      this.#samples.set(member, ring);
    }
    ring.push(result.startedAt, result.totalMs, result.ok ? 0 : reasonCode(result.reason ?? 'failed'));
    if (transition) {
      const { from, to, reason, detail, at } = transition;
      this.#transitions.push({ member, from, to, reason, detail, at });
    }
  }

  /** The newest `limit` samples of a member, oldest first (empty for a member never probed). */
  samples(member: MemberId, limit?: number): ProbeSample[] {
    return this.#samples.get(member)?.list(limit) ?? [];
  }

  /** The newest `limit` transitions over all members, newest first. */
  transitions(limit?: number): TransitionEvent[] {
    return this.#transitions.list(limit).reverse();
  }

  /**
   * Forgets the samples of members not in `members` (they left the zones); transitions stay. Sizes
   * each member's share of the budget for this many members (kept rings are cut or widened).
   */
  retain(members: ReadonlySet<MemberId>): void {
    for (const [id, ring] of [...this.#samples]) {
      if (members.has(id)) continue;
      this.#samples.delete(id);
      this.#columns.release(ring.index);
    }
    const share = Math.floor(this.#budget / Math.max(1, members.size));
    const perMember = Math.min(this.#maxPerMember, Math.max(Math.min(MIN_PER_MEMBER, this.#maxPerMember), share));
    if (perMember === this.#perMember && this.#columns.slots >= members.size) return;
    // New columns sized for these members (no growth while they are probed for the first time).
    const columns = this.#newColumns(perMember, members.size);
    for (const [id, ring] of this.#samples) this.#samples.set(id, ring.movedTo(columns));
    this.#perMember = perMember;
    this.#columns = columns;
  }

  #newColumns(perMember: number, members: number): Columns {
    return new Columns(perMember, members, Math.max(1, Math.ceil(this.#budget / perMember)));
  }
}
