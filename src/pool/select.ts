/**
 * A/AAAA selection for a balanced name (pure). Tier choice and the all-down policy live in
 * `tiers.ts`; this orders the chosen members and caps them at `max`.
 *
 * - `round-robin`: the eligible members in configured order, rotated so that answer `variant`
 *   starts at member `variant mod n`. Weights other than 0 are ignored.
 * - `weighted`: slot `variant` of a ring of WEIGHTED_VARIANTS weighted orderings (`weighted.ts`
 *   weightedRingSlot): over the ring, first places follow the composed weights to within one slot;
 *   the other places are weighted random draws without replacement. The policy owns its
 *   randomness: a generator seeded by (`seed`, owner, family, variant) and a ring phase seeded by
 *   (`seed`, owner, family) (`random.ts`), so the same inputs give the same answer.
 * - `latency`: as `weighted`; the composed weights include each member's `latency` factor.
 * - fail-open (all down, policy `all`): rotation whatever the policy, so standbys (weight 0) and
 *   every member get their turn.
 *
 * The answer cache prebuilds `variants` answers per name and cycles through them (DESIGN "Speed"):
 * for round-robin that is one per starting member, so successive answers start at every member in
 * turn; for weighted it is a ring of WEIGHTED_VARIANTS weighted orderings.
 */
import { degradedTtl, rotate, type Decision, type MemberDecision, type Outcome } from './decision.ts';
import type { AddressFamily, BalancedName, Member } from './model.ts';
import { ringPhase, seededRandom } from './random.ts';
import { assignShares, planTiers, type StateLookup } from './tiers.ts';
import { weightedRingSlot, type RingSlot } from './weighted.ts';

export type { StateLookup } from './tiers.ts';

/**
 * Ring size for the weighted policy: first places follow the weights to within one slot of the
 * ring (1/32 ≈ 3 %) per snapshot (the ring is rebuilt on every health change), few enough to prebuild.
 */
export const WEIGHTED_VARIANTS = 32;

/** Where a selection draws from: the ring slot and the randomness of the weighted policy. */
export interface DrawOptions {
  /** Which prebuilt ordering this is (any integer; taken modulo the rotation length). */
  variant: number;
  /** Seed of the weighted policy's randomness: the snapshot version (default 0). */
  seed?: number;
  /** Tests only: uniform in [0, 1), replaces the seeded generator (the ring phase is then 0 unless given). */
  random?: () => number;
  /** Tests only: start of the ring's systematic sample, uniform in [0, 1). */
  phase?: number;
  /** The snapshot's clock, for time-dependent weight factors. */
  now?: number;
}

export interface SelectOptions extends DrawOptions {
  /** 4 for A, 6 for AAAA. */
  family: AddressFamily;
}

export interface Selection {
  /** Serving tier (or fail-open tier); -1 with `nodata` / `servfail`. */
  tierIndex: number;
  /** Answer order, at most `max`; empty unless outcome is `answer`. */
  members: Member[];
  outcome: Outcome;
  degraded: boolean;
  allDown: boolean;
  /**
   * NODATA because this family's members are not usable while the other family's are (`tiers.ts`
   * rule 4): a transient answer, so the resolver caps its negative TTL at `ttl`.
   */
  otherFamilyServes: boolean;
  /** TTL for the answer: `ttl`, or `degradedTtl` while degraded. */
  ttl: number;
  /** How many distinct answers the cache should prebuild for this name and family (≥ 1). */
  variants: number;
  /**
   * The ring's candidates in configured order (empty unless outcome is `answer`), and whether they
   * are drawn by weight: under rotation, answer `v` is `rotateSlice(pick, v, max)` for every v, so
   * a caller may plan once per snapshot and order per reply (`resolve-balanced.ts`).
   */
  pick: readonly Member[];
  byWeight: boolean;
  decision: Decision;
}

/** Answer `variant` of a rotation over `pick`: `max` members starting at `variant mod n` (O(max), not O(n)). */
export function rotateSlice<T>(pick: readonly T[], variant: number, max: number): T[] {
  const n = pick.length;
  if (n === 0) return [];
  const start = ((Math.floor(variant) % n) + n) % n;
  const out: T[] = [];
  for (let i = 0; i < Math.min(n, Math.max(1, Math.floor(max))); i++) out.push(pick[(start + i) % n]!);
  return out;
}

/** The weighted policy's draw for one ring slot: its generator and ring position. */
export function drawFor(owner: string, family: number, opts: DrawOptions): { random: () => number; ring: RingSlot } {
  const seed = opts.seed ?? 0;
  const random = opts.random ?? seededRandom(seed, owner, family, opts.variant);
  const phase = opts.phase ?? (opts.random ? 0 : ringPhase(seed, owner, family));
  return { random, ring: { slot: opts.variant, slots: WEIGHTED_VARIANTS, phase } };
}

/** `weighted` and `latency` both draw by composed weight (`latency` adds its factor there). */
export function byWeightPolicy(name: BalancedName): boolean {
  return name.policy === 'weighted' || name.policy === 'latency';
}

/** Order `pick` by policy; `k` caps the result. */
function order(pick: readonly MemberDecision[], name: BalancedName, failOpen: boolean, k: number, opts: SelectOptions): MemberDecision[] {
  if (byWeightPolicy(name) && !failOpen) {
    const { random, ring } = drawFor(name.owner, opts.family, opts);
    return weightedRingSlot(pick, (c) => c.weight.weight, k, random, ring);
  }
  return rotate(pick, opts.variant).slice(0, Math.max(0, k));
}

export function selectMembers(name: BalancedName, states: StateLookup, opts: SelectOptions): Selection {
  const plan = planTiers(name, states, opts.family, opts.variant, opts.now);
  const decision = plan.decision;
  const max = Math.max(1, Math.floor(name.max));
  const failOpen = decision.mode === 'fail-open';
  const byWeight = byWeightPolicy(name) && !failOpen;
  const ordered = decision.outcome === 'answer' ? order(plan.pick, name, failOpen, max, opts) : [];
  ordered.forEach((c, position) => {
    c.verdict = 'selected';
    c.position = position;
  });
  const chosen = new Set(ordered);
  for (const c of plan.pick) {
    if (chosen.has(c)) continue;
    c.verdict = 'not-selected';
    c.reason = byWeight ? 'not-drawn' : 'beyond-max';
  }
  if (decision.outcome === 'answer') assignShares(plan.pick, byWeight);
  decision.ttl = degradedTtl(name, decision.degraded);
  const variants = decision.outcome !== 'answer' || plan.pick.length <= 1 ? 1 : byWeight ? WEIGHTED_VARIANTS : plan.pick.length;
  return {
    tierIndex: decision.outcome === 'answer' ? decision.servingTier : -1,
    members: ordered.map((c) => c.member),
    outcome: decision.outcome,
    degraded: decision.degraded.length > 0,
    allDown: decision.allDown,
    otherFamilyServes: plan.otherFamilyServes,
    ttl: decision.ttl,
    variants,
    pick: decision.outcome === 'answer' ? plan.pick.map((c) => c.member) : [],
    byWeight,
    decision,
  };
}
