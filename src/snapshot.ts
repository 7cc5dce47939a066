import { effectiveState, type MemberStateInputs } from './pool/effective.ts';
import type { StateView } from './state/store.ts';
import type { EffectiveState, MemberId } from './pool/model.ts';
import type { ZoneSet } from './zone/model.ts';

/**
 * Everything a DNS answer depends on, as one immutable value. Background tasks (zone loader,
 * probes, the state store) build a new Snapshot and swap it in; the query path only reads the
 * current one and never waits (DESIGN principle 2). `version` grows on every swap, and the answer
 * cache drops everything built from an older version.
 */
export interface Snapshot {
  version: number;
  zones: ZoneSet;
  /**
   * Effective state (observed health with operator overrides on top) of every member with a
   * verdict or an override. A member absent here has no verdict yet: `UNKNOWN_STATE`, usable.
   */
  members: ReadonlyMap<MemberId, EffectiveState>;
}

/**
 * Effective states from the store's view (pure): observed verdicts with live overrides and weights
 * on top. Expired overrides are dropped here, so a rebuild at the expiry time releases them.
 */
export function memberStates(view: StateView, now: number): Map<MemberId, EffectiveState> {
  const ids = new Set<MemberId>([...view.health.keys(), ...view.overrides.keys(), ...view.weights.keys()]);
  const states = new Map<MemberId, EffectiveState>();
  for (const id of ids) {
    const health = view.health.get(id);
    const inputs: MemberStateInputs = { observed: health?.state ?? 'unknown' };
    if (health?.state === 'down' && health.lastFailure) inputs.observedReason = health.lastFailure.reason;
    const override = view.overrides.get(id);
    if (override) inputs.override = override;
    const weight = view.weights.get(id);
    if (weight) inputs.weight = weight;
    states.set(id, effectiveState(inputs, now));
  }
  return states;
}

/** The soonest expiry among overrides and weights still in force, to rebuild the snapshot then. */
export function nextExpiry(view: StateView, now: number): number | undefined {
  let soonest: number | undefined;
  for (const entry of [...view.overrides.values(), ...view.weights.values()]) {
    if (entry.expiresAt !== undefined && entry.expiresAt > now && (soonest === undefined || entry.expiresAt < soonest)) soonest = entry.expiresAt;
  }
  return soonest;
}
