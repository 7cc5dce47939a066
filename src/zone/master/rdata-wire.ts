import { RRType, type Name, type RData } from '../model.ts';
import { canonicalIPv6, checkNameLength } from './canonical.ts';

/**
 * RFC 3597 §5 generic data (`\# len hex`) for a type mxlb knows is decoded here into the same typed
 * RData its presentation form gives, so the rest of mxlb sees one form per type; any other type
 * stays opaque (`raw`). Pure; throws a plain Error with the reason. Names inside must be
 * uncompressed (RFC 3597 §4) and obey the same rules as names in presentation form.
 */
export function decodeWireRData(type: number, bytes: Uint8Array): RData {
  const r = new Reader(bytes, type);
  let rdata: RData;
  switch (type) {
    case RRType.A:
      rdata = { type, address: [...r.take(4)].join('.') };
      break;
    case RRType.AAAA: {
      const b = r.take(16);
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
      rdata = { type, address: canonicalIPv6(groups.join(':')) };
      break;
    }
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
      rdata = { type, target: r.name() };
      break;
    case RRType.MX:
      rdata = { type, preference: r.u16(), exchange: r.name() };
      break;
    case RRType.TXT: {
      const strings: Uint8Array[] = [];
      while (!r.done()) strings.push(r.take(r.u8()));
      if (strings.length === 0) throw new Error('RFC 3597 data for TXT is empty; TXT needs at least one string');
      rdata = { type, strings };
      break;
    }
    case RRType.SOA:
      rdata = { type, mname: r.name(), rname: r.name(), serial: r.u32(), refresh: r.u32(), retry: r.u32(), expire: r.u32(), minimum: r.u32() };
      break;
    case RRType.SRV:
      rdata = { type, priority: r.u16(), weight: r.u16(), port: r.u16(), target: r.name() };
      break;
    case RRType.CAA: {
      const flags = r.u8();
      const tag = Buffer.from(r.take(r.u8())).toString('latin1');
      if (!/^[a-z0-9]{1,15}$/i.test(tag)) throw new Error(`bad CAA tag "${tag}" in RFC 3597 data: 1 to 15 letters and digits`);
      rdata = { type, flags, tag, value: r.take(bytes.length - r.offset) };
      break;
    }
    default:
      return { type, raw: bytes };
  }
  if (!r.done()) throw new Error(`RFC 3597 data for type ${type} has ${bytes.length - r.offset} bytes too many`);
  return rdata;
}

class Reader {
  offset = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly type: number,
  ) {}

  done(): boolean {
    return this.offset === this.bytes.length;
  }

  take(n: number): Uint8Array {
    if (this.offset + n > this.bytes.length) throw new Error(`RFC 3597 data for type ${this.type} is too short`);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  u8(): number {
    return this.take(1)[0]!;
  }

  u16(): number {
    const b = this.take(2);
    return (b[0]! << 8) | b[1]!;
  }

  u32(): number {
    const b = this.take(4);
    return ((b[0]! << 24) >>> 0) + ((b[1]! << 16) | (b[2]! << 8) | b[3]!);
  }

  name(): Name {
    const labels: string[] = [];
    for (;;) {
      const length = this.u8();
      if (length === 0) break;
      if (length > 63) throw new Error(`RFC 3597 data for type ${this.type} has a compressed or bad name (label length byte ${length})`);
      const label = Buffer.from(this.take(length)).toString('latin1');
      if (!/^[\x21-\x2d\x2f-\x7e]+$/.test(label)) throw new Error(`RFC 3597 data for type ${this.type} has a name label with a dot, a blank or non-ASCII bytes`);
      labels.push(label);
    }
    return checkNameLength(labels.join('.').toLowerCase());
  }
}
