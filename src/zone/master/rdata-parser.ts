import { isIPv4, isIPv6 } from 'node:net';
import { decodeEscapes, type Token } from './lexer.ts';
import type { Name, RData } from '../model.ts';
import { parseType, RRType, typeName } from '../rr-types.ts';
import { canonicalIPv6, checkNameLength } from './canonical.ts';
import { decodeWireRData } from './rdata-wire.ts';

/**
 * Presentation-format RDATA and names (RFC 1035 §5.1, RFC 3597 §5). Pure. Every function throws a
 * plain Error whose message is the reason; the master-file parser adds file and line.
 */

/** Types with a presentation format mxlb parses; any other type needs RFC 3597 `\#` data. */
export const PRESENTATION_TYPES: ReadonlySet<number> = new Set([
  RRType.A, RRType.NS, RRType.CNAME, RRType.SOA, RRType.PTR, RRType.MX, RRType.TXT, RRType.AAAA, RRType.SRV, RRType.CAA, RRType.DS,
]);

/** RFC 6895 §3.1: 0 is reserved, OPT (41) is a pseudo-RR, 128–255 are query/meta types: none is zone data. */
function mayAppearInZone(code: number): boolean {
  return !(code === 0 || code === RRType.OPT || (code >= 128 && code <= 255) || code > 65535);
}

export const MAX_TTL = 2 ** 31 - 1; // RFC 2181 §8
const U32 = 2 ** 32 - 1;
const TTL_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * A zone file's type field: a mnemonic of `rr-types.ts` whose presentation form mxlb parses, or RFC
 * 3597 `TYPEnnn` of a type that may appear in a zone (case-insensitive). Other mnemonics of the table
 * are refused with a hint to write them as `TYPEnnn \#` data.
 */
export function parseZoneType(text: string): number {
  const upper = text.toUpperCase();
  const generic = /^TYPE(\d+)$/.exec(upper);
  if (generic) {
    const code = Number(generic[1]);
    if (!mayAppearInZone(code)) throw new Error(`type ${text} cannot appear in a zone`);
    return code;
  }
  const code = /\s/.test(text) ? undefined : parseType(upper);
  if (code !== undefined && PRESENTATION_TYPES.has(code)) return code;
  if (code !== undefined && mayAppearInZone(code)) {
    throw new Error(`type ${upper} is not supported (write it as RFC 3597 TYPEnnn \\# data to serve it as opaque bytes)`);
  }
  throw new Error(`unknown type "${text}"`);
}

/** `3600`, `1h30m`, `2D`, `1w` (units s m h d w, case-insensitive; every number needs a unit once any has one). */
export function parseTtl(text: string, max = MAX_TTL, what = 'TTL'): number {
  let value: number;
  if (/^\d+$/.test(text)) value = Number(text);
  else if (/^(\d+[smhdw])+$/i.test(text)) {
    value = 0;
    for (const [, n, unit] of text.matchAll(/(\d+)([smhdw])/gi)) value += Number(n) * TTL_UNITS[unit!.toLowerCase()]!;
  } else if (/^\d/.test(text)) {
    throw new Error(`bad ${what} "${text}": write seconds or numbers with units s, m, h, d, w (e.g. 1h30m)`);
  } else {
    throw new Error(`bad ${what} "${text}": not a number`);
  }
  if (value > max) throw new Error(`${what} ${text} is out of range (at most ${max})`);
  return value;
}

/** A decimal integer in 0..max (u8, u16 or u32 fields). */
export function parseUint(token: Token | undefined, max: number, what: string): number {
  if (!token) throw new Error(`missing ${what}`);
  if (token.quoted || !/^\d+$/.test(token.text)) throw new Error(`bad ${what} "${token.text}": not a number`);
  const value = Number(token.text);
  if (value > max) throw new Error(`${what} ${token.text} is out of range (at most ${max})`);
  return value;
}

/**
 * A domain name relative to `origin` unless it ends with an unescaped dot; `@` is the origin.
 * Canonical result per model.ts. The name model is dotted text, so an escape that decodes to a dot,
 * a blank or a non-printable byte is refused (e.g. the RNAME `john\.doe.example.com.`), and labels
 * must be printable ASCII (write internationalized names as punycode).
 */
