/**
 * Query scanner: one pass over a received DNS message that reads the header, the single question
 * and the OPT record without building a packet object (RFC 1035 §4.1, RFC 6891 §6.1). The answer
 * cache keys on the byte offsets it returns, so the hot path never decodes the name into a string.
 *
 * dns2's Packet.parse is not used here: it is about 15× slower on a plain query (measured, see
 * docs/decisions.md), accepts forward compression pointers, and keeps going past a second OPT.
 */

/** RFC 6891 §6.1.2-3: what the client's OPT record said. */
export interface Edns {
  /** Requestor's UDP payload size, raised to 512 when smaller (RFC 6891 §6.2.5). */
  payload: number;
  version: number;
  dnssecOk: boolean;
  /** RFC 7871 EDNS Client Subnet, when the OPT carried one (validated, see `readEcs`). */
  ecs?: Ecs;
  /** RFC 7873 COOKIE option data (client cookie, then any server cookie), when the OPT carried one (see `readCookie`). */
  cookie?: CookieRef;
}

/** Where a COOKIE option's data sits in the scanned message (no copy: a subarray costs more than the rest of the scan). */
export interface CookieRef {
  data: Uint8Array;
  at: number;
  /** 8 (client cookie only) or 16–40. */
  length: number;
}

/** RFC 7871 §6: an ECS option as the client sent it (ADDRESS: ceil(sourcePrefix / 8) octets). */
export interface Ecs {
  family: 4 | 6;
  sourcePrefix: number;
  scopePrefix: number;
  address: Uint8Array;
}

/**
 * - query: well formed, answer it.
 * - drop: never answer (QR=1 or shorter than a header, RFC 1035 §4.1.1).
 * - formerr / notimp / badvers: answer with that RCODE, echoing what did decode.
 */
export type Outcome = 'query' | 'drop' | 'formerr' | 'notimp' | 'badvers';

/** What the scanner found. Offsets index the scanned buffer. */
export interface ScannedQuery {
  outcome: Outcome;
  /** Why the packet was not a plain query; '' when it was. For logs and tests. */
  reason: string;
  id: number;
  opcode: number;
  rd: boolean;
  /** Offset just past the question name (its root label); 0 when the question did not decode. */
  qnameEnd: number;
  qtype: number;
  qclass: number;
  /** The OPT record, when there was exactly one well-formed OPT. */
  edns: Edns | null;
}

export const HEADER_SIZE = 12;
const TYPE_OPT = 41;
const MAX_NAME = 255;

/** Negative results of the name scanners; indexes into NAME_ERRORS. */
const NAME_ERRORS = [
  '',
  'name runs past the end of the message',
  'name longer than 255 octets',
  'label type 01/10 or label longer than 63 octets',
  'compression pointer forward, to itself, or in a loop',
  'compression pointer in the question name',
] as const;

/**
 * Offset just past the name starting at `offset` (RFC 1035 §4.1.4), or a negative error code.
 * A pointer must point before the start of the label run that contains it, so every hop moves
 * strictly backwards: loops and forward references are rejected and the walk ends in at most
 * `offset` hops.
 */
export function skipName(buf: Uint8Array, offset: number): number {
  const len = buf.length;
  let pos = offset;
  let segmentStart = offset;
  let end = -1;
  let total = 1;
  for (;;) {
    if (pos >= len) return -1;
    const b = buf[pos]!;
    if (b === 0) return end < 0 ? pos + 1 : end;
    const kind = b & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= len) return -1;
      const target = ((b & 0x3f) << 8) | buf[pos + 1]!;
      if (target >= segmentStart) return -4;
      if (end < 0) end = pos + 2;
      pos = segmentStart = target;
      continue;
    }
    if (kind !== 0) return -3;
    total += b + 1;
    if (total > MAX_NAME) return -2;
    pos += b + 1;
  }
}

/** Like skipName for the question at offset 12, where a compression pointer has nothing to point to. */
function skipQuestionName(buf: Uint8Array): number {
  const len = buf.length;
  let pos = HEADER_SIZE;
  for (;;) {
    if (pos >= len) return -1;
    const b = buf[pos]!;
    if (b === 0) return pos + 1;
    if ((b & 0xc0) === 0xc0) return -5;
    if (b & 0xc0) return -3;
    pos += b + 1;
    if (pos - HEADER_SIZE >= MAX_NAME) return -2;
  }
}

