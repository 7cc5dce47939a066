/**
 * The flood fast path's classifier: from the question's wire bytes alone, decide that a query is
 * answered by a negative template (RFC 2308 NXDOMAIN from the zone's SOA) or a bare error
 * (REFUSED outside our zones), or say "don't know" and let the full resolver decide.
 *
 * Why: a random-subdomain ("water torture") flood names a different non-existent host in every
 * query, so no answer cache helps, and turning each name into a string, resolving it and caching
 * the reply was most of its cost (docs/benchmarks.md). Here the name is hashed once, right to left,
 * giving a hash for every suffix at a label boundary; zone origins and each zone's existing names
 * are kept as sets of those hashes (built once per zone / zone set: zones are immutable).
 *
 * Contract: `classify` never claims more than `resolve` would answer. A hash that is absent from a
 * zone's name set proves the name does not exist (every existing name's hash is in it); a hash that
 * is present may be a collision, so "exists", "is a cut" and "has a wildcard" all fall back to the
 * full path, which decides from strings as before. Question names with any byte outside printable
 * ASCII, a dot or a backslash inside a label fall back too (`resolve` sees those escaped,
 * RFC 1035 §5.1). DS (looked up in the parent, RFC 4035 §3.1.4.1), ANY-class and other screened
 * questions are handled exactly as `resolve` screens them, or fall back.
 */
import { RRType, type Name, type Zone, type ZoneSet } from '../zone/index.ts';
import { encodeError } from './encode.ts';
import { negativeReply, zoneNegativeSoa } from './negative.ts';
import { HEADER_SIZE, type ScannedQuery } from './query.ts';
import { Rcode } from './message.ts';
import { extraNames } from './resolve-lookup.ts';
import { screenType } from './resolve.ts';

const SEED = 0x811c9dc5 & 0x3fffffff;

/**
 * One byte prepended to a suffix hash (FNV-1a's step, fed right to left), kept to 30 bits so every
 * hash is a small integer V8 stores unboxed (a Set of 200,000 boxed numbers built 5× slower).
 */
function step(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, 0x01000193) & 0x3fffffff;
}

/** The suffix hash of a name in mxlb's text form (labels split on '.', each char one octet). */
export function nameHash(name: Name): number {
  let hash = SEED;
  if (name === '') return hash;
  let end = name.length;
  for (let dot = name.lastIndexOf('.', end - 1); ; dot = name.lastIndexOf('.', end - 1)) {
    for (let i = end - 1; i > dot; i--) hash = step(hash, name.charCodeAt(i));
    hash = step(hash, end - dot - 1);
    if (dot < 0) return hash;
    end = dot;
  }
}

/**
 * A set of 30-bit hashes in one Int32Array (open addressing, linear probing, 0 = empty; a hash of
 * 0 is stored as 1, which only adds a "might exist"). Why not a Set<number>: building one of
 * 200,000 names took the answering thread several times longer (measured), and this costs 4
 * octets per slot at a load of at most one half.
 */
export class HashSet30 {
  private readonly table: Int32Array;
  private readonly mask: number;

  constructor(count: number) {
    let size = 16;
    while (size < count * 2) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
  }

  add(hash: number): void {
    const key = hash === 0 ? 1 : hash;
    for (let i = key & this.mask; ; i = (i + 1) & this.mask) {
      const at = this.table[i]!;
      if (at === key) return;
      if (at === 0) {
        this.table[i] = key;
        return;
      }
    }
  }

  has(hash: number): boolean {
    const key = hash === 0 ? 1 : hash;
    for (let i = key & this.mask; ; i = (i + 1) & this.mask) {
      const at = this.table[i]!;
      if (at === key) return true;
      if (at === 0) return false;
    }
  }
}

/** A zone's names as hashes: every name that exists (static, ENT, balanced), and the cuts. */
interface ZoneHashes {
  names: HashSet30;
  cuts: HashSet30;
  /** False while a large zone's names are still being added, a slice per event-loop turn. */
  ready: boolean;
}

/**
 * Names hashed in one go; a larger zone is hashed this many per event-loop turn, and its queries
 * take the full path until it is done. Why: 200,000 names took about 100 ms of the answering
 * thread's CPU in one go (measured on the loaded 2-core machine), a stall of every answer; a slice
 * of 2,000 took a median 0.7 ms.
 */
export const HASH_SLICE = 2_000;

const zoneHashes = new WeakMap<Zone, ZoneHashes>();

/** The zone's hashes, or undefined while they are still being built (the caller falls back). */
function hashesOf(zone: Zone): ZoneHashes | undefined {
  let hashes = zoneHashes.get(zone);
  if (!hashes) {
    const extra = extraNames(zone);
    hashes = { names: new HashSet30(zone.names.size + extra.size), cuts: new HashSet30(zone.cuts.size), ready: false };
    zoneHashes.set(zone, hashes);
    for (const name of zone.cuts) hashes.cuts.add(nameHash(name));
    const all = [zone.names, extra].values();
    let current = all.next().value!.values();
    const fill = (): void => {
      for (let n = 0; n < HASH_SLICE; n++) {
        const next = current.next();
        if (!next.done) {
          hashes!.names.add(nameHash(next.value));
          continue;
        }
        const set = all.next();
        if (set.done) {
          hashes!.ready = true;
          return;
        }
        current = set.value.values();
      }
      setImmediate(fill);
    };
    fill();
  }
  return hashes.ready ? hashes : undefined;
}

/** Zones by origin hash; an origin's text is compared on a hit. */
const originIndexes = new WeakMap<ZoneSet, Map<number, Zone[]>>();

