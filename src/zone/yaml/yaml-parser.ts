import { LineCounter, parseDocument, visit } from 'yaml';
import { SourceError } from '../../errors.ts';
import type { BalancedName, MxBinding, Pool, PoolSet } from '../../pool/index.ts';
import { buildZone } from '../build.ts';
import type { IncludeReader } from '../master/master-parser.ts';
import type { Name, Zone } from '../model.ts';
import { parseName } from '../master/rdata-parser.ts';
import { readMx, readNames } from './yaml-names.ts';
import { readZoneViews } from './yaml-views.ts';
import { bool, fields, str, syntaxErrorOffset, YamlSource, type Entry } from './yaml-nodes.ts';
import { readPools } from './yaml-pools.ts';
import { readProbe } from './yaml-probe.ts';
import { readReputation } from './yaml-reputation.ts';
import { readSchedules } from './yaml-warm-up.ts';
import { checkApex, checkCollisions, hostRecords, readStaticRecords, type SiblingText } from './yaml-static.ts';

export type { SiblingText } from './yaml-static.ts';

/** The top-level keys of a YAML zone (docs/zone-format.md, "Balanced zones"). */
export const TOP_KEYS = ['origin', 'records', 'probe', 'reputation', 'warm-up-schedules', 'pools', 'views', 'ecs', 'names', 'mx'] as const;

export interface YamlZoneOptions {
  /** Shown in errors as `file:line: reason`; the zone's `source`. */
  file: string;
  /** The origin the file name gives; an `origin:` key wins. */
  origin?: Name;
  /** The sibling `<name>.zone`, when it exists: the zone's static records. */
  sibling?: SiblingText;
  /** For `$INCLUDE` in the static records; without it `$INCLUDE` is an error. */
  include?: IncludeReader;
}

export interface ParsedYamlZone {
  zone: Zone;
}

/**
 * Parses a balanced zone: static records (the `records:` block or the sibling master file), pools
 * of members with probe settings, balanced names and MX bindings. Pure apart from `include`.
 * Contract: returns a Zone built by buildZone (static records plus A/AAAA of in-zone member hosts)
 * with `balancing` set and with every balanced name and MX owner in `names` (they exist even
 * without static data, so other types get NODATA, not NXDOMAIN or a wildcard); or throws
 * SourceError(file, line, reason) for the first problem, at the line of the offending key or
 * value (for static records, the record's own file and line).
 */
export function parseYamlZone(text: string, opts: YamlZoneOptions): ParsedYamlZone {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const src = new YamlSource(opts.file, lines);
  // Every syntax problem at once (the parser recovers and goes on); meaning is checked only in a
  // document that parsed.
  const problems = [...doc.errors, ...doc.warnings].map((p) => new SourceError(opts.file, src.lineAt(syntaxErrorOffset(text, p)), `YAML: ${p.message}`));
  if (problems.length > 0) {
    const [first, ...more] = problems;
    throw new SourceError(first!.file, first!.line, first!.reason, more);
  }
  visit(doc, {
    Alias: (_key, node) => src.fail(node, `YAML aliases (*${node.source}) are not supported: write the value out`),
  });

  const top = fields(src, doc.contents, 'the zone', TOP_KEYS);
  const origin = readOrigin(src, top.get('origin'), opts.origin);
  const stat = readStaticRecords(src, top.get('records'), opts.sibling, origin, opts.include);
  const zoneProbe = readProbe(src, top.get('probe')?.value ?? null, 'probe');
  const zoneReputation = readReputation(src, top.get('reputation')?.value ?? null, 'reputation');
  const schedules = readSchedules(src, top.get('warm-up-schedules')?.value ?? null);
  const pools = readPools(src, top.get('pools')?.value ?? null, origin, zoneProbe, zoneReputation, schedules);
  const zoneViews = readZoneViews(src, top.get('views')?.value ?? null);
  const names = readNames(src, top.get('names')?.value ?? null, origin, pools, zoneViews);
  const mx = readMx(src, top.get('mx')?.value ?? null, origin, names);
  // Every pool, name and MX was read on its own: report all their problems together.
  if (src.problems.length > 0) {
    const [first, ...more] = src.problems;
    throw new SourceError(first!.file, first!.line, first!.reason, more);
  }

  checkApex(stat, origin);
  checkCollisions(src, stat.records, origin, pools, names, mx);
  const built = buildZone(origin, [...stat.records, ...hostRecords(pools, names, origin, opts.file)], opts.file);

  const balancing: PoolSet = {
    pools: new Map<string, Pool>([...pools].map(([name, draft]) => [name, draft.pool])),
    names: new Map<Name, BalancedName>([...names].map(([owner, draft]) => [owner, draft.name])),
    mx: new Map<Name, MxBinding>([...mx].map(([owner, draft]) => [owner, draft.binding])),
  };
  // RFC 7871 EDNS Client Subnet: honoured only when the operator says so (docs/zone-format.md "Client views").
  if (top.has('ecs') && bool(src, top.get('ecs')!, 'ecs')) balancing.ecs = true;
  const existing = new Set(built.names);
  for (const owner of [...balancing.names.keys(), ...balancing.mx.keys()]) {
    for (let name = owner; name !== origin && !existing.has(name); name = parentOf(name)) existing.add(name);
  }
  return { zone: { ...built, names: existing, balancing } };
}

function readOrigin(src: YamlSource, entry: Entry | undefined, fromFile: Name | undefined): Name {
  if (!entry) {
    if (fromFile === undefined) src.fail(undefined, 'this file name does not name a zone: call it <origin>.yaml or add "origin: <domain>"');
    return fromFile;
  }
  const text = str(src, entry, 'origin').trim();
  try {
    return parseName({ text: text.endsWith('.') ? text : `${text}.`, quoted: false, line: 0 }, '', 'origin');
  } catch (error) {
    return src.fail(entry.at, (error as Error).message);
  }
}

function parentOf(name: Name): Name {
  const dot = name.indexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1);
}
