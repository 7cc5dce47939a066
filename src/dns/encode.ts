/**
 * Response encoder: Resolution → wire bytes (RFC 1035 §4.1), with name compression from dns2's
 * Packet, OPT echo (RFC 6891 §6.1.1, §7), and truncation (RFC 2181 §9, RFC 9619). Error replies
 * (FORMERR, NOTIMP, BADVERS, SERVFAIL) carry no records and are written directly.
 *
 * Answers are encoded with ID 0, RD 0 and the question name lower-cased: the caller patches the
 * query's ID, RD bit and name bytes in (see `patchResponse`), which is what lets one buffer serve
 * every spelling of a name from the answer cache. Owners equal to the question name become
 * compression pointers to it, so the patched question spelling shows in them too (0x20).
 */
import { Packet } from 'dns2';
import type { Resolution } from './message.ts';
import { HEADER_SIZE, skipName, type ScannedQuery } from './query.ts';
import { isInOrBelow, RRType, type ResourceRecord } from '../zone/index.ts';

type Dns2Resource = Packet['answers'][number];

/** The UDP payload size we advertise: the DNS flag day 2020 value that avoids fragmentation. */
export const OUR_UDP_PAYLOAD = 1232;
/** Without EDNS a UDP answer is at most 512 octets (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_LIMIT = 512;
/** A TCP answer is limited by its 2-octet length prefix (RFC 1035 §4.2.2). */
export const TCP_LIMIT = 65535;

/**
 * A type dns2 has no codec for: dns2 then writes the record's `data` bytes verbatim (RFC 3597),
 * and the encoder writes the real type over it afterwards. Used for rdata dns2 cannot express.
 */
const OPAQUE_TYPE = 0xff00;

/** How the reply must look besides its records. */
export interface ResponseShape {
  /** Present when the query had an OPT: echo one (RFC 6891 §6.1.1), copying DO (RFC 3225 §3). */
  edns: { dnssecOk: boolean } | null;
  /** Largest message the client takes: over UDP min(max(512, payload), 1232), over TCP 65535. */
  limit: number;
}

/** The largest reply a client accepts on this transport (RFC 6891 §6.2.5 capped at OUR_UDP_PAYLOAD). */
export function sizeLimit(tcp: boolean, payload: number | null): number {
  if (tcp) return TCP_LIMIT;
  if (payload === null) return CLASSIC_UDP_LIMIT;
  return Math.min(Math.max(CLASSIC_UDP_LIMIT, payload), OUR_UDP_PAYLOAD);
}

/**
 * Encodes a resolution as a reply with ID 0 and RD 0, the question name lower-cased, header bits
 * QR=1, opcode 0, AA from the resolution, RA=0, and TC=1 when the required records do not fit.
 * `qname` is the question in dns2 form (see `templateName`). Throws when a record cannot be
 * encoded (a name label over 63 octets, a bad address); the caller turns that into SERVFAIL.
 */
export function encodeAnswer(qname: string, qtype: number, qclass: number, resolution: Resolution, shape: ResponseShape): Buffer {
  const { required, optional } = splitAdditional(resolution);
  const packet = new Packet({ id: 0, qr: 1, opcode: 0, aa: resolution.aa ? 1 : 0, rd: 0, rcode: resolution.rcode } as never);
  packet.questions.push({ name: qname, type: qtype, class: qclass } as never);
  const opaque = new Map<number, number>();
  let index = 0;
  const add = (list: Dns2Resource[], records: readonly ResourceRecord[]): void => {
    for (const record of records) {
      const { resource, realType } = toResource(record);
      if (realType !== undefined) opaque.set(index, realType);
      list.push(resource);
      index++;
    }
  };
  add(packet.answers, resolution.answer);
  add(packet.authorities, resolution.authority);
  add(packet.additionals, required);
  add(packet.additionals, optional);
  if (shape.edns) packet.additionals.push(Packet.Resource.EDNS([], { udpPayloadSize: OUR_UDP_PAYLOAD, doFlag: shape.edns.dnssecOk }) as never);
  else if (resolution.rcode > 0xf) throw new Error(`RCODE ${resolution.rcode} needs an OPT record to carry it (RFC 6891 §6.1.3)`);

  const full = packet.toBuffer();
  const ends = recordEnds(full);
  for (const [i, type] of opaque) full.writeUInt16BE(type, ends.typeAt[i]!);
  if (full.length <= shape.limit) return full;

  // RFC 2181 §9: drop optional additional data first, whole RRsets at a time; the OPT stays.
  const fixed = resolution.answer.length + resolution.authority.length + required.length;
  const optStart = shape.edns ? ends.recordEnd[index - 1] ?? ends.questionEnd : full.length;
  const opt = full.subarray(optStart);
  const endOf = (count: number): number => (count === 0 ? ends.questionEnd : ends.recordEnd[count - 1]!);
  if (endOf(fixed) + opt.length > shape.limit) return truncated(full, ends.questionEnd, opt);
  let keep = 0;
  for (let i = 0; i < optional.length; i++) {
    const next = optional[i + 1];
    const rrsetEnds = !next || next.owner !== optional[i]!.owner || next.type !== optional[i]!.type;
    if (!rrsetEnds) continue;
    if (endOf(fixed + i + 1) + opt.length > shape.limit) break;
    keep = i + 1;
  }
  const reply = Buffer.concat([full.subarray(0, endOf(fixed + keep)), opt]);
  reply.writeUInt16BE(required.length + keep + (shape.edns ? 1 : 0), 10);
  return reply;
}

