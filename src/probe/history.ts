/**
 * Recent probe results per member and recent state transitions, for `/status` and the dashboard
 * (latency sparklines, "what happened lately"). Memory is bounded: `perMember` samples per member,
 * `transitions` entries overall, and members that leave the zones are dropped with `retain`.
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
  readonly #perMember: number;
  readonly #samples = new Map<MemberId, Ring<ProbeSample>>();
  readonly #transitions: Ring<TransitionEvent>;

  constructor(options: ProbeHistoryOptions = {}) {
    this.#perMember = Math.max(1, Math.floor(options.perMember ?? 300));
    this.#transitions = new Ring(options.transitions ?? 200);
  }

  /** Keeps one probe result (and the transition it caused, if any). */
  record(member: MemberId, result: ProbeResult, transition?: HealthTransition): void {
    let ring = this.#samples.get(member);
    if (!ring) {
      ring = new Ring(this.#perMember);
      this.#samples.set(member, ring);
    }
    const sample: ProbeSample = { at: result.startedAt, ok: result.ok, totalMs: result.totalMs };
    if (!result.ok) sample.reason = result.reason ?? 'failed';
    ring.push(sample);
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

  /** Forgets the samples of members not in `members` (they left the zones); transitions stay. */
  retain(members: ReadonlySet<MemberId>): void {
    for (const id of [...this.#samples.keys()]) if (!members.has(id)) this.#samples.delete(id);
  }
}
