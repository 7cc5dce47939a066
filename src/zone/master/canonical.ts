import type { Name } from '../model.ts';

/**
 * Canonical forms and limits that presentation-format parsing (`rdata-parser.ts`) and RFC 3597 wire
 * decoding (`rdata-wire.ts`) both apply, so equal data compares equal whichever way it was written.
 * Pure; throws a plain Error with the reason.
 */

/** RFC 1035 §2.3.4: labels ≤ 63 octets, names ≤ 255 octets in wire form. */
export function checkNameLength(name: Name, what = 'name'): Name {
  if (name === '') return name;
  let wire = 1;
  for (const label of name.split('.')) {
    if (label.length > 63) throw new Error(`bad ${what}: label "${label.slice(0, 20)}…" is ${label.length} octets (at most 63)`);
    wire += label.length + 1;
  }
  if (wire > 255) throw new Error(`bad ${what}: ${wire} octets long (at most 255)`);
  return name;
}

/** RFC 5952 text form (lower case, longest zero run compressed), so equal addresses compare equal. */
export function canonicalIPv6(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}
