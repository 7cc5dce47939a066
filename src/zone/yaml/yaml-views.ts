import { isScalar, type Node } from 'yaml';
import { parsePrefix, type BalancedName, type BalancedView, type Policy, type Prefix, type Tier } from '../../pool/index.ts';
import { entries, fields, int, items, oneOf, suggest, type Entry, type YamlSource } from './yaml-nodes.ts';

/**
 * Client views (docs/zone-format.md "Client views"): the zone's `views:` (named network lists) and
 * a balanced name's `views:` (what each view gets: tiers, and optionally policy and max; a view
 * not named at the zone level lists its own `networks:`).
 */
export const VIEW_KEYS = ['networks', 'tiers', 'policy', 'max'] as const;

/** `views: { dc-east: [10.1.0.0/16, 2001:db8:1::/48], … }` at the top of a zone. */
export function readZoneViews(src: YamlSource, node: Node | null): Map<string, Prefix[]> {
  const out = new Map<string, Prefix[]>();
  for (const entry of entries(src, node, 'views')) out.set(entry.key, readNetworks(src, entry, `views ${entry.key}`));
  return out;
}

function readNetworks(src: YamlSource, entry: Entry, what: string): Prefix[] {
  const list = items(src, entry, what);
  if (list.length === 0) src.fail(entry.at, `${what} lists no networks: write e.g. [10.1.0.0/16]`);
  return list.map((item) => {
    const text = isScalar(item) ? String(item.value) : '';
    const prefix = parsePrefix(text);
    if (typeof prefix === 'string') return src.fail(item, `${what}: ${prefix}`);
    return prefix;
  });
}

/** What a name's view may change; the rest comes from the name. */
export interface ViewReaders {
  tiers(entry: Entry, what: string): Tier[];
  policies: readonly Policy[];
  maxAnswers: number;
}

/** A balanced name's `views:`; each view is the name with its own tiers (policy, max). */
export function readNameViews(src: YamlSource, entry: Entry, what: string, base: BalancedName, zoneViews: ReadonlyMap<string, Prefix[]>, read: ViewReaders): BalancedView[] {
  return entries(src, entry.value, `${what} views`).map((view) => {
    const at = `${what} view ${view.key}`;
    const f = fields(src, view.value, at, VIEW_KEYS);
    let networks: Prefix[] | undefined;
    const own = f.get('networks');
    if (own) networks = readNetworks(src, own, `${at} networks`);
    else networks = zoneViews.get(view.key);
    if (!networks) {
      const hint = suggest(view.key, zoneViews.keys());
      const known = zoneViews.size > 0 ? `zone views: ${[...zoneViews.keys()].join(', ')}` : 'the zone defines no views';
      src.fail(view.keyNode, `${at}: no networks: "${view.key}" is not a zone view${hint ? ` (did you mean "${hint}"?)` : ''} and it lists no "networks:"; ${known}`);
    }
    const tiers = f.get('tiers');
    if (!tiers) src.fail(view.keyNode, `${at} has no tiers: list the pools this view gets, e.g. "tiers: [[west], [east]]"`);
    const balanced: BalancedName = { ...base, tiers: read.tiers(tiers, at) };
    delete balanced.views;
    if (f.has('policy')) balanced.policy = oneOf(src, f.get('policy')!, `${at} policy`, read.policies);
    if (f.has('max')) balanced.max = int(src, f.get('max')!, `${at} max`, 1, read.maxAnswers);
    return { name: view.key, networks, balanced };
  });
}