/** Scans a received message; never throws, whatever the bytes. */
export function scanQuery(buf: Uint8Array): ScannedQuery {
  const result: ScannedQuery = {
    outcome: 'query',
    reason: '',
    id: 0,
    opcode: 0,
    rd: false,
    qnameEnd: 0,
    qtype: 0,
    qclass: 0,
    edns: null,
  };
  const len = buf.length;
  if (len < HEADER_SIZE) return finish(result, 'drop', `message of ${len} octets is shorter than a header`);
  const flags = (buf[2]! << 8) | buf[3]!;
  if (flags & 0x8000) return finish(result, 'drop', 'QR=1: a response, not a query');
  result.id = (buf[0]! << 8) | buf[1]!;
  result.opcode = (flags >> 11) & 0xf;
  result.rd = (flags & 0x0100) !== 0;
  const qdcount = (buf[4]! << 8) | buf[5]!;
  const ancount = (buf[6]! << 8) | buf[7]!;
  const nscount = (buf[8]! << 8) | buf[9]!;
  const arcount = (buf[10]! << 8) | buf[11]!;
  // RFC 1035 §4.3.1 / RFC 9619: a query carries exactly one question.
  if (qdcount !== 1) return malformed(result, `QDCOUNT is ${qdcount}, not 1`);

  const qnameEnd = skipQuestionName(buf);
  if (qnameEnd < 0) return malformed(result, `question: ${NAME_ERRORS[-qnameEnd]}`);
  if (qnameEnd + 4 > len) return malformed(result, 'question runs past the end of the message');
  result.qnameEnd = qnameEnd;
  result.qtype = (buf[qnameEnd]! << 8) | buf[qnameEnd + 1]!;
  result.qclass = (buf[qnameEnd + 2]! << 8) | buf[qnameEnd + 3]!;

  let pos = qnameEnd + 4;
  const records = ancount + nscount + arcount;
  for (let i = 0; i < records; i++) {
    const owner = pos;
    const nameEnd = skipName(buf, pos);
    if (nameEnd < 0) return malformed(result, `record ${i + 1}: ${NAME_ERRORS[-nameEnd]}`);
    if (nameEnd + 10 > len) return malformed(result, `record ${i + 1} runs past the end of the message`);
    const type = (buf[nameEnd]! << 8) | buf[nameEnd + 1]!;
    const rdlength = (buf[nameEnd + 8]! << 8) | buf[nameEnd + 9]!;
    const rdata = nameEnd + 10;
    if (rdata + rdlength > len) return malformed(result, `record ${i + 1}: RDATA runs past the end of the message`);
    pos = rdata + rdlength;
    if (type !== TYPE_OPT) continue;
    // RFC 6891 §6.1.1: one OPT, in the additional section, owned by the root.
    if (i < ancount + nscount) return malformed(result, 'OPT record outside the additional section');
    if (result.edns) {
      result.edns = null;
      return malformed(result, 'more than one OPT record');
    }
    if (buf[owner] !== 0) return malformed(result, 'OPT record owner is not the root');
    const optionsError = checkOptions(buf, rdata, pos);
    if (optionsError) return malformed(result, optionsError);
    const ecs = readEcs(buf, rdata, pos);
    if (typeof ecs === 'string') return malformed(result, ecs);
    const cookie = readCookie(buf, rdata, pos);
    if (typeof cookie === 'string') return malformed(result, cookie);
    const payload = (buf[nameEnd + 2]! << 8) | buf[nameEnd + 3]!;
    result.edns = {
      payload: payload < 512 ? 512 : payload,
      version: buf[nameEnd + 5]!,
      dnssecOk: (buf[nameEnd + 6]! & 0x80) !== 0,
    };
    if (ecs) result.edns.ecs = ecs;
    if (cookie) result.edns.cookie = cookie;
  }

  // RFC 1035 §4.1.1: we serve standard queries only.
  if (result.opcode !== 0) return finish(result, 'notimp', `opcode ${result.opcode} is not implemented`);
  // RFC 6891 §6.1.3: a version we do not speak gets BADVERS.
  if (result.edns && result.edns.version > 0) return finish(result, 'badvers', `EDNS version ${result.edns.version}`);
  return result;
}

/** RFC 6891 §6.1.2: options are {code, length, data} triples that exactly fill RDATA. */
function checkOptions(buf: Uint8Array, start: number, end: number): string {
  let pos = start;
  while (pos < end) {
    if (pos + 4 > end) return 'OPT option header runs past RDATA';
    const length = (buf[pos + 2]! << 8) | buf[pos + 3]!;
    pos += 4 + length;
    if (pos > end) return 'OPT option data runs past RDATA';
  }
  return '';
}

const OPTION_ECS = 8;

/**
 * The ECS option among well-framed options (`checkOptions` ran first), undefined when there is
 * none, or why it is malformed (RFC 7871 §6, §7.2.1: FORMERR): more than one, FAMILY other than
 * 1 (IPv4) or 2 (IPv6), SOURCE PREFIX-LENGTH beyond the family's bits, ADDRESS not exactly
 * ceil(SOURCE PREFIX-LENGTH / 8) octets, or bits set past the prefix.
 */
