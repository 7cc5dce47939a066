/**
 * Tier choice (pure), shared by A/AAAA and MX selection: weigh every member, pick the tier that
 * serves, or apply the all-down policy. Ordering within the tier is the caller's job.
 *
 * Rules, in order (for A/AAAA, "the family" is the asked one; MX counts every member):
 * 1. A member is *eligible* when its composed weight (`weight.ts`) is > 0: usable (up or unknown,
 *    no drain/quarantine) and not a standby (weight 0).
 * 2. A tier with no member of the family is skipped for it. Among the others, the first tier with
 *    at least max(1, minHealthy) eligible members serves — counting the members of *both*
 *    families: min-healthy counts MTAs, not address families, so A and AAAA of a dual-stack tier
 *    come from the same tier.
 * 3. If no tier reaches its minimum, the first tier with any eligible member (either family)
 *    serves (degraded): a weak answer beats none (DESIGN principle 4).
 * 4. The serving tier's eligible members of the family are the answer. When it has none (its
 *    members of this family are down while the other family's serve), or when no tier with members
 *    of the family has any eligible member while the name has eligible members of the other
 *    family: NODATA (degraded), not "all down" — a dual-stack sender then uses the healthy family
 *    instead of being handed dead addresses (fail-open) or SERVFAIL.
 * 5. If no member of the asked family exists at all: NODATA, which is not "all down".
 * 6. Otherwise nothing of the name is eligible in any family: `nodata` / `servfail` as configured,
 *    or fail-open `all`: every member of the family in the first tier that has a member without
 *    an override (down members and standbys included). Drained and quarantined members are left
 *    out of fail-open — an operator who drained a relay does not want it back because its peers
 *    failed — unless every member is overridden, in which case the first tier's members are
 *    returned anyway: `all` promises a non-empty answer; choose `nodata` or `servfail` to fail
 *    closed instead.
 */
import type { Decision, MemberDecision, TierRecord } from './decision.ts';
import type { AddressFamily, BalancedName, EffectiveState, MemberId } from './model.ts';
import { composeWeight, exclusionOf } from './weight.ts';

export type StateLookup = (id: MemberId) => EffectiveState;

export interface TierPlan {
  /** Candidates (members of the asked family) per tier, configured order, each member once. */
  tiers: MemberDecision[][];
  /** The members to order: eligible ones of the serving tier, or the fail-open set. */
  pick: MemberDecision[];
  /** Rule 4: NODATA because this family's members are not eligible while the other family's are. */
  otherFamilyServes: boolean;
  decision: Decision;
}

/** Weigh every member once (first tier that lists it wins) and sort the asked family into tiers. */
function weigh(name: BalancedName, states: StateLookup, family: AddressFamily | undefined, now: number) {
  const members: MemberDecision[] = [];
  const records: TierRecord[] = [];
  const seen = new Set<MemberId>();
  const tiers = name.tiers.map((tier, index) => {
    const candidates: MemberDecision[] = [];
    let usableAnyFamily = 0;
    for (const member of tier.members) {
      if (seen.has(member.id)) continue; // listed in an earlier tier or pool: that one counts
      seen.add(member.id);
      const state = states(member.id);
      const weight = composeWeight(member, state, now, name.policy, name.provider);
      const exclusion = exclusionOf(weight);
      const decision: MemberDecision = { member, tier: index, state, weight, verdict: 'excluded', reason: exclusion ?? 'serving', share: 0 };
      if (exclusion !== undefined) decision.exclusion = exclusion;
      else usableAnyFamily++;
      members.push(decision);
      if (family !== undefined && member.family !== family) {
        decision.reason = 'other-family';
        continue;
      }
      candidates.push(decision);
    }
    records.push({
      index,
      pools: tier.pools,
      members: candidates.length,
      usable: candidates.filter((c) => c.exclusion === undefined).length,
      usableAnyFamily,
      minHealthy: Math.max(1, tier.minHealthy),
      decision: 'not-needed',
    });
    return candidates;
  });
  return { tiers, members, records };
}