/** TC=1 with the question and the OPT only (RFC 2181 §9, RFC 9619 keeps QDCOUNT 1). */
function truncated(full: Buffer, questionEnd: number, opt: Buffer): Buffer {
  const reply = Buffer.concat([full.subarray(0, questionEnd), opt]);
  reply[2] = reply[2]! | 0x02;
  reply.writeUInt16BE(0, 6);
  reply.writeUInt16BE(0, 8);
  reply.writeUInt16BE(opt.length > 0 ? 1 : 0, 10);
  return reply;
}

/**
 * Additional records that must fit or the reply is truncated: in a referral, glue for name
 * servers inside the delegated zone (RFC 9471 §2). Everything else may be left out.
 */
function splitAdditional(resolution: Resolution): { required: ResourceRecord[]; optional: ResourceRecord[] } {
  const referral = !resolution.aa && resolution.answer.length === 0;
  const inDomainServers = new Set<string>();
  if (referral) {
    for (const ns of resolution.authority) {
      if (ns.type === RRType.NS && 'target' in ns.rdata && isInOrBelow(ns.rdata.target, ns.owner)) inDomainServers.add(ns.rdata.target);
    }
  }
  const required: ResourceRecord[] = [];
  const optional: ResourceRecord[] = [];
  for (const record of resolution.additional) {
    const glue = (record.type === RRType.A || record.type === RRType.AAAA) && inDomainServers.has(record.owner);
    (glue ? required : optional).push(record);
  }
  return { required, optional };
}

/** Where the question and each record end, and each record's TYPE field, in an encoded message. */
function recordEnds(buf: Buffer): { questionEnd: number; recordEnd: number[]; typeAt: number[] } {
  const questionEnd = skipName(buf, HEADER_SIZE) + 4;
  const count = buf.readUInt16BE(6) + buf.readUInt16BE(8) + buf.readUInt16BE(10);
  const recordEnd: number[] = [];
  const typeAt: number[] = [];
  let pos = questionEnd;
  for (let i = 0; i < count; i++) {
    const nameEnd = skipName(buf, pos);
    if (nameEnd < 0) throw new Error('encoder produced an unreadable owner name');
    typeAt.push(nameEnd);
    pos = nameEnd + 10 + buf.readUInt16BE(nameEnd + 8);
    recordEnd.push(pos);
  }
  return { questionEnd, recordEnd, typeAt };
}

/** One zone record as the dns2 resource its codec expects, or as opaque RFC 3597 bytes. */
function toResource(record: ResourceRecord): { resource: Dns2Resource; realType?: number } {
  const base = { name: record.owner, type: record.type, class: 1, ttl: record.ttl };
  const rdata = record.rdata;
  if ('raw' in rdata) return opaque(base, record.type, Buffer.from(rdata.raw));
  switch (rdata.type) {
    case RRType.A:
      if ('address' in rdata) return typed({ ...base, address: rdata.address });
      break;
    case RRType.AAAA:
      if ('address' in rdata) return typed({ ...base, address: withoutDottedQuad(rdata.address) });
      break;
    case RRType.NS:
      if ('target' in rdata) return typed({ ...base, ns: rdata.target });
      break;
    case RRType.CNAME:
    case RRType.PTR:
      if ('target' in rdata) return typed({ ...base, domain: rdata.target });
      break;
    case RRType.MX:
      if ('exchange' in rdata) return typed({ ...base, priority: rdata.preference, exchange: rdata.exchange });
      break;
    case RRType.TXT:
      if ('strings' in rdata) return typed({ ...base, data: rdata.strings.map((s) => Buffer.from(s)) as never });
      break;
    case RRType.SOA:
      if ('mname' in rdata) {
        const { mname, rname, serial, refresh, retry, expire, minimum } = rdata;
        return typed({ ...base, primary: mname, admin: rname, serial, refresh, retry, expiration: expire, minimum });
      }
      break;
    case RRType.SRV:
      if ('port' in rdata) return typed({ ...base, priority: rdata.priority, weight: rdata.weight, port: rdata.port, target: rdata.target });
      break;
    case RRType.CAA:
      // dns2 writes the CAA value as UTF-8 text; the value is bytes (RFC 8659 §4.1), so write them as they are.
      if ('tag' in rdata) {
        const tag = Buffer.from(rdata.tag, 'latin1');
        return opaque(base, record.type, Buffer.concat([Buffer.from([rdata.flags, tag.length]), tag, Buffer.from(rdata.value)]));
      }
      break;
  }
  throw new Error(`cannot encode a type ${record.type} record with ${Object.keys(rdata).join('/')} data`);
}

