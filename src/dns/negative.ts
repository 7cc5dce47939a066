/**
 * Negative replies from a prebuilt template (RFC 2308 §3: NXDOMAIN or NODATA with the zone's SOA
 * in authority), written without resolving or encoding: copy the query's question, append the
 * zone's SOA record as prebuilt bytes whose compression pointers are moved to where the zone
 * origin sits inside this question, patch the header, append the OPT (RFC 6891 §6.1.1).
 *
 * Contract: for a question at or below `owner` (the SOA owner, the zone origin) the reply is
 * byte for byte what `encodeReply` + `patchResponse` write for the resolution
 * `{ rcode, aa: true, answer: [], authority: [soa], additional: [] }` (test/unit/dns/negative.test.ts
 * checks that over many names, types and shapes). Returns undefined where it would not be: the
 * reply does not fit the client's limit (the encoder then sets TC), the question's label just
 * above the origin is also a label of an in-zone MNAME/RNAME (the encoder would compress those
 * names into the question), or the origin has characters the wire cannot hold as one octet each.
 *
 * How: the tail is written once per (SOA, owner, TTL) after a question that is the origin itself.
 * Every pointer in it points into that question's origin or into the tail; both move by the same
 * distance when the origin sits further along a longer question (RFC 1035 §4.1.4).
 */
import { isInOrBelow, RRType, type Name, type ResourceRecord, type SoaData, type Zone } from '../zone/index.ts';
import { Rcode } from './message.ts';
import { negativeSoa } from './resolve-lookup.ts';
import { OPT_SIZE, writeOpt } from './encode.ts';
import { HEADER_SIZE } from './query.ts';
import { WireWriter } from './writer.ts';
import { writeRecord } from './writer-rdata.ts';

interface Tail {
  owner: Name;
  ttl: number;
  /** The SOA record as written after the question `owner`; undefined when the owner has no one-octet-per-char form. */
  bytes: Buffer | undefined;
  /** Offsets in `bytes` of the compression pointers to relocate. */
  pointers: number[];
  /** Octets of the owner's wire form (root label included). */
  ownerLength: number;
  /** First labels below the owner of MNAME/RNAME names inside it, lower-cased. */
  sensitive: string[];
}

const tails = new WeakMap<SoaData, Tail[]>();
let writer: WireWriter | undefined;

function tailFor(record: ResourceRecord): Tail {
  const soa = record.rdata as SoaData;
  let list = tails.get(soa);
  if (!list) tails.set(soa, (list = []));
  for (const tail of list) if (tail.owner === record.owner && tail.ttl === record.ttl) return tail;
  const tail = buildTail(record, soa);
  if (list.length >= 8) list.shift();
  list.push(tail);
  return tail;
}

function buildTail(record: ResourceRecord, soa: SoaData): Tail {
  const owner = record.owner;
  const labels = owner === '' ? [] : owner.split('.');
  const ownerLength = labels.reduce((n, l) => n + l.length + 1, 0) + 1;
  const sensitive: string[] = [];
  for (const name of [soa.mname, soa.rname]) {
    if (name === owner || !isInOrBelow(name, owner)) continue;
    const relative = owner === '' ? name : name.slice(0, name.length - owner.length - 1);
    sensitive.push(relative.slice(relative.lastIndexOf('.') + 1).toLowerCase());
  }
  const empty = { owner, ttl: record.ttl, bytes: undefined, pointers: [], ownerLength, sensitive };
  const wire = Buffer.alloc(ownerLength);
  let at = 0;
  for (const label of labels) {
    if (label === '' || label.length > 63) return empty;
    wire[at++] = label.length;
    for (let i = 0; i < label.length; i++) {
      const c = label.charCodeAt(i);
      if (c > 0xff || c === 0x2e || c === 0x5c) return empty;
      wire[at++] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    }
  }
  writer ??= new WireWriter();
  const w = writer;
  w.reset();
  w.pos = HEADER_SIZE;
  w.wireName(wire, 0, wire.length);
  w.u16(0);
  w.u16(0);
  const start = w.pos;
  writeRecord(w, record);
  const pointers = w.pointers.filter((p) => p >= start).map((p) => p - start);
  return { owner, ttl: record.ttl, bytes: w.take(start), pointers, ownerLength, sensitive };
}

/**
 * The negative reply to `query` (scanned: question name ends at `qnameEnd`) with `soa` (owner the
 * zone origin, TTL as the resolver set it) in authority; `originAt` is where the origin's wire form
 * starts in the question, or undefined to find it here. See the module contract for when it is
 * undefined instead.
 */
