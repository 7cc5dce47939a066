/**
 * Answer cache (DESIGN "Speed"): prebuilt replies keyed by what decides their bytes, so a repeated
 * question costs a copy and three patches instead of resolve + encode.
 *
 * Key: the question name lower-cased in ASCII (RFC 4343 §3), QTYPE, QCLASS and the reply shape
 * (OPT or not, DO bit, size-limit bucket, which also tells UDP from TCP). Value: one reply per
 * rotation of the answer (Resolution.variants), built lazily and served round-robin. Everything
 * is dropped at once when the snapshot version changes, so a cached reply never outlives the data
 * it was built from. Positive and negative replies live in separate maps, each bounded in entries
 * and in bytes (`AnswerCache`). Names that do not exist get no entry at all (NXDOMAIN and REFUSED
 * without records are written from templates, ./negative.ts), so a random-subdomain flood
 * neither grows nor churns the cache; the negative map holds NODATA and the like for names that do.
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
  /** Most negative (NODATA, SERVFAIL, …) entries kept. Default 2 000. */
  maxNegative?: number;
  /** Most bytes the NOERROR-with-data entries may take (see `entryBytes`). Default 32 MiB. */
  maxBytes?: number;
  /** Most bytes the negative entries may take. Default 4 MiB. */
  maxNegativeBytes?: number;
}

export const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;
export const DEFAULT_NEGATIVE_CACHE_BYTES = 4 * 1024 * 1024;

/**
 * Heap an entry costs besides its key and reply bytes, measured on Node 20 with 100,000 entries
 * (heapUsed + external after a full GC): about 320 octets per entry (Map slot, the entry object,
 * its three arrays, the key's header) and 125 per ring slot (array slots, a Buffer object), of
 * which about 25 are paid before the slot is built.
 */
const ENTRY_OVERHEAD = 320;
const SLOT_OVERHEAD = 25;
const REPLY_OVERHEAD = 100;

/** What one map of the cache holds now and has evicted since start (evictions: for the size bound, not for a snapshot change). */
export interface CacheMapStats {
  entries: number;
  bytes: number;
  evictions: number;
}

/** The answer cache's two maps, for /metrics. */
export interface CacheStats {
  answer: CacheMapStats;
  negative: CacheMapStats;
}

/** Bytes counted for an entry: key, every built reply, and the overheads above. */
export function entryBytes(key: string, entry: CacheEntry): number {
  let bytes = ENTRY_OVERHEAD + key.length + entry.ring.length * SLOT_OVERHEAD;
  for (const reply of entry.ring) if (reply) bytes += reply.length + REPLY_OVERHEAD;
  return bytes;
}

/** One bounded map: entries and bytes, the oldest inserted evicted first. */
class Bounded {
  map = new Map<string, CacheEntry>();
  bytes = 0;
  evictions = 0;
  /** Bytes counted per entry, so a later change is counted by its difference. */
  counted = new WeakMap<CacheEntry, number>();

  constructor(
    readonly maxEntries: number,
    readonly maxBytes: number,
  ) {}

  clear(): void {
    this.map = new Map();
    this.counted = new WeakMap();
    this.bytes = 0;
  }

  /** Counts `entry` (under `key`) at its current size, then evicts the oldest entries until both bounds hold. */
  account(key: string, entry: CacheEntry): void {
    const bytes = entryBytes(key, entry);
    this.bytes += bytes - (this.counted.get(entry) ?? 0);
    this.counted.set(entry, bytes);
    while (this.map.size > this.maxEntries || this.bytes > this.maxBytes) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      const oldest = this.map.entries().next();
      if (oldest.done) break;
      this.map.delete(oldest.value[0]);
      this.bytes -= this.counted.get(oldest.value[1]) ?? 0;
      this.counted.delete(oldest.value[1]);
      this.evictions++;
    }
  }

  stats(): CacheMapStats {
    return { entries: this.map.size, bytes: this.bytes, evictions: this.evictions };
  }
}

/**
 * Both maps bounded in entries and in bytes (`entryBytes`: reply bytes, key and a measured
 * overhead estimate). An entry that grows later (a ring slot built on its turn) is counted again
 * through `grew`; one larger than its whole bound is evicted at once and its reply is still sent.
 */
export class AnswerCache {
  private readonly positive: Bounded;
  private readonly negative: Bounded;
  /** Which map and key each stored entry is under, for `grew`. */
  private where = new WeakMap<CacheEntry, { key: string; negative: boolean }>();
  private version = Number.NaN;

  constructor(options: AnswerCacheOptions = {}) {
    this.positive = new Bounded(Math.max(1, options.maxEntries ?? 10_000), Math.max(0, options.maxBytes ?? DEFAULT_CACHE_BYTES));
    this.negative = new Bounded(Math.max(1, options.maxNegative ?? 2_000), Math.max(0, options.maxNegativeBytes ?? DEFAULT_NEGATIVE_CACHE_BYTES));
  }

  /** Forgets everything if `version` differs from the one the entries were built from. */
  sync(version: number): void {
    if (version === this.version) return;
    this.version = version;
    this.positive.clear();
    this.negative.clear();
    this.where = new WeakMap();
  }

  /** The snapshot version the entries were built from (NaN before the first query). */
  get builtFrom(): number {
    return this.version;
  }

  get(key: string): CacheEntry | undefined {
    return this.positive.map.get(key) ?? this.negative.map.get(key);
  }

  /** Stores an entry; `negative` selects the smaller map that negative answers land in. */
  set(key: string, entry: CacheEntry, negative: boolean): void {
    const bounded = negative ? this.negative : this.positive;
    const old = bounded.map.get(key);
    if (old && old !== entry) {
      bounded.bytes -= bounded.counted.get(old) ?? 0;
      bounded.counted.delete(old);
      bounded.map.delete(key);
    }
    bounded.map.set(key, entry);
    this.where.set(entry, { key, negative });
    bounded.account(key, entry);
  }

  /** A stored entry changed size (a ring slot was built): count it again, evicting if over. */
  grew(entry: CacheEntry): void {
    const at = this.where.get(entry);
    if (!at) return;
    const bounded = at.negative ? this.negative : this.positive;
    if (bounded.map.get(at.key) === entry) bounded.account(at.key, entry);
  }

  get size(): number {
    return this.positive.map.size + this.negative.map.size;
  }

  stats(): CacheStats {
    return { answer: this.positive.stats(), negative: this.negative.stats() };
  }
}
