/**
 * The EDNS Client Subnet option of a reply (RFC 7871 §7.2.1), added to a finished reply after the
 * answer cache: the cached bytes are shared by every client of one view, while FAMILY, SOURCE
 * PREFIX-LENGTH and ADDRESS must be copied from each query. Kept apart from encode.ts so the
 * encoder stays ECS-free.
 *
 * Contract: `withEcs(reply, ecs, scope)` returns the reply with one ECS option appended to its OPT
 * record's RDATA (RDLENGTH raised), or the reply unchanged when it has no OPT (then it had no
 * EDNS to carry it). Replies that need it are encoded `ECS_RESERVE` octets under the client's
 * limit, so the option never pushes a reply past it.
 */
import type { Ecs } from './query.ts';
import { HEADER_SIZE, skipName } from './query.ts';

const TYPE_OPT = 41;
const OPTION_ECS = 8;

/** The most an ECS option adds: code, length, family, two prefix lengths, a full IPv6 address. */
export const ECS_RESERVE = 4 + 4 + 16;

export function withEcs(reply: Buffer, ecs: Ecs, scope: number): Buffer {
  const at = optRdataEnd(reply);
  if (!at) return reply;
  const rdlengthAt = at.rdlength;
  const option = Buffer.alloc(8 + ecs.address.length);
  option.writeUInt16BE(OPTION_ECS, 0);
  option.writeUInt16BE(4 + ecs.address.length, 2);
  option.writeUInt16BE(ecs.family === 4 ? 1 : 2, 4);
  option[6] = ecs.sourcePrefix;
  option[7] = Math.max(0, Math.min(scope, ecs.family === 4 ? 32 : 128));
  option.set(ecs.address, 8);
  const out = Buffer.concat([reply.subarray(0, at.end), option, reply.subarray(at.end)]);
  out.writeUInt16BE(reply.readUInt16BE(rdlengthAt) + option.length, rdlengthAt);
  return out;
}

/** Where the OPT record's RDLENGTH sits and where its RDATA ends, or undefined when the reply has none. */
function optRdataEnd(reply: Buffer): { rdlength: number; end: number } | undefined {
  const count = (i: number) => reply.readUInt16BE(4 + 2 * i);
  let pos = HEADER_SIZE;
  for (let q = 0; q < count(0); q++) {
    pos = skipName(reply, pos);
    if (pos < 0) return undefined;
    pos += 4;
  }
  const records = count(1) + count(2) + count(3);
  for (let i = 0; i < records; i++) {
    const nameEnd = skipName(reply, pos);
    if (nameEnd < 0 || nameEnd + 10 > reply.length) return undefined;
    const type = reply.readUInt16BE(nameEnd);
    const rdlength = reply.readUInt16BE(nameEnd + 8);
    pos = nameEnd + 10 + rdlength;
    if (type === TYPE_OPT) return { rdlength: nameEnd + 8, end: pos };
  }
  return undefined;
}
