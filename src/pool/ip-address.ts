/**
 * IP address text → octets (pure), the one parser every part uses: client views and ECS
 * (./views.ts), RRL prefixes and DNS cookie hashing (src/dns). IPv4 is a dotted quad without
 * leading zeros; IPv6 is RFC 4291 §2.2 text (`::` for one or more zero groups, an IPv4 tail in the
 * last 32 bits), an RFC 4007 zone (`%eth0`) ignored. Hand-written: a dozen lines against a
 * dependency for the one thing needed, bytes to compare under a mask.
 */
import type { AddressFamily } from './model.ts';

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
