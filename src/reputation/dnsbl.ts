/**
 * DNSBL lookups as pure functions (RFC 5782): the query name for an address, what an answer means,
 * and whether a list passes its test points. The network lookup is an edge (`dnsbl-lookup.ts`);
 * everything here is data in, data out.
 *
 * Contract:
 * - `dnsblQueryName(address, zone)`: IPv4 as reversed octets (`2.0.0.127.zen.spamhaus.org`),
 *   IPv6 as reversed nibbles of the full address (RFC 5782 §2.1, §2.4); throws on a non-address.
 * - `interpretDnsbl(answer, list)`: `listed` only for an A record in 127.0.0.0/8 that the list's
 *   `listedCodes` accept (default: any 127.x except the error codes); `not-listed` for NXDOMAIN
 *   (and NOERROR without an A record, RFC 5782 §2.1: "not listed" is NXDOMAIN, but a
 *   NODATA carries no listing either); `error` (the list refused to answer — a warning, never a
 *   listing) for Spamhaus's 127.255.255.252 (typo in the zone), .254 (query via a public/open
 *   resolver), .255 (over quota), for 127.0.0.1 (RFC 5782 §5: never a listing) and for anything
 *   outside 127.0.0.0/8; `unknown` for a timeout or SERVFAIL (the caller keeps its last verdict).
 * - `testPointVerdict(t2, t1)`: RFC 5782 §5: 127.0.0.2 MUST be listed and 127.0.0.1 MUST NOT be;
 *   a list that fails is `unusable` and none of its answers are trusted.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** What a lookup got back: A records (dotted quads), TXT strings, or the resolver's failure. */
export type DnsblAnswer =
  | { kind: 'addresses'; addresses: readonly string[]; txt?: readonly string[] }
  | { kind: 'nxdomain' }
  | { kind: 'nodata' }
  | { kind: 'timeout' }
  | { kind: 'servfail' }
  | { kind: 'refused' };

export interface DnsblListSpec {
  /** The list's zone, e.g. `zen.spamhaus.org` or `<key>.zen.dq.spamhaus.net`. */
  zone: string;
  /** Return codes that mean "listed" (exact 127.x.y.z); empty or absent: any 127.x that is not an error code. */
  listedCodes?: readonly string[];
}

export type DnsblResult =
  | { status: 'listed'; codes: string[]; reason?: string }
  | { status: 'not-listed' }
  | { status: 'error'; code: string; why: DnsblErrorWhy }
  | { status: 'unknown'; why: 'timeout' | 'servfail' | 'refused' };

export type DnsblErrorWhy = 'typo-in-zone' | 'public-resolver' | 'over-quota' | 'loopback-answer' | 'outside-127' | 'not-an-address';

/** Spamhaus's (and others') answers that mean "I will not answer you", never a listing. */
const ERROR_CODES: ReadonlyMap<string, DnsblErrorWhy> = new Map([
  ['127.255.255.252', 'typo-in-zone'],
  ['127.255.255.254', 'public-resolver'],
  ['127.255.255.255', 'over-quota'],
  ['127.0.0.1', 'loopback-answer'],
]);

export function dnsblQueryName(address: string, zone: string): string {
  const suffix = zone.replace(/\.$/, '').toLowerCase();
  if (isIPv4(address)) return `${address.split('.').reverse().join('.')}.${suffix}`;
  if (isIPv6(address)) return `${ipv6Nibbles(address).reverse().join('.')}.${suffix}`;
  throw new Error(`"${address}" is not an IPv4 or IPv6 address`);
}

/** The 32 hex nibbles of an IPv6 address, most significant first (`::` expanded, v4-mapped tails too). */
function ipv6Nibbles(address: string): string[] {
  let text = address.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const octets = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + `${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((group) => group.padStart(4, '0').split(''));
}

export function interpretDnsbl(answer: DnsblAnswer, list: DnsblListSpec): DnsblResult {
  switch (answer.kind) {
    case 'nxdomain':
    case 'nodata':
      return { status: 'not-listed' };
    case 'timeout':
    case 'servfail':
    case 'refused':
      return { status: 'unknown', why: answer.kind };
    case 'addresses':
      break;
  }
  if (answer.addresses.length === 0) return { status: 'not-listed' };
  // One refusal code in the answer makes the whole answer untrustworthy.
  for (const code of answer.addresses) {
    const why = ERROR_CODES.get(code);
    if (why) return { status: 'error', code, why };
    if (!isIPv4(code)) return { status: 'error', code, why: 'not-an-address' };
    if (!code.startsWith('127.')) return { status: 'error', code, why: 'outside-127' };
  }
  const accepted = list.listedCodes && list.listedCodes.length > 0 ? answer.addresses.filter((c) => list.listedCodes!.includes(c)) : [...answer.addresses];
  if (accepted.length === 0) return { status: 'not-listed' };
  const result: DnsblResult = { status: 'listed', codes: accepted };
  const reason = answer.txt?.join(' ').trim();
  if (reason) result.reason = reason;
  return result;
}

/** RFC 5782 §5 test points: 127.0.0.2 must be listed, 127.0.0.1 must not. */
export function testPointVerdict(point2: DnsblResult, point1: DnsblResult): { usable: true } | { usable: false; why: string } {
  if (point2.status === 'unknown' || point1.status === 'unknown') return { usable: false, why: 'test points did not answer (timeout or SERVFAIL)' };
  if (point2.status === 'error') return { usable: false, why: `127.0.0.2 answered ${point2.code} (${point2.why}): the list refuses this resolver` };
  if (point2.status !== 'listed') return { usable: false, why: '127.0.0.2 is not listed (RFC 5782 §5 requires it): wrong zone name or the list is not answering' };
  if (point1.status === 'listed') return { usable: false, why: '127.0.0.1 is listed (RFC 5782 §5 forbids it): the list lists everything' };
  return { usable: true };
}
