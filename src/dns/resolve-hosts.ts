/**
 * A/AAAA at in-zone member host names (pure): the YAML parser publishes static A/AAAA for every
 * in-zone member host (so the name exists and static-only readers see it), and the resolver
 * replaces them with `selectHost` over the snapshot's member states (`pool/host.ts`), so a stopped
 * MTA's address leaves its host name's answers like it leaves the balanced answers.
 *
 * Contract: pure functions of (zone, snapshot member states, variant), like the balanced answers
 * (`resolve-balanced.ts`); the answer cache drops everything on a snapshot version change, so host
 * answers follow member states exactly as balanced names do. Host answers do not add to
 * `Resolution.members` (the per-member `served` count): a sender looks a host up after the MX or
 * balanced answer that chose it was already counted.
 */
import { DEFAULT_BALANCED, selectHost, type AddressFamily, type Member, type MemberHost, type Outcome } from '../pool/index.ts';
import { RRType, isInOrBelow, type Name, type RData, type RRSet, type Zone } from '../zone/index.ts';
import { combine, selected, type Selected, type SelectionInputs } from './resolve-selection.ts';

/** Every in-zone member host of `zone` → its members (memoized per zone; zones are immutable). */
export function memberHosts(zone: Zone): ReadonlyMap<Name, MemberHost> {
  let hosts = indexes.get(zone);
  if (!hosts) indexes.set(zone, (hosts = buildIndex(zone)));
  return hosts;
}

const indexes = new WeakMap<Zone, ReadonlyMap<Name, MemberHost>>();
const NO_HOSTS: ReadonlyMap<Name, MemberHost> = new Map();

function buildIndex(zone: Zone): ReadonlyMap<Name, MemberHost> {
  const balancing = zone.balancing;
  if (!balancing) return NO_HOSTS;
  const hosts = new Map<Name, MemberHost>();
  for (const pool of balancing.pools.values()) {
    for (const member of pool.members) {
      // Someone else's name, or one the zone does not hold as data (the parser refuses hosts below
      // a cut): not ours to answer.
      if (!isInOrBelow(member.host, zone.origin) || !zone.names.has(member.host)) continue;
      const entry = hosts.get(member.host) ?? { host: member.host, members: [], degradedTtl: Infinity };
      if (!entry.members.some((m) => m.id === member.id)) entry.members.push(member);
      hosts.set(member.host, entry);
    }
  }
  for (const name of balancing.names.values()) {
    for (const member of name.tiers.flatMap((tier) => tier.members)) {
      const entry = hosts.get(member.host);
      if (entry && entry.members.some((m) => m.id === member.id)) entry.degradedTtl = Math.min(entry.degradedTtl, name.degradedTtl);
    }
  }
  for (const entry of hosts.values()) if (entry.degradedTtl === Infinity) entry.degradedTtl = DEFAULT_BALANCED.degradedTtl;
  return hosts;
}

export interface HostSet {
  outcome: Outcome;
  rrset: RRSet;
  /** Set when the family is not served now while the other is: the NODATA's SOA TTL cap. */
  negativeTtl?: number;
  /** Its rotation count and decision; no members (host answers are not counted as served). */
  selected: Selected;
}

/** The A (family 4) or AAAA RRset a query for `host` gets now (rdata empty: NODATA). */
export function hostAddressSet(inputs: SelectionInputs, zone: Zone, host: MemberHost, family: AddressFamily): HostSet {
  const type = family === 4 ? RRType.A : RRType.AAAA;
  const ttl = zone.nodes.get(host.host)?.get(type)?.ttl ?? DEFAULT_BALANCED.ttl;
  const selection = selectHost(host, inputs.states, { family, variant: inputs.variant, ttl });
  const rrset: RRSet = { owner: host.host, type, ttl: selection.ttl, rdata: addressData(type, selection.members) };
  const out: HostSet = { outcome: selection.members.length > 0 ? 'answer' : 'nodata', rrset, selected: selected(selection.decision, selection.variants) };
  if (selection.otherFamilyServes) out.negativeTtl = selection.ttl;
  return out;
}

/** A then AAAA RRsets (the non-empty ones) that queries for the host get now: additional data. */
export function hostAddressSets(inputs: SelectionInputs, zone: Zone, host: MemberHost): { sets: RRSet[]; selected: Selected } {
  const both = ([4, 6] as const).map((family) => hostAddressSet(inputs, zone, host, family));
  return { sets: both.filter((set) => set.rrset.rdata.length > 0).map((set) => set.rrset), selected: combine(...both.map((set) => set.selected)) };
}

/** One RDATA per distinct address (two pools may list one MTA; RFC 2181 §5 forbids duplicate RRs). */
export function addressData(type: typeof RRType.A | typeof RRType.AAAA, members: readonly Member[]): RData[] {
  const rdata: RData[] = [];
  const seen: string[] = [];
  for (const member of members) {
    if (seen.includes(member.address)) continue;
    seen.push(member.address);
    const address = member.address;
    rdata.push(type === RRType.A ? { type, address } : { type, address });
  }
  return rdata;
}