export function parseName(token: Token | undefined, origin: Name, what = 'name'): Name {
  if (!token) throw new Error(`missing ${what}`);
  if (token.quoted) throw new Error(`${what} cannot be a quoted string`);
  const text = token.text;
  if (text === '@') return origin;
  if (text === '.') return '';
  const labels: string[] = [];
  let label = '';
  let absolute = false;
  for (let i = 0; i < text.length; ) {
    let c = text[i]!;
    if (c === '.') {
      if (label === '') throw new Error(`bad ${what} "${text}": empty label`);
      labels.push(label);
      label = '';
      i += 1;
      if (i === text.length) absolute = true;
      continue;
    }
    if (c === '\\') {
      const digits = text.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(digits) && Number(digits) <= 255) {
        c = String.fromCharCode(Number(digits));
        i += 4;
      } else if (/^\d/.test(digits)) {
        throw new Error(`bad ${what} "${text}": \\DDD needs three digits and a value up to 255`);
      } else {
        c = text[i + 1]!;
        i += 2;
      }
      if (c === '.') throw new Error(`bad ${what} "${text}": an escaped dot inside a label is not supported`);
    } else {
      i += 1;
    }
    const code = c.charCodeAt(0);
    if (code < 0x21 || code > 0x7e) throw new Error(`bad ${what} "${text}": only printable ASCII is allowed in names (use punycode)`);
    label += c;
  }
  if (label !== '') labels.push(label);
  return checkNameLength(joinName(labels, absolute ? '' : origin).toLowerCase(), what);
}

function joinName(labels: string[], origin: Name): string {
  if (origin === '') return labels.join('.');
  return labels.length === 0 ? origin : `${labels.join('.')}.${origin}`;
}

/** One <character-string>: at most 255 bytes after unescaping (RFC 1035 §3.3). */
export function parseCharString(token: Token, what = 'string'): Uint8Array {
  const bytes = decodeEscapes(token.text);
  if (bytes.length > 255) throw new Error(`${what} is ${bytes.length} bytes long (a string is at most 255; split it into several quoted strings)`);
  return bytes;
}

/**
 * RDATA for `type` from its tokens. Known types accept their presentation format or RFC 3597
 * `\# len hex`, which is decoded into the same typed form; other types accept only `\#` and stay
 * opaque (`raw`).
 */
export function parseRData(type: number, tokens: readonly Token[], origin: Name): RData {
  const first = tokens[0];
  if (first && !first.quoted && first.text === '\\#') return decodeWireRData(type, parseGeneric(tokens.slice(1)));
  const known = PRESENTATION_TYPES.has(type);
  if (!known) throw new Error(`type TYPE${type} needs RFC 3597 data: \\# <length> <hex>`);
  const exact = (n: number) => {
    if (tokens.length < n) throw new Error(`missing fields: ${zoneTypeName(type)} needs ${n} and has ${tokens.length}`);
    if (tokens.length > n) throw new Error(`trailing garbage "${tokens[n]!.text}" after ${zoneTypeName(type)} data`);
  };
  switch (type) {
    case RRType.A: {
      exact(1);
      const text = tokens[0]!.text;
      if (tokens[0]!.quoted || !isIPv4(text)) throw new Error(`bad IPv4 address "${text}"`);
      return { type, address: text };
    }
    case RRType.AAAA: {
      exact(1);
      return { type, address: parseIPv6(tokens[0]!) };
    }
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
      exact(1);
      return { type, target: parseName(tokens[0], origin, `${zoneTypeName(type)} target`) };
    case RRType.MX:
      exact(2);
      return { type, preference: parseUint(tokens[0], 65535, 'MX preference'), exchange: parseName(tokens[1], origin, 'MX exchange') };
    case RRType.TXT:
      if (tokens.length === 0) throw new Error('missing fields: TXT needs at least one string');
      return { type, strings: tokens.map((t) => parseCharString(t, 'TXT string')) };
    case RRType.SOA: {
      exact(7);
      const timer = (i: number, what: string) => {
        const t = tokens[i]!;
        if (t.quoted) throw new Error(`bad SOA ${what} "${t.text}": not a number`);
        return parseTtl(t.text, U32, `SOA ${what}`);
      };
      return {
        type,
        mname: parseName(tokens[0], origin, 'SOA MNAME'),
        rname: parseName(tokens[1], origin, 'SOA RNAME'),
        serial: parseUint(tokens[2], U32, 'SOA serial'),
        refresh: timer(3, 'refresh'),
        retry: timer(4, 'retry'),
        expire: timer(5, 'expire'),
        minimum: timer(6, 'minimum'),
      };
    }
    case RRType.SRV:
      exact(4);
      return {
        type,
        priority: parseUint(tokens[0], 65535, 'SRV priority'),
        weight: parseUint(tokens[1], 65535, 'SRV weight'),
        port: parseUint(tokens[2], 65535, 'SRV port'),
        target: parseName(tokens[3], origin, 'SRV target'),
      };
    case RRType.CAA: {
      exact(3);
      const tag = tokens[1]!;
      // RFC 8659 §4.1: the tag is 1–15 ASCII letters and digits; the value is the rest of the RDATA.
      if (tag.quoted || !/^[a-z0-9]{1,15}$/i.test(tag.text)) throw new Error(`bad CAA tag "${tag.text}": 1 to 15 letters and digits`);
      return { type, flags: parseUint(tokens[0], 255, 'CAA flags'), tag: tag.text, value: decodeEscapes(tokens[2]!.text) };
    }
    case RRType.DS:
      return { type, raw: parseDs(tokens) };
    default:
      throw new Error(`type TYPE${type} needs RFC 3597 data: \\# <length> <hex>`);
  }
}

