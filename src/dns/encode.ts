/**
 * Response encoder: Resolution → wire bytes (RFC 1035 §4.1) with mxlb's byte-level writer
 * (./writer.ts, ./writer-rdata.ts): name compression, OPT echo (RFC 6891 §6.1.1, §7), and
 * truncation (RFC 2181 §9, RFC 9619). Error replies (FORMERR, NOTIMP, BADVERS, SERVFAIL) carry no
 * records and are written directly. dns2 is no longer used here (docs/decisions.md).
 *
 * Answers are encoded with ID 0, RD 0 and the question name lower-cased: the caller patches the
 * query's ID, RD bit and name bytes in (see `patchResponse`), which is what lets one buffer serve
 * every spelling of a name from the answer cache. Owners equal to the question name become
 * compression pointers to it, so the patched question spelling shows in them too (0x20).
 */
import type { Resolution } from './message.ts';
import { HEADER_SIZE, type ScannedQuery } from './query.ts';
import { WireWriter } from './writer.ts';
import { writeRecord } from './writer-rdata.ts';
import { isInOrBelow, RRType, type ResourceRecord } from '../zone/index.ts';

/** The UDP payload size we advertise: the DNS flag day 2020 value that avoids fragmentation. */
export const OUR_UDP_PAYLOAD = 1232;
/** Without EDNS a UDP answer is at most 512 octets (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_LIMIT = 512;
/** A TCP answer is limited by its 2-octet length prefix (RFC 1035 §4.2.2). */
export const TCP_LIMIT = 65535;
/** Octets of our OPT record: root owner, TYPE, CLASS, TTL, RDLENGTH 0. */
export const OPT_SIZE = 11;

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

/** One writer per thread: the encoder is synchronous and copies its result out. */
const writer = new WireWriter();

/**
 * Encodes a resolution as a reply with ID 0 and RD 0, the question name lower-cased, header bits
 * QR=1, opcode 0, AA from the resolution, RA=0, and TC=1 when the required records do not fit.
 * `qname` is the question as `templateName` spells it. Throws when a record cannot be encoded (a
 * name label over 63 octets, a bad address); the caller turns that into SERVFAIL.
 */
export function encodeAnswer(qname: string, qtype: number, qclass: number, resolution: Resolution, shape: ResponseShape): Buffer {
  const labels = qname === '' ? [] : qname.split('.');
  const wire = Buffer.alloc(HEADER_SIZE + labels.reduce((n, l) => n + l.length + 1, 0) + 1);
  let at = HEADER_SIZE;
  for (const label of labels) {
    wire[at++] = label.length;
    for (let i = 0; i < label.length; i++) wire[at++] = label.charCodeAt(i) === 0 ? 0x2e : label.charCodeAt(i);
  }
  return encodeReply(wire, wire.length, qtype, qclass, resolution, shape);
}

/** `encodeAnswer` for a question given as the query's bytes (offset 12 up to `qnameEnd`). */
export function encodeReply(query: Uint8Array, qnameEnd: number, qtype: number, qclass: number, resolution: Resolution, shape: ResponseShape): Buffer {
  const w = writer;
  w.reset();
  w.pos = HEADER_SIZE;
  w.wireName(query, HEADER_SIZE, qnameEnd);
  w.u16(qtype);
  w.u16(qclass);
  return writeSections(w, resolution, shape);
}

/**
 * Writes the header and the records after a question already in `w` (ending at `w.pos`), the
 * OPT last, trimming optional additional data whole RRsets at a time or setting TC (RFC 2181 §9).
 * Returns a copy of the message.
 */
export function writeSections(w: WireWriter, resolution: Resolution, shape: ResponseShape): Buffer {
  if (!shape.edns && resolution.rcode > 0xf) throw new Error(`RCODE ${resolution.rcode} needs an OPT record to carry it (RFC 6891 §6.1.3)`);
  const questionEnd = w.pos;
  const optSize = shape.edns ? OPT_SIZE : 0;
  const room = shape.limit - optSize;
  const { required, optional } = splitAdditional(resolution);
  // Stop writing once past the room: nothing after it can fit, and the writer's buffer stays bounded.
  const writeAll = (records: readonly ResourceRecord[]): number => {
    let count = 0;
    for (const record of records) {
      if (w.pos > room) break;
      writeRecord(w, record);
      count++;
    }
    return count;
  };
  let tc = false;
  let an = writeAll(resolution.answer);
  let ns = writeAll(resolution.authority);
  let ar = writeAll(required);
  if (w.pos > room) {
    // RFC 2181 §9, RFC 9619: TC=1 with the question (QDCOUNT 1) and the OPT only.
    tc = true;
    w.pos = questionEnd;
    an = ns = ar = 0;
  } else {
    // Optional additional data: whole RRsets that fit, in order; the first that does not ends it.
    let kept = w.pos;
    let keptCount = ar;
    for (let i = 0; i < optional.length; i++) {
      writeRecord(w, optional[i]!);
      ar++;
      if (w.pos > room) break;
      const next = optional[i + 1];
      if (!next || next.owner !== optional[i]!.owner || next.type !== optional[i]!.type) {
        kept = w.pos;
        keptCount = ar;
      }
    }
    w.pos = kept;
    ar = keptCount;
  }
  if (shape.edns) {
    writeOpt(w.buf, w.pos, resolution.rcode >> 4, shape.edns.dnssecOk);
    w.pos += OPT_SIZE;
    ar++;
  }
  const buf = w.buf;
  buf[0] = 0;
  buf[1] = 0;
  buf[2] = 0x80 | (resolution.aa ? 0x04 : 0) | (tc ? 0x02 : 0);
  buf[3] = resolution.rcode & 0xf;
  buf.writeUInt16BE(1, 4);
  buf.writeUInt16BE(an, 6);
  buf.writeUInt16BE(ns, 8);
  buf.writeUInt16BE(ar, 10);
  return w.take();
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

/**
 * The question name as text for `encodeAnswer`: labels lower-cased in ASCII, one character per
 * octet, and a dot inside a label (legal on the wire) as NUL so the label boundaries survive;
 * `patchResponse` puts the client's exact bytes back.
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
export function writeOpt(buf: Buffer, at: number, extendedRcode: number, dnssecOk: boolean): void {
  buf[at] = 0;
  buf.writeUInt16BE(RRType.OPT, at + 1);
  buf.writeUInt16BE(OUR_UDP_PAYLOAD, at + 3);
  buf[at + 5] = extendedRcode;
  buf[at + 6] = 0;
  buf[at + 7] = dnssecOk ? 0x80 : 0;
  buf[at + 8] = 0;
  buf.writeUInt16BE(0, at + 9);
}
