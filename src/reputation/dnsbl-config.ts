/**
 * DNSBL monitoring settings (pure data): what the YAML `reputation: dnsbl:` block of a zone or a
 * pool becomes (docs/zone-format.md "reputation"), and the defaults the parser applies.
 *
 * Contract: a `DnsblConfig` is complete and validated (the parser checks every field); the monitor
 * (`dnsbl-monitor.ts`) trusts it. `resolver` is always the operator's own `HOST:PORT`: the system
 * resolver is never used, because Spamhaus and others refuse queries from public resolvers
 * (127.255.255.254) and count queries per source.
 */

export interface DnsblListConfig {
  /** The list's zone, lower case without the trailing dot, e.g. `zen.spamhaus.org` or `<key>.zen.dq.spamhaus.net`. */
  zone: string;
  /** Return codes that mean "listed" (exact 127.x.y.z); absent: any 127.x that is not an error code. */
  listedCodes?: string[];
  /** Queries per UTC day for this list (lookups, TXT reasons and test points); absent: no limit. */
  dailyBudget?: number;
}

export interface DnsblConfig {
  /** `HOST:PORT` of the operator's resolver (an IP literal; IPv6 as `[::1]:53`). */
  resolver: string;
  /** Between two lookups of one member on one list, jittered by ±`jitter`. */
  intervalMs: number;
  /** While a verdict is pending (a listed answer after clear, or the reverse): next lookup after this. */
  recheckMs: number;
  /** One DNS query's timeout. */
  timeoutMs: number;
  /** Consecutive listed lookups before a member is `listed`. */
  confirm: number;
  /** Consecutive not-listed lookups before a member is `clear`. */
  clear: number;
  lists: DnsblListConfig[];
}

export const DNSBL_DEFAULTS = Object.freeze({
  intervalMs: 15 * 60_000,
  recheckMs: 30_000,
  timeoutMs: 2000,
  confirm: 2,
  clear: 2,
  /** ±10 % of the interval, so members and instances do not query in lock-step. */
  jitter: 0.1,
  /** RFC 5782 §5 test points are checked before a list is trusted, then again this often. */
  testPointsEveryMs: 6 * 3_600_000,
  /** Shortest interval the parser accepts (tests use it; production lists want minutes). */
  minIntervalMs: 1000,
});