function originsOf(set: ZoneSet): Map<number, Zone[]> {
  let index = originIndexes.get(set);
  if (!index) {
    index = new Map();
    for (const zone of set.zones.values()) {
      const hash = nameHash(zone.origin);
      const list = index.get(hash);
      if (list) list.push(zone);
      else index.set(hash, [zone]);
    }
    originIndexes.set(set, index);
  }
  return index;
}

/** What `classify` found; `zone` and `originAt` only for `nxdomain`. */
export interface Classified {
  kind: 'fallback' | 'bare' | 'nxdomain';
  rcode: number;
  zone: Zone | undefined;
  /** Offset in the query where the zone origin's wire form starts (a label boundary). */
  originAt: number;
}

/** Label starts and suffix hashes of the current question: the classifier allocates nothing per query. */
const starts = new Int32Array(128);
const suffixes = new Int32Array(129);
const result: Classified = { kind: 'fallback', rcode: 0, zone: undefined, originAt: 0 };

function fallback(): Classified {
  result.kind = 'fallback';
  result.zone = undefined;
  return result;
}

/**
 * Classifies a scanned query (question name from offset 12 to `qnameEnd`). The returned object is
 * reused by the next call: read it before classifying again.
 */
export function classify(query: Uint8Array, qnameEnd: number, qtype: number, qclass: number, zones: ZoneSet): Classified {
  // resolve's screening order: class, then type (RFC 6895 §3.1), then the zone.
  if (qclass !== 1) return bare(Rcode.REFUSED);
  const screened = screenType(qtype);
  if (screened !== undefined) return bare(screened);
  if (qtype === RRType.DS) return fallback();

  let count = 0;
  for (let pos = HEADER_SIZE; pos < qnameEnd - 1; pos += query[pos]! + 1) starts[count++] = pos;
  let hash = SEED;
  suffixes[count] = hash;
  for (let j = count - 1; j >= 0; j--) {
    const start = starts[j]!;
    const length = query[start]!;
    for (let i = start + length; i > start; i--) {
      let c = query[i]!;
      if (c < 0x21 || c > 0x7e || c === 0x2e || c === 0x5c) return fallback();
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      hash = step(hash, c);
    }
    hash = step(hash, length);
    suffixes[j] = hash;
  }

  // The longest origin that is a suffix of the name (RFC 1034 §4.3.2 step 2).
  const origins = originsOf(zones);
  let zone: Zone | undefined;
  let at = 0;
  for (let j = 0; j <= count && !zone; j++) {
    const candidates = origins.get(suffixes[j]!);
    if (!candidates) continue;
    const from = j < count ? starts[j]! : qnameEnd - 1;
    for (const candidate of candidates) {
      if (sameName(query, from, qnameEnd, candidate.origin)) {
        zone = candidate;
        at = j;
        break;
      }
    }
  }
  if (!zone) return bare(Rcode.REFUSED);

  // Walk down from the apex (resolve-lookup.ts `lookup`): the first name that does not exist ends it.
  const hashes = hashesOf(zone);
  if (!hashes) return fallback();
  const { names, cuts } = hashes;
  for (let j = at - 1; j >= 0; j--) {
    const h = suffixes[j]!;
    if (cuts.has(h)) return fallback();
    if (names.has(h)) continue;
    // RFC 4592: a wildcard at the closest encloser would synthesize an answer.
    if (names.has(step(step(suffixes[j + 1]!, 0x2a), 1))) return fallback();
    result.kind = 'nxdomain';
    result.rcode = Rcode.NXDOMAIN;
    result.zone = zone;
    result.originAt = at < count ? starts[at]! : qnameEnd - 1;
    return result;
  }
  return fallback();
}

function bare(rcode: number): Classified {
  result.kind = 'bare';
  result.rcode = rcode;
  result.zone = undefined;
  return result;
}

/** True when the wire name at [from, end) equals `name` (text, canonical) ignoring ASCII case. */
function sameName(query: Uint8Array, from: number, end: number, name: Name): boolean {
  let pos = from;
  let i = 0;
  while (pos < end - 1) {
    const length = query[pos]!;
    if (i > 0) {
      if (name.charCodeAt(i) !== 0x2e) return false;
      i++;
    }
    for (let k = 1; k <= length; k++) {
      let c = query[pos + k]!;
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      if (name.charCodeAt(i++) !== c) return false;
    }
    pos += length + 1;
  }
  return i === name.length;
}

/**
 * The reply to a query the classifier can answer alone (see the module contract), or undefined:
 * a bare REFUSED/NOTIMP/FORMERR as `encodeError` writes it, or an NXDOMAIN from the zone's
 * negative template (./negative.ts). `limit`: the largest reply the client takes, less any room
 * the caller keeps for options it adds (cookies). Callers skip it for ECS queries (the reply
 * would echo the option, RFC 7871 §7.2.1) and when a resolver other than `resolve` is in use.
 */
export function quickNegative(query: Uint8Array, scan: ScannedQuery, limit: number, zones: ZoneSet): Buffer | undefined {
  const found = classify(query, scan.qnameEnd, scan.qtype, scan.qclass, zones);
  if (found.kind === 'bare') return encodeError(query, scan, found.rcode);
  if (found.kind !== 'nxdomain') return undefined;
  const edns = scan.edns ? (scan.edns.dnssecOk ? WITH_DO : WITHOUT_DO) : null;
  return negativeReply(query, scan.qnameEnd, Rcode.NXDOMAIN, zoneNegativeSoa(found.zone!), edns, limit, found.originAt);
}

const WITH_DO = { dnssecOk: true } as const;
const WITHOUT_DO = { dnssecOk: false } as const;
