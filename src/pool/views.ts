/**
 * Client views (pure): which variant of a balanced name a client gets, by the query's source
 * address or its EDNS Client Subnet (RFC 7871), and the ECS scope that answer carries.
 *
 * Contract: `matchView(views, client)` returns the view whose network holds `client` with the
 * longest prefix (a tie goes to the view listed first), or undefined (the name's own tiers). The
 * `scope` of a match is the matched prefix length raised to the longest of the name's other
 * networks nested inside it (so a resolver caching the answer for that scope never covers a client
 * a more specific rule would send elsewhere, RFC 7871 §7.2.1); without a match it is the client's
 * own source prefix length (the answer is only known to hold for exactly that subnet).
 *
 * Addresses are parsed here by hand (IPv4 dotted quad, IPv6 with `::` and an embedded IPv4 tail):
 * the few lines avoid a dependency for the one thing needed, bytes to compare under a mask.
 */
import type { AddressFamily, BalancedView, Prefix } from './model.ts';

export type { BalancedView, Prefix } from './model.ts';

/** Who asked, as far as views care: an address of a family, known to `sourcePrefix` bits. */
export interface ClientAddress {
  family: AddressFamily;
  bytes: Uint8Array;
  /** Bits of `bytes` that are meaningful (32/128 for a source address, the ECS source prefix else). */
  sourcePrefix: number;
}

export interface ViewMatch {
  view: BalancedView;
  network: Prefix;
  scope: number;
}

/** RFC 7871 §11.1: more than /24 (IPv4) or /56 (IPv6) of a client is not used. */
export const PRIVACY_PREFIX: Readonly<Record<AddressFamily, number>> = { 4: 24, 6: 56 };

export function familyBits(family: AddressFamily): number {
  return family === 4 ? 32 : 128;
}

/** Address literal → bytes (4 or 16), or undefined. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is IPv4. */
export function parseAddress(text: string): { family: AddressFamily; bytes: Uint8Array } | undefined {
  if (text.includes(':')) {
    const bytes = parseV6(text);
    if (!bytes) return undefined;
    const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
    return mapped && text.includes('.') ? { family: 4, bytes: bytes.slice(12) } : { family: 6, bytes };
  }
  const bytes = parseV4(text);
  return bytes && { family: 4, bytes };
}

function parseV4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(parts[i]!)) return undefined;
    const n = Number(parts[i]);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseV6(input: string): Uint8Array | undefined {
  const text = input.split('%')[0]!;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseV4(part);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-f]{1,4}$/i.test(part)) out.push(parseInt(part, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

/** `10.1.0.0/16`, `2001:db8::/32`, or a bare address (a host: /32 or /128). Host bits must be zero. */
export function parsePrefix(text: string): Prefix | string {
  const [addressText, lengthText, extra] = text.trim().split('/');
  if (extra !== undefined) return `"${text}" is not a network: write address/length, e.g. 10.1.0.0/16`;
  const address = parseAddress(addressText!);
  if (!address) return `"${text}": "${addressText}" is not an IPv4 or IPv6 address`;
  const bits = familyBits(address.family);
  const length = lengthText === undefined ? bits : /^[0-9]{1,3}$/.test(lengthText) ? Number(lengthText) : NaN;
  if (!(length >= 0 && length <= bits)) return `"${text}": prefix length must be 0-${bits}`;
  const masked = truncate(address.bytes, length);
  if (!masked.every((b, i) => b === address.bytes[i])) return `"${text}" has bits set past /${length}: did you mean ${formatPrefix(address.family, masked, length)}?`;
  return { family: address.family, bytes: masked, length, text: formatPrefix(address.family, masked, length) };
}

/** `bytes` with every bit from `length` on cleared (a copy). */
export function truncate(bytes: Uint8Array, length: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, length - 8 * i));
    out[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  return out;
}

export function formatPrefix(family: AddressFamily, bytes: Uint8Array, length: number): string {
  return `${formatAddress(family, bytes)}/${length}`;
}

export function formatAddress(family: AddressFamily, bytes: Uint8Array): string {
  if (family === 4) return [...bytes.subarray(0, 4)].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // Compress the longest run of zero groups (RFC 5952 §4.2).
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLength).join(':')}`;
}

/** Does `network` hold the first `network.length` bits of `bytes` (same family)? */
export function contains(network: Prefix, family: AddressFamily, bytes: Uint8Array): boolean {
  if (network.family !== family) return false;
  const full = network.length >> 3;
  for (let i = 0; i < full; i++) if (network.bytes[i] !== bytes[i]) return false;
  const rest = network.length & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (network.bytes[full]! & mask) === (bytes[full]! & mask);
}

/** See the module contract. */
export function matchView(views: readonly BalancedView[], client: ClientAddress): ViewMatch | undefined {
  let best: { view: BalancedView; network: Prefix } | undefined;
  for (const view of views) {
    for (const network of view.networks) {
      if (network.length > client.sourcePrefix && network.family === client.family) {
        // The client told us fewer bits than this network needs: it cannot be said to be inside.
        continue;
      }
      if (!contains(network, client.family, client.bytes)) continue;
      if (!best || network.length > best.network.length) best = { view, network };
    }
  }
  if (!best) return undefined;
  let scope = best.network.length;
  for (const view of views) {
    for (const network of view.networks) {
      if (network.length > scope && contains(best.network, network.family, network.bytes)) scope = network.length;
    }
  }
  return { ...best, scope };
}
