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
import { degradedTtl, rotate, type Decision, type MemberDecision, type Outcome } from './decision.ts';
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

/** Order hosts: rotation of hosts, or weighted draws of members with each host kept at its first draw. */
function orderHosts(pick: readonly MemberDecision[], byWeight: boolean, owner: string, opts: DrawOptions): HostGroup[] {
  if (byWeight) {
    const { random, ring } = drawFor(owner, 0, opts);
    const drawn = weightedRingSlot(pick, (c) => c.weight.weight, pick.length, random, ring);
    const order = groupByHost(drawn).map((g) => g.host);
    const all = new Map(groupByHost(pick).map((g) => [g.host, g]));
    return order.map((host) => all.get(host)!);
  }
  return rotate(groupByHost(pick), opts.variant);
}

/** First-place share of each host's members: the host's summed weight, or one rotation turn per host. */
function assignHostShares(pick: readonly MemberDecision[], byWeight: boolean): void {
  const groups = groupByHost(pick);
  const total = byWeight ? pick.reduce((sum, c) => sum + c.weight.serving, 0) : groups.length;
  for (const group of groups) {
    const hostWeight = byWeight ? group.candidates.reduce((sum, c) => sum + c.weight.serving, 0) : 1;
    for (const c of group.candidates) c.share = total > 0 ? hostWeight / total : 0;
  }
}

export function selectMx(binding: MxBinding, name: BalancedName, states: StateLookup, opts: DrawOptions): MxSelection {
  const plan = planTiers(name, states, undefined, opts.variant, opts.now);
  const decision = plan.decision;
  const max = Math.max(1, Math.floor(name.max));
  const step = Math.max(1, Math.floor(binding.step));
  const byWeight = byWeightPolicy(name) && decision.mode !== 'fail-open';
  const published = new Map<string, number>();
  const records: MxEntry[] = [];
  const tiers = tiersToPublish(plan);
  for (const { tier, pick } of tiers) {
    const preference = Math.min(65535, step * (tier + 1));
    let count = 0;
    for (const group of orderHosts(pick, byWeight, binding.owner, opts)) {
      const earlier = published.get(group.host);
      for (const c of group.candidates) {
        if (earlier !== undefined) {
          c.verdict = 'not-selected';
          c.reason = 'host-already-published';
          c.publishedAt = earlier;
        } else if (count >= max) {
          c.verdict = 'not-selected';
          c.reason = 'beyond-max';
        } else {
          c.verdict = 'selected';
          c.preference = preference;
          c.position = records.length;
          // A fallback tier's members were marked "tier not used" by planTiers(); here they are published.
          if (tier !== decision.servingTier) c.reason = 'fallback-tier';
        }
      }
      if (earlier !== undefined || count >= max) continue;
      published.set(group.host, preference);
      records.push({ preference, exchange: group.host, tier, members: group.candidates.map((c) => c.member) });
      count++;
    }
  }
  if (tiers.length > 0) assignHostShares(tiers[0]!.pick, byWeight);
  decision.ttl = degradedTtl({ ttl: binding.ttl, degradedTtl: Math.min(name.degradedTtl, binding.ttl) }, decision.degraded);
  let variants = 1;
  if (tiers.length > 0) {
    variants = byWeight
      ? (tiers.some((t) => groupByHost(t.pick).length > 1) ? WEIGHTED_VARIANTS : 1)
      : Math.max(1, ...tiers.map((t) => groupByHost(t.pick).length));
  }
  return { records, outcome: decision.outcome, degraded: decision.degraded.length > 0, allDown: decision.allDown, ttl: decision.ttl, variants, decision };
}
