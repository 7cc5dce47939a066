import { RRType, type Name, type RData, type ResourceRecord, type RRSet, type Zone } from '../zone/model.ts';

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
 */
export function lookup(zone: Zone, name: Name, qtype: number): Lookup {
  let encloser = zone.origin;
  for (const ancestor of pathBelow(zone.origin, name)) {
    if (!zone.names.has(ancestor)) break;
    // DS at a cut belongs to the parent side (RFC 4035 §3.1.4.1); everything else there is the child's.
    if (zone.cuts.has(ancestor) && !(ancestor === name && qtype === RRType.DS)) {
      const ns = zone.nodes.get(ancestor)?.get(RRType.NS);
      if (ns) return { kind: 'referral', ns };
    }
    encloser = ancestor;
  }
  if (encloser === name) return { kind: 'data', rrsets: zone.nodes.get(name) };

  const wildcard = encloser === '' ? '*' : `*.${encloser}`;
  if (!zone.names.has(wildcard)) return { kind: 'nxdomain' };
  const rrsets = zone.nodes.get(wildcard);
  // An NS at a wildcard owner (RFC 4592 §4.2 advises against it) is still a cut: refer, as Knot does.
  const ns = zone.cuts.has(wildcard) ? rrsets?.get(RRType.NS) : undefined;
  if (ns) return { kind: 'referral', ns };
  return { kind: 'data', rrsets };
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
