import {
  effectiveState,
  isLive,
  type EffectiveState,
  type ExperimentRun,
  type MemberId,
  type MemberStateInputs,
  type Override,
  type ProviderGroup,
  type ProviderScales,
  type ReputationScale,
  type ShapingFactor,
  type WeightOverride,
} from './pool/index.ts';
import type { StateView } from './state/index.ts';
import type { ZoneSet } from './zone/index.ts';

/**
 * Everything a DNS answer depends on, as one immutable value. Background tasks (zone loader,
 * probes, the state store) build a new Snapshot and swap it in; the query path only reads the
 * current one and never waits (DESIGN principle 2).
 *
 * Contract: `version` grows exactly when the zones or a member's effective state changed (the
 * SnapshotKeeper compares with `sameMemberStates` and `ZoneSet` identity); an event that changes
 * neither keeps the snapshot object and its version. The answer cache drops everything built
 * from an older version, and the version seeds rotation phases and weighted rings, so answers
 * are a function of (zones, members, version) only.
 */
export interface Snapshot {
  version: number;
  zones: ZoneSet;
  /**
   * Effective state (observed health with operator overrides on top) of every member with a
   * verdict or an override. A member absent here has no verdict yet: `UNKNOWN_STATE`, usable.
   */
  members: ReadonlyMap<MemberId, EffectiveState>;
  /**
   * The snapshot's time (epoch ms): when its member states, shaping factors included, were
   * evaluated. Time-dependent weight factors are read as of this time (`composeWeight`'s `now`).
   * Absent in snapshots built by hand (tests, benches) and in the DNS worker's copy, which needs
   * no clock: the factors' values travel in `members`.
   */
  at?: number;
  /**
   * Running A/B experiments by name, with the split in force (docs/routing.md "A/B experiments"):
   * the experiment keeper's verdict from the zone's start/end and the operators' start/stop.
   * Absent or without an experiment's name: that experiment does not run (its name answers as usual).
   */
  experiments?: ReadonlyMap<string, ExperimentRun>;
}

/**
 * Effective states from the store's view (pure): observed verdicts with live overrides and weights
 * on top, and the reputation model's weight scales (overall and per provider group). Expired overrides are dropped here, so a
 * rebuild at the expiry time releases them.
 */
export function memberStates(
  view: StateView,
  now: number,
  reputation: ReadonlyMap<MemberId, ReputationScale> = new Map(),
  shaping: ReadonlyMap<MemberId, readonly ShapingFactor[]> = new Map(),
  providers: ReadonlyMap<MemberId, ProviderScales> = new Map(),
): Map<MemberId, EffectiveState> {
  const ids = new Set<MemberId>([...view.health.keys(), ...view.overrides.keys(), ...view.weights.keys(), ...reputation.keys(), ...shaping.keys(), ...providers.keys()]);
  const states = new Map<MemberId, EffectiveState>();
  for (const id of ids) {
    const health = view.health.get(id);
    const inputs: MemberStateInputs = { observed: health?.state ?? 'unknown' };
    if (health?.state === 'down' && health.lastFailure) inputs.observedReason = health.lastFailure.reason;
    const override = view.overrides.get(id);
    if (override) inputs.override = override;
    const weight = view.weights.get(id);
    if (weight) inputs.weight = weight;
    const scale = reputation.get(id);
    if (scale) inputs.reputation = scale;
    const factors = shaping.get(id);
    if (factors && factors.length > 0) inputs.shaping = factors;
    const byProvider = providers.get(id);
    if (byProvider) inputs.providers = byProvider;
    states.set(id, effectiveState(inputs, now));
  }
  return states;
}

/**
 * Whether two member-state maps give the same answers (pure): the same members, each with the
 * same state, observed state and reason, override (kind, author, reason, at, expiresAt), weight
 * override (weight, author, reason, at, expiresAt), reputation scale, shaping factors (name,
 * value, reason, in order) and per-provider reputation scales (group, factor, reason). Everything an answer, `/explain` or `/status`
 * reads from a snapshot member is compared; probe timestamps and counters are not in it.
 */
