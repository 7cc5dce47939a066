/**
 * Tier choice (pure), shared by A/AAAA and MX selection: classify every member, pick the tier that
 * serves, or apply the all-down policy. Ordering within the tier is the caller's job.
 *
 * Rules, in order (for A/AAAA, "the family" is the asked one; MX counts every member):
 * 1. A member is *eligible* when its effective state is up or unknown (no drain/quarantine) and its
 *    effective weight is > 0 (weight 0 = standby).
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
import { effectiveWeight, isUsable } from './effective.ts';
import type { AddressFamily, BalancedName, EffectiveState, Member, MemberId } from './model.ts';
import type { MemberTrace, Outcome, SelectionTrace, TierTrace } from './trace.ts';

export type StateLookup = (id: MemberId) => EffectiveState;

export interface Candidate {
  member: Member;
  tier: number;
  state: EffectiveState;
  weight: number;
  eligible: boolean;
  trace: MemberTrace;
}

export interface Plan {
  /** Candidates (members of the asked family) per tier, configured order, each member once. */
  tiers: Candidate[][];
  /** Index of the serving tier, -1 when none. */
  chosen: number;
  mode: 'normal' | 'below-minimum' | 'fail-open' | 'none';
  outcome: Outcome;
  allDown: boolean;
  /** The members to order: eligible ones of the chosen tier, or the fail-open set. */
  pick: Candidate[];
  /** Rule 4: NODATA because this family's members are not eligible while the other family's are. */
  otherFamilyServes: boolean;
  trace: SelectionTrace;
}

function ineligibleWhy(state: EffectiveState, weight: number): string | undefined {
  const o = state.override;
  if (o) {
    const until = o.expiresAt === undefined ? '' : ` (until ${new Date(o.expiresAt).toISOString()})`;
    return `${o.kind} by ${o.author}: ${o.reason}${until}`;
  }
  if (state.state === 'down') return `down: ${state.observedReason ?? 'probe failed'}`;
  if (weight <= 0) return 'weight 0: standby, used only by fail-open';
  return undefined;
}

/** A member's trace entry before any verdict (also used by `host.ts`). */
export function memberTrace(member: Member, tier: number, state: EffectiveState, weight: number): MemberTrace {
  const trace: MemberTrace = {
    id: member.id,
    address: member.address,
    family: member.family,
    host: member.host,
    tier,
    state: state.state,
    observed: state.observed,
    weight,
    configuredWeight: member.weight,
    verdict: 'excluded',
    why: '',
  };
  if (state.observedReason !== undefined) trace.observedReason = state.observedReason;
  if (state.override) trace.override = state.override;
  return trace;
}

/** Candidates per tier (members of `family`, each member once) and a trace entry for every member. */
function classify(name: BalancedName, states: StateLookup, family: AddressFamily | undefined) {
  const members: MemberTrace[] = [];
  const tierTraces: TierTrace[] = [];
  const seen = new Set<MemberId>();
  const tiers = name.tiers.map((tier, index) => {
    const candidates: Candidate[] = [];
    let usableAnyFamily = 0;
    for (const member of tier.members) {
      if (seen.has(member.id)) continue; // listed in an earlier tier or pool: that one counts
      seen.add(member.id);
      const state = states(member.id);
      const weight = effectiveWeight(member, state);
      const trace = memberTrace(member, index, state, weight);
      members.push(trace);
      const why = ineligibleWhy(state, weight);
      if (why === undefined) usableAnyFamily++;
      if (family !== undefined && member.family !== family) {
        trace.why = `IPv${member.family} address, IPv${family} asked${why === undefined ? ' (usable: counts toward min-healthy)' : ''}`;
        continue;
      }
      trace.why = why ?? '';
      candidates.push({ member, tier: index, state, weight, eligible: why === undefined, trace });
    }
    tierTraces.push({
      index,
      pools: [...tier.pools],
      members: candidates.length,
      usable: candidates.filter((c) => c.eligible).length,
      usableAnyFamily,
      minHealthy: Math.max(1, tier.minHealthy),
      decision: 'not-needed',
      why: '',
    });
    return candidates;
  });
  return { tiers, members, tierTraces };
}

/** "3 usable" for MX or when only the family counts; "1 usable (3 with IPv4)" when both families do. */
function usableText(t: TierTrace, family: AddressFamily | undefined): string {
  if (family === undefined || t.usableAnyFamily === t.usable) return `${t.usable} usable`;
  return `${t.usable} usable (${t.usableAnyFamily} with IPv${family === 4 ? 6 : 4})`;
}

function describeTier(t: TierTrace, chosen: number, mode: Plan['mode'], family: AddressFamily | undefined): void {
  const usable = usableText(t, family);
  if (t.members === 0) {
    t.decision = 'empty';
    t.why = family === undefined ? 'no members' : `no IPv${family} members`;
  } else if (t.index === chosen) {
    t.decision = 'chosen';
    t.why = mode === 'normal'
      ? `${usable} ≥ min ${t.minHealthy}`
      : `${usable} < min ${t.minHealthy}, but the best there is`;
    if (t.usable === 0) t.why += `; no usable IPv${family} member: NODATA`;
  } else if (chosen < 0 || t.index < chosen) {
    t.decision = 'below-minimum';
    t.why = `${usable} < min ${t.minHealthy}`;
  } else {
    t.decision = 'not-needed';
    t.why = `tier ${chosen} serves`;
  }
}

