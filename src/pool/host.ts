/**
 * A/AAAA for an in-zone member host name (pure): the addresses a sender gets when it looks up an
 * MX exchange (RFC 5321 §5.1: it resolves the exchange's A/AAAA itself) or a host name an operator
 * wrote into its configuration. Several members may share a host: a dual-stack MTA (one IPv4 and
 * one IPv6 member), or one MTA listed in several pools.
 *
 * Rules, over every member of the host (both families, every pool), in order, with the same
 * eligibility as balanced names (`weight.ts` exclusionOf):
 * 1. *Serving* members — eligible (composed weight > 0), exactly the members balanced answers
 *    carry — answer, those of the asked family. When the host serves only in the other family:
 *    NODATA (a dual-stack sender uses the healthy family).
 * 2. None serving, but a standby (weight 0) is usable: the usable standbys answer — a healthy
 *    address beats a dead one (degraded TTL).
 * 3. Nothing usable: every address of the host, drained, quarantined and down ones included
 *    (fail-open, degraded TTL). A host lookup usually follows an MX answer that already chose this
 *    host, and an empty answer helps nobody (DESIGN principle 4).
 * The TTL is the host's (its static RRset's) unless a member of the asked family is down, the
 * family gets NODATA while the other serves, or rule 2/3 applies: then the smallest
 * `degraded-ttl` of the balanced names using the host's members.
 * Order: members in pool order then member order, rotated by `variant` like round-robin.
 */
import { rotate, type DegradedReason, type Decision, type MemberDecision, type Rule } from './decision.ts';
import type { AddressFamily, Member } from './model.ts';
import type { StateLookup } from './tiers.ts';
import { composeWeight, exclusionOf } from './weight.ts';
import type { Name } from '../name.ts';

/** An in-zone host name that members use, with what its answers need. */
export interface MemberHost {
  host: Name;
  /** Every member whose `host` this is, in pool order then member order, both families. */
  members: Member[];
  /** Smallest `degraded-ttl` of the balanced names using these members (default 5). */
  degradedTtl: number;
}

export interface HostSelection {
  /** The members of the asked family to answer, in answer order (may be empty: NODATA). */
  members: Member[];
  /** Which rule applied: 1, 2 or 3 above. */
  mode: 'serving' | 'standby' | 'fail-open';
  /** NODATA because this family has no member in the answer while the other family has. */
  otherFamilyServes: boolean;
  degraded: boolean;
  ttl: number;
  /** How many rotations the answer cache should prebuild (≥ 1): the members chosen. */
  variants: number;
  decision: Decision;
}

type Kind = 'serving' | 'standby' | 'dead';

function kindOf(d: MemberDecision): Kind {
  if (d.exclusion === undefined) return 'serving';
  return d.exclusion === 'standby' ? 'standby' : 'dead';
}

/**
 * The answer for `family` at `host`. `ttl` is the TTL of the host's static RRset of that family
 * (what the host answers while healthy).
 */
export function selectHost(host: MemberHost, states: StateLookup, opts: { family: AddressFamily; variant: number; ttl: number; now?: number }): HostSelection {
  const { family } = opts;
  const members = host.members.map((member): MemberDecision => {
    const state = states(member.id);
    const weight = composeWeight(member, state, opts.now);
    const exclusion = exclusionOf(weight);
    const d: MemberDecision = { member, tier: 0, state, weight, verdict: 'excluded', reason: exclusion ?? 'serving', share: 0 };
    if (exclusion !== undefined) d.exclusion = exclusion;
    return d;
  });
  const kinds = members.map(kindOf);
  const mode: HostSelection['mode'] = kinds.includes('serving') ? 'serving' : kinds.includes('standby') ? 'standby' : 'fail-open';
  const wanted: Kind | undefined = mode === 'serving' ? 'serving' : mode === 'standby' ? 'standby' : undefined;
  const chosen: MemberDecision[] = [];
  members.forEach((d, i) => {
    if (d.member.family !== family) d.reason = 'other-family';
    else if (wanted === undefined) { d.verdict = 'selected'; d.reason = 'fail-open'; chosen.push(d); }
    else if (kinds[i] === wanted) { d.verdict = 'selected'; d.reason = wanted === 'serving' ? 'serving' : 'standby-serving'; chosen.push(d); }
  });
  const order = rotate(chosen, opts.variant);
  order.forEach((d, position) => { d.position = position; d.share = 1 / order.length; });
  const ofFamily = members.filter((d) => d.member.family === family).length;
  const otherFamilyServes = chosen.length === 0 && ofFamily > 0 && wanted !== undefined;

  const degraded: DegradedReason[] = [];
  // Like balanced answers: a down member of the asked family may come back into this RRset soon.
  for (const d of members) if (d.member.family === family && d.state.state === 'down') degraded.push({ code: 'member-down', member: d.member.id });
  if (mode === 'standby') degraded.push({ code: 'host-standby' });
  if (mode === 'fail-open') degraded.push({ code: 'host-fail-open' });
  if (otherFamilyServes) degraded.push({ code: 'family-unusable', family });
  const ttl = degraded.length > 0 ? Math.min(host.degradedTtl, opts.ttl) : opts.ttl;
  const rule: Rule =
    ofFamily === 0 ? { code: 'host-no-family' } :
    otherFamilyServes ? { code: 'host-other-family' } :
    mode === 'serving' ? { code: 'host-serving', count: chosen.length } :
    mode === 'standby' ? { code: 'host-standby' } : { code: 'host-fail-open' };
  const decision: Decision = {
    owner: host.host,
    query: family === 4 ? 'A' : 'AAAA',
    kind: 'host',
    family,
    policy: 'round-robin',
    variant: opts.variant,
    max: host.members.length,
    allDownPolicy: 'all',
    tiers: [{
      index: 0,
      pools: [...new Set(host.members.map((m) => m.pool))],
      members: ofFamily,
      usable: members.filter((d, i) => d.member.family === family && kinds[i] === 'serving').length,
      usableAnyFamily: kinds.filter((k) => k === 'serving').length,
      minHealthy: 1,
      decision: ofFamily === 0 ? 'empty' : mode === 'fail-open' ? 'fail-open' : 'chosen',
    }],
    members,
    outcome: chosen.length > 0 ? 'answer' : 'nodata',
    mode: mode === 'fail-open' ? 'fail-open' : 'normal',
    servingTier: chosen.length > 0 ? 0 : -1,
    allDown: mode === 'fail-open',
    rule,
    degraded,
    ttl,
  };
  return { members: order.map((d) => d.member), mode, otherFamilyServes, degraded: degraded.length > 0, ttl, variants: Math.max(1, order.length), decision };
}
