/**
 * DNSBL lookups over the network (edge): one A query (and the TXT reason when listed) through the
 * resolver the operator named, never the system's. Spamhaus and others refuse or mislead queries
 * that come through public resolvers (127.255.255.254), so an explicit `HOST:PORT` is required.
 *
 * Contract: `lookupDnsbl` never throws for DNS outcomes: NXDOMAIN, NODATA, timeout, SERVFAIL and
 * REFUSED come back as `DnsblAnswer` kinds for `interpretDnsbl`; it throws only for a bad resolver
 * address. `checkDnsbl` adds the RFC 5782 §5 test points so a one-off check can say whether the
 * list itself is usable.
 */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { dnsblQueryName, interpretDnsbl, testPointVerdict, type DnsblAnswer, type DnsblListSpec, type DnsblResult } from './dnsbl.ts';

export interface DnsblLookupOptions {
  /** `HOST:PORT` or `HOST` (port 53), an IP literal; IPv6 as `[::1]:5300`. */
  resolver: string;
  /** Per query, default 2000 ms; one try. */
  timeoutMs?: number;
}

export interface DnsblCheck {
  list: string;
  address: string;
  query: string;
  result: DnsblResult;
  /** RFC 5782 §5 test points of the list. */
  usable: { usable: true } | { usable: false; why: string };
}

/** Validates and normalises `HOST[:PORT]` for `Resolver.setServers`. */
export function resolverAddress(text: string): string {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const plain = /^([^:]+)(?::(\d{1,5}))?$/.exec(text);
  const host = bracketed?.[1] ?? (plain ? plain[1] : isIP(text) === 6 ? text : undefined);
  const port = bracketed?.[2] ?? plain?.[2];
  if (host === undefined || isIP(host) === 0) throw new Error(`resolver "${text}" must be an IP address with an optional port, e.g. 127.0.0.1:53 or [::1]:5300`);
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw new Error(`resolver "${text}": port out of range`);
  if (port === undefined) return host;
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

function resolverFor(options: DnsblLookupOptions): Resolver {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 2000, tries: 1 });
  resolver.setServers([resolverAddress(options.resolver)]);
  return resolver;
}

function failureKind(error: unknown): DnsblAnswer {
  const code = (error as { code?: string }).code;
  if (code === 'ENOTFOUND') return { kind: 'nxdomain' };
  if (code === 'ENODATA') return { kind: 'nodata' };
  if (code === 'ESERVFAIL') return { kind: 'servfail' };
  if (code === 'EREFUSED') return { kind: 'refused' };
  return { kind: 'timeout' };
}

async function query(resolver: Resolver, name: string): Promise<DnsblAnswer> {
  try {
    const addresses = await resolver.resolve4(name);
    // The TXT record says why (RFC 5782 §2.1); without it the code alone is the listing.
    const txt = await resolver.resolveTxt(name).then((records) => records.map((parts) => parts.join('')), () => []);
    return { kind: 'addresses', addresses, txt };
  } catch (error) {
    return failureKind(error);
  }
}

/** Looks `address` up in `list`; the answer interpreted. */
export async function lookupDnsbl(address: string, list: DnsblListSpec, options: DnsblLookupOptions): Promise<DnsblResult> {
  return interpretDnsbl(await query(resolverFor(options), dnsblQueryName(address, list.zone)), list);
}

/** A one-off check: the address, and the list's own test points. */
export async function checkDnsbl(address: string, list: DnsblListSpec, options: DnsblLookupOptions): Promise<DnsblCheck> {
  const resolver = resolverFor(options);
  const name = dnsblQueryName(address, list.zone);
  const [result, point2, point1] = await Promise.all([
    query(resolver, name).then((a) => interpretDnsbl(a, list)),
    query(resolver, dnsblQueryName('127.0.0.2', list.zone)).then((a) => interpretDnsbl(a, list)),
    query(resolver, dnsblQueryName('127.0.0.1', list.zone)).then((a) => interpretDnsbl(a, list)),
  ]);
  return { list: list.zone, address, query: name, result, usable: testPointVerdict(point2, point1) };
}