function typed(resource: object): { resource: Dns2Resource } {
  return { resource: resource as Dns2Resource };
}

function opaque(base: { name: string; ttl: number }, realType: number, data: Buffer): { resource: Dns2Resource; realType: number } {
  return { resource: { ...base, type: OPAQUE_TYPE, class: 1, data } as Dns2Resource, realType };
}

/** dns2's AAAA codec reads hex groups only: spell an embedded IPv4 tail (::ffff:192.0.2.1) as two groups. */
function withoutDottedQuad(address: string): string {
  const match = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (!match) return address;
  const [a, b, c, d] = match.slice(2).map(Number) as [number, number, number, number];
  return `${match[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/**
 * The question name as dns2 writes it for `encodeAnswer`: labels lower-cased in ASCII, one
 * character per octet, and a dot inside a label (legal on the wire) as NUL so dns2 keeps the label
 * boundaries; `patchResponse` puts the client's exact bytes back.
 */
export function templateName(buf: Uint8Array, qnameEnd: number): string {
  let name = '';
  let pos = HEADER_SIZE;
  while (pos < qnameEnd - 1) {
    const length = buf[pos]!;
    if (name !== '') name += '.';
    for (let i = pos + 1; i <= pos + length; i++) {
      const c = buf[i]!;
      name += String.fromCharCode(c === 0x2e ? 0 : c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
    }
    pos += length + 1;
  }
  return name;
}

/**
 * Copies a prebuilt reply and writes the query's ID, RD bit and question name bytes into it.
 * The template's question must be the same name up to ASCII case, so it has the same length.
 */
export function patchResponse(template: Buffer, query: Uint8Array, qnameEnd: number): Buffer {
  const reply = Buffer.allocUnsafe(template.length);
  template.copy(reply);
  reply[0] = query[0]!;
  reply[1] = query[1]!;
  reply[2] = (template[2]! & 0xfe) | (query[2]! & 0x01);
  for (let i = HEADER_SIZE; i < qnameEnd; i++) reply[i] = query[i]!;
  return reply;
}

/**
 * A reply without records for a query we do not answer normally: the ID, opcode and RD echoed,
 * the question only when it decoded, an OPT when the query had a usable one or the RCODE needs its
 * upper bits (BADVERS, RFC 6891 §6.1.3).
 */
export function encodeError(query: Uint8Array, scan: ScannedQuery, rcode: number): Buffer {
  const questionEnd = scan.qnameEnd > 0 ? scan.qnameEnd + 4 : HEADER_SIZE;
  const withOpt = scan.edns !== null || rcode > 0xf;
  const reply = Buffer.alloc(questionEnd + (withOpt ? 11 : 0));
  reply.writeUInt16BE(scan.id, 0);
  reply[2] = 0x80 | (scan.opcode << 3) | (scan.rd ? 1 : 0);
  reply[3] = rcode & 0xf;
  reply.writeUInt16BE(scan.qnameEnd > 0 ? 1 : 0, 4);
  reply.set(query.subarray(HEADER_SIZE, questionEnd), HEADER_SIZE);
  if (withOpt) {
    reply.writeUInt16BE(1, 10);
    writeOpt(reply, questionEnd, rcode >> 4, scan.edns?.dnssecOk === true);
  }
  return reply;
}

/** Root owner, TYPE OPT, our payload size, extended RCODE, version 0, DO, no options (RFC 6891 §6.1.2). */
function writeOpt(buf: Buffer, at: number, extendedRcode: number, dnssecOk: boolean): void {
  buf[at] = 0;
  buf.writeUInt16BE(RRType.OPT, at + 1);
  buf.writeUInt16BE(OUR_UDP_PAYLOAD, at + 3);
  buf[at + 5] = extendedRcode;
  buf[at + 6] = 0;
  buf[at + 7] = dnssecOk ? 0x80 : 0;
  buf[at + 8] = 0;
  buf.writeUInt16BE(0, at + 9);
}
