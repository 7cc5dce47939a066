/**
 * Recent probe results per member and recent state transitions, for `/status` and the dashboard
 * (latency sparklines, "what happened lately"). Memory is bounded: `perMember` samples per member
 * but at most `budget` samples over all members (with 10,000 members probed every 10 s, 300 plain
 * objects per member grew the heap by ~150 MB within the first 50 minutes; now 30 per member —
 * five minutes at that interval — in typed columns, about 17 bytes a sample), `transitions`
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

/** One member's samples as columns (no object per sample), oldest overwritten once full. */
class SampleRing {
  readonly at: Float64Array;
  readonly totalMs: Float64Array;
  readonly reason: Uint8Array;
  start = 0;
  size = 0;

  constructor(capacity: number) {
    this.at = new Float64Array(capacity);
    this.totalMs = new Float64Array(capacity);
    this.reason = new Uint8Array(capacity);
  }

  get capacity(): number {
    return this.at.length;
  }

  push(at: number, totalMs: number, reason: number): void {
    let i = this.start;
    if (this.size < this.capacity) i = (this.start + this.size++) % this.capacity;
    else this.start = (this.start + 1) % this.capacity;
    this.at[i] = at;
    this.totalMs[i] = totalMs;
    this.reason[i] = reason;
  }

  list(limit = this.size): ProbeSample[] {
    const count = Math.max(0, Math.min(this.size, Math.floor(limit)));
    const out: ProbeSample[] = [];
    for (let k = this.size - count; k < this.size; k++) {
      const i = (this.start + k) % this.capacity;
      const sample: ProbeSample = { at: this.at[i]!, ok: this.reason[i] === 0, totalMs: this.totalMs[i]! };
      if (this.reason[i] !== 0) sample.reason = reasonNames[this.reason[i]!]!;
      out.push(sample);
    }
    return out;
  }

  /** The newest `capacity` samples in a ring of that size. */
  resized(capacity: number): SampleRing {
    const next = new SampleRing(capacity);
    for (const s of this.list(capacity)) next.push(s.at, s.totalMs, s.ok ? 0 : reasonCode(s.reason ?? 'failed'));
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
  readonly #samples = new Map<MemberId, SampleRing>();
  readonly #transitions: Ring<TransitionEvent>;

  constructor(options: ProbeHistoryOptions = {}) {
    this.#maxPerMember = Math.max(1, Math.floor(options.perMember ?? 300));
    this.#budget = Math.max(1, Math.floor(options.budget ?? 300_000));
    this.#perMember = this.#maxPerMember;
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
      ring = new SampleRing(this.#perMember);
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
    for (const id of [...this.#samples.keys()]) if (!members.has(id)) this.#samples.delete(id);
    const share = Math.floor(this.#budget / Math.max(1, members.size));
    const perMember = Math.min(this.#maxPerMember, Math.max(Math.min(MIN_PER_MEMBER, this.#maxPerMember), share));
    if (perMember === this.#perMember) return;
    this.#perMember = perMember;
    for (const [id, ring] of this.#samples) this.#samples.set(id, ring.resized(perMember));
  }
}
