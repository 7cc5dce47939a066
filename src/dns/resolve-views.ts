/**
 * Client views on the answer path (pure): who asked (source address, EDNS Client Subnet), which
 * view of a balanced name that client gets, and the answer-cache key part that keeps one view's
 * answers from another's.
 *
 * Contract:
 * - `viewClient(source, ecs)`: the query's source address as is (views may name single resolvers,
 *   /32 or /128) and the ECS subnet cut to at most /24 (IPv4) or /56 (IPv6) before any matching
 *   (RFC 7871 §11.1); an ECS of /0 carries no subnet and is ignored (RFC 7871 §7.1.2).
 * - `viewKey(zones, client, hasEcs)`: '' when no served zone has views and none honours ECS (the
 *   cache key is then unchanged: zero cost for zones without views). Otherwise a string that is
 *   equal for two clients exactly when every balanced name of every zone gives them the same view
 *   and the same ECS scope: the set of view networks holding an address is a chain of nested
 *   prefixes, so the longest one of all zones' networks fixes the match of every name.
 * - `viewOf(inputs, name)`: the BalancedName this client gets (the name itself or a view's) with
 *   the `ViewDecision` for /explain; `view.scope` is set when the zone honours ECS and the client
 *   sent one: the RFC 7871 §7.2.1 SCOPE PREFIX-LENGTH of the answer (`pool/views.ts` matchView).
 */
import { contains, formatPrefix, matchView, parseAddress, PRIVACY_PREFIX, truncate, type BalancedName, type ClientAddress, type Prefix, type ViewDecision } from '../pool/index.ts';
import type { ZoneSet } from '../zone/index.ts';
import type { Ecs } from './query.ts';

/**
 * A client as tools name it (/explain `client=` and `subnet=`): the source address and the ECS
 * option a query would carry. Crosses to the answering worker (structured clone).
 */
export interface RingClient {
  source?: string;
  ecs?: Ecs;
}

/** Who asked: the query's source address and, when sent and usable, its ECS subnet (truncated). */
export interface ViewClient {
  /** The query carried an ECS option (even /0): a zone that honours ECS echoes one (RFC 7871 §7.2.1). */
  ecsSent: boolean;
  source?: ClientAddress;
  ecs?: ClientAddress;
}

/** What a selection matches views against in one zone, and how it got it. */
export interface ZoneClient {
  address: ClientAddress;
  via: 'source' | 'ecs';
}

export function viewClient(source: string | undefined, ecs: Ecs | undefined): ViewClient {
  const client: ViewClient = { ecsSent: ecs !== undefined };
  const parsed = source ? parseAddress(source) : undefined;
  if (parsed) client.source = { ...parsed, sourcePrefix: parsed.family === 4 ? 32 : 128 };
  if (ecs && ecs.sourcePrefix > 0) {
    const sourcePrefix = Math.min(ecs.sourcePrefix, PRIVACY_PREFIX[ecs.family]);
    const bytes = new Uint8Array(ecs.family === 4 ? 4 : 16);
    bytes.set(ecs.address.subarray(0, bytes.length));
    client.ecs = { family: ecs.family, bytes: truncate(bytes, sourcePrefix), sourcePrefix };
  }
  return client;
}

/** The address a zone matches: the ECS subnet when the zone honours ECS and one came, else the source. */
export function zoneClient(client: ViewClient | undefined, ecsEnabled: boolean | undefined): ZoneClient | undefined {
  if (!client) return undefined;
  if (ecsEnabled && client.ecs) return { address: client.ecs, via: 'ecs' };
  // ECS /0 (RFC 7871 §7.1.2): the resolver asks for an answer fit for anyone, which it will cache
  // with scope 0 for all its clients: the default view, not the resolver's own.
  if (ecsEnabled && client.ecsSent) return undefined;
  return client.source && { address: client.source, via: 'source' };
}

interface ViewTable {
  networks: Prefix[];
  anyEcs: boolean;
}

const tables = new WeakMap<ZoneSet, ViewTable>();

function tableOf(zones: ZoneSet): ViewTable {
  let table = tables.get(zones);
  if (table) return table;
  const seen = new Map<string, Prefix>();
  let anyEcs = false;
  for (const zone of zones.zones.values()) {
    if (zone.balancing?.ecs) anyEcs = true;
    for (const name of zone.balancing?.names.values() ?? []) {
      for (const view of name.views ?? []) for (const network of view.networks) seen.set(network.text, network);
    }
  }
  table = { networks: [...seen.values()], anyEcs };
  tables.set(zones, table);
  return table;
}

/** Do views or ECS matter for any served zone? (False: cache keys and replies as without views.) */
export function viewsMatter(zones: ZoneSet): boolean {
  const table = tableOf(zones);
  return table.anyEcs || table.networks.length > 0;
}

/** Does any served zone honour ECS? (Otherwise an ECS option is ignored and never echoed.) */
export function anyEcs(zones: ZoneSet): boolean {
  return tableOf(zones).anyEcs;
}

/** See the module contract. */
export function viewKey(zones: ZoneSet, client: ViewClient): string {
  const table = tableOf(zones);
  if (table.networks.length === 0 && !table.anyEcs) return '';
  const ecs = table.anyEcs ? client.ecs : undefined;
  const ecsPart = ecs ? `e${ecs.family}/${ecs.sourcePrefix}:${longest(table.networks, ecs)}` : table.anyEcs && client.ecsSent ? 'e0' : '';
  // No source address (only tools ask so: /explain with `subnet` alone) keys as a source no view
  // network holds: both get every source-matched name's own tiers.
  return `\u0000v${client.source ? longest(table.networks, client.source) : -1}${ecsPart}`;
}

/**
 * The key part `viewKey` gives a client that no view network holds and that sent no ECS option:
 * the answers every name gives by its own tiers (what /explain shows without a client).
 */
export function outsideViewsKey(zones: ZoneSet): string {
  return viewKey(zones, { ecsSent: false });
}

/** Index of the longest network holding `address` (as `matchView` would accept it), -1 for none. */
function longest(networks: readonly Prefix[], address: ClientAddress): number {
  let best = -1;
  for (let i = 0; i < networks.length; i++) {
    const network = networks[i]!;
    if (network.length > address.sourcePrefix || !contains(network, address.family, address.bytes)) continue;
    if (best < 0 || network.length > networks[best]!.length) best = i;
  }
  return best;
}

/** See the module contract. */
export function viewOf(client: ZoneClient | undefined, name: BalancedName): { balanced: BalancedName; view?: ViewDecision } {
  const views = name.views;
  if (!views || views.length === 0 || !client) return { balanced: name };
  const { address, via } = client;
  const match = matchView(views, address);
  const view: ViewDecision = { name: match ? match.view.name : 'default', via, client: formatPrefix(address.family, address.bytes, address.sourcePrefix) };
  if (match) view.network = match.network.text;
  if (via === 'ecs') view.scope = match ? match.scope : address.sourcePrefix;
  return { balanced: match ? match.view.balanced : name, view };
}
