/**
 * MX selection for an MX binding (pure): one MX per member host (RFC 1035 §3.3.9), preference by
 * tier, `step × (tier + 1)` — 10 for the primary, 20 for the first backup, …
 *
 * Decision: the serving tier (as for A/AAAA, `tiers.ts`) is published together with every *later*
 * tier that has a usable member, each at its own preference, so a sending MTA falls back by itself
 * when the primaries refuse or time out (RFC 5321 §5.1) without waiting for a probe or a TTL.
 * Tiers before the serving one are left out: they are below their minimum, which is exactly when
 * the operator asked for traffic to move away from them. `max` caps the hosts *per tier*, so a
 * backup tier always keeps its place in the answer. Preferences are stable per tier (not
 * renumbered), so "20" always means "first backup" to the operator reading a dig answer.
 * Under fail-open only the fail-open tier is published. The weighted policy's randomness is seeded
 * by the binding's owner (`select.ts` drawFor).
 */
import { degradedTtl, type Decision, type MemberDecision, type Outcome } from './decision.ts';
import type { BalancedName, Member, MxBinding } from './model.ts';
import { byWeightPolicy, drawFor, WEIGHTED_VARIANTS, type DrawOptions } from './select.ts';
import { planTiers, type StateLookup, type TierPlan } from './tiers.ts';
import { weightedRingSlot } from './weighted.ts';

export interface MxEntry {
  preference: number;
  exchange: string;
  tier: number;
  /** The selected members behind this exchange (for A/AAAA in the additional section). */
  members: Member[];
}

export interface MxSelection {
  records: MxEntry[];
  outcome: Outcome;
  degraded: boolean;
  allDown: boolean;
  ttl: number;
  /** How many distinct MX answers the cache should prebuild (≥ 1). */
  variants: number;
  decision: Decision;
}

interface HostGroup {
  host: string;
  candidates: MemberDecision[];
}

function groupByHost(candidates: readonly MemberDecision[]): HostGroup[] {
  const groups = new Map<string, HostGroup>();
  for (const c of candidates) {
    const group = groups.get(c.member.host) ?? { host: c.member.host, candidates: [] };
    group.candidates.push(c);
    groups.set(c.member.host, group);
  }
  return [...groups.values()];
}

/** Tiers to publish with the candidates of each, in preference order. */
function tiersToPublish(plan: TierPlan): Array<{ tier: number; pick: MemberDecision[] }> {
  const decision = plan.decision;
  if (decision.outcome !== 'answer') return [];
  const out = [{ tier: decision.servingTier, pick: plan.pick }];
  if (decision.mode === 'fail-open') return out;
  for (let tier = decision.servingTier + 1; tier < plan.tiers.length; tier++) {
    const pick = plan.tiers[tier]!.filter((c) => c.exclusion === undefined);
    if (pick.length === 0) continue;
    out.push({ tier, pick });
    decision.tiers[tier]!.decision = 'fallback';
  }
  return out;
}

/**
 * The hosts of one published tier in answer order: under rotation the groups starting at
 * `variant mod n` (lazily: the caller stops once `max` hosts are published), else weighted draws of
 * members with each host kept at its first draw (O(members), as the A/AAAA weighted policy).
 */
function* orderHosts(tier: PublishedTier, byWeight: boolean, owner: string, opts: DrawOptions): Generator<HostGroup> {
  if (byWeight) {
    const { random, ring } = drawFor(owner, 0, opts);
    const drawn = weightedRingSlot(tier.pick, (c) => c.weight.weight, tier.pick.length, random, ring);
    const all = new Map(tier.groups.map((g) => [g.host, g]));
    for (const g of groupByHost(drawn)) yield all.get(g.host)!;
    return;
  }
  const n = tier.groups.length;
  const start = ((Math.floor(opts.variant) % n) + n) % n;
  for (let i = 0; i < n; i++) yield tier.groups[(start + i) % n]!;
}

/** First-place share of each host's members: the host's summed weight, or one rotation turn per host. */
function assignHostShares(tier: PublishedTier, byWeight: boolean): void {
  const total = byWeight ? tier.pick.reduce((sum, c) => sum + c.weight.serving, 0) : tier.groups.length;
  for (const group of tier.groups) {
    const hostWeight = byWeight ? group.candidates.reduce((sum, c) => sum + c.weight.serving, 0) : 1;
    for (const c of group.candidates) c.share = total > 0 ? hostWeight / total : 0;
  }
}

interface PublishedTier {
  tier: number;
  preference: number;
  pick: MemberDecision[];
  /** `pick` grouped by host, in configured order (computed once per plan). */
  groups: HostGroup[];
}

/** Everything of an MX selection that does not depend on the ring slot (O(members) to make). */
interface MxPlan {
  decision: Decision;
  tiers: PublishedTier[];
  byWeight: boolean;
  max: number;
  variants: number;
}

