/**
 * Effective state of a member (pure): override ?? observed, with expired overrides ignored, and the
 * predicate selection is built on. The clock is a parameter (DESIGN principle 5).
 */
import { isLive } from './live.ts';
import type { EffectiveState, Member, ObservedState, Override, ProviderScales, ReputationScale, ShapingFactor, WeightOverride } from './model.ts';
import { composeWeight } from './weight.ts';

/** Inputs the state store holds for one member. */
export interface MemberStateInputs {
  observed: ObservedState;
  observedReason?: string;
  override?: Override;
  weight?: WeightOverride;
  reputation?: ReputationScale;
  /** Shaping factors evaluated at the snapshot's time (none: absent or empty). */
  shaping?: readonly ShapingFactor[];
  /** Per-provider reputation scales (none: absent or empty). */
  providers?: ProviderScales;
}

/** Combine observed health and overrides at time `now`; expired overrides no longer count. */
export function effectiveState(inputs: MemberStateInputs, now: number): EffectiveState {
  const state: EffectiveState = { state: inputs.observed, observed: inputs.observed };
  if (inputs.observedReason !== undefined) state.observedReason = inputs.observedReason;
  const { override, weight } = inputs;
  if (override && isLive(override, now)) {
    state.override = override;
    state.state = override.kind;
  }
  if (weight && isLive(weight, now)) state.weight = weight;
  if (inputs.reputation) state.reputation = inputs.reputation;
  if (inputs.shaping && inputs.shaping.length > 0) state.shaping = inputs.shaping;
  if (inputs.providers && Object.keys(inputs.providers).length > 0) state.providers = inputs.providers;
  return state;
}

/** The state of a member nobody has probed or touched: usable (cold start never empties answers). */
export const UNKNOWN_STATE: Readonly<EffectiveState> = Object.freeze({ state: 'unknown', observed: 'unknown' });

/** Up or not yet probed, and no override: may carry traffic. */
export function isUsable(state: EffectiveState): boolean {
  return state.state === 'up' || state.state === 'unknown';
}

/** The weight a member carries while usable (`weight.ts` composeWeight without its state factor). */
export function effectiveWeight(member: Member, state: EffectiveState): number {
  return composeWeight(member, state).serving;
}