export function negativeReply(
  query: Uint8Array,
  qnameEnd: number,
  rcode: number,
  soa: ResourceRecord,
  edns: { dnssecOk: boolean } | null,
  limit: number,
  originAt?: number,
): Buffer | undefined {
  const tail = tailFor(soa);
  const bytes = tail.bytes;
  if (!bytes) return undefined;
  const at = originAt ?? qnameEnd - tail.ownerLength;
  if (at < HEADER_SIZE || (originAt === undefined && !endsAtOrigin(query, qnameEnd, at, tail.owner))) return undefined;
  if (at > HEADER_SIZE && tail.sensitive.length > 0 && touchesSensitive(query, at, tail.sensitive)) return undefined;
  const questionEnd = qnameEnd + 4;
  const optSize = edns ? OPT_SIZE : 0;
  if (questionEnd + bytes.length > limit - optSize) return undefined;
  const reply = Buffer.allocUnsafe(questionEnd + bytes.length + optSize);
  for (let i = 0; i < questionEnd; i++) reply[i] = query[i]!;
  reply[2] = 0x84 | (query[2]! & 0x01);
  reply[3] = rcode & 0xf;
  reply[4] = 0;
  reply[5] = 1;
  reply[6] = 0;
  reply[7] = 0;
  reply[8] = 0;
  reply[9] = 1;
  reply[10] = 0;
  reply[11] = edns ? 1 : 0;
  bytes.copy(reply, questionEnd);
  const delta = at - HEADER_SIZE;
  if (delta !== 0) {
    for (const p of tail.pointers) {
      const i = questionEnd + p;
      const target = (((reply[i]! & 0x3f) << 8) | reply[i + 1]!) + delta;
      reply[i] = 0xc0 | (target >> 8);
      reply[i + 1] = target & 0xff;
    }
  }
  if (edns) writeOpt(reply, questionEnd + bytes.length, rcode >> 4, edns.dnssecOk);
  return reply;
}

/** True when the question name's labels from offset `at` spell `owner` (ASCII case ignored). */
function endsAtOrigin(query: Uint8Array, qnameEnd: number, at: number, owner: Name): boolean {
  let pos = HEADER_SIZE;
  while (pos < at) pos += query[pos]! + 1;
  if (pos !== at || at >= qnameEnd) return false;
  let i = 0;
  while (pos < qnameEnd - 1) {
    const length = query[pos]!;
    if (i > 0 && owner.charCodeAt(i++) !== 0x2e) return false;
    for (let k = 1; k <= length; k++) {
      let c = query[pos + k]!;
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      if (c === 0x2e || owner.charCodeAt(i++) !== c) return false;
    }
    pos += length + 1;
  }
  return i === owner.length;
}

/** Is the question's label just above the origin (ending at `at`) one of `labels`, ignoring ASCII case? */
function touchesSensitive(query: Uint8Array, at: number, labels: readonly string[]): boolean {
  let pos = HEADER_SIZE;
  let last = pos;
  while (pos < at) {
    last = pos;
    pos += query[pos]! + 1;
  }
  const length = query[last]!;
  next: for (const label of labels) {
    if (label.length !== length) continue;
    for (let k = 0; k < length; k++) {
      let c = query[last + 1 + k]!;
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      if (label.charCodeAt(k) !== c) continue next;
    }
    return true;
  }
  return false;
}

const zoneSoas = new WeakMap<Zone, ResourceRecord>();

/** `negativeSoa(zone)` made once per zone (zones are immutable), for the flood path. */
export function zoneNegativeSoa(zone: Zone): ResourceRecord {
  let soa = zoneSoas.get(zone);
  if (!soa) zoneSoas.set(zone, (soa = negativeSoa(zone)));
  return soa;
}

/**
 * True for a resolution the template writes: no answer or additional records, and exactly one
 * authority record, the SOA (RFC 2308 §3 NXDOMAIN or NODATA, `resolve`'s negative shape).
 */
export function isPlainNegative(resolution: { rcode: number; aa: boolean; answer: readonly unknown[]; authority: readonly ResourceRecord[]; additional: readonly unknown[] }): boolean {
  return (
    resolution.aa &&
    (resolution.rcode === Rcode.NXDOMAIN || resolution.rcode === Rcode.NOERROR) &&
    resolution.answer.length === 0 &&
    resolution.additional.length === 0 &&
    resolution.authority.length === 1 &&
    resolution.authority[0]!.type === RRType.SOA
  );
}