export function readEcs(buf: Uint8Array, start: number, end: number): Ecs | string | undefined {
  let found: Ecs | undefined;
  for (let pos = start; pos + 4 <= end; ) {
    const code = (buf[pos]! << 8) | buf[pos + 1]!;
    const length = (buf[pos + 2]! << 8) | buf[pos + 3]!;
    const data = pos + 4;
    pos = data + length;
    if (code !== OPTION_ECS) continue;
    if (found) return 'more than one EDNS Client Subnet option';
    if (length < 4) return `EDNS Client Subnet option of ${length} octets is shorter than 4`;
    const familyCode = (buf[data]! << 8) | buf[data + 1]!;
    if (familyCode !== 1 && familyCode !== 2) return `EDNS Client Subnet FAMILY ${familyCode} is neither 1 (IPv4) nor 2 (IPv6)`;
    const family = familyCode === 1 ? 4 : 6;
    const sourcePrefix = buf[data + 2]!;
    if (sourcePrefix > (family === 4 ? 32 : 128)) return `EDNS Client Subnet SOURCE PREFIX-LENGTH ${sourcePrefix} is beyond IPv${family}`;
    const octets = Math.ceil(sourcePrefix / 8);
    if (length - 4 !== octets) return `EDNS Client Subnet ADDRESS has ${length - 4} octets, not ${octets} for /${sourcePrefix}`;
    const address = buf.slice(data + 4, data + 4 + octets);
    const rest = sourcePrefix & 7;
    if (rest !== 0 && (address[octets - 1]! & (0xff >> rest)) !== 0) return `EDNS Client Subnet ADDRESS has bits set past /${sourcePrefix}`;
    found = { family, sourcePrefix, scopePrefix: buf[data + 3]!, address };
  }
  return found;
}

const OPTION_COOKIE = 10;
/** Every reason `readCookie` gives starts so (the answer path counts malformed cookies by it). */
export const COOKIE_REASON = 'COOKIE option';

/**
 * The COOKIE option's data among well-framed options, undefined when there is none, or why it is
 * malformed (RFC 7873 §5.2.2: FORMERR): a client cookie is 8 octets and a server cookie 8–32, so
 * the option is 8 octets or 16–40; more than one COOKIE option is malformed too.
 */
export function readCookie(buf: Uint8Array, start: number, end: number): CookieRef | string | undefined {
  let found: CookieRef | undefined;
  for (let pos = start; pos + 4 <= end; ) {
    const code = (buf[pos]! << 8) | buf[pos + 1]!;
    const length = (buf[pos + 2]! << 8) | buf[pos + 3]!;
    const data = pos + 4;
    pos = data + length;
    if (code !== OPTION_COOKIE) continue;
    if (found) return `${COOKIE_REASON}: more than one`;
    if (length !== 8 && (length < 16 || length > 40)) return `${COOKIE_REASON} of ${length} octets: a client cookie is 8 and a server cookie 8-32 (RFC 7873 §5.2.2)`;
    found = { data: buf, at: data, length };
  }
  return found;
}

/** A malformed query is FORMERR, except that an opcode we do not serve is NOTIMP whatever follows. */
function malformed(result: ScannedQuery, reason: string): ScannedQuery {
  return finish(result, result.opcode !== 0 ? 'notimp' : 'formerr', reason);
}

function finish(result: ScannedQuery, outcome: Outcome, reason: string): ScannedQuery {
  result.outcome = outcome;
  result.reason = reason;
  return result;
}

/**
 * The question name in presentation form with the client's letter case and no trailing dot
 * (what `Question.name` carries). Bytes outside printable ASCII, dots inside a label and
 * backslashes are escaped (RFC 1035 §5.1) so no odd label can alias a real name.
 */
export function questionName(buf: Uint8Array, qnameEnd: number): string {
  let name = '';
  let pos = HEADER_SIZE;
  while (pos < qnameEnd - 1) {
    const length = buf[pos]!;
    if (name !== '') name += '.';
    for (let i = pos + 1; i <= pos + length; i++) {
      const c = buf[i]!;
      if (c === 0x2e || c === 0x5c) name += '\\' + String.fromCharCode(c);
      else if (c < 0x21 || c > 0x7e) name += '\\' + String(c).padStart(3, '0');
      else name += String.fromCharCode(c);
    }
    pos += length + 1;
  }
  return name;
}

/**
 * ASCII-lower-cases `length` bytes of `src` from `start` into `dst` at `at` (DNS names compare
 * case-insensitively in ASCII only, RFC 4343 §3). Label length bytes are < 64 and unaffected.
 */
export function copyLowered(src: Uint8Array, start: number, length: number, dst: Uint8Array, at: number): void {
  for (let i = 0; i < length; i++) {
    const c = src[start + i]!;
    dst[at + i] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
  }
}
