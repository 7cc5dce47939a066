/**
 * Tier choice (pure), shared by A/AAAA and MX selection: classify every member, pick the tier that
 * serves, or apply the all-down policy. Ordering within the tier is the caller's job.
 *
 * Rules, in order:
 * 1. A member is *eligible* when its effective state is up or unknown (no drain/quarantine) and its
 *    effective weight is > 0 (weight 0 = standby).
 * 2. The first tier with at least max(1, minHealthy) eligible members serves.
 * 3. If no tier reaches its minimum, the first tier with any eligible member serves (degraded): a
 *    weak answer beats none (DESIGN principle 4).
 * 4. If no member of the asked family exists at all: NODATA, which is not "all down".
 * 5. Otherwise everything is down: `nodata` / `servfail` as configured, or fail-open `all`: every
 *    member of the first tier that has a member without an override (down members and standbys
 *    included). Drained and quarantined members are left out of fail-open — an operator who
 *    drained a relay does not want it back because its peers failed — unless every member is
 *    overridden, in which case the first tier's members are returned anyway: `all` promises a
 *    non-empty answer; choose `nodata` or `servfail` to fail closed instead.
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

function memberTrace(member: Member, tier: number, state: EffectiveState, weight: number): MemberTrace {
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
    for (const member of tier.members) {
      if (seen.has(member.id)) continue; // listed in an earlier tier or pool: that one counts
      seen.add(member.id);
      const state = states(member.id);
      const weight = effectiveWeight(member, state);
      const trace = memberTrace(member, index, state, weight);
      members.push(trace);
      if (family !== undefined && member.family !== family) {
        trace.why = `IPv${member.family} address, IPv${family} asked`;
        continue;
      }
      const why = ineligibleWhy(state, weight);
      trace.why = why ?? '';
      candidates.push({ member, tier: index, state, weight, eligible: why === undefined, trace });
    }
    tierTraces.push({
      index,
      pools: [...tier.pools],
      members: candidates.length,
      usable: candidates.filter((c) => c.eligible).length,
      minHealthy: Math.max(1, tier.minHealthy),
      decision: 'not-needed',
      why: '',
    });
    return candidates;
  });
  return { tiers, members, tierTraces };
}

function describeTier(t: TierTrace, chosen: number, mode: Plan['mode'], family: AddressFamily | undefined): void {
  if (t.members === 0) {
    t.decision = 'empty';
    t.why = family === undefined ? 'no members' : `no IPv${family} members`;
  } else if (t.index === chosen) {
    t.decision = 'chosen';
    t.why = mode === 'normal'
      ? `${t.usable} usable ≥ min ${t.minHealthy}`
      : `${t.usable} usable < min ${t.minHealthy}, but the best there is`;
  } else if (chosen < 0 || t.index < chosen) {
    t.decision = 'below-minimum';
    t.why = `${t.usable} usable < min ${t.minHealthy}`;
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
  const result: Plan = { tiers, chosen: -1, mode: 'none', outcome: 'answer', allDown: false, pick: [], trace };

  let chosen = tierTraces.findIndex((t) => t.members > 0 && t.usable >= t.minHealthy);
  if (chosen >= 0) {
    result.mode = 'normal';
    trace.applied = `tier ${chosen} is the first with at least its minimum of usable members`;
  } else {
    chosen = tierTraces.findIndex((t) => t.usable > 0);
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
  } else if (tierTraces.every((t) => t.members === 0)) {
    result.outcome = 'nodata';
    trace.applied = family === undefined ? 'the name has no members' : `the name has no IPv${family} members`;
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
