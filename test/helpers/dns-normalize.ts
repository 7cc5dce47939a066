/**
 * Decodes DNS replies into a normalized, comparable form for differential tests (mxlb against
 * another server). Written from RFC 1035 §4 by hand, so that neither server's codec judges its own
 * output: names are decompressed and lower-cased (the question keeps its case, for 0x20 checks),
 * RDATA is shown in presentation-like form (RFC 3597 `\\#` for types not named here), sections
 * are sorted, the answer's RRSet order is kept apart, and EDNS is reduced to its visible shape.
 */

/** One reply as a client acts on it, in a form that compares exactly and reads well in a diff. */
export interface NormalizedReply {
  id: number;
  rcode: number;
  aa: boolean;
  tc: boolean;
  /** The question as sent back: name with its letter case, type, class. */
  question: string;
  /** OPT shape (payload, version, flags, options as `code:hex`) without Extended DNS Errors; null without OPT. */
  opt: string | null;
  /** The answer's RRSets in the order sent, owners as written (CNAME chain order, 0x20 owners). */
  order: string[];
  /** Each section: records as `owner. ttl class type rdata`, owners lower-cased, sorted. */
  answer: string[];
  authority: string[];
  additional: string[];
  /** RFC 8914 Extended DNS Error options, each as hex (INFO-CODE and EXTRA-TEXT), kept apart from `opt`. */
  ede: string[];
}


/**
 * Decodes a whole reply. Contract: throws a plain Error for a reply that is cut short or holds a
 * compression loop; never depends on either server's codec.
 */
export function normalizeReply(buf: Buffer): NormalizedReply {
  const reader = new WireReader(buf);
  const id = reader.u16();
  const flags = reader.u16();
  const counts = [reader.u16(), reader.u16(), reader.u16(), reader.u16()] as const;
  let question = '';
  for (let i = 0; i < counts[0]; i++) question += `${reader.name(false)} ${reader.u16()} ${reader.u16()}`;
  const sections: string[][] = [[], [], []];
  const order: string[] = [];
  const ede: string[] = [];
  let opt: string | null = null;
  let rcode = flags & 0xf;
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]!; i++) {
      const ownerAsSent = reader.name(false);
      const owner = ownerAsSent.toLowerCase();
      const type = reader.u16();
      const klass = reader.u16();
      const ttl = reader.u32();
      const rdata = reader.take(reader.u16());
      if (type === 41) {
        // RFC 6891 §6.1.3: TTL = extended RCODE (high 8 bits of 12), version, DO and Z flags.
        rcode |= (ttl >>> 24) << 4;
        opt = `payload ${klass} version ${(ttl >>> 16) & 0xff} flags ${(ttl & 0xffff).toString(16)} options ${optionsText(rdata, ede)}`;
        continue;
      }
      const rrset = `${ownerAsSent}. ${typeName(type)}`;
      if (s === 0 && order.at(-1) !== rrset) order.push(rrset);
      sections[s]!.push(`${owner}. ${ttl} ${klass === 1 ? 'IN' : `CLASS${klass}`} ${typeName(type)} ${rdataText(buf, reader.offset - rdata.length, type, rdata)}`);
    }
  }
  return {
    id,
    rcode,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    question,
    opt,
    order,
    answer: sections[0]!.sort(),
    authority: sections[1]!.sort(),
    additional: sections[2]!.sort(),
    ede,
  };
}

/** RFC 8914 §2: servers may add it to any answer, so comparisons want it apart from the rest of OPT. */
const EDE_OPTION = 15;

/** OPT options as `code:hex` words, without EDE, whose data goes to `ede`. */
function optionsText(rdata: Buffer, ede: string[]): string {
  const options: string[] = [];
  for (let at = 0; at + 4 <= rdata.length; ) {
    const code = rdata.readUInt16BE(at);
    const data = rdata.toString('hex', at + 4, at + 4 + rdata.readUInt16BE(at + 2));
    if (code === EDE_OPTION) ede.push(data);
    else options.push(`${code}:${data}`);
    at += 4 + data.length / 2;
  }
  return options.join(' ');
}

const T = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, DS: 43, ANY: 255, CAA: 257 } as const;
const TYPE_NAMES = new Map(Object.entries(T).map(([name, code]) => [code as number, name]));
export const typeName = (type: number): string => TYPE_NAMES.get(type) ?? `TYPE${type}`;

/** RDATA in presentation-like form; names decompressed and lower-cased, unknown types as RFC 3597. */
function rdataText(buf: Buffer, start: number, type: number, rdata: Buffer): string {
  const r = new WireReader(buf, start);
  switch (type) {
    case T.A:
      return [...rdata].join('.');
    case T.AAAA:
      return rdata.toString('hex').replace(/(.{4})(?!$)/g, '$1:');
    case T.NS:
    case T.CNAME:
    case T.PTR:
      return `${r.name(true)}.`;
    case T.MX:
      return `${r.u16()} ${r.name(true)}.`;
    case T.SRV:
      return `${r.u16()} ${r.u16()} ${r.u16()} ${r.name(true)}.`;
    case T.SOA:
      return `${r.name(true)}. ${r.name(true)}. ${r.u32()} ${r.u32()} ${r.u32()} ${r.u32()} ${r.u32()}`;
    case T.TXT: {
      const strings: string[] = [];
      while (r.offset < start + rdata.length) strings.push(JSON.stringify(r.take(r.u8()).toString('latin1')));
      return strings.join(' ');
    }
    default:
      return `\\# ${rdata.length} ${rdata.toString('hex')}`;
  }
}

class WireReader {
  constructor(
    private readonly buf: Buffer,
    public offset = 0,
  ) {}

  take(n: number): Buffer {
    if (this.offset + n > this.buf.length) throw new Error(`reply truncated at byte ${this.offset} (needs ${n} more)`);
    this.offset += n;
    return this.buf.subarray(this.offset - n, this.offset);
  }

  u8(): number {
    return this.take(1)[0]!;
  }

  u16(): number {
    return this.take(2).readUInt16BE(0);
  }

  u32(): number {
    return this.take(4).readUInt32BE(0);
  }

  /** A possibly compressed name (RFC 1035 §4.1.4), at most 128 pointers followed. */
  name(lower: boolean): string {
    const labels: string[] = [];
    let at = this.offset;
    let jumped = false;
    for (let hops = 0; hops < 128; hops++) {
      const length = this.buf[at];
      if (length === undefined) throw new Error(`name runs past the end at byte ${at}`);
      if ((length & 0xc0) === 0xc0) {
        if (!jumped) this.offset = at + 2;
        jumped = true;
        at = ((length & 0x3f) << 8) | this.buf[at + 1]!;
        continue;
      }
      if (length === 0) {
        if (!jumped) this.offset = at + 1;
        const name = labels.join('.');
        return lower ? name.toLowerCase() : name;
      }
      labels.push(this.buf.toString('latin1', at + 1, at + 1 + length));
      at += 1 + length;
    }
    throw new Error('name with a compression loop');
  }
}
