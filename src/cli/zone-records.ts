import { RRType, zoneTypeName, type RData, type ResourceRecord, type Zone } from '../zone/index.ts';

/**
 * A zone's records in master-file presentation form (RFC 1035 §5.1, RFC 3597 §5 for unknown
 * types), for `mxlb zone show`: absolute owners with a final dot, SOA first, then by owner and type.
 */

export interface RecordLine {
  owner: string;
  ttl: number;
  type: string;
  data: string;
}

export function zoneRecords(zone: Zone): RecordLine[] {
  const out: RecordLine[] = [];
  const owners = [...zone.nodes.keys()].sort((a, b) => (a === zone.origin ? -1 : b === zone.origin ? 1 : byLabels(a, b)));
  for (const owner of owners) {
    const types = [...zone.nodes.get(owner)!.values()].sort((a, b) => rank(a.type) - rank(b.type));
    for (const set of types) {
      for (const rdata of set.rdata) out.push({ owner: absolute(owner), ttl: set.ttl, type: zoneTypeName(set.type), data: formatRData(rdata) });
    }
  }
  return out;
}

export function formatRecord(record: ResourceRecord): string {
  return `${absolute(record.owner)} ${record.ttl} IN ${zoneTypeName(record.type)} ${formatRData(record.rdata)}`;
}

export function absolute(name: string): string {
  return `${name}.`;
}

export function formatRData(rdata: RData): string {
  if ('raw' in rdata) return `\\# ${rdata.raw.length}${rdata.raw.length ? ` ${Buffer.from(rdata.raw).toString('hex')}` : ''}`;
  switch (rdata.type) {
    case RRType.A:
    case RRType.AAAA:
      return rdata.address;
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
      return absolute(rdata.target);
    case RRType.MX:
      return `${rdata.preference} ${absolute(rdata.exchange)}`;
    case RRType.TXT:
      return rdata.strings.map(quoted).join(' ');
    case RRType.SOA:
      return `${absolute(rdata.mname)} ${absolute(rdata.rname)} ${rdata.serial} ${rdata.refresh} ${rdata.retry} ${rdata.expire} ${rdata.minimum}`;
    case RRType.SRV:
      return `${rdata.priority} ${rdata.weight} ${rdata.port} ${absolute(rdata.target)}`;
    case RRType.CAA:
      return `${rdata.flags} ${rdata.tag} ${quoted(rdata.value)}`;
    default:
      return '';
  }
}

/** A <character-string> in quotes; `"`, `\` and bytes outside printable ASCII escaped as \DDD. */
function quoted(bytes: Uint8Array): string {
  let text = '"';
  for (const byte of bytes) {
    if (byte === 0x22 || byte === 0x5c) text += `\\${String.fromCharCode(byte)}`;
    else if (byte < 0x20 || byte > 0x7e) text += `\\${String(byte).padStart(3, '0')}`;
    else text += String.fromCharCode(byte);
  }
  return `${text}"`;
}

/** SOA, NS first (as zone files are written), then by type code. */
function rank(type: number): number {
  if (type === RRType.SOA) return -2;
  if (type === RRType.NS) return -1;
  return type;
}

/** Canonical-ish order (RFC 4034 §6.1): compare labels from the right, so a name sits beside its children. */
function byLabels(a: string, b: string): number {
  const la = a.split('.').reverse();
  const lb = b.split('.').reverse();
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return la[i]! < lb[i]! ? -1 : 1;
  }
  return la.length - lb.length;
}
