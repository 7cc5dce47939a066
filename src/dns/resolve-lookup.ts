import { RRType, isInOrBelow, type Name, type RData, type ResourceRecord, type RRSet, type Zone } from '../zone/index.ts';

/**
 * What one zone says about one name, before any CNAME is followed (RFC 1034 §4.3.2 steps 3a–3c):
 * - `data`: the name exists, or a wildcard stands in for it (RFC 4592 §3.3.1). `rrsets` is
 *   undefined for an empty non-terminal (or a wildcard that is one): NODATA for every type.
 * - `referral`: the name is at or below a zone cut (DS at the cut itself excepted).
 * - `nxdomain`: the name does not exist and no wildcard covers it.
 */
export type Lookup =
  | { kind: 'data'; rrsets: ReadonlyMap<number, RRSet> | undefined }
  | { kind: 'referral'; ns: RRSet }
  | { kind: 'nxdomain' };

/**
 * Looks `name` (canonical, in or below `zone.origin`) up in `zone` for `qtype`.
 * Walks down from the apex one label at a time, so the first cut on the way wins and a name below a
 * non-existent name is NXDOMAIN without more work (RFC 8020). The wildcard is tried only at the
 * closest encloser, which by construction is neither a cut nor the name itself (RFC 4592 §3.3.1);
 * a `*` label anywhere but first is an ordinary label. Pure; bounded by the number of labels.
 * Balanced owners and MX-binding owners exist even without static data (see `nameExists`).
 */
export function lookup(zone: Zone, name: Name, qtype: number): Lookup {
  let encloser = zone.origin;
  for (const ancestor of pathBelow(zone.origin, name)) {
    if (!nameExists(zone, ancestor)) break;
    // DS at a cut belongs to the parent side (RFC 4035 §3.1.4.1); everything else there is the child's.
    if (zone.cuts.has(ancestor) && !(ancestor === name && qtype === RRType.DS)) {
      const ns = zone.nodes.get(ancestor)?.get(RRType.NS);
      if (ns) return { kind: 'referral', ns };
    }
    encloser = ancestor;
  }
  if (encloser === name) return { kind: 'data', rrsets: zone.nodes.get(name) };

  const wildcard = encloser === '' ? '*' : `*.${encloser}`;
  if (!nameExists(zone, wildcard)) return { kind: 'nxdomain' };
  const rrsets = zone.nodes.get(wildcard);
  // An NS at a wildcard owner (RFC 4592 §4.2 advises against it) is still a cut: refer, as Knot does.
  const ns = zone.cuts.has(wildcard) ? rrsets?.get(RRType.NS) : undefined;
  if (ns) return { kind: 'referral', ns };
  return { kind: 'data', rrsets };
}

/**
 * True when `name` exists in `zone`: a static owner or empty non-terminal, or a name that exists
 * through balancing — a balanced owner or an MX-binding owner (which answer A/AAAA/MX with no
 * static data at all) and the empty non-terminals between it and the origin (RFC 4592 §2.2.2).
 * The balancing names are computed once per zone (zones are immutable) and memoized.
 */
export function nameExists(zone: Zone, name: Name): boolean {
  if (zone.names.has(name)) return true;
  if (zone.balancing === undefined) return false;
  return extraNames(zone).has(name);
}

/** The names that exist only through balancing (see `nameExists`); memoized per zone. */
export function extraNames(zone: Zone): ReadonlySet<Name> {
  if (zone.balancing === undefined) return NO_NAMES;
  let extra = balancingNames.get(zone);
  if (!extra) balancingNames.set(zone, (extra = namesFromBalancing(zone)));
  return extra;
}

const NO_NAMES: ReadonlySet<Name> = new Set();

const balancingNames = new WeakMap<Zone, ReadonlySet<Name>>();

/** Balanced and MX-binding owners inside the zone and their ancestors, minus names `zone.names` has. */
function namesFromBalancing(zone: Zone): ReadonlySet<Name> {
  const extra = new Set<Name>();
  const owners = [...(zone.balancing?.names.keys() ?? []), ...(zone.balancing?.mx.keys() ?? [])];
  for (const owner of owners) {
    if (!isInOrBelow(owner, zone.origin)) continue;
    for (let name = owner; !zone.names.has(name) && !extra.has(name); ) {
      extra.add(name);
      const dot = name.indexOf('.');
      name = dot < 0 ? '' : name.slice(dot + 1);
    }
  }
  return extra;
}

/** The names strictly below `origin` down to and including `name`, top first ([] for the apex). */
function pathBelow(origin: Name, name: Name): Name[] {
  if (name === origin) return [];
  const relative = origin === '' ? name : name.slice(0, name.length - origin.length - 1);
  const labels = relative.split('.');
  const path: Name[] = [];
  let current = origin;
  for (let i = labels.length - 1; i >= 0; i--) {
    current = current === '' ? (labels[i] ?? '') : `${labels[i] ?? ''}.${current}`;
    path.push(current);
  }
  return path;
}

/** An RRSet as records owned by `owner` (the query name when a wildcard synthesized it). */
export function recordsOf(set: RRSet, owner: Name): ResourceRecord[] {
  return set.rdata.map((rdata) => ({ owner, type: set.type, ttl: set.ttl, rdata }));
}

/** The zone's SOA as negative-answer authority: TTL min(SOA TTL, MINIMUM) (RFC 2308 §3, §5). */
export function negativeSoa(zone: Zone): ResourceRecord {
  return { owner: zone.origin, type: RRType.SOA, ttl: Math.min(zone.soaTtl, zone.soa.minimum), rdata: zone.soa };
}

/**
 * The domain name a record points at, for CNAME chasing and additional-section processing
 * (CNAME, NS, MX, SRV). Undefined for other types and for RFC 3597 opaque data, which a zone may
 * legally use even for these types and must not crash the resolver.
 */
export function targetOf(rdata: RData): Name | undefined {
  const value = 'target' in rdata ? rdata.target : 'exchange' in rdata ? rdata.exchange : undefined;
  return typeof value === 'string' ? value : undefined;
}
