/**
 * The DNS query-path counters behind /metrics.
 *
 * Contract: the hooks (`answered`, `served`, `dropped`) run synchronously on the query path
 * (DESIGN principle 2), so they only add to plain numbers: a typed-array slot picked by table
 * lookups for queries, one identity lookup per answer for the members it carried. No label objects,
 * no strings, no prom-client call per query. prom-client reads the numbers when /metrics is
 * scraped (`collect`), which is the only place label values are spelled out.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DnsLimitCounters, DnsMetrics, Transport } from '../dns/index.ts';
import type { MemberId } from '../pool/index.ts';
import { QTYPE_LABELS, qtypeSlot, RCODE_LABELS, RCODE_SLOTS, rcodeSlot, TRANSPORTS } from './labels.ts';

/**
 * The scanner's drop reasons are sentences (src/dns/query.ts); the label is a short code:
 * `response` (QR=1, RFC 1035 §4.1.1), `runt` (shorter than a header), `other`.
 */
const DROP_REASONS = ['response', 'runt', 'other'] as const;

function dropSlot(reason: string): number {
  if (reason.startsWith('QR=1')) return 0;
  return reason.includes('shorter than a header') ? 1 : 2;
}

/**
 * Distinct members arrays kept between folds. A snapshot swap brings new arrays, so without a cap
 * a server nobody scrapes would keep every array it ever served.
 */
const MAX_PENDING = 4096;

/** A member's answer count, kept as an object so the hot path increments without a map write. */
interface Tally {
  n: number;
}

export class DnsCounters implements DnsMetrics {
  /** [(qtypeSlot * RCODE_SLOTS + rcodeSlot) * 2 + transport] → replies sent. */
  readonly #queries = new Float64Array(QTYPE_LABELS.length * RCODE_SLOTS * 2);
  /** [transport] → replies served from the answer cache. */
  readonly #hits = new Float64Array(2);
  readonly #members = new Map<MemberId, Tally>();
  /** Answers that carried at least one balanced member. */
  #balanced = 0;
  /** Answers per members array since the last fold into #members (scrape, retain, or size cap). */
  readonly #pending = new Map<readonly MemberId[], Tally>();
  /** [dropSlot * 2 + transport] → packets given no reply. */
  readonly #dropped = new Float64Array(DROP_REASONS.length * 2);
  /** The DNS server's abuse-limit counters (RRL, TCP closes), read at scrape time. */
  #limits: (() => DnsLimitCounters | undefined) | undefined;

  /** Where the RRL and TCP-limit counters come from (the DnsServer, created after the registry). */
  watchLimits(source: () => DnsLimitCounters | undefined): void {
    this.#limits = source;
  }

  answered(transport: Transport, rcode: number, cacheHit: boolean, qtype: number, count = 1): void {
    const t = transport === 'tcp' ? 1 : 0;
    this.#queries[(qtypeSlot(qtype) * RCODE_SLOTS + rcodeSlot(rcode)) * 2 + t]! += count;
    if (cacheHit) this.#hits[t]! += count;
  }

