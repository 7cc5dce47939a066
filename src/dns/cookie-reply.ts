/**
 * The COOKIE option of a reply (RFC 7873 §5.2), added to a finished reply after the answer
 * cache: the cached bytes are shared by every client, while the cookie is each client's own.
 * Kept apart from encode.ts so the encoder and the cache stay cookie-free, as for ECS
 * (./ecs-reply.ts).
 *
 * Contract: `withCookie(reply, data)` returns a copy of the reply with one COOKIE option
 * (`data`: client cookie + server cookie) appended to its OPT record's RDATA (RDLENGTH raised),
 * or the reply unchanged when it has no OPT. mxlb writes the OPT last in every reply, so the
 * option goes at the end of the message; a reply whose last record is not the OPT is walked.
 * Replies to cookie queries are encoded `COOKIE_RESERVE` octets under the client's limit
 * (./answer.ts), so the option never pushes a reply past it.
 */
import { OPTION_COOKIE } from './cookies.ts';
import { patchResponse } from './encode.ts';
import { HEADER_SIZE, skipName } from './query.ts';

const TYPE_OPT = 41;

/**
 * `patchResponse` (./encode.ts) and `withCookie` in one copy, for a cached template whose OPT is
 * its last record without options (every template with an OPT): ID, RD and the question name's
 * bytes from the query, the option appended. Falls back to the two steps for any other template.
 */
export function patchWithCookie(template: Buffer, query: Uint8Array, qnameEnd: number, data: Uint8Array): Buffer {
  const length = template.length;
  if (!plainOptLast(template)) return withCookie(patchResponse(template, query, qnameEnd), data);
  const added = 4 + data.length;
  const reply = Buffer.allocUnsafe(length + added);
  template.copy(reply);
  reply[0] = query[0]!;
  reply[1] = query[1]!;
  reply[2] = (template[2]! & 0xfe) | (query[2]! & 0x01);
  for (let i = HEADER_SIZE; i < qnameEnd; i++) reply[i] = query[i]!;
  reply[length - 2] = added >> 8;
  reply[length - 1] = added & 0xff;
  reply[length] = OPTION_COOKIE >> 8;
  reply[length + 1] = OPTION_COOKIE & 0xff;
  reply[length + 2] = data.length >> 8;
  reply[length + 3] = data.length & 0xff;
  for (let i = 0; i < data.length; i++) reply[length + 4 + i] = data[i]!;
  return reply;
}

/** Whether the message ends in an OPT record without options (root owner, TYPE 41, …, RDLENGTH 0). */
function plainOptLast(reply: Buffer): boolean {
  const length = reply.length;
  return length >= HEADER_SIZE + 11 && reply.readUInt16BE(10) !== 0 && reply[length - 11] === 0 && reply[length - 10] === 0 && reply[length - 9] === TYPE_OPT && reply[length - 2] === 0 && reply[length - 1] === 0;
}

export function withCookie(reply: Buffer, data: Uint8Array): Buffer {
  const at = optEnd(reply);
  if (!at) return reply;
  const added = 4 + data.length;
  const out = Buffer.allocUnsafe(reply.length + added);
  reply.copy(out, 0, 0, at.end);
  out[at.end] = OPTION_COOKIE >> 8;
  out[at.end + 1] = OPTION_COOKIE & 0xff;
  out[at.end + 2] = data.length >> 8;
  out[at.end + 3] = data.length & 0xff;
  for (let i = 0; i < data.length; i++) out[at.end + 4 + i] = data[i]!;
  reply.copy(out, at.end + added, at.end);
  out.writeUInt16BE(reply.readUInt16BE(at.rdlength) + added, at.rdlength);
  return out;
}

/** Where the OPT record's RDLENGTH sits and where its RDATA ends, or undefined when the reply has none. */
function optEnd(reply: Buffer): { rdlength: number; end: number } | undefined {
  const length = reply.length;
  if (length < HEADER_SIZE + 11 || reply.readUInt16BE(10) === 0) return undefined;
  // The usual case: an OPT without options is the last 11 octets.
  if (plainOptLast(reply)) return { rdlength: length - 2, end: length };
  let pos = HEADER_SIZE;
  for (let q = reply.readUInt16BE(4); q > 0; q--) {
    pos = skipName(reply, pos);
    if (pos < 0) return undefined;
    pos += 4;
  }
  const records = reply.readUInt16BE(6) + reply.readUInt16BE(8) + reply.readUInt16BE(10);
  for (let i = 0; i < records; i++) {
    const nameEnd = skipName(reply, pos);
    if (nameEnd < 0 || nameEnd + 10 > length) return undefined;
    const type = reply.readUInt16BE(nameEnd);
    pos = nameEnd + 10 + reply.readUInt16BE(nameEnd + 8);
    if (type === TYPE_OPT) return pos <= length ? { rdlength: nameEnd + 8, end: pos } : undefined;
  }
  return undefined;
}
