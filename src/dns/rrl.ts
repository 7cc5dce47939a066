/**
 * Response rate limiting (RRL) for UDP, as Knot, NSD and BIND do it (pure: the clock is a
 * parameter). A spoofed query turns us into a reflector aimed at its "source"; RRL bounds what
 * any one source prefix gets, while a real client whose reply was limited still gets through:
 * every `slip`-th limited reply is sent as an empty truncated reply (TC=1), and a real client
 * retries over TCP, which is not rate limited (a spoofed source cannot complete a handshake).
 *
 * Contract:
 * - Buckets are per source prefix (IPv4 /24, IPv6 /56 by default; IPv4-mapped IPv6 counts as
 *   IPv4) and per response class: `answer` (NOERROR, with data or NODATA), `nxdomain`, `error`
 *   (every other RCODE). NXDOMAIN and errors have their own, lower rate, so a flood of random
 *   names cannot use up a prefix's budget for real answers and vice versa.
 * - Token buckets: a class refills at its rate per second up to its burst; a reply costs 1
 *   token, or ⌈reply / (amplification × query)⌉ when the reply is larger than `amplification`
 *   times the query: a prefix gets at most about rate × amplification × its own query bytes per
 *   second, so large answers reach only clients under the rate.
 * - A limited reply is dropped, except every `slip`-th one per bucket, which is slipped
 *   (`slipReply`: header + question, TC=1, no records, never larger than the query). slip 0
 *   drops them all; slip 1 slips them all.
 * - Sources in `whitelist` (CIDR prefixes: the operator's own resolvers) are never limited.
 * - A reply the `exempt` hook vouches for is never limited: the query carried a valid DNS server
 *   cookie (./cookies.ts), so its source address is real and cannot be a reflection victim (BIND
 *   and Knot exempt such queries too).
 * - The table holds at most `maxBuckets` buckets; when full, the oldest bucket goes (a spoofing
 *   flood over many prefixes then resets buckets early, so limits are approximate, never looser
 *   than one fresh burst per bucket).
 */
import net from 'node:net';
import { parseAddress } from '../pool/index.ts';

export type RrlClass = 'answer' | 'nxdomain' | 'error';
export type RrlVerdict = 'send' | 'slip' | 'drop';

export interface RrlOptions {
  /** Answers (NOERROR) per second per prefix; 0 turns RRL off. */
  rate: number;
  /** NXDOMAIN and error replies per second per prefix (each class its own bucket). */
  errorRate: number;
  /** Answers a bucket can hold: a quiet prefix may send this many at once. Error buckets hold burst × errorRate / rate. */
  burst: number;
  /** Every slip-th limited reply is sent truncated (TC=1); 0 = drop all. */
  slip: number;
  ipv4Prefix: number;
  ipv6Prefix: number;
  /** CIDR prefixes never limited (`192.0.2.0/24`, `2001:db8::/48`, or a bare address). */
  whitelist: readonly string[];
  /** A reply larger than this many times its query costs proportionally more tokens; 0 = off. */
  amplification: number;
  /** Most buckets kept. */
  maxBuckets: number;
}

/**
 * Defaults (docs/security.md "Response rate limiting"). 50 answers/s per /24 with a burst of 100:
 * mxlb's names have short TTLs but resolvers cache them, so even a /24 of busy resolvers asks a
 * few times per second; NSD's 200/s is for servers of many zones, Knot has no default rate.
 * Errors/NXDOMAIN at 10/s. slip 2 (NSD, BIND): half the limited replies go out truncated, the
 * reflected traffic stays below the query traffic. Loopback is whitelisted: it cannot be
 * spoofed from outside the host.
 */
export const DEFAULT_RRL: Readonly<RrlOptions> = Object.freeze({
  rate: 50,
  errorRate: 10,
  burst: 100,
  slip: 2,
  ipv4Prefix: 24,
  ipv6Prefix: 56,
  whitelist: Object.freeze(['127.0.0.0/8', '::1/128']),
  amplification: 4,
  maxBuckets: 100_000,
});

export interface RrlCounters {
  /** Replies over the rate (slipped + dropped). */
  limited: number;
  slipped: number;
  dropped: number;
}

interface Bucket {
  tokens: number;
  at: number;
  limited: number;
}

const CLASS_CODE: Record<RrlClass, string> = { answer: 'a', nxdomain: 'n', error: 'e' };

export function classify(rcode: number): RrlClass {
  return rcode === 0 ? 'answer' : rcode === 3 ? 'nxdomain' : 'error';
}

export class ResponseRateLimiter {
  readonly options: Readonly<RrlOptions>;
  readonly counters: RrlCounters = { limited: 0, slipped: 0, dropped: 0 };
  private readonly buckets = new Map<string, Bucket>();
  private readonly whitelist: net.BlockList | undefined;
  /** Asked once per reply that would be checked; true lets it pass uncounted (set by the DNS server: a valid cookie). */
  exempt: (() => boolean) | undefined;

