import { isIPv4, isIPv6 } from 'node:net';
import type { Node } from 'yaml';
import { memberId, type Member, type Pool } from '../../pool/index.ts';
import { mergeProbeSettings, type ProbeSettingsOverride } from '../../probe/index.ts';
import type { Name } from '../model.ts';
import { canonicalIPv6 } from '../master/canonical.ts';
import { parseName } from '../master/rdata-parser.ts';
import { entries, fields, int, items, str, type Entry, type YamlSource } from './yaml-nodes.ts';
import { readProbe } from './yaml-probe.ts';
import { mergeReputation, readReputation, type ReputationDraft } from './yaml-reputation.ts';
import { readPoolShaping, SHAPING_POOL_KEYS } from './yaml-shaping.ts';
import { readWarmUp } from './yaml-warm-up.ts';
import type { WarmUpSchedule } from '../../shaping/index.ts';

/**
 * The `pools:` section: pool name → probe overrides and members. Pool and member names become the
 * member id `<pool>/<member>` (health, overrides, metrics labels, CLI arguments), so both must be
 * DNS-safe labels; a member's `host` defaults to `<member>.<origin>`.
 */
export const POOL_KEYS = ['probe', 'reputation', ...SHAPING_POOL_KEYS, 'members'] as const;
export const MEMBER_KEYS = ['name', 'address', 'port', 'weight', 'host', 'warm-up'] as const;

export const DEFAULT_PORT = 25;
export const DEFAULT_WEIGHT = 100;
export const MAX_WEIGHT = 1_000_000;

/** A member with the lines it was written on, for later checks (host collisions). */
export interface MemberDraft {
  member: Member;
  /** Line of the member's `name`. */
  line: number;
  /** Line of its `host`, or of its `name` when the host is the default. */
  hostLine: number;
}

export interface PoolDraft {
  pool: Pool;
  /** Line of the pool's name. */
  line: number;
  members: MemberDraft[];
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Pool and member names: lower-case letters, digits, inner hyphens, at most 63 (RFC 1123 §2.1 labels). */
export function checkLabel(src: YamlSource, at: Node, text: string, what: string): string {
  if (!LABEL.test(text)) {
    src.fail(at, `${what} "${text}" is not a DNS-safe label: use lower-case letters, digits and hyphens (not first or last), at most 63`);
  }
  return text;
}

export function readPools(
  src: YamlSource,
  node: Node | null,
  origin: Name,
  zoneProbe: ProbeSettingsOverride,
  zoneReputation: ReputationDraft = {},
  schedules: ReadonlyMap<string, WarmUpSchedule> = new Map(),
): Map<string, PoolDraft> {
  const pools = new Map<string, PoolDraft>();
  for (const entry of entries(src, node, 'pools')) {
    src.attempt(`pool ${entry.key}`, () => readPool(src, entry, origin, zoneProbe, zoneReputation, schedules, pools));
  }
  return pools;
}

function readPool(
  src: YamlSource,
  entry: Entry,
  origin: Name,
  zoneProbe: ProbeSettingsOverride,
  zoneReputation: ReputationDraft,
  schedules: ReadonlyMap<string, WarmUpSchedule>,
  pools: Map<string, PoolDraft>,
): void {
  {
    const name = checkLabel(src, entry.keyNode, entry.key, 'pool name');
    const f = fields(src, entry.value, `pool ${name}`, POOL_KEYS);
    const probe = mergeProbeSettings(zoneProbe, readProbe(src, f.get('probe')?.value ?? null, `pool ${name} probe`));
    const reputation = mergeReputation(src, zoneReputation, readReputation(src, f.get('reputation')?.value ?? null, `pool ${name} reputation`), `pool ${name}`);
    const members = f.has('members') ? readMembers(src, f.get('members')!, name, origin, schedules) : [];
    const shaping = readPoolShaping(src, f, `pool ${name}`);
    const pool: Pool = { name, members: members.map((d) => d.member), probe, ...(reputation ? { reputation } : {}), ...(shaping ? { shaping } : {}) };
    pools.set(name, { pool, line: src.line(entry.keyNode), members });
  }
}

function readMembers(src: YamlSource, entry: Entry, pool: string, origin: Name, schedules: ReadonlyMap<string, WarmUpSchedule>): MemberDraft[] {
  const drafts: MemberDraft[] = [];
  const byName = new Map<string, number>();
  const byEndpoint = new Map<string, string>();
  for (const item of items(src, entry, `pool ${pool} members`)) {
    const f = fields(src, item, `a member of pool ${pool}`, MEMBER_KEYS);
    const nameEntry = f.get('name');
    if (!nameEntry) src.fail(item, `a member of pool ${pool} has no name`);
    const name = checkLabel(src, nameEntry.at, str(src, nameEntry, 'member name'), 'member name');
    const line = src.line(nameEntry.at);
    const what = `member ${memberId(pool, name)}`;
    const seen = byName.get(name);
    if (seen !== undefined) src.fail(nameEntry.at, `pool ${pool} already has a member "${name}" (line ${seen})`);
    byName.set(name, line);

    const addressEntry = f.get('address');
    if (!addressEntry) src.fail(nameEntry.at, `${what} has no address`);
    const { address, family } = readAddress(src, addressEntry, what);
    const port = f.has('port') ? int(src, f.get('port')!, `${what} port`, 1, 65535) : DEFAULT_PORT;
    const weight = f.has('weight') ? int(src, f.get('weight')!, `${what} weight`, 0, MAX_WEIGHT) : DEFAULT_WEIGHT;
    const hostEntry = f.get('host');
    const host = hostEntry ? readHost(src, hostEntry, origin, what) : `${name}.${origin}`.replace(/\.$/, '');

    const endpoint = family === 6 ? `[${address}]:${port}` : `${address}:${port}`;
    const twin = byEndpoint.get(endpoint);
    if (twin !== undefined) src.fail(addressEntry.at, `${what} probes ${endpoint}, like member ${twin} of the same pool`);
    byEndpoint.set(endpoint, name);

    const warmUp = f.has('warm-up') ? readWarmUp(src, f.get('warm-up')!, schedules, `${what} warm-up`) : undefined;
    drafts.push({
      member: { id: memberId(pool, name), pool, name, address, family, port, weight, host, ...(warmUp ? { warmUp } : {}) },
      line,
      hostLine: hostEntry ? src.line(hostEntry.at) : line,
    });
  }
  return drafts;
}

function readAddress(src: YamlSource, entry: Entry, what: string): { address: string; family: 4 | 6 } {
  const text = str(src, entry, `${what} address`).trim();
  if (isIPv4(text)) return { address: text, family: 4 };
  // node accepts a zone index (fe80::1%eth0); an answer cannot carry one.
  if (isIPv6(text) && !text.includes('%')) return { address: canonicalIPv6(text), family: 6 };
  return src.fail(entry.at, `bad address "${text}" for ${what}: write an IPv4 or IPv6 address`);
}

/** Relative to the origin unless it ends with a dot (as in master files); a host name (RFC 1123 §2.1). */
function readHost(src: YamlSource, entry: Entry, origin: Name, what: string): Name {
  const text = str(src, entry, `${what} host`).trim();
  let host: Name;
  try {
    host = parseName({ text, quoted: false, line: 0 }, origin, `${what} host`);
  } catch (error) {
    return src.fail(entry.at, (error as Error).message);
  }
  if (host === '' || !host.split('.').every((label) => /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(label))) {
    src.fail(entry.at, `${what} host "${text}" is not a host name (letters, digits and hyphens in each label)`);
  }
  return host;
}
