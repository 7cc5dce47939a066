import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { DEFAULT_BALANCED, type AllDownPolicy, type ProviderGroup, type BalancedName, type MxBinding, type Policy, type Prefix, type Tier } from '../../pool/index.ts';
import { isInOrBelow, type Name } from '../model.ts';
import { parseName, parseTtl } from '../master/rdata-parser.ts';
import { AlreadyReported, entries, fields, int, isNull, oneOf, str, suggest, type Entry, type YamlSource } from './yaml-nodes.ts';
import type { PoolDraft } from './yaml-pools.ts';
import { readNameViews } from './yaml-views.ts';
import { readExperiment } from './yaml-experiment.ts';
import { PROVIDER_GROUPS } from '../../signals/index.ts';

/**
 * The `names:` (balanced names) and `mx:` (MX bindings) sections. Owners are written like master
 * file owners: relative to the origin, `@` for the apex, absolute with a final dot.
 */
export const NAME_KEYS = ['tiers', 'policy', 'max', 'ttl', 'degraded-ttl', 'host-ttl', 'min-healthy', 'all-down', 'provider', 'views', 'experiment'] as const;
export const TIER_KEYS = ['pools', 'min-healthy'] as const;
export const MX_KEYS = ['from', 'step', 'ttl'] as const;
const POLICIES: readonly Policy[] = ['round-robin', 'weighted', 'latency'];
const ALL_DOWN: readonly AllDownPolicy[] = ['all', 'nodata', 'servfail'];
/** The provider groups outcomes are counted in (docs/reputation.md "Outcomes"); `provider:` names one. */
const PROVIDERS: readonly ProviderGroup[] = PROVIDER_GROUPS;

export const DEFAULT_MX_STEP = 10;
/** At most this many addresses per answer: far more than fits a 1232-byte UDP answer (~70 A records). */
export const MAX_ANSWERS = 1000;

export interface NameDraft {
  name: BalancedName;
  /** Line of the owner key. */
  line: number;
  /** TTL of the A/AAAA synthesized for its members' in-zone hosts (`host-ttl`, default `ttl`). */
  hostTtl: number;
}

export interface MxDraft {
  binding: MxBinding;
  line: number;
}

/** An owner key: in the zone, no wildcard (a balanced name answers for itself only). */
export function readOwner(src: YamlSource, key: Node, text: string, origin: Name, what: string): Name {
  let owner: Name;
  try {
    owner = parseName({ text, quoted: false, line: 0 }, origin, what);
  } catch (error) {
    return src.fail(key, (error as Error).message);
  }
  if (!isInOrBelow(owner, origin)) src.fail(key, `${what} ${owner}. is outside the zone ${origin}.`);
  if (owner.split('.').includes('*')) src.fail(key, `${what} ${text} cannot be a wildcard`);
  return owner;
}

function readTtl(src: YamlSource, entry: Entry, what: string): number {
  try {
    return parseTtl(str(src, entry, what).trim(), undefined, what);
  } catch (error) {
    return src.fail(entry.at, (error as Error).message);
  }
}

export function readNames(src: YamlSource, node: Node | null, origin: Name, pools: ReadonlyMap<string, PoolDraft>, zoneViews: ReadonlyMap<string, Prefix[]> = new Map()): Map<Name, NameDraft> {
  const names = new Map<Name, NameDraft>();
  for (const entry of entries(src, node, 'names')) src.attempt(`name ${entry.key}`, () => readName(src, entry, origin, pools, zoneViews, names));
  return names;
}

