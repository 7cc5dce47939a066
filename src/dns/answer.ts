/**
 * The per-packet path shared by the UDP and TCP listeners: scan → cache hit? → (resolve → encode
 * → cache) → patch. Synchronous from end to end (DESIGN principle 2): the snapshot is read, never
 * awaited. Nothing thrown inside escapes: a failure becomes SERVFAIL when the query's ID is known,
 * otherwise no reply, with a rate-limited warning.
 */
import type { Logger } from '../log.ts';
import type { Snapshot } from '../snapshot.ts';
import { AnswerCache, SHAPES, cacheKey, cachedTurn, nextTurn, questionKey, replyShape, type CacheEntry, type Shape } from './cache.ts';
import { encodeError, encodeReply, patchResponse } from './encode.ts';
import { Rcode, type Question, type Resolution } from './message.ts';
import { COOKIE_REASON, questionName, scanQuery, type ScannedQuery } from './query.ts';
import { WarnThrottle } from './warn-throttle.ts';
import { ECS_RESERVE, withEcs } from './ecs-reply.ts';
import { outsideViewsKey, viewClient, viewKey, viewsMatter, type RingClient, type ViewClient } from './resolve-views.ts';
import { armKey, experimentsRun, type Assignment } from './resolve-experiment.ts';
import type { ClientSketch } from './arm-counts.ts';
import { COOKIE_RESERVE, RCODE_BADCOOKIE, type ServerCookies } from './cookies.ts';
import { patchWithCookie, withCookie } from './cookie-reply.ts';
import { isPlainNegative, negativeReply } from './negative.ts';
import { quickNegative } from './negative-index.ts';
import { resolve } from './resolve.ts';

export type Transport = 'udp' | 'tcp';

/** The resolver contract (src/dns/resolve.ts): pure, synchronous; `variant` picks a rotation; `client` picks views. */
export type Resolver = (question: Question, snapshot: Snapshot, variant?: number, observe?: undefined, client?: ViewClient) => Resolution;

/** Optional metrics hooks, called synchronously on the query path: keep them cheap. */
export interface DnsMetrics {
  /**
   * A reply is being sent. `cacheHit` is false for replies built on the slow path or errors.
   * `count` (default 1) is set only when events counted by an answering worker are replayed.
   */
  answered?(transport: Transport, rcode: number, cacheHit: boolean, qtype: number, count?: number): void;
  /** An answer carrying these balanced members is being sent (cache hits included). */
  served?(members: readonly string[], count?: number): void;
  /** A packet got no reply (RFC 1035 §4.1.1: responses and runts are ignored). */
  dropped?(transport: Transport, reason: string, count?: number): void;
  /**
   * An answer chosen by an A/B experiment's arm is being sent to a client whose subnet hashes to
   * `client` (cache hits included; docs/routing.md "A/B experiments"). Replayed from a worker:
   * `client` is the worker's distinct-client sketch (`arm-counts.ts`) and `count` its answers.
   */
  arm?(experiment: string, arm: string, client: number | ClientSketch, count?: number): void;
}

/** Where one cached reply shape of a question stands in its rotation ring. */
export interface RingPosition {
  /** How the client asks (`UDP with EDNS (payload ≥ 1232)`, `TCP without EDNS`, …). */
  shape: string;
  /** The ring slot the next reply of this shape gets. */
  next: number;
  slots: number;
  /** Only when the answer has more rotations than slots: the rotation the next reply gets. */
  variant?: number;
  /** Only when more than `slots`: how many rotations the answer has; slot k of pass p serves rotation k + p·slots. */
  variants?: number;
}

export interface AnswererOptions {
  getSnapshot: () => Snapshot;
  resolve: Resolver;
  logger: Logger;
  metrics?: DnsMetrics;
  cache?: AnswerCache;
  /**
   * Most replies kept per cached name and shape (the ring). An answer with more rotations still
   * serves every one of them in turn; rotations beyond the ring are rebuilt when their turn comes.
   */
  maxVariants?: number;
  /** DNS cookies (./cookies.ts): replies to queries with a COOKIE option carry ours; absent: COOKIE options are ignored. */
  cookies?: ServerCookies;
}