export function planTiers(name: BalancedName, states: StateLookup, family: AddressFamily | undefined, variant: number, now = 0): TierPlan {
  const { tiers, members, records } = weigh(name, states, family, now);
  const decision: Decision = {
    owner: name.owner,
    query: family === 4 ? 'A' : family === 6 ? 'AAAA' : 'MX',
    policy: name.policy,
    variant,
    max: name.max,
    allDownPolicy: name.allDown,
    tiers: records,
    members,
    outcome: 'answer',
    mode: 'none',
    servingTier: -1,
    allDown: false,
    rule: { code: 'no-members' },
    degraded: [],
    ttl: name.ttl,
  };
  if (family !== undefined) decision.family = family;
  if (name.provider !== undefined) decision.provider = name.provider;
  const plan: TierPlan = { tiers, pick: [], otherFamilyServes: false, decision };

  let chosen = records.findIndex((t) => t.members > 0 && t.usableAnyFamily >= t.minHealthy);
  if (chosen >= 0) {
    decision.mode = 'normal';
    decision.rule = { code: 'tier-minimum', tier: chosen };
  } else {
    chosen = records.findIndex((t) => t.members > 0 && t.usableAnyFamily > 0);
    if (chosen >= 0) {
      decision.mode = 'below-minimum';
      decision.rule = { code: 'below-minimum', tier: chosen };
      decision.degraded.push({ code: 'below-minimum' });
    }
  }
  for (const t of records) {
    t.decision = t.members === 0 ? 'empty' : t.index === chosen ? 'chosen' : chosen < 0 || t.index < chosen ? 'below-minimum' : 'not-needed';
  }

  if (chosen >= 0) {
    decision.servingTier = chosen;
    plan.pick = tiers[chosen]!.filter((c) => c.exclusion === undefined);
    if (chosen > 0) decision.degraded.push({ code: 'backup-tier', tier: chosen });
    for (const c of tiers[chosen]!) if (c.state.state === 'down') decision.degraded.push({ code: 'member-down', member: c.member.id });
    if (plan.pick.length === 0) otherFamilyServes(plan, family!, chosen);
  } else if (records.every((t) => t.members === 0)) {
    decision.outcome = 'nodata';
    decision.rule = { code: 'no-members' };
  } else if (records.some((t) => t.usableAnyFamily > 0)) {
    otherFamilyServes(plan, family!, undefined);
  } else {
    applyAllDown(name, tiers, plan);
  }

  for (const tier of tiers) {
    for (const c of tier) if (c.exclusion === undefined && c.tier !== decision.servingTier) { c.verdict = 'not-selected'; c.reason = 'tier-not-used'; }
  }
  return plan;
}

/**
 * Rule 4: this family has no usable member where it would be answered, the other family has.
 * NODATA rather than the all-down policy, which is about the name as a whole.
 */
function otherFamilyServes(plan: TierPlan, family: AddressFamily, tier: number | undefined): void {
  const decision = plan.decision;
  decision.outcome = 'nodata';
  decision.rule = tier === undefined ? { code: 'other-family' } : { code: 'other-family', tier };
  decision.degraded.push({ code: 'family-unusable', family });
  plan.otherFamilyServes = true;
  plan.pick = [];
}

function applyAllDown(name: BalancedName, tiers: MemberDecision[][], plan: TierPlan): void {
  const decision = plan.decision;
  decision.allDown = true;
  decision.degraded.push({ code: 'all-down' });
  if (name.allDown === 'nodata' || name.allDown === 'servfail') {
    decision.outcome = name.allDown;
    decision.rule = { code: 'all-down-policy', policy: name.allDown };
    return;
  }
  let index = tiers.findIndex((tier) => tier.some((c) => c.state.override === undefined));
  if (index >= 0) {
    plan.pick = tiers[index]!.filter((c) => c.state.override === undefined);
    decision.rule = { code: 'fail-open', tier: index };
  } else {
    index = tiers.findIndex((tier) => tier.length > 0);
    plan.pick = tiers[index]!;
    decision.rule = { code: 'fail-open-overridden', tier: index };
  }
  decision.mode = 'fail-open';
  decision.servingTier = index;
  decision.tiers[index]!.decision = 'fail-open';
  for (const c of plan.pick) c.reason = 'fail-open';
}

/** Expected first-place shares of `served` (the ring's candidates): by weight, or evenly by rotation. */
export function assignShares(served: readonly MemberDecision[], byWeight: boolean): void {
  const total = byWeight ? served.reduce((sum, c) => sum + c.weight.serving, 0) : served.length;
  for (const c of served) c.share = total > 0 ? (byWeight ? c.weight.serving : 1) / total : 0;
}
