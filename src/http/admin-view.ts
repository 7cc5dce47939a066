/**
 * What the admin API shows of members and overrides (pure): the configured member from the zones,
 * its observed health and the operator state on top, computed at `now` so an override that just
 * expired is no longer shown even before the snapshot timer fired.
 */
import { isLive, type EffectiveStateName, type MemberId, type ObservedState, type Override, type WeightOverride } from '../pool/index.ts';
import { memberStates } from '../snapshot.ts';
import type { StateView } from '../state/index.ts';
import type { Name, ZoneSet } from '../zone/index.ts';
import { reputationStatus, type ReputationStatus, type ReputationView } from './status-reputation.ts';

export interface MemberView {
  id: MemberId;
  pool: string;
  name: string;
  address: string;
  port: number;
  host: Name;
  zone: Name;
  /** Effective state: the override if one is in force, else the probe verdict. */
  state: EffectiveStateName;
  observed: ObservedState;
  /** Latest failure reason while observed down. */
  observedReason?: string;
  /** Epoch ms since which `state` holds (the override's time, else the verdict's); absent before a verdict. */
  since?: number;
  /** Weight selection uses: the override if any, else the configured one. */
  weight: number;
  configuredWeight: number;
  override?: Override;
  weightOverride?: WeightOverride;
  /**
   * The longest TTL with which answers carrying this member were handed out (its balanced names
   * and the MX records derived from them): after a drain, resolvers may keep sending mail to it
   * for this many seconds.
   */
  cacheSeconds: number;
  /** The reputation model's verdict (docs/reputation.md) and the member's DNSBL lists, when known. */
  reputation?: ReputationStatus & { dnsbl?: Array<{ list: string; state: string; codes?: string[]; reason?: string }> };
}

/** Every member of every balanced zone, sorted by id. */
/** Per-member extras the server knows beside the store: reputation verdicts and DNSBL verdicts. */
export interface MemberExtras {
  reputation?: (id: MemberId) => ReputationView | undefined;
  dnsbl?: (id: MemberId) => { lists: ReadonlyArray<{ list: string; state: string; codes?: readonly string[]; reason?: string }> } | undefined;
}

export function memberViews(zones: ZoneSet, view: StateView, now: number, extras: MemberExtras = {}): MemberView[] {
  const states = memberStates(view, now);
  const out: MemberView[] = [];
  for (const zone of zones.zones.values()) {
    const balancing = zone.balancing;
    if (!balancing) continue;
    for (const pool of balancing.pools.values()) {
      for (const member of pool.members) {
        const state = states.get(member.id);
        const health = view.health.get(member.id);
        let cacheSeconds = 0;
        for (const name of balancing.names.values()) {
          if (!name.tiers.some((tier) => tier.pools.includes(pool.name))) continue;
          cacheSeconds = Math.max(cacheSeconds, name.ttl);
          for (const mx of balancing.mx.values()) if (mx.balanced === name.owner) cacheSeconds = Math.max(cacheSeconds, mx.ttl);
        }
        const item: MemberView = {
          id: member.id,
          pool: member.pool,
          name: member.name,
          address: member.address,
          port: member.port,
          host: member.host,
          zone: zone.origin,
          state: state?.state ?? 'unknown',
          observed: state?.observed ?? 'unknown',
          weight: state?.weight?.weight ?? member.weight,
          configuredWeight: member.weight,
          cacheSeconds,
        };
        if (state?.observedReason !== undefined) item.observedReason = state.observedReason;
        const since = state?.override?.at ?? health?.since;
        if (since !== undefined) item.since = since;
        if (state?.override) item.override = state.override;
        if (state?.weight) item.weightOverride = state.weight;
        const rep = extras.reputation?.(member.id);
        const lists = extras.dnsbl?.(member.id)?.lists;
        if (rep) {
          item.reputation = reputationStatus(rep);
          if (lists && lists.length > 0) {
            item.reputation.dnsbl = lists.map((l) => ({ list: l.list, state: l.state, ...(l.codes ? { codes: [...l.codes] } : {}), ...(l.reason !== undefined ? { reason: l.reason } : {}) }));
          }
        }
        out.push(item);
      }
    }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export type OverrideView = Override & { member: MemberId };
export type WeightView = WeightOverride & { member: MemberId };

/** Overrides and weight overrides in force at `now` (expired ones left out), oldest first. */
export function liveOverrides(view: StateView, now: number): { overrides: OverrideView[]; weights: WeightView[] } {
  const overrides = [...view.overrides].filter(([, o]) => isLive(o, now)).map(([member, o]) => ({ member, ...o }));
  const weights = [...view.weights].filter(([, w]) => isLive(w, now)).map(([member, w]) => ({ member, ...w }));
  return { overrides: overrides.sort((a, b) => a.at - b.at), weights: weights.sort((a, b) => a.at - b.at) };
}
