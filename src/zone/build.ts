import { SourceError } from '../errors.ts';
import { RRType, isInOrBelow, type Name, type RData, type ResourceRecord, type RRSet, type SoaData, type Zone } from './model.ts';

/** A record as a parser produced it, with the line it came from for error messages. */
export interface SourcedRecord extends ResourceRecord {
  line?: number;
  /** The file the record came from when it is not the zone's own (an `$INCLUDE`d file). */
  file?: string;
}

/**
 * Checks a zone's records and builds the immutable Zone the resolver reads.
 * Contract: throws SourceError(file, line, reason) for the first problem found; never returns a
 * zone that breaks these rules (RFC 1035 §5.2, RFC 1034 §3.6.2, RFC 2181 §10.1):
 * exactly one SOA, at the apex; NS at the apex; no data outside the origin; a CNAME owner has no
 * other data; one TTL per RRSet (the smallest wins, RFC 2181 §5.2); identical records collapse.
 */
export function buildZone(origin: Name, records: readonly SourcedRecord[], source: string): Zone {
  const nodes = new Map<Name, Map<number, { owner: Name; type: number; ttl: number; rdata: RData[]; keys: Set<string> }>>();
  let soa: { data: SoaData; ttl: number } | undefined;

  for (const record of records) {
    const line = record.line ?? 0;
    const file = record.file ?? source;
    if (!isInOrBelow(record.owner, origin)) {
      throw new SourceError(file, line, `${display(record.owner)} is outside the zone ${display(origin)}`);
    }
    if (record.type === RRType.SOA) {
      if (record.owner !== origin) throw new SourceError(file, line, `SOA must be at the apex ${display(origin)}, not ${display(record.owner)}`);
      if (soa) throw new SourceError(file, line, 'a zone has exactly one SOA record; this is a second one');
      soa = { data: record.rdata as SoaData, ttl: record.ttl };
    }
    let types = nodes.get(record.owner);
    if (!types) nodes.set(record.owner, (types = new Map()));
    const hasCname = types.has(RRType.CNAME);
    if (record.type === RRType.CNAME ? types.size > 0 && !hasCname : hasCname) {
      throw new SourceError(file, line, `${display(record.owner)} has a CNAME and other data (RFC 1034 §3.6.2)`);
    }
    let set = types.get(record.type);
    if (!set) types.set(record.type, (set = { owner: record.owner, type: record.type, ttl: record.ttl, rdata: [], keys: new Set() }));
    if (record.type === RRType.CNAME && set.rdata.length > 0) {
      throw new SourceError(file, line, `${display(record.owner)} has more than one CNAME`);
    }
    set.ttl = Math.min(set.ttl, record.ttl);
    const key = JSON.stringify(record.rdata, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
    if (!set.keys.has(key)) {
      set.keys.add(key);
      set.rdata.push(record.rdata);
    }
  }

  if (!soa) throw new SourceError(source, 1, `no SOA record at the apex ${display(origin)}`);
  if (!nodes.get(origin)?.has(RRType.NS)) throw new SourceError(source, 1, `no NS records at the apex ${display(origin)}`);

  const frozenNodes = new Map<Name, ReadonlyMap<number, RRSet>>();
  const names = new Set<Name>([origin]);
  const cuts = new Set<Name>();
  for (const [owner, types] of nodes) {
    const frozen = new Map<number, RRSet>();
    for (const [type, set] of types) frozen.set(type, { owner: set.owner, type, ttl: set.ttl, rdata: set.rdata });
    frozenNodes.set(owner, frozen);
    if (owner !== origin && types.has(RRType.NS)) cuts.add(owner);
    // Every ancestor up to the origin exists, with or without data (empty non-terminals).
    for (let name = owner; name !== origin && !names.has(name); name = parentOf(name)) names.add(name);
  }
  return { origin, soa: soa.data, soaTtl: soa.ttl, nodes: frozenNodes, names, cuts, source };
}

function parentOf(name: Name): Name {
  const dot = name.indexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1);
}

function display(name: Name): string {
  return name === '' ? '.' : `${name}.`;
}