function readName(src: YamlSource, entry: Entry, origin: Name, pools: ReadonlyMap<string, PoolDraft>, zoneViews: ReadonlyMap<string, Prefix[]>, names: Map<Name, NameDraft>): void {
  {
    const owner = readOwner(src, entry.keyNode, entry.key, origin, 'balanced name');
    const twin = names.get(owner);
    if (twin) src.fail(entry.keyNode, `balanced name ${owner}. is already defined at line ${twin.line}`);
    const what = `balanced name ${entry.key}`;
    const f = fields(src, entry.value, what, NAME_KEYS);
    const ttl = f.has('ttl') ? readTtl(src, f.get('ttl')!, `${what} ttl`) : DEFAULT_BALANCED.ttl;
    let degradedTtl = Math.min(DEFAULT_BALANCED.degradedTtl, ttl);
    const degraded = f.get('degraded-ttl');
    if (degraded) {
      degradedTtl = readTtl(src, degraded, `${what} degraded-ttl`);
      if (degradedTtl > ttl) src.fail(degraded.at, `${what} degraded-ttl ${degradedTtl} is above its ttl ${ttl}: the degraded TTL is the lower one`);
    }
    const minHealthy = f.has('min-healthy') ? int(src, f.get('min-healthy')!, `${what} min-healthy`, 1, 65535) : DEFAULT_BALANCED.minHealthy;
    const tiersEntry = f.get('tiers');
    if (!tiersEntry) src.fail(entry.keyNode, `${what} has no tiers: list its pools, e.g. "tiers: [${[...pools.keys()][0] ?? 'primary'}]"`);
    const tiers = readTiers(src, tiersEntry, what, pools, minHealthy, f.get('min-healthy'));
    const name: BalancedName = {
      owner,
      tiers,
      policy: f.has('policy') ? oneOf(src, f.get('policy')!, `${what} policy`, POLICIES) : DEFAULT_BALANCED.policy,
      max: f.has('max') ? int(src, f.get('max')!, `${what} max`, 1, MAX_ANSWERS) : DEFAULT_BALANCED.max,
      ttl,
      degradedTtl,
      allDown: f.has('all-down') ? oneOf(src, f.get('all-down')!, `${what} all-down`, ALL_DOWN) : DEFAULT_BALANCED.allDown,
    };
    // Before views: a view is this name with other tiers, for the same provider.
    if (f.has('provider')) name.provider = oneOf(src, f.get('provider')!, `${what} provider`, PROVIDERS);
    const views = f.get('views');
    if (views) {
      name.views = readNameViews(src, views, what, name, zoneViews, {
        tiers: (tiersAt, at) => readTiers(src, tiersAt, at, pools, minHealthy, f.get('min-healthy')),
        policies: POLICIES,
        maxAnswers: MAX_ANSWERS,
      });
    }
    const experiment = f.get('experiment');
    if (experiment) {
      name.experiment = readExperiment(src, experiment, what, name, {
        tiers: (tiersAt, at) => readTiers(src, tiersAt, at, pools, minHealthy, f.get('min-healthy')),
        ttl: (ttlAt, at) => readTtl(src, ttlAt, at),
        policies: POLICIES,
        maxAnswers: MAX_ANSWERS,
      });
      const taken = [...names.values()].find((d) => d.name.experiment?.name === name.experiment!.name);
      if (taken) src.fail(experiment.at, `${what} experiment: the name "${taken.name.experiment!.name}" is already used by ${taken.name.owner}.; experiment names are unique`);
    }
    const hostTtl = f.has('host-ttl') ? readTtl(src, f.get('host-ttl')!, `${what} host-ttl`) : ttl;
    names.set(owner, { name, line: src.line(entry.keyNode), hostTtl });
  }
}

