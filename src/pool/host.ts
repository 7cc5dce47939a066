/**
 * A/AAAA for an in-zone member host name (pure): the addresses a sender gets when it looks up an
 * MX exchange (RFC 5321 §5.1: it resolves the exchange's A/AAAA itself) or a host name an operator
 * wrote into its configuration. Several members may share a host: a dual-stack MTA (one IPv4 and
 * one IPv6 member), or one MTA listed in several pools.
 *
 * Rules, over every member of the host (both families, every pool), in order:
 * 1. *Serving* members — usable (up or unknown, no drain/quarantine) with weight > 0, exactly the
 *    members balanced answers carry — answer, those of the asked family. When the host serves
 *    only in the other family: NODATA (a dual-stack sender uses the healthy family).
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
import { effectiveWeight, isUsable } from './effective.ts';
import type { AddressFamily, Member } from './model.ts';
import { memberTrace, rotate, type StateLookup } from './plan.ts';
import type { MemberTrace, SelectionTrace } from './trace.ts';
import type { Name } from '../zone/model.ts';

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
  trace: SelectionTrace;
}

type Kind = 'serving' | 'standby' | 'dead';

function kindOf(member: Member, states: StateLookup): Kind {
  const state = states(member.id);
  if (!isUsable(state)) return 'dead';
  return effectiveWeight(member, state) > 0 ? 'serving' : 'standby';
}

function whyNot(trace: MemberTrace, kind: Kind): string {
  if (trace.override) return `${trace.override.kind} by ${trace.override.author}: ${trace.override.reason}`;
  if (kind === 'standby') return 'weight 0: standby';
  return `down: ${trace.observedReason ?? 'probe failed'}`;
}

/**
 * The answer for `family` at `host`. `ttl` is the TTL of the host's static RRset of that family
 * (what the host answers while healthy).
 */
export function selectHost(host: MemberHost, states: StateLookup, opts: { family: AddressFamily; variant: number; ttl: number }): HostSelection {
  const { family } = opts;
  const kinds = host.members.map((m) => kindOf(m, states));
  const mode: HostSelection['mode'] = kinds.includes('serving') ? 'serving' : kinds.includes('standby') ? 'standby' : 'fail-open';
  const wanted: Kind | undefined = mode === 'serving' ? 'serving' : mode === 'standby' ? 'standby' : undefined;
  const traces = host.members.map((m, i) => {
    const state = states(m.id);
    const trace = memberTrace(m, 0, state, effectiveWeight(m, state));
    const kind = kinds[i]!;
    if (m.family !== family) trace.why = `IPv${m.family} address, IPv${family} asked`;
    else if (wanted === undefined) { trace.verdict = 'selected'; trace.why = `fail-open despite: ${whyNot(trace, kind)}`; }
    else if (kind === wanted) { trace.verdict = 'selected'; trace.why = kind === 'serving' ? 'usable' : 'usable standby: nothing else of the host is usable'; }
    else trace.why = whyNot(trace, kind);
    return trace;
  });
  const chosen = host.members.filter((m, i) => m.family === family && (wanted === undefined || kinds[i] === wanted));
  const order = rotate(chosen.map((m, i) => ({ m, i })), opts.variant);
  order.forEach(({ m }, position) => { traces.find((t) => t.id === m.id)!.position = position; });
  const otherFamilyServes = chosen.length === 0 && host.members.some((m) => m.family === family) && wanted !== undefined;

  const degradedBecause: string[] = [];
  // Like balanced answers: a down member of the asked family may come back into this RRset soon.
  for (const m of host.members) if (m.family === family && states(m.id).state === 'down') degradedBecause.push(`${m.id} down`);
  if (mode === 'standby') degradedBecause.push('no member of the host carries traffic: usable standbys answer');
  if (mode === 'fail-open') degradedBecause.push('no usable member of the host: fail-open');
  if (otherFamilyServes) degradedBecause.push(`no usable IPv${family} member`);
  const degraded = degradedBecause.length > 0;
  const ttl = degraded ? Math.min(host.degradedTtl, opts.ttl) : opts.ttl;
  const ofFamily = host.members.filter((m) => m.family === family).length;
  const usable = host.members.filter((m, i) => m.family === family && kinds[i] === 'serving').length;
  const pools = [...new Set(host.members.map((m) => m.pool))];
  const trace: SelectionTrace = {
    owner: host.host,
    query: family === 4 ? 'A' : 'AAAA',
    kind: 'host',
    policy: 'round-robin',
    variant: opts.variant,
    max: host.members.length,
    tiers: [{
      index: 0,
      pools,
      members: ofFamily,
      usable,
      usableAnyFamily: kinds.filter((k) => k === 'serving').length,
      minHealthy: 1,
      decision: ofFamily === 0 ? 'empty' : mode === 'fail-open' ? 'fail-open' : 'chosen',
      why: ofFamily === 0 ? `no IPv${family} members` : `members of host ${host.host}`,
    }],
    members: traces,
    outcome: chosen.length > 0 ? 'answer' : 'nodata',
    allDown: mode === 'fail-open',
    allDownPolicy: 'all',
    applied: appliedText(mode, family, chosen.length, ofFamily, otherFamilyServes),
    degraded,
    degradedBecause,
    ttl,
  };
  return { members: order.map(({ m }) => m), mode, otherFamilyServes, degraded, ttl, trace };
}

function appliedText(mode: HostSelection['mode'], family: AddressFamily, chosen: number, ofFamily: number, otherFamilyServes: boolean): string {
  if (ofFamily === 0) return `member host: no IPv${family} member uses this host: NODATA`;
  if (otherFamilyServes) return `member host: its IPv${family} members are not usable but IPv${family === 4 ? 6 : 4} members serve: NODATA`;
  if (mode === 'serving') return `member host: the addresses of its ${chosen} serving IPv${family} member(s); down, drained, quarantined and standby members left out`;
  if (mode === 'standby') return 'member host: no member carries traffic; its usable standbys (weight 0) answer';
  return 'member host: no member is usable: fail-open with every address of the host (a host name is looked up after an MX chose it; an empty answer helps nobody)';
}

/** How many rotations the answer cache should prebuild for this host and family (≥ 1). */
export function hostVariantCount(host: MemberHost, states: StateLookup, family: AddressFamily): number {
  return Math.max(1, selectHost(host, states, { family, variant: 0, ttl: 0 }).members.length);
}
