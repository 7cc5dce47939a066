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
 */
import { parseAddress } from './ip-address.ts';
import type { AddressFamily, BalancedView, Prefix } from './model.ts';

export { parseAddress } from './ip-address.ts';

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