/** Digest lengths of the DS digest types with a fixed size (RFC 4509 §2.2 SHA-256, RFC 5933 GOST, RFC 6605 SHA-384). */
const DS_DIGEST_BYTES: ReadonlyMap<number, [string, number]> = new Map([
  [1, ['SHA-1', 20]], [2, ['SHA-256', 32]], [3, ['GOST R 34.11-94', 32]], [4, ['SHA-384', 48]],
]);

/**
 * RFC 4034 §5.3: `keytag algorithm digesttype digest`, decimal numbers and a hex digest that may be
 * split by blanks. Kept as wire bytes (served as opaque RFC 3597 data: mxlb does not sign or
 * validate, it only hands the parent-side DS of a delegation to resolvers). A digest of a known type
 * must have that type's length, so a digest cut short when it was pasted is an error, not a broken
 * chain of trust at the child.
 */
function parseDs(tokens: readonly Token[]): Uint8Array {
  const keyTag = parseUint(tokens[0], 65535, 'DS key tag');
  const algorithm = parseUint(tokens[1], 255, 'DS algorithm');
  const digestType = parseUint(tokens[2], 255, 'DS digest type');
  const words = tokens.slice(3);
  if (words.length === 0) throw new Error('missing fields: DS needs a digest after key tag, algorithm and digest type');
  const hex = words.map((t) => (t.quoted ? '"' : t.text)).join('');
  if (!/^[0-9a-f]*$/i.test(hex)) throw new Error(`bad DS digest "${hex.slice(0, 40)}": not hexadecimal`);
  if (hex.length % 2 !== 0) throw new Error(`bad DS digest: ${hex.length} hex digits, an odd number`);
  const known = DS_DIGEST_BYTES.get(digestType);
  if (known && hex.length / 2 !== known[1]) {
    throw new Error(`DS digest is ${hex.length / 2} bytes; digest type ${digestType} (${known[0]}) has ${known[1]}`);
  }
  const raw = Buffer.alloc(4 + hex.length / 2);
  raw.writeUInt16BE(keyTag, 0);
  raw[2] = algorithm;
  raw[3] = digestType;
  raw.write(hex, 4, 'hex');
  return Uint8Array.from(raw);
}

function parseIPv6(token: Token): string {
  const text = token.text;
  // node accepts a zone index (fe80::1%eth0); a zone file has no use for one.
  if (token.quoted || text.includes('%') || !isIPv6(text)) throw new Error(`bad IPv6 address "${text}"`);
  return canonicalIPv6(text);
}

/** RFC 3597 §5: `<length> <hex>...`; the hex may be split into several words. */
function parseGeneric(tokens: readonly Token[]): Uint8Array {
  const length = parseUint(tokens[0], 65535, 'RFC 3597 data length');
  const hex = tokens.slice(1).map((t) => (t.quoted ? '"' : t.text)).join('');
  if (!/^[0-9a-f]*$/i.test(hex) || hex.length % 2 !== 0) throw new Error(`bad hex in RFC 3597 data "${hex.slice(0, 40)}"`);
  if (hex.length / 2 !== length) throw new Error(`RFC 3597 data length mismatch: says ${length} bytes, has ${hex.length / 2}`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/**
 * The type field mxlb writes in zone data (`mxlb zone show`, messages about zone records): the
 * mnemonic of a type whose presentation form it parses, else `TYPEnnn`, so what it writes parses back.
 */
export function zoneTypeName(type: number): string {
  return PRESENTATION_TYPES.has(type) ? typeName(type) : `TYPE${type}`;
}
