/**
 * One zone record onto the wire (RFC 1035 §3.2.1, §4.1.3): owner, TYPE, CLASS IN, TTL, RDLENGTH
 * and the typed RDATA of mxlb's own record model (zone/model.ts `RData`); anything else is written
 * as the RFC 3597 opaque bytes the zone gave. Names in RDATA are compressed for the RFC 1035 types
 * (NS, CNAME, PTR, MX, SOA; RFC 3597 §4) and written in full for SRV (RFC 2782: "name compression
 * is not to be used for this field"). Throws on data it cannot write (a bad address, a long label);
 * the caller turns that into SERVFAIL.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { RRType, type RData, type ResourceRecord } from '../zone/index.ts';
import type { WireWriter } from './writer.ts';

/** RFC 2181 §8: a TTL is 32 bits unsigned but values with the top bit set are unsafe; send 2^31 - 1 at most. */
const MAX_TTL = 0x7fffffff;

export function writeRecord(w: WireWriter, record: ResourceRecord): void {
  w.name(record.owner);
  w.u16(record.type);
  w.u16(1);
  w.u32(Math.min(record.ttl >>> 0, MAX_TTL));
  const lengthAt = w.pos;
  w.pos += 2;
  writeRData(w, record.rdata, record.type);
  w.buf.writeUInt16BE(w.pos - lengthAt - 2, lengthAt);
}

function writeRData(w: WireWriter, rdata: RData, type: number): void {
  if ('raw' in rdata) return w.bytes(rdata.raw);
  switch (rdata.type) {
    case RRType.A:
      if ('address' in rdata) return w.bytes(addressBytes(rdata.address, 4));
      break;
    case RRType.AAAA:
      if ('address' in rdata) return w.bytes(addressBytes(rdata.address, 16));
      break;
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
      if ('target' in rdata) return w.name(rdata.target);
      break;
    case RRType.MX:
      if ('exchange' in rdata) {
        w.u16(rdata.preference);
        return w.name(rdata.exchange);
      }
      break;
    case RRType.TXT:
      if ('strings' in rdata) {
        for (const s of rdata.strings) {
          w.u8(s.length);
          w.bytes(s);
        }
        return;
      }
      break;
    case RRType.SOA:
      if ('mname' in rdata) {
        w.name(rdata.mname);
        w.name(rdata.rname);
        w.u32(rdata.serial);
        w.u32(rdata.refresh);
        w.u32(rdata.retry);
        w.u32(rdata.expire);
        // RFC 2308 §4: MINIMUM is also a TTL; the same 31-bit ceiling.
        w.u32(Math.min(rdata.minimum >>> 0, MAX_TTL));
        return;
      }
      break;
    case RRType.SRV:
      if ('port' in rdata) {
        w.u16(rdata.priority);
        w.u16(rdata.weight);
        w.u16(rdata.port);
        return w.plainName(rdata.target);
      }
      break;
    case RRType.CAA:
      // RFC 8659 §4.1: flags, tag length, tag, and the value as bytes.
      if ('tag' in rdata) {
        w.u8(rdata.flags);
        w.u8(rdata.tag.length);
        for (let i = 0; i < rdata.tag.length; i++) w.u8(rdata.tag.charCodeAt(i));
        return w.bytes(rdata.value);
      }
      break;
  }
  throw new Error(`cannot encode a type ${type} record with ${Object.keys(rdata).join('/')} data`);
}

/** Address text → bytes, parsed once per address string (zone data is immutable, addresses repeat). */
const addresses = new Map<string, Uint8Array>();
const MAX_REMEMBERED = 100_000;

function addressBytes(address: string, size: 4 | 16): Uint8Array {
  const known = addresses.get(address);
  if (known && known.length === size) return known;
  const bytes = size === 4 ? ipv4(address) : ipv6(address);
  if (addresses.size >= MAX_REMEMBERED) addresses.clear();
  addresses.set(address, bytes);
  return bytes;
}

function ipv4(address: string): Uint8Array {
  if (!isIPv4(address)) throw new Error(`A encode: invalid IPv4 address ${JSON.stringify(address)}`);
  return Uint8Array.from(address.split('.').map(Number));
}

/** RFC 4291 §2.2 text forms, `::` and an embedded dotted quad included. */
function ipv6(address: string): Uint8Array {
  if (!isIPv6(address)) throw new Error(`AAAA encode: invalid IPv6 address ${JSON.stringify(address)}`);
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const [a, b, c, d] = piece.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else out.push(parseInt(piece, 16));
    }
    return out;
  };
  const gap = address.indexOf('::');
  const head = groups(gap < 0 ? address : address.slice(0, gap));
  const tail = gap < 0 ? [] : groups(address.slice(gap + 2));
  const all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}