export function sameMemberStates(a: ReadonlyMap<MemberId, EffectiveState>, b: ReadonlyMap<MemberId, EffectiveState>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [id, x] of a) {
    const y = b.get(id);
    if (y === undefined || !sameState(x, y)) return false;
  }
  return true;
}

/**
 * Puts `previous`'s object in `next` for every member whose state is the same (`sameMemberStates`'
 * rule), in place; returns whether any member differs (or joined or left). Why: a rebuild makes a
 * new EffectiveState for each of 10,000 members; keeping the old object for the unchanged ones lets
 * the new ones die young instead of filling the old generation, and lets the answering workers'
 * hand-over (dns/worker-host.ts) send only the members whose object changed.
 */
export function reuseUnchanged(next: Map<MemberId, EffectiveState>, previous: ReadonlyMap<MemberId, EffectiveState>): boolean {
  let changed = next.size !== previous.size;
  for (const [id, state] of next) {
    const before = previous.get(id);
    if (before !== undefined && (before === state || sameState(before, state))) next.set(id, before);
    else changed = true;
  }
  return changed;
}

const OVERRIDE_FIELDS = fields<Override>({ kind: true, author: true, reason: true, at: true, expiresAt: true });
const WEIGHT_FIELDS = fields<WeightOverride>({ weight: true, author: true, reason: true, at: true, expiresAt: true });
const REPUTATION_FIELDS = fields<ReputationScale>({ factor: true, reason: true });

/**
 * How each field of an EffectiveState is compared. The key lists are checked against the model
 * types: a field added there fails the typecheck here until it is compared (a field left out would
 * keep serving cached answers that no longer hold).
 */
const STATE_FIELDS: { [K in keyof Required<EffectiveState>]: (a: EffectiveState[K], b: EffectiveState[K]) => boolean } = {
  state: (a, b) => a === b,
  observed: (a, b) => a === b,
  observedReason: (a, b) => a === b,
  override: (a, b) => sameFields(a, b, OVERRIDE_FIELDS),
  weight: (a, b) => sameFields(a, b, WEIGHT_FIELDS),
  reputation: (a, b) => sameFields(a, b, REPUTATION_FIELDS),
  shaping: (a, b) => sameShaping(a, b),
  providers: (a, b) => sameProviders(a, b),
};

function sameProviders(a: ProviderScales | undefined, b: ProviderScales | undefined): boolean {
  if (a === b) return true;
  const x = a ?? {};
  const y = b ?? {};
  const keys = Object.keys(x) as ProviderGroup[];
  return keys.length === Object.keys(y).length && keys.every((k) => sameFields(x[k], y[k], REPUTATION_FIELDS));
}

const SHAPING_FIELDS = fields<ShapingFactor>({ name: true, value: true, reason: true, provider: true, detail: true });

function sameShaping(a: readonly ShapingFactor[] | undefined, b: readonly ShapingFactor[] | undefined): boolean {
  if (a === b) return true;
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((f, i) => sameFields(f, y[i], SHAPING_FIELDS));
}
const STATE_KEYS = Object.keys(STATE_FIELDS) as (keyof EffectiveState)[];

function sameState(a: EffectiveState, b: EffectiveState): boolean {
  return STATE_KEYS.every((key) => (STATE_FIELDS[key] as (x: unknown, y: unknown) => boolean)(a[key], b[key]));
}

function fields<T>(keys: Record<keyof T, true>): readonly (keyof T)[] {
  return Object.keys(keys) as (keyof T)[];
}

function sameFields<T extends object>(a: T | undefined, b: T | undefined, keys: readonly (keyof T)[]): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return keys.every((key) => a[key] === b[key]);
}

/** The soonest expiry among overrides and weights still in force, to rebuild the snapshot then. */
export function nextExpiry(view: StateView, now: number): number | undefined {
  let soonest: number | undefined;
  for (const entry of [...view.overrides.values(), ...view.weights.values()]) {
    if (entry.expiresAt !== undefined && isLive(entry, now) && (soonest === undefined || entry.expiresAt < soonest)) soonest = entry.expiresAt;
  }
  return soonest;
}
