/**
 * A/AAAA selection for a balanced name (pure). Tier choice and the all-down policy live in
 * `plan.ts`; this orders the chosen members and caps them at `max`.
 *
 * - `round-robin`: the eligible members in configured order, rotated so that answer `variant`
 *   starts at member `variant mod n`. Weights other than 0 are ignored.
 * - `weighted`: slot `variant` of a ring of WEIGHTED_VARIANTS weighted orderings (`weighted.ts`
 *   weightedRingSlot): over the ring, first places follow the weights to within one slot; the
 *   other places are weighted random draws without replacement from the injected `random`.
 * - fail-open (all down, policy `all`): rotation whatever the policy, so standbys (weight 0) and
 *   every member get their turn.
 *
 * The answer cache prebuilds `variantCount(...)` answers per name and cycles through them
 * (DESIGN "Speed"): for round-robin that is one per starting member, so successive answers start
 * at every member in turn; for weighted it is a ring of WEIGHTED_VARIANTS weighted orderings.
 */
import { finishTtl, plan, rotate, type Candidate, type StateLookup } from './plan.ts';
import type { AddressFamily, BalancedName, Member } from './model.ts';
import type { SelectionTrace } from './trace.ts';
import { weightedRingSlot, type RingSlot } from './weighted.ts';

export type { StateLookup } from './plan.ts';

/**
 * Ring size for the weighted policy: first places follow the weights to within one slot of the
 * ring (1/32 ≈ 3 %) per snapshot (the ring is rebuilt on every health change), few enough to prebuild.
 */
export const WEIGHTED_VARIANTS = 32;

/** The ring slot of a weighted selection. */
export function ringSlot(opts: { variant: number; phase?: number }): RingSlot {
  return { slot: opts.variant, slots: WEIGHTED_VARIANTS, phase: opts.phase ?? 0 };
}

export interface SelectOptions {
  /** Uniform in [0, 1); only the weighted policy draws from it. */
  random: () => number;
  /** Which prebuilt ordering this is (any integer; taken modulo the rotation length). */
  variant: number;
  /** 4 for A, 6 for AAAA. */
  family: AddressFamily;
  /**
   * Weighted only: start of the ring's systematic sample (`weighted.ts` weightedRingSlot), uniform
   * in [0, 1) and the same for every slot of one ring; default 0.
   */
  phase?: number;
}

export interface Selection {
  /** Serving tier (or fail-open tier); -1 with `nodata` / `servfail`. */
  tierIndex: number;
  /** Answer order, at most `max`; empty unless outcome is `answer`. */
  members: Member[];
  outcome: SelectionTrace['outcome'];
  degraded: boolean;
  allDown: boolean;
  /**
   * NODATA because this family's members are not usable while the other family's are (`plan.ts`
   * rule 4): a transient answer, so the resolver caps its negative TTL at `ttl`.
   */
  otherFamilyServes: boolean;
  /** TTL for the answer: `ttl`, or `degradedTtl` while degraded. */
  ttl: number;
  trace: SelectionTrace;
}

/** Order `pick` by policy; `k` caps the result. */
function orderCandidates(
  pick: readonly Candidate[],
  policy: BalancedName['policy'],
  failOpen: boolean,
  k: number,
  opts: { random: () => number; variant: number; phase?: number },
): Candidate[] {
  if (policy === 'weighted' && !failOpen) return weightedRingSlot(pick, (c) => c.weight, k, opts.random, ringSlot(opts));
  return rotate(pick, opts.variant).slice(0, Math.max(0, k));
}

export function selectMembers(name: BalancedName, states: StateLookup, opts: SelectOptions): Selection {
  const p = plan(name, states, opts.family, opts.variant);
  const max = Math.max(1, Math.floor(name.max));
  const failOpen = p.mode === 'fail-open';
  const ordered = p.outcome === 'answer' ? orderCandidates(p.pick, name.policy, failOpen, max, opts) : [];
  ordered.forEach((c, position) => {
    c.trace.verdict = 'selected';
    c.trace.position = position;
    if (c.trace.why === '') c.trace.why = failOpen ? 'fail-open' : 'usable';
  });
  const chosenSet = new Set(ordered);
  for (const c of p.pick) {
    if (chosenSet.has(c)) continue;
    c.trace.verdict = 'not-selected';
    c.trace.why = name.policy === 'weighted' && !failOpen ? `not drawn (max ${max})` : `beyond max ${max} in this rotation`;
  }
  const ttl = finishTtl(name, p.trace);
  return {
    tierIndex: p.outcome === 'answer' ? p.chosen : -1,
    members: ordered.map((c) => c.member),
    outcome: p.outcome,
    degraded: p.trace.degraded,
    allDown: p.allDown,
    otherFamilyServes: p.otherFamilyServes,
    ttl,
    trace: p.trace,
  };
}

/** How many distinct answers the cache should prebuild for this name and family (≥ 1). */
export function variantCount(name: BalancedName, states: StateLookup, family: AddressFamily): number {
  const p = plan(name, states, family, 0);
  if (p.outcome !== 'answer' || p.pick.length <= 1) return 1;
  return name.policy === 'weighted' && p.mode !== 'fail-open' ? WEIGHTED_VARIANTS : p.pick.length;
}