  constructor(options: Partial<RrlOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_RRL, ...options });
    const list = this.options.whitelist;
    if (list.length > 0) {
      this.whitelist = new net.BlockList();
      for (const entry of list) addCidr(this.whitelist, entry);
    }
  }

  get enabled(): boolean {
    return this.options.rate > 0;
  }

  /**
   * Whitelist verdicts by source address: BlockList.check builds a SocketAddress per call, about a
   * tenth of a flood's CPU per query (measured, docs/benchmarks.md); a source that sends many
   * queries is looked up once. Bounded: emptied when full.
   */
  readonly #listed = new Map<string, boolean>();

  private listed(address: string, v4: string | undefined): boolean {
    let listed = this.#listed.get(address);
    if (listed === undefined) {
      listed = this.whitelist!.check(v4 ?? address, v4 !== undefined ? 'ipv4' : 'ipv6');
      if (this.#listed.size >= LISTED_MEMO) this.#listed.clear();
      this.#listed.set(address, listed);
    }
    return listed;
  }

  /** How many buckets are kept now. */
  get size(): number {
    return this.buckets.size;
  }

  /**
   * The verdict for one reply of `replySize` octets with RCODE `rcode` to a query of
   * `querySize` octets from `address`, at `now` (ms). Counts it.
   */
  check(address: string, rcode: number, replySize: number, querySize: number, now: number): RrlVerdict {
    const o = this.options;
    if (o.rate <= 0) return 'send';
    const v4 = ipv4Of(address);
    if (this.whitelist && this.listed(address, v4)) return 'send';
    if (this.exempt?.()) return 'send';
    const prefix = v4 !== undefined ? ipv4Prefix(v4, o.ipv4Prefix) : ipv6Prefix(address, o.ipv6Prefix);
    if (prefix === undefined) return 'send';
    const cls = classify(rcode);
    const rate = cls === 'answer' ? o.rate : o.errorRate;
    const burst = Math.max(1, cls === 'answer' ? o.burst : Math.round((o.burst * o.errorRate) / o.rate));
    const key = CLASS_CODE[cls] + prefix;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= o.maxBuckets) {
        const oldest = this.buckets.keys().next();
        if (!oldest.done) this.buckets.delete(oldest.value);
      }
      bucket = { tokens: burst, at: now, limited: 0 };
      this.buckets.set(key, bucket);
    } else if (now > bucket.at) {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * rate) / 1000);
      bucket.at = now;
    }
    const cost = Math.min(burst, replyCost(replySize, querySize, o.amplification));
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return 'send';
    }
    this.counters.limited++;
    bucket.limited++;
    if (o.slip > 0 && bucket.limited % o.slip === 0) {
      this.counters.slipped++;
      return 'slip';
    }
    this.counters.dropped++;
    return 'drop';
  }
}

/** Source addresses whose whitelist verdict is remembered. */
const LISTED_MEMO = 4096;

/** Tokens a reply costs: 1, or more when it is larger than `factor` times the query. */
export function replyCost(replySize: number, querySize: number, factor: number): number {
  if (factor <= 0 || querySize <= 0) return 1;
  const allowed = factor * querySize;
  return replySize > allowed ? Math.ceil(replySize / allowed) : 1;
}

/**
 * The truncated stand-in for a limited reply: its header with TC=1 and no records, and its
 * question. Never longer than the query the reply answers (same question, no OPT). A reply whose
 * question cannot be walked keeps the header only.
 */
export function slipReply(reply: Buffer): Buffer {
  let end = 12;
  const qdcount = reply.length >= 12 ? reply.readUInt16BE(4) : 0;
  if (qdcount >= 1) {
    let pos = 12;
    while (pos < reply.length && reply[pos]! !== 0 && (reply[pos]! & 0xc0) === 0) pos += reply[pos]! + 1;
    end = pos < reply.length && reply[pos] === 0 && pos + 5 <= reply.length ? pos + 5 : 12;
  }
  const out = Buffer.from(reply.subarray(0, end));
  out[2] = out[2]! | 0x02;
  out.writeUInt16BE(end > 12 ? 1 : 0, 4);
  out.writeUInt32BE(0, 6);
  out.writeUInt16BE(0, 10);
  return out;
}

/** The IPv4 address in `address` (plain or IPv4-mapped IPv6), else undefined. */
function ipv4Of(address: string): string | undefined {
  if (!address.includes(':')) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1] : undefined;
}

function ipv4Prefix(address: string, bits: number): string | undefined {
  if (bits === 24) return address.slice(0, address.lastIndexOf('.'));
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  const value = ((+parts[0]! << 24) | (+parts[1]! << 16) | (+parts[2]! << 8) | +parts[3]!) >>> 0;
  const mask = bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
  return String((value & mask) >>> 0);
}

/** The first `bits` of an IPv6 address, as text; undefined for text that is not IPv6. */
export function ipv6Prefix(address: string, bits: number): string | undefined {
  const parsed = parseAddress(address);
  if (parsed?.family !== 6) return undefined;
  const groups = Array.from({ length: 8 }, (_, i) => (parsed.bytes[2 * i]! << 8) | parsed.bytes[2 * i + 1]!);
  const out: number[] = [];
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) out.push(bits >= 16 ? groups[i]! : groups[i]! & ((0xffff << (16 - bits)) & 0xffff));
  return '6:' + out.map((g) => g.toString(16)).join(':');
}


/** Adds `192.0.2.0/24`, `2001:db8::/48` or a bare address to a BlockList; throws RangeError on bad text. */
export function addCidr(list: net.BlockList, entry: string): void {
  const [address, bitsText] = entry.split('/');
  const family = net.isIPv4(address ?? '') ? 'ipv4' : net.isIPv6(address ?? '') ? 'ipv6' : undefined;
  if (!family || !address) throw new RangeError(`"${entry}" is not an IP address or prefix`);
  const max = family === 'ipv4' ? 32 : 128;
  const bits = bitsText === undefined ? max : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > max) throw new RangeError(`"${entry}": prefix length must be 0–${max}`);
  list.addSubnet(address, bits, family);
}
