/** Builders for pool unit tests: members, names and a state table, with a seeded PRNG. */
import { effectiveState } from '../../../src/pool/effective.ts';
import type { BalancedName, EffectiveState, Member, ObservedState, Override, Tier } from '../../../src/pool/model.ts';
import type { StateLookup } from '../../../src/pool/select.ts';

/** `m('a', 1)` → member a/m1 at 192.0.2.1 host m1.relay.test; `m('a', 1, { v6: true })` → 2001:db8::1. */
export function m(pool: string, n: number, opts: { v6?: boolean; weight?: number; host?: string } = {}): Member {
  const name = opts.v6 ? `m${n}v6` : `m${n}`;
  return {
    id: `${pool}/${name}`,
    pool,
    name,
    address: opts.v6 ? `2001:db8::${n}` : `192.0.2.${n}`,
    family: opts.v6 ? 6 : 4,
    port: 25,
    weight: opts.weight ?? 100,
    host: opts.host ?? `m${n}.relay.test`,
  };
}

export function tier(members: Member[], minHealthy = 1): Tier {
  return { pools: [...new Set(members.map((x) => x.pool))], members, minHealthy };
}

export function balanced(tiers: Tier[], extra: Partial<BalancedName> = {}): BalancedName {
  return { owner: 'smtp.relay.test', tiers, policy: 'round-robin', max: 8, ttl: 30, degradedTtl: 5, allDown: 'all', ...extra };
}

export type StateSpec = ObservedState | 'drained' | 'quarantined' | { weight: number };

/** State lookup from `{ id: spec }`; members not listed are `up`. */
export function states(spec: Record<string, StateSpec | StateSpec[]> = {}): StateLookup {
  const table = new Map<string, EffectiveState>();
  for (const [id, raw] of Object.entries(spec)) {
    let observed: ObservedState = 'up';
    let override: Override | undefined;
    let weight: number | undefined;
    for (const s of Array.isArray(raw) ? raw : [raw]) {
      if (typeof s === 'object') weight = s.weight;
      else if (s === 'drained' || s === 'quarantined') override = { kind: s, reason: 'maintenance', author: 'alice', at: 0 };
      else observed = s;
    }
    const inputs: Parameters<typeof effectiveState>[0] = { observed };
    if (observed === 'down') inputs.observedReason = 'connect-refused';
    if (override) inputs.override = override;
    if (weight !== undefined) inputs.weight = { weight, reason: 'ramp', author: 'bob', at: 0 };
    table.set(id, effectiveState(inputs, 1));
  }
  return (id) => table.get(id) ?? { state: 'up', observed: 'up' };
}

/** mulberry32: small seeded PRNG returning [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ids = (members: Member[]): string[] => members.map((x) => x.id);