function planMx(binding: MxBinding, name: BalancedName, states: StateLookup, opts: DrawOptions): MxPlan {
  const plan = planTiers(name, states, undefined, opts.variant, opts.now);
  const decision = plan.decision;
  const step = Math.max(1, Math.floor(binding.step));
  const byWeight = byWeightPolicy(name) && decision.mode !== 'fail-open';
  const tiers = tiersToPublish(plan).map(({ tier, pick }) => ({ tier, pick, preference: Math.min(65535, step * (tier + 1)), groups: groupByHost(pick) }));
  if (tiers.length > 0) assignHostShares(tiers[0]!, byWeight);
  decision.ttl = degradedTtl({ ttl: binding.ttl, degradedTtl: Math.min(name.degradedTtl, binding.ttl) }, decision.degraded);
  let variants = 1;
  if (tiers.length > 0) {
    variants = byWeight ? (tiers.some((t) => t.groups.length > 1) ? WEIGHTED_VARIANTS : 1) : Math.max(1, ...tiers.map((t) => t.groups.length));
  }
  return { decision, tiers, byWeight, max: Math.max(1, Math.floor(name.max)), variants };
}

/**
 * The records of ring slot `opts.variant`. With `mark`, every candidate gets its verdict (the
 * decision is complete: O(members)); without, the walk stops after `max` hosts per tier, so a
 * rotation costs O(max × tiers) whatever the member count.
 */
function mxRecords(plan: MxPlan, owner: string, opts: DrawOptions, mark: boolean): MxEntry[] {
  const published = new Map<string, number>();
  const records: MxEntry[] = [];
  for (const tier of plan.tiers) {
    let count = 0;
    for (const group of orderHosts(tier, plan.byWeight, owner, opts)) {
      const earlier = published.get(group.host);
      if (!mark && earlier === undefined && count >= plan.max) break;
      if (mark) markGroup(group, earlier, count >= plan.max, tier, records.length, plan.decision.servingTier);
      if (earlier !== undefined || count >= plan.max) continue;
      published.set(group.host, tier.preference);
      records.push({ preference: tier.preference, exchange: group.host, tier: tier.tier, members: group.candidates.map((c) => c.member) });
      count++;
    }
  }
  return records;
}

function markGroup(group: HostGroup, earlier: number | undefined, full: boolean, tier: PublishedTier, position: number, servingTier: number): void {
  for (const c of group.candidates) {
    if (earlier !== undefined) {
      c.verdict = 'not-selected';
      c.reason = 'host-already-published';
      c.publishedAt = earlier;
    } else if (full) {
      c.verdict = 'not-selected';
      c.reason = 'beyond-max';
    } else {
      c.verdict = 'selected';
      c.preference = tier.preference;
      c.position = position;
      // A fallback tier's members were marked "tier not used" by planTiers(); here they are published.
      if (tier.tier !== servingTier) c.reason = 'fallback-tier';
    }
  }
}

function selection(plan: MxPlan, records: MxEntry[]): MxSelection {
  const d = plan.decision;
  return { records, outcome: d.outcome, degraded: d.degraded.length > 0, allDown: d.allDown, ttl: d.ttl, variants: plan.variants, decision: d };
}

/**
 * Plans per (states, name, binding) when the caller passes `memo`, an immutable object standing for
 * the states (the snapshot's member map): under rotation, slot `v` is the plan's host order rotated
 * by `v`, so a name with thousands of members plans once per snapshot and each slot costs
 * O(max × tiers). The cached decision is slot 0's (like the A/AAAA plans in `resolve-balanced.ts`);
 * callers that read decisions (/explain) pass no `memo`.
 */
const plans = new WeakMap<object, WeakMap<BalancedName, Map<string, MxPlan>>>();

export function selectMx(binding: MxBinding, name: BalancedName, states: StateLookup, opts: DrawOptions & { memo?: object }): MxSelection {
  const memo = opts.memo;
  if (memo === undefined) {
    const plan = planMx(binding, name, states, opts);
    return selection(plan, mxRecords(plan, binding.owner, opts, true));
  }
  let byName = plans.get(memo);
  if (!byName) plans.set(memo, (byName = new WeakMap()));
  let byOwner = byName.get(name);
  if (!byOwner) byName.set(name, (byOwner = new Map()));
  let plan = byOwner.get(binding.owner);
  if (!plan) {
    const first = { ...opts, variant: 0 };
    plan = planMx(binding, name, states, first);
    mxRecords(plan, binding.owner, first, true);
    byOwner.set(binding.owner, plan);
  }
  // Weighted draws are O(members) per slot anyway and depend on the slot's generator: no shortcut.
  if (plan.byWeight) {
    const fresh = planMx(binding, name, states, opts);
    return selection(fresh, mxRecords(fresh, binding.owner, opts, true));
  }
  return selection(plan, mxRecords(plan, binding.owner, opts, false));
}
