/**
 * Answer cache (DESIGN "Speed"): prebuilt replies keyed by what decides their bytes, so a repeated
 * question costs a copy and three patches instead of resolve + encode.
 *
 * Key: the question name lower-cased in ASCII (RFC 4343 §3), QTYPE, QCLASS and the reply shape
 * (OPT or not, DO bit, size-limit bucket, which also tells UDP from TCP). Value: one reply per
 * rotation of the answer (Resolution.variants), built lazily and served round-robin. Everything
 * is dropped at once when the snapshot version changes, so a cached reply never outlives the data
 * it was built from. Positive and negative replies live in separate bounded maps: a flood of
 * random names (all NXDOMAIN or REFUSED) evicts only other negative entries.
 */
import { TCP_LIMIT, CLASSIC_UDP_LIMIT, OUR_UDP_PAYLOAD } from './encode.ts';
import { HEADER_SIZE, copyLowered, type Edns } from './query.ts';

/**
 * Prebuilt replies for one key, with ID 0, RD 0 and the question name lower-cased.
 *
 * Rotation covers every member however many there are (issue 12): reply n of the key gets
 * rotation `n mod variants`, and the ring caches the last `ring.length` of them, rotation v in
 * slot `v mod ring.length`. While `variants` fits the ring (the usual case) every slot is built
 * once per snapshot and then only copied; a name with more rotations than slots (5,000
 * round-robin members with a 64-slot ring) rebuilds a slot when its turn comes round with a new
 * rotation, so pass p serves rotations p·slots … p·slots + slots - 1 and every member leads in turn,
 * without keeping thousands of replies per name.
 */
export interface CacheEntry {
  rcode: number;
  /** Cached replies; a slot stays undefined until a rotation is first served from it. */
  ring: (Buffer | undefined)[];
  /** Balanced members each built slot carries (Resolution.members), for the `served` metric hook. */
  members: (readonly string[] | undefined)[];
  /** The rotation `nextTurn` hands out next, in [0, variants). */
  next: number;
  /** How many rotations the answer has (Resolution.variants); default `ring.length`. */
  variants?: number;
  /** The rotation each built slot holds; default: slot k holds rotation k. */
  held?: number[];
  /** RFC 7871 scope the replies echo in their ECS option (Resolution.ecsScope); absent: no ECS option. */
  ecsScope?: number;
  /** Experiments whose arm chose the answer (Resolution.arms), for the per-arm counters; absent: none. */
  arms?: readonly string[];
}

/** Size-limit buckets: a reply built for a bucket fits every client whose limit falls in it. */
const BUCKET_LIMITS = [CLASSIC_UDP_LIMIT, 1024, OUR_UDP_PAYLOAD, TCP_LIMIT] as const;

/** The reply shape of a query: a one-byte code for the cache key and the size limit it implies. */
export interface Shape {
  code: number;
  limit: number;
}

/**
 * Shape of the reply to a query with this OPT (or none) over this transport. Over UDP the
 * client's limit min(max(512, payload), 1232) is rounded down to a bucket, which only ever makes
 * the reply smaller than the client allows.
 */
export function replyShape(edns: Edns | null, tcp: boolean): Shape {
  let bucket = 3;
  if (!tcp) {
    const payload = edns ? edns.payload : CLASSIC_UDP_LIMIT;
    bucket = payload >= OUR_UDP_PAYLOAD ? 2 : payload >= 1024 ? 1 : 0;
  }
  const code = bucket | (edns ? 4 : 0) | (edns?.dnssecOk ? 8 : 0);
  return { code, limit: BUCKET_LIMITS[bucket]! };
}

const keyScratch = Buffer.allocUnsafe(255 + 5);

/** Cache key of a scanned query: lower-cased name wire bytes, QTYPE, QCLASS, shape code. */
export function cacheKey(query: Uint8Array, qnameEnd: number, shapeCode: number): string {
  const length = qnameEnd + 4 - HEADER_SIZE;
  copyLowered(query, HEADER_SIZE, qnameEnd - HEADER_SIZE, keyScratch, 0);
  const at = qnameEnd - HEADER_SIZE;
  keyScratch[at] = query[qnameEnd]!;
  keyScratch[at + 1] = query[qnameEnd + 1]!;
  keyScratch[at + 2] = query[qnameEnd + 2]!;
  keyScratch[at + 3] = query[qnameEnd + 3]!;
  keyScratch[length] = shapeCode;
  return keyScratch.toString('latin1', 0, length + 1);
}

