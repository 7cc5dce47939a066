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
import { HEADER_SIZE, skipName } from './query.ts';

const TYPE_OPT = 41;

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
  out.set(data, at.end + 4);
  reply.copy(out, at.end + added, at.end);
  out.writeUInt16BE(reply.readUInt16BE(at.rdlength) + added, at.rdlength);
  return out;
}

/** Where the OPT record's RDLENGTH sits and where its RDATA ends, or undefined when the reply has none. */
function optEnd(reply: Buffer): { rdlength: number; end: number } | undefined {
  const length = reply.length;
  if (length < HEADER_SIZE + 11 || reply.readUInt16BE(10) === 0) return undefined;
  // The usual case: an OPT without options is the last 11 octets (root owner, TYPE 41, …, RDLENGTH 0).
  if (reply[length - 11] === 0 && reply[length - 10] === 0 && reply[length - 9] === TYPE_OPT && reply[length - 2] === 0 && reply[length - 1] === 0) {
    return { rdlength: length - 2, end: length };
  }
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