const ERROR_RCODES = { formerr: Rcode.FORMERR, notimp: Rcode.NOTIMP, badvers: Rcode.BADVERS } as const;

export class Answerer {
  private readonly getSnapshot: () => Snapshot;
  private readonly resolve: Resolver;
  private readonly metrics: DnsMetrics;
  private readonly cache: AnswerCache;
  private readonly maxVariants: number;
  private readonly throttle: WarnThrottle;
  private readonly logger: Logger;
  private readonly cookies: ServerCookies | undefined;
  /** The flood path mirrors `resolve` exactly, so it is on only when that is the resolver. */
  private readonly quick: boolean;
  /**
   * Whether the query `answer` last answered came over UDP with a valid server cookie: its source
   * address is real, so the UDP listener's rate limiter lets the reply pass (docs/security.md
   * "DNS cookies"). Read right after `answer` returns, on the same thread.
   */
  provenSource = false;

  constructor(options: AnswererOptions) {
    this.getSnapshot = options.getSnapshot;
    this.resolve = options.resolve;
    this.metrics = options.metrics ?? {};
    this.cache = options.cache ?? new AnswerCache();
    this.maxVariants = Math.max(1, options.maxVariants ?? 64);
    this.logger = options.logger;
    this.throttle = new WarnThrottle(options.logger);
    this.cookies = options.cookies;
    this.quick = options.resolve === resolve;
  }

