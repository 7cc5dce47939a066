/**
 * TZif files (RFC 8536, versions 1–4), the compiled tz database of /usr/share/zoneinfo: the UTC offset
 * of a zone at any instant (pure: bytes in, offsets out).
 *
 * Layout (§3): a 44-byte header (§3.1: magic `TZif`, version, six counts), a data block (§3.2), and
 * for version 2+ a second header and data block with 64-bit transition times, then a footer (§3.3)
 * holding a POSIX TZ string for instants after the last transition. Version 2+ files are read from
 * their 64-bit block and footer (the version 1 block is skipped); version 1 files from their only block.
 *
 * Which local time type applies (§3.2): before the first transition, type 0; from each transition on,
 * the type it names; after the last, the footer's rule (or the last type when the footer is empty or
 * the file is version 1). Files with leap-second records (`right/` zones) are refused: their
 * timestamps count leap seconds, JavaScript's do not.
 */
import { parsePosixTz, posixOffsetAt, type PosixTz } from './posix-tz.ts';

export interface TzifZone {
  /** Transition instants, seconds since the epoch, strictly ascending (§3.2 "transition times"). */
  readonly times: Float64Array;
  /** For each transition, the UTC offset (seconds east) of the local time type it starts. */
  readonly offsets: Int32Array;
  /** Offset of local time type 0, used before the first transition (§3.2). */
  readonly firstOffset: number;
  /** The footer's rule (§3.3); undefined for version 1 files and empty footers (the last type goes on). */
  readonly footer: PosixTz | undefined;
}

/** Thrown for a file that is not well-formed TZif (or uses leap seconds); callers fall back to another source. */
export class TzifError extends Error {}

const HEADER = 44;

interface Header {
  readonly version: number;
  readonly isutcnt: number;
  readonly isstdcnt: number;
  readonly leapcnt: number;
  readonly timecnt: number;
  readonly typecnt: number;
  readonly charcnt: number;
}

/** §3.1: magic, version (NUL or an ASCII digit 2–4), 15 unused bytes, six big-endian 32-bit counts. */
function header(view: DataView, at: number): Header {
  if (view.byteLength < at + HEADER) throw new TzifError('truncated header');
  if (view.getUint32(at) !== 0x545a6966) throw new TzifError('no TZif magic');
  const v = view.getUint8(at + 4);
  const version = v === 0 ? 1 : v - 0x30;
  if (version < 2 && v !== 0) throw new TzifError(`unknown version byte ${v}`);
  if (version > 4) throw new TzifError(`unsupported version ${version}`);
  const count = (i: number): number => view.getUint32(at + 20 + 4 * i);
  const h = { version, isutcnt: count(0), isstdcnt: count(1), leapcnt: count(2), timecnt: count(3), typecnt: count(4), charcnt: count(5) };
  // §3.1: typecnt and charcnt are never zero; the indicator arrays are empty or one per type.
  if (h.typecnt === 0 || h.charcnt === 0) throw new TzifError('no local time types');
  if ((h.isutcnt !== 0 && h.isutcnt !== h.typecnt) || (h.isstdcnt !== 0 && h.isstdcnt !== h.typecnt)) throw new TzifError('bad indicator counts');
  return h;
}

/** §3.2: the size of a data block whose times are `timeSize` bytes (4 in v1, 8 in v2+). */
function blockSize(h: Header, timeSize: number): number {
  return h.timecnt * timeSize + h.timecnt + h.typecnt * 6 + h.charcnt + h.leapcnt * (timeSize + 4) + h.isstdcnt + h.isutcnt;
}

function block(view: DataView, h: Header, at: number, timeSize: 4 | 8): Omit<TzifZone, 'footer'> {
  if (view.byteLength < at + blockSize(h, timeSize)) throw new TzifError('truncated data block');
  if (h.leapcnt !== 0) throw new TzifError('leap-second records (right/ zones) are not supported');
  const times = new Float64Array(h.timecnt);
  for (let i = 0; i < h.timecnt; i++) {
    times[i] = timeSize === 8 ? Number(view.getBigInt64(at + i * 8)) : view.getInt32(at + i * 4);
    if (i > 0 && times[i]! <= times[i - 1]!) throw new TzifError('transition times not ascending');
  }
  const indexAt = at + h.timecnt * timeSize;
  const typesAt = indexAt + h.timecnt;
  const typeOffset = (t: number): number => {
    const utoff = view.getInt32(typesAt + t * 6);
    // §3.2: utoff is never -2^31 and SHOULD lie in -89999..93599 (−25 h .. +26 h).
    if (utoff < -89_999 || utoff > 93_599) throw new TzifError(`offset ${utoff} out of range`);
    if (view.getUint8(typesAt + t * 6 + 5) >= h.charcnt) throw new TzifError('designation index out of range');
    return utoff;
  };
  const typeOffsets = Array.from({ length: h.typecnt }, (_, t) => typeOffset(t));
  const offsets = new Int32Array(h.timecnt);
  for (let i = 0; i < h.timecnt; i++) {
    const t = view.getUint8(indexAt + i);
    if (t >= h.typecnt) throw new TzifError('transition type index out of range');
    offsets[i] = typeOffsets[t]!;
  }
  return { times, offsets, firstOffset: typeOffsets[0]! };
}

/** Parses a TZif file; throws TzifError when it is malformed, truncated or unsupported. */
export function parseTzif(bytes: Uint8Array): TzifZone {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const v1 = header(view, 0);
  if (v1.version === 1) return { ...block(view, v1, HEADER, 4), footer: undefined };
  const at2 = HEADER + blockSize(v1, 4);
  const v2 = header(view, at2);
  const dataAt = at2 + HEADER;
  const data = block(view, v2, dataAt, 8);
  // §3.3: the footer is a newline, a TZ string of ASCII without NUL or newline, and a newline.
  const footerAt = dataAt + blockSize(v2, 8);
  if (bytes[footerAt] !== 0x0a) throw new TzifError('no footer');
  const close = bytes.indexOf(0x0a, footerAt + 1);
  if (close < 0) throw new TzifError('unterminated footer');
  // Byte by byte: TextDecoder would be one more thing that may load ICU.
  const text = String.fromCharCode(...bytes.subarray(footerAt + 1, close));
  if (!/^[\x20-\x7e]*$/.test(text)) throw new TzifError('footer is not printable ASCII');
  if (text === '') return { ...data, footer: undefined };
  const footer = parsePosixTz(text);
  if (!footer) throw new TzifError(`bad footer TZ string "${text}"`);
  return { ...data, footer };
}

/** The UTC offset in seconds (east positive) of the zone at `at`, seconds since the epoch (§3.2, §3.3). */
export function tzifOffsetAt(zone: TzifZone, at: number): number {
  const { times, offsets } = zone;
  const n = times.length;
  if (n === 0 || at > times[n - 1]!) {
    if (zone.footer) return posixOffsetAt(zone.footer, at);
    return n === 0 ? zone.firstOffset : offsets[n - 1]!;
  }
  if (at < times[0]!) return zone.firstOffset;
  // The last transition at or before `at`.
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid]! <= at) lo = mid;
    else hi = mid - 1;
  }
  return offsets[lo]!;
}