export function plan(name: BalancedName, states: StateLookup, family: AddressFamily | undefined, variant: number): Plan {
  const { tiers, members, tierTraces } = classify(name, states, family);
  const trace: SelectionTrace = {
    owner: name.owner,
    query: family === 4 ? 'A' : family === 6 ? 'AAAA' : 'MX',
    policy: name.policy,
    variant,
    max: name.max,
    tiers: tierTraces,
    members,
    outcome: 'answer',
    allDown: false,
    allDownPolicy: name.allDown,
    applied: '',
    degraded: false,
    degradedBecause: [],
    ttl: name.ttl,
  };
  const result: Plan = { tiers, chosen: -1, mode: 'none', outcome: 'answer', allDown: false, pick: [], otherFamilyServes: false, trace };

  let chosen = tierTraces.findIndex((t) => t.members > 0 && t.usableAnyFamily >= t.minHealthy);
  if (chosen >= 0) {
    result.mode = 'normal';
    trace.applied = `tier ${chosen} is the first with at least its minimum of usable members`;
  } else {
    chosen = tierTraces.findIndex((t) => t.members > 0 && t.usableAnyFamily > 0);
    if (chosen >= 0) {
      result.mode = 'below-minimum';
      trace.applied = `no tier has its minimum of usable members; tier ${chosen} is the first with any`;
      trace.degradedBecause.push('no tier has its minimum of usable members');
    }
  }
  for (const t of tierTraces) describeTier(t, chosen, result.mode, family);

  if (chosen >= 0) {
    result.chosen = chosen;
    result.pick = tiers[chosen]!.filter((c) => c.eligible);
    if (chosen > 0) trace.degradedBecause.push(`backup tier ${chosen} in use`);
    for (const c of tiers[chosen]!) if (c.state.state === 'down') trace.degradedBecause.push(`${c.member.id} down`);
    if (result.pick.length === 0) otherFamilyServes(result, family!, `tier ${chosen}`);
  } else if (tierTraces.every((t) => t.members === 0)) {
    result.outcome = 'nodata';
    trace.applied = family === undefined ? 'the name has no members' : `the name has no IPv${family} members`;
  } else if (tierTraces.some((t) => t.usableAnyFamily > 0)) {
    otherFamilyServes(result, family!, 'any tier with members of this family');
  } else {
    applyAllDown(name, tiers, result);
  }

  for (const tier of tiers) {
    for (const c of tier) {
      if (c.eligible && c.tier !== chosen) { c.trace.verdict = 'not-selected'; c.trace.why = `tier ${c.tier} not used`; }
    }
  }
  trace.outcome = result.outcome;
  trace.allDown = result.allDown;
  return result;
}

/**
 * Rule 4: this family has no usable member where it would be answered, the other family has.
 * NODATA rather than the all-down policy, which is about the name as a whole.
 */
function otherFamilyServes(result: Plan, family: AddressFamily, where: string): void {
  const other = family === 4 ? 6 : 4;
  result.outcome = 'nodata';
  result.otherFamilyServes = true;
  result.pick = [];
  result.trace.applied =
    `no usable IPv${family} member in ${where}, but IPv${other} members serve: NODATA, so dual-stack ` +
    `senders use IPv${other} (the all-down policy applies only when no member of either family is usable)`;
  result.trace.degradedBecause.push(`no usable IPv${family} member`);
}

function applyAllDown(name: BalancedName, tiers: Candidate[][], result: Plan): void {
  const trace = result.trace;
  result.allDown = true;
  trace.degradedBecause.push('no usable member in any tier');
  if (name.allDown === 'nodata' || name.allDown === 'servfail') {
    result.outcome = name.allDown;
    trace.applied = `all members down: all-down policy ${name.allDown}`;
    return;
  }
  let index = tiers.findIndex((tier) => tier.some((c) => c.state.override === undefined));
  let pick: Candidate[];
  if (index >= 0) {
    pick = tiers[index]!.filter((c) => c.state.override === undefined);
    trace.applied =
      `all members down: fail-open returns every member of tier ${index} regardless of health ` +
      '(drained and quarantined left out)';
  } else {
    index = tiers.findIndex((tier) => tier.length > 0);
    pick = tiers[index]!;
    trace.applied =
      `every member is drained or quarantined: fail-open returns tier ${index} anyway ` +
      '(choose all-down nodata or servfail to fail closed)';
  }
  result.mode = 'fail-open';
  result.chosen = index;
  result.pick = pick;
  const tierTrace = trace.tiers[index]!;
  tierTrace.decision = 'fail-open';
  tierTrace.why = 'no usable member anywhere: all-down policy all';
  for (const c of pick) c.trace.why = `fail-open despite: ${c.trace.why}`;
}

/** Rotate `items` so that position 0 is item `variant mod n` (any integer variant, negatives too). */
export function rotate<T>(items: readonly T[], variant: number): T[] {
  const n = items.length;
  if (n === 0) return [];
  const start = ((Math.floor(variant) % n) + n) % n;
  return [...items.slice(start), ...items.slice(0, start)];
}

/** Lower TTL while degraded (never above the normal TTL) and record the verdict in the trace. */
export function finishTtl(name: { ttl: number; degradedTtl: number }, trace: SelectionTrace): number {
  trace.degraded = trace.degradedBecause.length > 0;
  trace.ttl = trace.degraded ? Math.min(name.degradedTtl, name.ttl) : name.ttl;
  return trace.ttl;
}
