/**
 * Tiny zone builder for resolver tests: one record per line, `owner [ttl] TYPE rdata…`, names
 * relative to the origin unless they end in '.', '@' for the origin, '.' for the root. Known types:
 * A AAAA NS CNAME PTR MX SRV TXT SOA; anything else (or any type) in RFC 3597 form
 * `TYPEnnn \# <len> <hex>`. TXT takes one token per string, quotes optional, no spaces inside.
 * Records go through the real `buildZone`, so test zones obey the same rules as served ones.
 * This is not the master-file parser: no $TTL/$ORIGIN, comments, parentheses or escapes.
 */
import type { Snapshot } from '../../src/snapshot.ts';
import { buildZone, type SourcedRecord } from '../../src/zone/build.ts';
import { RRType, canonicalName, type Name, type RData, type ResourceRecord, type Zone } from '../../src/zone/model.ts';

const MNEMONICS: Record<string, number> = { ...RRType, HINFO: 13 };

export function zoneFrom(origin: string, lines: readonly string[], defaultTtl = 300): Zone {
  const apex = canonicalName(origin === '.' ? '' : origin);
  const records = lines.map((line, index): SourcedRecord => {
    const tokens = line.trim().split(/\s+/);
    const owner = absolute(shift(tokens, line), apex);
    const ttl = /^\d+$/.test(tokens[0] ?? '') ? Number(shift(tokens, line)) : defaultTtl;
    const type = typeCode(shift(tokens, line));
    return { owner, ttl, type, rdata: rdataOf(type, tokens, apex, line), line: index + 1 };
  });
  return buildZone(apex, records, `test:${origin}`);
}

export function snapshotOf(...zones: Zone[]): Snapshot {
  return { version: 1, zones: { zones: new Map(zones.map((zone) => [zone.origin, zone])) }, members: new Map() };
}

/** Presentation form of a record for readable assertions: `owner. ttl TYPE rdata`. */
export function formatRecord(record: ResourceRecord): string {
  return `${display(record.owner)} ${record.ttl} ${typeName(record.type)} ${formatRdata(record.rdata)}`;
}

function formatRdata(rdata: RData): string {
  if ('raw' in rdata) return `\\# ${rdata.raw.length} ${Buffer.from(rdata.raw).toString('hex')}`.trimEnd();
  if ('address' in rdata) return rdata.address;
  if ('exchange' in rdata) return `${rdata.preference} ${display(rdata.exchange)}`;
  if ('port' in rdata) return `${rdata.priority} ${rdata.weight} ${rdata.port} ${display(rdata.target)}`;
  if ('target' in rdata) return display(rdata.target);
  if ('strings' in rdata) return rdata.strings.map((s) => `"${Buffer.from(s).toString('latin1')}"`).join(' ');
  if ('mname' in rdata) {
    return `${display(rdata.mname)} ${display(rdata.rname)} ${rdata.serial} ${rdata.refresh} ${rdata.retry} ${rdata.expire} ${rdata.minimum}`;
  }
  return `${rdata.flags} ${rdata.tag} "${Buffer.from(rdata.value).toString('latin1')}"`;
}

function rdataOf(type: number, tokens: string[], origin: Name, line: string): RData {
  if (tokens[0] === '\\#') {
    const hex = tokens.slice(2).join('');
    if (hex.length / 2 !== Number(tokens[1])) throw new Error(`bad \\# length in: ${line}`);
    return { type, raw: Uint8Array.from(Buffer.from(hex, 'hex')) };
  }
  const name = (i: number) => absolute(tokens[i] ?? fail(line), origin);
  const num = (i: number) => Number(tokens[i] ?? fail(line));
  switch (type) {
    case RRType.A:
      return { type, address: tokens[0] ?? fail(line) };
    case RRType.AAAA:
      return { type, address: tokens[0] ?? fail(line) };
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
      return { type, target: name(0) };
    case RRType.MX:
      return { type, preference: num(0), exchange: name(1) };
    case RRType.SRV:
      return { type, priority: num(0), weight: num(1), port: num(2), target: name(3) };
    case RRType.TXT:
      return { type, strings: tokens.map((t) => Uint8Array.from(Buffer.from(t.replace(/^"|"$/g, ''), 'latin1'))) };
    case RRType.SOA:
      return { type, mname: name(0), rname: name(1), serial: num(2), refresh: num(3), retry: num(4), expire: num(5), minimum: num(6) };
    default:
      return fail(`${line} (use \\# generic RDATA for this type)`);
  }
}

function absolute(name: string, origin: Name): Name {
  if (name === '@') return origin;
  if (name === '.') return '';
  if (name.endsWith('.')) return canonicalName(name);
  return canonicalName(origin === '' ? name : `${name}.${origin}`);
}

function typeCode(token: string): number {
  const upper = token.toUpperCase();
  const code = upper.startsWith('TYPE') ? Number(upper.slice(4)) : MNEMONICS[upper];
  if (code === undefined || !Number.isInteger(code)) throw new Error(`unknown type ${token}`);
  return code;
}

function typeName(code: number): string {
  return Object.entries(MNEMONICS).find(([, value]) => value === code)?.[0] ?? `TYPE${code}`;
}

function display(name: Name): string {
  return name === '' ? '.' : `${name}.`;
}

function shift(tokens: string[], line: string): string {
  return tokens.shift() ?? fail(line);
}

function fail(line: string): never {
  throw new Error(`zone-builder: cannot read "${line}"`);
}
