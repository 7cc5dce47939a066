import { isScalar, Scalar } from 'yaml';
import { SourceError } from '../../errors.ts';
import { DEFAULT_BALANCED, type MemberId } from '../../pool/index.ts';
import type { SourcedRecord } from '../build.ts';
import { parseZoneText, type IncludeReader } from '../master/master-parser.ts';
import { isInOrBelow, RRType, type Name } from '../model.ts';
import { zoneTypeName } from '../master/rdata-parser.ts';
import type { Entry, YamlSource } from './yaml-nodes.ts';
import type { MxDraft, NameDraft } from './yaml-names.ts';
import type { PoolDraft } from './yaml-pools.ts';

/**
 * How a YAML zone's static records combine with its balancing (pure):
 * - static records come from the `records: |` block or from the sibling master file, never both;
 * - in-zone member hosts get A/AAAA synthesized from their members' addresses;
 * - balanced data must not collide with static data of the same type, nor sit at or below a
 *   delegation (RFC 1034 §4.2.1: data there is not authoritative).
 */

/** The sibling master file `<name>.zone` of `<name>.yaml`, read by the loader. */
export interface SiblingText {
  file: string;
  text: string;
}

export interface StaticSource {
  records: SourcedRecord[];
  /** Where a problem with the static records as a whole is reported. */
  file: string;
  line: number;
}

export function readStaticRecords(
  src: YamlSource,
  entry: Entry | undefined,
  sibling: SiblingText | undefined,
  origin: Name,
  include: IncludeReader | undefined,
): StaticSource {
  if (entry && sibling) {
    src.fail(entry.keyNode, `static records come from "records:" or from ${sibling.file}, not both: move them into one place`);
  }
  if (entry) {
    const node = entry.value;
    if (!isScalar(node) || node.type !== Scalar.BLOCK_LITERAL) {
      src.fail(entry.at, 'records must be a literal block: "records: |" followed by indented master-file lines');
    }
    // Line n of the block is line header + n of the YAML file: pad the text so the master-file
    // parser's line numbers are the file's.
    const header = src.line(node);
    const text = '\n'.repeat(header) + String(node.value);
    const parsed = parseZoneText(text, { origin, file: src.file, ...(include ? { include } : {}) });
    return { records: parsed.records, file: src.file, line: src.line(entry.keyNode) };
  }
  if (sibling) {
    const parsed = parseZoneText(sibling.text, { origin, file: sibling.file, ...(include ? { include } : {}) });
    if (parsed.leadingOrigin !== undefined && parsed.leadingOrigin !== origin) {
      const line = sibling.text.split('\n').findIndex((l) => /^\s*\$ORIGIN/i.test(l)) + 1;
      throw new SourceError(sibling.file, line, `$ORIGIN ${parsed.leadingOrigin}. does not match the zone ${origin}. of ${src.file}`);
    }
    return { records: parsed.records.map((r) => ({ ...r, file: r.file ?? sibling.file })), file: sibling.file, line: 0 };
  }
  return src.fail(
    undefined,
    'no static records: a zone needs its SOA and NS records; add "records: |" with them, or put them in a .zone file of the same name next to this one',
  );
}

/** buildZone's apex rules, reported where the static records are rather than at line 1 of the YAML. */
export function checkApex(stat: StaticSource, origin: Name): void {
  const at = (type: number) => stat.records.some((r) => r.owner === origin && r.type === type);
  if (!stat.records.some((r) => r.type === RRType.SOA)) throw new SourceError(stat.file, stat.line, `no SOA record at the apex ${origin}. in the static records`);
  if (!at(RRType.NS)) throw new SourceError(stat.file, stat.line, `no NS records at the apex ${origin}. in the static records`);
}

/**
 * A/AAAA for every in-zone member host. TTL: the smallest `host-ttl` (default `ttl`) of the
 * balanced names using the member; a member no name uses gets the default balanced TTL.
 */