/**
 * Cache key of a question given as text (`smtp.relay.example.com`, trailing dot optional, no
 * escapes), for tools that look into the cache (/explain); undefined for a name that has no wire
 * form (empty label, label over 63 or name over 255 octets).
 */
export function questionKey(name: string, qtype: number, qclass: number, shapeCode: number): string | undefined {
  const text = name.endsWith('.') ? name.slice(0, -1) : name;
  const labels = text === '' ? [] : text.split('.');
  const wire: number[] = new Array<number>(HEADER_SIZE).fill(0);
  for (const label of labels) {
    const bytes = Buffer.from(label, 'latin1');
    if (bytes.length === 0 || bytes.length > 63) return undefined;
    wire.push(bytes.length, ...bytes);
  }
  wire.push(0);
  const qnameEnd = wire.length;
  if (qnameEnd - HEADER_SIZE > 255) return undefined;
  wire.push(qtype >> 8, qtype & 0xff, qclass >> 8, qclass & 0xff);
  return cacheKey(Uint8Array.from(wire), qnameEnd, shapeCode);
}

/** Every shape code `replyShape` can produce, with how an operator would call that client. */
export const SHAPES: ReadonlyArray<{ code: number; label: string }> = [
  { code: 0, label: 'UDP without EDNS' },
  { code: 3, label: 'TCP without EDNS' },
  ...[0, 1, 2, 3].flatMap((bucket) =>
    [false, true].map((dnssecOk) => ({
      code: bucket | 4 | (dnssecOk ? 8 : 0),
      label: `${bucket === 3 ? 'TCP' : 'UDP'} with EDNS${bucket === 3 ? '' : ` (payload ${['< 1024', '1024-1231', '≥ 1232'][bucket]})`}${dnssecOk ? ', DO' : ''}`,
    })),
  ),
];

/** Hands out the entry's rotations in turn (round-robin over all `variants`); its slot is `rotation mod ring.length`. */
export function nextTurn(entry: CacheEntry): number {
  const turn = entry.next;
  const variants = entry.variants ?? entry.ring.length;
  entry.next = turn + 1 >= variants ? 0 : turn + 1;
  return turn;
}

/** The cached reply of `rotation`, or undefined when its slot is empty or holds another rotation. */
export function cachedTurn(entry: CacheEntry, rotation: number): Buffer | undefined {
  const slot = rotation % entry.ring.length;
  const held = entry.held ? entry.held[slot] : slot;
  return held === rotation ? entry.ring[slot] : undefined;
}

export interface AnswerCacheOptions {
  /** Most NOERROR-with-data entries kept; the oldest goes first. Default 10 000. */
  maxEntries?: number;
  /** Most negative (NXDOMAIN, NODATA, REFUSED, …) entries kept. Default 2 000. */
  maxNegative?: number;
}

export class AnswerCache {
  private positive = new Map<string, CacheEntry>();
  private negative = new Map<string, CacheEntry>();
  private version = Number.NaN;
  private readonly maxEntries: number;
  private readonly maxNegative: number;

  constructor(options: AnswerCacheOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 10_000);
    this.maxNegative = Math.max(1, options.maxNegative ?? 2_000);
  }

  /** Forgets everything if `version` differs from the one the entries were built from. O(1). */
  sync(version: number): void {
    if (version === this.version) return;
    this.version = version;
    this.positive = new Map();
    this.negative = new Map();
  }

  /** The snapshot version the entries were built from (NaN before the first query). */
  get builtFrom(): number {
    return this.version;
  }

  get(key: string): CacheEntry | undefined {
    return this.positive.get(key) ?? this.negative.get(key);
  }

  /** Stores an entry; `negative` selects the smaller map that floods of unknown names land in. */
  set(key: string, entry: CacheEntry, negative: boolean): void {
    const map = negative ? this.negative : this.positive;
    const max = negative ? this.maxNegative : this.maxEntries;
    if (map.size >= max && !map.has(key)) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
    map.set(key, entry);
  }

  get size(): number {
    return this.positive.size + this.negative.size;
  }
}