  /**
   * The reply to one received message, or null when it gets none. Never throws. `source`: the
   * sender's address, for client views (docs/zone-format.md "Client views").
   */
  answer(query: Buffer, transport: Transport, source?: string): Buffer | null {
    let scan: ScannedQuery | undefined;
    let cookieChecked = false;
    this.provenSource = false;
    try {
      scan = scanQuery(query);
      if (scan.outcome === 'drop') {
        this.metrics.dropped?.(transport, scan.reason);
        return null;
      }
      if (scan.outcome !== 'query') {
        const rcode = ERROR_RCODES[scan.outcome];
        this.logger.debug({ transport, reason: scan.reason, rcode }, 'query rejected');
        this.metrics.answered?.(transport, rcode, false, scan.qtype);
        if (this.cookies && scan.reason.startsWith(COOKIE_REASON)) this.cookies.counters.malformed++;
        const error = encodeError(query, scan, rcode);
        // RFC 7873 §5.2: every reply to a query with a (well-formed) COOKIE option carries ours.
        if (!this.cookies || !scan.edns?.cookie) return error;
        this.cookies.check(scan.edns.cookie, source);
        return withCookie(error, this.cookies.reply);
      }
      const cookies = this.cookies;
      const cookie = cookies && scan.edns?.cookie ? cookies.check(scan.edns.cookie, source) : undefined;
      cookieChecked = cookie !== undefined;
      if (cookie === 'valid' && transport === 'udp') this.provenSource = true;
      // RFC 7873 §5.2.3-4, BIND's require-server-cookie: BADCOOKIE only over UDP (TCP proves the address).
      if (cookies && cookie && cookie !== 'valid' && transport === 'udp' && cookies.requireServerCookie) {
        cookies.counters.badcookie++;
        this.metrics.answered?.(transport, RCODE_BADCOOKIE, false, scan.qtype);
        return withCookie(encodeError(query, scan, RCODE_BADCOOKIE), cookies.reply);
      }
      const snapshot = this.getSnapshot();
      this.cache.sync(snapshot.version);
      const shape = replyShape(scan.edns, transport === 'tcp');
      let key = cacheKey(query, scan.qnameEnd, shape.code);
      // Client views: the key gains the client's view (and ECS) part, so one view's answer never
      // reaches another; '' and no cost while no served zone has views or honours ECS.
      let client: ViewClient | undefined;
      if (viewsMatter(snapshot.zones)) {
        client = viewClient(source, scan.edns?.ecs);
        key += viewKey(snapshot.zones, client);
      }
      // A/B experiments: the key gains the client's arm in each running one ('' while none runs).
      let assignments: Assignment[] | undefined;
      if (experimentsRun(snapshot)) {
        client ??= viewClient(source, scan.edns?.ecs);
        const arms = armKey(snapshot, client);
        key += arms.key;
        assignments = arms.assignments;
      }
      let entry = this.cache.get(key);
      const hit = entry !== undefined;
      // The flood path (./negative-index.ts): NXDOMAIN and REFUSED for names that do not exist,
      // from the question bytes and a per-zone template, with no cache entry per name.
      if (!entry && this.quick && !scan.edns?.ecs) {
        const quick = quickNegative(query, scan, shape.limit - (cookie ? COOKIE_RESERVE : 0), snapshot.zones);
        if (quick) {
          this.metrics.answered?.(transport, quick[3]! & 0xf, false, scan.qtype);
          return cookie ? withCookie(quick, cookies!.reply) : quick;
        }
      }
      if (!entry) {
        const filled = this.fill(query, scan, shape, snapshot, client);
        // A name that does not exist (NXDOMAIN, REFUSED, … without records) gets no entry of its own.
        if (filled.entry.rcode === Rcode.NOERROR || !filled.empty) this.cache.set(key, filled.entry, filled.negative);
        entry = filled.entry;
      }
      const turn = nextTurn(entry);
      let template = cachedTurn(entry, turn) ?? this.build(entry, turn, query, scan, shape, snapshot, client);
      let members = entry.members[turn % entry.ring.length];
      const ecs = entry.ecsScope !== undefined && scan.edns?.ecs !== undefined;
      // The COOKIE option must fit under the client's limit too: the rare reply too close to it
      // comes from an entry of its own, encoded with room for the option (same rotation order).
      if (cookie && template.length + COOKIE_RESERVE + (ecs ? ECS_RESERVE : 0) > shape.limit) {
        const roomy = { code: shape.code, limit: shape.limit - COOKIE_RESERVE };
        const roomyKey = key + 'c';
        let other = this.cache.get(roomyKey);
        if (!other) {
          const filled = this.fill(query, scan, roomy, snapshot, client);
          this.cache.set(roomyKey, filled.entry, filled.negative);
          other = filled.entry;
        }
        const otherTurn = nextTurn(other);
        template = cachedTurn(other, otherTurn) ?? this.build(other, otherTurn, query, scan, roomy, snapshot, client);
        members = other.members[otherTurn % other.ring.length];
      }
      this.metrics.answered?.(transport, entry.rcode, hit, scan.qtype);
      if (members) this.metrics.served?.(members);
      if (entry.arms && assignments) for (const a of assignments) if (entry.arms.includes(a.experiment)) this.metrics.arm?.(a.experiment, a.arm, a.client);
      const reply = cookie ? patchWithCookie(template, query, scan.qnameEnd, cookies!.reply) : patchResponse(template, query, scan.qnameEnd);
      // RFC 7871 §7.2.1: echo the query's ECS with the answer's scope (only zones that honour ECS set one).
      return ecs ? withEcs(reply, scan.edns!.ecs!, entry.ecsScope!) : reply;
    } catch (error) {
      this.throttle.warn({ err: error, transport }, 'DNS query failed; answering SERVFAIL');
      if (!scan || scan.outcome === 'drop') return null;
      this.metrics.answered?.(transport, Rcode.SERVFAIL, false, scan.qtype);
      const failed = encodeError(query, scan, Rcode.SERVFAIL);
      // RFC 7873 §5.2: a failure is a reply too; ours goes back when the client's cookie was read.
      return cookieChecked && this.cookies ? withCookie(failed, this.cookies.reply) : failed;
    }
  }