export function hostRecords(pools: ReadonlyMap<string, PoolDraft>, names: ReadonlyMap<Name, NameDraft>, origin: Name, file: string): SourcedRecord[] {
  const ttlOf = new Map<MemberId, number>();
  for (const { name, hostTtl } of names.values()) {
    for (const tier of name.tiers) {
      for (const m of tier.members) ttlOf.set(m.id, Math.min(ttlOf.get(m.id) ?? Infinity, hostTtl));
    }
  }
  const out: SourcedRecord[] = [];
  for (const pool of pools.values()) {
    for (const { member, hostLine } of pool.members) {
      if (!isInOrBelow(member.host, origin)) continue; // someone else's name: not ours to serve
      const ttl = ttlOf.get(member.id) ?? DEFAULT_BALANCED.ttl;
      const rdata = member.family === 4 ? { type: RRType.A, address: member.address } : { type: RRType.AAAA, address: member.address };
      out.push({ owner: member.host, type: rdata.type, ttl, rdata, line: hostLine, file });
    }
  }
  return out;
}

/** Every collision between balanced and static data, reported at the static record (the one to remove) or at the YAML line. */
export function checkCollisions(
  src: YamlSource,
  records: readonly SourcedRecord[],
  origin: Name,
  pools: ReadonlyMap<string, PoolDraft>,
  names: ReadonlyMap<Name, NameDraft>,
  mx: ReadonlyMap<Name, MxDraft>,
): void {
  const byOwner = new Map<Name, SourcedRecord[]>();
  for (const r of records) {
    const list = byOwner.get(r.owner);
    if (list) list.push(r);
    else byOwner.set(r.owner, [r]);
  }
  const cuts = [...byOwner].filter(([owner, rs]) => owner !== origin && rs.some((r) => r.type === RRType.NS)).map(([owner]) => owner);
  const fail = (line: number, reason: string): never => {
    throw new SourceError(src.file, line, reason);
  };
  const notBelowCut = (name: Name, line: number, what: string) => {
    const cut = cuts.find((c) => isInOrBelow(name, c));
    if (cut !== undefined) fail(line, `${what} ${name}. is ${cut === name ? 'at' : 'below'} the delegation ${cut}. (NS records), where this zone is not authoritative`);
  };
  const clash = (name: Name, types: number[], why: string) => {
    const r = byOwner.get(name)?.find((x) => types.includes(x.type));
    if (r) throw new SourceError(r.file ?? src.file, r.line ?? 0, `${name}. ${why}: remove its static ${zoneTypeName(r.type)} record`);
  };

  for (const { name, line } of names.values()) {
    notBelowCut(name.owner, line, 'balanced name');
    clash(name.owner, [RRType.A, RRType.AAAA, RRType.CNAME], `is a balanced name (${src.file}:${line}), whose A/AAAA mxlb answers`);
  }
  for (const { binding, line } of mx.values()) {
    notBelowCut(binding.owner, line, 'MX owner');
    clash(binding.owner, [RRType.MX, RRType.CNAME], `has MX records from the balanced name ${binding.balanced}. (${src.file}:${line})`);
  }
  const checked = new Set<Name>();
  for (const pool of pools.values()) {
    for (const { member, hostLine } of pool.members) {
      const host = member.host;
      if (!isInOrBelow(host, origin)) continue;
      const balanced = names.get(host);
      if (balanced) {
        fail(hostLine, `member ${member.id} host ${host}. is the balanced name of line ${balanced.line}: give the member a host name of its own (its address is served there)`);
      }
      notBelowCut(host, hostLine, `member ${member.id} host`);
      if (checked.has(host)) continue;
      checked.add(host);
      clash(host, [RRType.A, RRType.AAAA, RRType.CNAME], `is the host of member ${member.id} (${src.file}:${hostLine}), whose addresses mxlb serves there`);
    }
  }
}