/** Tiers: `[a, [b, c], {pools: [d], min-healthy: 2}]` — a pool, several pools, or a map with its own minimum. */
function readTiers(
  src: YamlSource,
  entry: Entry,
  what: string,
  pools: ReadonlyMap<string, PoolDraft>,
  defaultMin: number,
  defaultMinEntry: Entry | undefined,
): Tier[] {
  const node = entry.value;
  if (isNull(node)) src.fail(entry.at, `${what} tiers is empty: list at least one pool`);
  // A single pool name is one tier, for the common one-pool case.
  const list = isSeq(node) ? (node.items as Node[]) : [node!];
  if (list.length === 0) src.fail(entry.at, `${what} tiers is empty: list at least one pool`);
  const placed = new Map<string, number>();
  return list.map((item, index) => {
    let poolNodes: Node[];
    let minHealthy = defaultMin;
    let minAt: Node | undefined = defaultMinEntry?.at;
    if (isMap(item)) {
      const f = fields(src, item, `${what} tier ${index}`, TIER_KEYS);
      const poolsEntry = f.get('pools');
      if (!poolsEntry || isNull(poolsEntry.value)) src.fail(item, `${what} tier ${index} has no pools`);
      poolNodes = isSeq(poolsEntry.value) ? (poolsEntry.value.items as Node[]) : [poolsEntry.value!];
      const min = f.get('min-healthy');
      if (min) {
        minHealthy = int(src, min, `${what} tier ${index} min-healthy`, 1, 65535);
        minAt = min.at;
      }
    } else {
      poolNodes = isSeq(item) ? (item.items as Node[]) : [item];
    }
    if (poolNodes.length === 0) src.fail(item, `${what} tier ${index} has no pools`);
    const tier: Tier = { pools: [], members: [], minHealthy };
    for (const poolNode of poolNodes) {
      // A pool named `1` is the number 1 to YAML: read it as the pools: keys are read (String).
      const value = isScalar(poolNode) ? poolNode.value : undefined;
      if (typeof value !== 'string' && typeof value !== 'number') src.fail(poolNode ?? item, `${what} tier ${index}: a pool is named by a word`);
      const poolName = String(value);
      const pool = pools.get(poolName);
      // A pool whose own entry failed was reported there; this name is left out without a second message.
      if (!pool && src.failed.has(`pool ${poolName}`)) throw new AlreadyReported();
      if (!pool) {
        const hint = suggest(poolName, pools.keys());
        const known = pools.size > 0 ? `pools: ${[...pools.keys()].join(', ')}` : 'no pools are defined';
        src.fail(poolNode, `${what} tier ${index}: unknown pool "${poolName}"${hint ? ` (did you mean "${hint}"?)` : ''}; ${known}`);
      }
      const earlier = placed.get(poolName);
      if (earlier !== undefined) src.fail(poolNode, `${what}: pool ${poolName} is already in tier ${earlier}; a pool belongs to one tier of a name`);
      placed.set(poolName, index);
      tier.pools.push(poolName);
      tier.members.push(...pool.pool.members);
    }
    if (tier.members.length === 0) src.fail(item, `${what} tier ${index} has no members (pool ${tier.pools.join(', ')} is empty)`);
    if (minHealthy > tier.members.length) {
      src.fail(minAt ?? item, `${what} tier ${index}: min-healthy ${minHealthy} is more than its ${tier.members.length} member${tier.members.length === 1 ? '' : 's'}`);
    }
    return tier;
  });
}

export function readMx(src: YamlSource, node: Node | null, origin: Name, names: ReadonlyMap<Name, NameDraft>): Map<Name, MxDraft> {
  const out = new Map<Name, MxDraft>();
  for (const entry of entries(src, node, 'mx')) src.attempt(`mx ${entry.key}`, () => readOneMx(src, entry, origin, names, out));
  return out;
}

function readOneMx(src: YamlSource, entry: Entry, origin: Name, names: ReadonlyMap<Name, NameDraft>, out: Map<Name, MxDraft>): void {
  {
    const owner = readOwner(src, entry.keyNode, entry.key, origin, 'MX owner');
    const twin = out.get(owner);
    if (twin) src.fail(entry.keyNode, `MX at ${owner}. is already defined at line ${twin.line}`);
    const what = `mx ${entry.key}`;
    const f = fields(src, entry.value, what, MX_KEYS);
    const fromEntry = f.get('from');
    if (!fromEntry) src.fail(entry.keyNode, `${what} has no "from": name the balanced name its MX records come from`);
    const fromText = str(src, fromEntry, `${what} from`).trim();
    const from = readOwner(src, fromEntry.at, fromText, origin, `${what} from`);
    const source = names.get(from);
    if (!source && src.failed.has(`name ${fromText}`)) throw new AlreadyReported();
    if (!source) {
      const relative = [...names.keys()].map((n) => relativeName(n, origin));
      const hint = suggest(fromText, relative);
      const known = names.size > 0 ? `balanced names: ${relative.join(', ')}` : 'no balanced names are defined';
      src.fail(fromEntry.at, `${what} from: ${from}. is not a balanced name${hint ? ` (did you mean "${hint}"?)` : ''}; ${known}`);
    }
    const tiers = source.name.tiers.length;
    const step = f.has('step') ? int(src, f.get('step')!, `${what} step`, 1, Math.floor(65535 / tiers)) : DEFAULT_MX_STEP;
    const ttl = f.has('ttl') ? readTtl(src, f.get('ttl')!, `${what} ttl`) : source.name.ttl;
    out.set(owner, { binding: { owner, balanced: from, step, ttl }, line: src.line(entry.keyNode) });
  }
}

/** How an operator writes `name` in this zone's YAML: `@` for the apex, relative below it. */
export function relativeName(name: Name, origin: Name): string {
  if (name === origin) return '@';
  return origin === '' ? `${name}.` : name.slice(0, name.length - origin.length - 1);
}