  /** `count` > 1 when an answering worker's batch is replayed (src/dns/worker-metrics.ts). */
  served(members: readonly MemberId[], count = 1): void {
    this.#balanced += count;
    // The Answerer hands out the same members array for every answer built from one cache slot,
    // so one identity lookup per answer replaces one string lookup per member.
    const tally = this.#pending.get(members);
    if (tally) tally.n += count;
    else {
      if (this.#pending.size >= MAX_PENDING) this.#fold();
      this.#pending.set(members, { n: count });
    }
  }

  dropped(transport: Transport, reason: string, count = 1): void {
    this.#dropped[dropSlot(reason) * 2 + (transport === 'tcp' ? 1 : 0)]! += count;
  }

  /**
   * Forgets the answer counts of members that left the zones (their series disappear), and from
   * now on ignores counts for members not in `members`: the answering worker's batches may still
   * carry answers given from the previous zones after the reload (src/dns/worker-metrics.ts).
   */
  retain(members: ReadonlySet<MemberId>): void {
    this.#fold();
    this.#known = members;
    for (const id of [...this.#members.keys()]) if (!members.has(id)) this.#members.delete(id);
  }

  /** The members of the zones served, once known (retain); counts of others are dropped. */
  #known: ReadonlySet<MemberId> | undefined;

  /** Adds the pending per-array counts to the per-member totals. */
  #fold(): void {
    const known = this.#known;
    for (const [members, pending] of this.#pending) {
      for (const id of members) {
        if (known && !known.has(id)) continue;
        const tally = this.#members.get(id);
        if (tally) tally.n += pending.n;
        else this.#members.set(id, { n: pending.n });
      }
    }
    this.#pending.clear();
  }

  /** Registers the counters in `registry`; their values are copied from here at each scrape. */
  register(registry: Registry): void {
    const queries = new Counter({
      name: 'mxlb_dns_queries_total',
      help: 'DNS replies sent, by transport, query type (unlisted types as "other") and response code.',
      labelNames: ['transport', 'qtype', 'rcode'] as const,
      registers: [registry],
      collect: () => {
        queries.reset();
        const counts = this.#queries;
        for (let i = 0; i < counts.length; i++) {
          const value = counts[i]!;
          if (value === 0) continue;
          const t = i % 2;
          const rest = (i - t) / 2;
          queries.inc({ transport: TRANSPORTS[t]!, qtype: QTYPE_LABELS[Math.floor(rest / RCODE_SLOTS)]!, rcode: RCODE_LABELS[rest % RCODE_SLOTS]! }, value);
        }
      },
    });
    const hits = new Counter({
      name: 'mxlb_dns_cache_hits_total',
      help: 'DNS replies served from the prebuilt answer cache, by transport; divide by mxlb_dns_queries_total for the hit ratio.',
      labelNames: ['transport'] as const,
      registers: [registry],
      collect: () => {
        hits.reset();
        TRANSPORTS.forEach((transport, t) => hits.inc({ transport }, this.#hits[t]!));
      },
    });
    const answers = new Counter({
      name: 'mxlb_answers_member_total',
      help: 'DNS answers that handed out this balanced member (cache hits included); member is <pool>/<name>.',
      labelNames: ['member', 'pool'] as const,
      registers: [registry],
      collect: () => {
        answers.reset();
        this.#fold();
        for (const [member, tally] of this.#members) answers.inc({ member, pool: member.slice(0, member.indexOf('/')) }, tally.n);
      },
    });
    const balanced = new Counter({
      name: 'mxlb_answers_balanced_total',
      help: 'DNS answers that carried at least one balanced member: the denominator of a member\'s answer share.',
      registers: [registry],
      collect: () => {
        balanced.reset();
        balanced.inc(this.#balanced);
      },
    });
    const rrl = (name: 'limited' | 'slipped' | 'dropped', help: string): void => {
      const counter = new Counter({
        name: `mxlb_dns_rrl_${name}_total`,
        help,
        registers: [registry],
        collect: () => {
          counter.reset();
          const value = this.#limits?.()?.rrl[name] ?? 0;
          if (value > 0) counter.inc(value);
        },
      });
    };
    rrl('limited', 'UDP replies over the response rate limit of their source prefix (slipped + dropped); mxlb_dns_queries_total counts them too, before the limit.');
    rrl('slipped', 'Rate-limited UDP replies sent as an empty truncated reply (TC=1), so a real client retries over TCP.');
    rrl('dropped', 'Rate-limited UDP replies not sent.');
    // DNS cookies (docs/security.md "DNS cookies"): every verdict, always exported (0 when cookies are off).
    const cookieQueries = new Counter({
      name: 'mxlb_dns_cookie_queries_total',
      help: 'Queries with a DNS COOKIE option, by verdict: client-only (no server cookie yet), valid (a server cookie of ours, within the hour), invalid (expired, another secret or address), malformed (FORMERR).',
      labelNames: ['verdict'] as const,
      registers: [registry],
      collect: () => {
        cookieQueries.reset();
        const cookies = this.#limits?.()?.cookies;
        const verdicts = { 'client-only': cookies?.clientOnly ?? 0, valid: cookies?.valid ?? 0, invalid: cookies?.invalid ?? 0, malformed: cookies?.malformed ?? 0 };
        for (const [verdict, value] of Object.entries(verdicts)) cookieQueries.inc({ verdict }, value);
      },
    });
    const cookie = (name: 'badcookie' | 'exempt', metric: string, help: string): void => {
      const counter = new Counter({
        name: metric,
        help,
        registers: [registry],
        collect: () => {
          counter.reset();
          const value = this.#limits?.()?.cookies?.[name] ?? 0;
          if (value > 0) counter.inc(value);
        },
      });
    };
    cookie('badcookie', 'mxlb_dns_cookie_badcookie_total', 'BADCOOKIE replies sent (only with --require-server-cookie: UDP queries with a COOKIE option but no valid server cookie).');
    cookie('exempt', 'mxlb_dns_rrl_cookie_exempt_total', 'UDP replies sent past response rate limiting because the query carried a valid server cookie (its source address is real).');
    // The answer cache (src/dns/cache.ts), summed over the answering workers: map `answer` (NOERROR
    // with data) and `negative` (NODATA, SERVFAIL, …; names that do not exist are never cached).
    const cacheStat = (kind: 'entries' | 'bytes', metric: string, help: string): void => {
      const gauge = new Gauge({
        name: metric,
        help,
        labelNames: ['map'] as const,
        registers: [registry],
        collect: () => {
          gauge.reset();
          const cache = this.#limits?.()?.cache;
          gauge.set({ map: 'answer' }, cache?.answer[kind] ?? 0);
          gauge.set({ map: 'negative' }, cache?.negative[kind] ?? 0);
        },
      });
    };
    cacheStat('entries', 'mxlb_dns_cache_entries', 'Entries in the DNS answer cache now, by map (answer, negative), summed over the answering workers.');
    cacheStat('bytes', 'mxlb_dns_cache_bytes', 'Bytes the DNS answer cache counts now (replies + keys + a measured per-entry overhead), by map; bounded by --dns-cache-bytes and --dns-negative-cache-bytes per worker.');
    const cacheEvictions = new Counter({
      name: 'mxlb_dns_cache_evictions_total',
      help: 'DNS answer cache entries evicted to stay within the entry and byte bounds (not counting whole-cache drops on a snapshot change), by map.',
      labelNames: ['map'] as const,
      registers: [registry],
      collect: () => {
        cacheEvictions.reset();
        const cache = this.#limits?.()?.cache;
        cacheEvictions.inc({ map: 'answer' }, cache?.answer.evictions ?? 0);
        cacheEvictions.inc({ map: 'negative' }, cache?.negative.evictions ?? 0);
      },
    });
    const tcpClosed = new Counter({
      name: 'mxlb_dns_tcp_closed_total',
      help: 'TCP connections closed or refused by the server\'s limits, by reason (full, per-source, evicted, idle, query-timeout, lifetime).',
      labelNames: ['reason'] as const,
      registers: [registry],
      collect: () => {
        tcpClosed.reset();
        const tcp = this.#limits?.()?.tcp;
        if (!tcp) return;
        const reasons = { full: tcp.full, 'per-source': tcp.perSource, evicted: tcp.evicted, idle: tcp.idle, 'query-timeout': tcp.queryTimeout, lifetime: tcp.lifetime };
        for (const [reason, value] of Object.entries(reasons)) tcpClosed.inc({ reason }, value);
      },
    });
    const dropped = new Counter({
      name: 'mxlb_dns_dropped_total',
      help: 'Packets given no reply, by transport and reason (response: QR=1; runt: shorter than a DNS header; other).',
      labelNames: ['transport', 'reason'] as const,
      registers: [registry],
      collect: () => {
        dropped.reset();
        DROP_REASONS.forEach((reason, r) =>
          TRANSPORTS.forEach((transport, t) => {
            const value = this.#dropped[r * 2 + t]!;
            if (value > 0) dropped.inc({ transport, reason }, value);
          }),
        );
      },
    });
  }
}