  /**
   * For /explain: the next ring slot of every reply shape of this question that is cached for
   * snapshot `version` (a shape not listed gets slot 0 first). Reads only; never changes a turn.
   * `client`: whose ring (zones with views cache one per view, keyed as `answer` keys them);
   * absent: a client no view holds, without ECS. A client-dependent key part added to `answer`
   * must be added here too, or /explain shows another client's ring.
   */
  ringPositions(name: string, qtype: number, qclass: number, version: number, client?: RingClient): RingPosition[] {
    const snapshot = this.getSnapshot();
    if (this.cache.builtFrom !== version || snapshot.version !== version) return [];
    const zones = snapshot.zones;
    const viewed = client ? viewClient(client.source, client.ecs) : undefined;
    let clientKey = !viewsMatter(zones) ? '' : viewed ? viewKey(zones, viewed) : outsideViewsKey(zones);
    // Running experiments key by arm too (no client address: no arm, as `armKey` writes it).
    if (experimentsRun(snapshot)) clientKey += armKey(snapshot, viewed ?? { ecsSent: false }).key;
    const positions: RingPosition[] = [];
    for (const { code, label } of SHAPES) {
      const key = questionKey(name.toLowerCase(), qtype, qclass, code);
      if (key === undefined) return [];
      const entry = this.cache.get(key + clientKey);
      if (entry) {
        const slots = entry.ring.length;
        const variants = entry.variants ?? slots;
        const position: RingPosition = { shape: label, next: entry.next % slots, slots };
        if (variants > slots) Object.assign(position, { variant: entry.next, variants });
        positions.push(position);
      }
    }
    return positions;
  }

  /** Slow path for a new key: resolve rotation 0, encode it, size the ring. */
  private fill(query: Buffer, scan: ScannedQuery, shape: Shape, snapshot: Snapshot, client?: ViewClient): { entry: CacheEntry; negative: boolean; empty: boolean } {
    const resolution = this.resolve(this.question(query, scan), snapshot, 0, undefined, client);
    const variants = Math.max(1, Math.floor(resolution.variants) || 1);
    const slots = Math.min(this.maxVariants, variants);
    const ring: (Buffer | undefined)[] = new Array<Buffer | undefined>(slots).fill(undefined);
    ring[0] = this.encode(query, scan, shape, resolution);
    const members: (readonly string[] | undefined)[] = new Array<readonly string[] | undefined>(slots).fill(undefined);
    members[0] = resolution.members;
    const negative = resolution.rcode !== Rcode.NOERROR || resolution.answer.length === 0;
    const held = new Array<number>(slots).fill(-1);
    held[0] = 0;
    const entry: CacheEntry = { rcode: resolution.rcode, ring, members, next: 0, variants, held };
    if (resolution.ecsScope !== undefined) entry.ecsScope = resolution.ecsScope;
    if (resolution.arms) entry.arms = resolution.arms;
    return { entry, negative, empty: resolution.answer.length === 0 };
  }

  /** A rotation not in its slot: resolve, encode and keep it there (replacing the rotation the slot held). */
  private build(entry: CacheEntry, variant: number, query: Buffer, scan: ScannedQuery, shape: Shape, snapshot: Snapshot, client?: ViewClient): Buffer {
    const resolution = this.resolve(this.question(query, scan), snapshot, variant, undefined, client);
    const wire = this.encode(query, scan, shape, resolution);
    const slot = variant % entry.ring.length;
    entry.ring[slot] = wire;
    entry.members[slot] = resolution.members;
    if (entry.held) entry.held[slot] = variant;
    this.cache.grew(entry);
    return wire;
  }

  private encode(query: Buffer, scan: ScannedQuery, shape: Shape, resolution: Resolution): Buffer {
    const edns = scan.edns ? { dnssecOk: scan.edns.dnssecOk } : null;
    // Room for the ECS option added after the cache (./ecs-reply.ts), so it never overflows the limit.
    const limit = resolution.ecsScope !== undefined && scan.edns?.ecs ? shape.limit - ECS_RESERVE : shape.limit;
    // RFC 2308 negatives come from the zone's template (./negative.ts): the same bytes, no encoding.
    const negative = isPlainNegative(resolution) ? negativeReply(query, scan.qnameEnd, resolution.rcode, resolution.authority[0]!, edns, limit) : undefined;
    return negative ?? encodeReply(query, scan.qnameEnd, scan.qtype, scan.qclass, resolution, { edns, limit });
  }

  private question(query: Buffer, scan: ScannedQuery): Question {
    return { name: questionName(query, scan.qnameEnd), type: scan.qtype, class: scan.qclass };
  }
}
