/**
 * Zone data model: plain, immutable data shared by the parsers (which build it), the resolver (which
 * reads it) and the wire encoder. No I/O here.
 *
 * Names are stored in canonical form: lower case, absolute, without the trailing dot; the root is ''.
 * Only class IN data is served (CHAOS and others are REFUSED by the resolver).
 */

import type { Name } from '../name.ts';
import type { PoolSet } from '../pool/index.ts';

export { canonicalName, isInOrBelow, type Name } from '../name.ts';

/** RR type codes: the one table, in `rr-types.ts`. */
import { RRType } from './rr-types.ts';
export { parseType, RRType, typeName } from './rr-types.ts';

export const CLASS_IN = 1;

export interface SoaData {
  type: typeof RRType.SOA;
  mname: Name;
  rname: Name;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/** RDATA of the types mxlb understands; anything else is carried as RFC 3597 opaque bytes. */
export type RData =
  | { type: typeof RRType.A; address: string }
  | { type: typeof RRType.AAAA; address: string }
  | { type: typeof RRType.NS | typeof RRType.CNAME | typeof RRType.PTR; target: Name }
  | { type: typeof RRType.MX; preference: number; exchange: Name }
  /** Each element is one <character-string> (RFC 1035 §3.3.14), raw bytes, at most 255 long. */
  | { type: typeof RRType.TXT; strings: Uint8Array[] }
  | SoaData
  | { type: typeof RRType.SRV; priority: number; weight: number; port: number; target: Name }
  | { type: typeof RRType.CAA; flags: number; tag: string; value: Uint8Array }
  /** RFC 3597 generic data: the type's RDATA as opaque bytes. */
  | { type: number; raw: Uint8Array };

export interface ResourceRecord {
  owner: Name;
  type: number;
  ttl: number;
  rdata: RData;
}

/** All records of one owner and type; RFC 2181 §5.2 gives them one TTL (the smallest seen). */
export interface RRSet {
  owner: Name;
  type: number;
  ttl: number;
  rdata: readonly RData[];
}

/** A parsed, validated zone. Built once by `buildZone`, never mutated after. */
export interface Zone {
  origin: Name;
  /** The apex SOA. */
  soa: SoaData;
  soaTtl: number;
  /** owner → type → RRSet, for every owner that has data. */
  nodes: ReadonlyMap<Name, ReadonlyMap<number, RRSet>>;
  /**
   * Every name that exists in the zone: owners plus empty non-terminals between them and the
   * origin (RFC 4592 §2.2.2). A name here with no entry in `nodes` is an empty non-terminal.
   */
  names: ReadonlySet<Name>;
  /** Owners below the apex that carry NS: zone cuts (RFC 1034 §4.2.1). */
  cuts: ReadonlySet<Name>;
  /** Where the zone came from, for messages and `zone list`. */
  source: string;
  /**
   * Balanced names, MX bindings and their pools, from a YAML zone (docs/zone-format.md); absent
   * for plain master-file zones. Member host names in the zone already have their A/AAAA in `nodes`.
   */
  balancing?: PoolSet;
}

/** The zones being served, by origin. */
export interface ZoneSet {
  zones: ReadonlyMap<Name, Zone>;
}

/** The zone with the longest origin that contains `name`, if any (RFC 1034 §4.3.2 step 2). */
export function findZone(set: ZoneSet, name: Name): Zone | undefined {
  let candidate = name;
  for (;;) {
    const zone = set.zones.get(candidate);
    if (zone) return zone;
    if (candidate === '') return undefined;
    const dot = candidate.indexOf('.');
    candidate = dot < 0 ? '' : candidate.slice(dot + 1);
  }
}
