/**
 * Builders for resolver tests of balanced names: members, tiers, balanced names, MX bindings, a Zone
 * whose `balancing` is built by hand (the YAML parser's job in production) and snapshots carrying
 * member states. Static records go through `zoneFrom` (the real `buildZone`); like the YAML parser,
 * `balancedZone` adds the A/AAAA of every member host inside the zone as static records.
 */
import { effectiveState } from '../../src/pool/effective.ts';
import { DEFAULT_PROBE_SETTINGS } from '../../src/probe/settings.ts';
import {
  DEFAULT_BALANCED,
  memberId,
  type BalancedName,
  type EffectiveState,
  type Member,
  type MxBinding,
  type ObservedState,
  type Override,
  type Pool,
  type Tier,
} from '../../src/pool/model.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import { isInOrBelow, type Zone } from '../../src/zone/model.ts';
import { zoneFrom } from './zone-builder.ts';

/** `member('a', 'm1', '192.0.2.1', { host: 'mta1.relay.test' })`; the family follows the address. */
export function member(pool: string, name: string, address: string, opts: { host: string; weight?: number }): Member {
  return {
    id: memberId(pool, name),
    pool,
    name,
    address,
    family: address.includes(':') ? 6 : 4,
    port: 25,
    weight: opts.weight ?? 100,
    host: opts.host,
  };
}

export function tierOf(members: Member[], minHealthy = 1): Tier {
  return { pools: [...new Set(members.map((m) => m.pool))], members, minHealthy };
}

/** A balanced name with the parser's defaults (round-robin, max 8, TTL 30, degraded 5, all-down `all`). */
export function balancedName(owner: string, tiers: Tier[], extra: Partial<Omit<BalancedName, 'owner' | 'tiers'>> = {}): BalancedName {
  return { owner, tiers, ...DEFAULT_BALANCED, ...extra };
}

export function mxBinding(owner: string, balanced: string, extra: Partial<Pick<MxBinding, 'step' | 'ttl'>> = {}): MxBinding {
  return { owner, balanced, step: 10, ttl: 60, ...extra };
}

/**
 * `zoneFrom(origin, lines)` plus `balancing` for `names` and `mx`, pools collected from the
 * members. Member hosts inside the zone get their A/AAAA as static records (TTL `hostTtl`).
 */
export function balancedZone(origin: string, lines: readonly string[], names: BalancedName[], mx: MxBinding[] = [], hostTtl = 300): Zone {
  const pools = new Map<string, Pool>();
  const hostLines: string[] = [];
  for (const name of names) {
    for (const m of name.tiers.flatMap((t) => t.members)) {
      const pool = pools.get(m.pool) ?? { name: m.pool, members: [], probe: { ...DEFAULT_PROBE_SETTINGS } };
      if (pool.members.some((known) => known.id === m.id)) continue;
      pool.members.push(m);
      pools.set(m.pool, pool);
      if (isInOrBelow(m.host, origin)) hostLines.push(`${m.host}. ${hostTtl} ${m.family === 4 ? 'A' : 'AAAA'} ${m.address}`);
    }
  }
  const zone = zoneFrom(origin, [...lines, ...hostLines]);
  return {
    ...zone,
    balancing: {
      pools,
      names: new Map(names.map((n) => [n.owner, n])),
      mx: new Map(mx.map((b) => [b.owner, b])),
    },
  };
}

export type StateSpec = ObservedState | 'drained' | 'quarantined' | { weight: number };

/** Effective state from a spec: observed state (default up), override and weight override. */
export function stateOf(spec: StateSpec | StateSpec[]): EffectiveState {
  let observed: ObservedState = 'up';
  let override: Override | undefined;
  let weight: number | undefined;
  for (const s of Array.isArray(spec) ? spec : [spec]) {
    if (typeof s === 'object') weight = s.weight;
    else if (s === 'drained' || s === 'quarantined') override = { kind: s, reason: 'maintenance', author: 'alice', at: 0 };
    else observed = s;
  }
  const inputs: Parameters<typeof effectiveState>[0] = { observed };
  if (observed === 'down') inputs.observedReason = 'connect-refused';
  if (override) inputs.override = override;
  if (weight !== undefined) inputs.weight = { weight, reason: 'ramp', author: 'bob', at: 0 };
  return effectiveState(inputs, 1);
}

/**
 * A snapshot of `zones` where the members in `states` have those states. Members not listed are
 * absent from the map, i.e. UNKNOWN_STATE (no verdict yet) — pass `allUp` to list them as `up`.
 */
export function snapshotWith(
  zones: Zone | Zone[],
  states: Record<string, StateSpec | StateSpec[]> = {},
  version = 1,
  allUp: Member[] = [],
): Snapshot {
  const list = Array.isArray(zones) ? zones : [zones];
  const members = new Map<string, EffectiveState>(allUp.map((m) => [m.id, stateOf('up')]));
  for (const [id, spec] of Object.entries(states)) members.set(id, stateOf(spec));
  return { version, zones: { zones: new Map(list.map((z) => [z.origin, z])) }, members };
}
