/**
 * Effective state of a member (pure): override ?? observed, with expired overrides ignored, and the
 * two predicates selection is built on. The clock is a parameter (DESIGN principle 5).
 */
import type {
  EffectiveState,
  Member,
  ObservedState,
  Override,
  WeightOverride,
} from './model.ts';

/** Inputs the state store holds for one member. */
export interface MemberStateInputs {
  observed: ObservedState;
  observedReason?: string;
  override?: Override;
  weight?: WeightOverride;
}

function live<T extends { expiresAt?: number }>(value: T | undefined, now: number): T | undefined {
  if (value === undefined) return undefined;
  return value.expiresAt !== undefined && value.expiresAt <= now ? undefined : value;
}

/** Combine observed health and overrides at time `now`; expired overrides no longer count. */
export function effectiveState(inputs: MemberStateInputs, now: number): EffectiveState {
  const override = live(inputs.override, now);
  const weight = live(inputs.weight, now);
  const state: EffectiveState = { state: override?.kind ?? inputs.observed, observed: inputs.observed };
  if (inputs.observedReason !== undefined) state.observedReason = inputs.observedReason;
  if (override) state.override = override;
  if (weight) state.weight = weight;
  return state;
}

/** The state of a member nobody has probed or touched: usable (cold start never empties answers). */
export const UNKNOWN_STATE: Readonly<EffectiveState> = Object.freeze({ state: 'unknown', observed: 'unknown' });

/** Up or not yet probed, and no override: may carry traffic. */
export function isUsable(state: EffectiveState): boolean {
  return state.state === 'up' || state.state === 'unknown';
}

/** Configured weight unless an operator weight override is in force. */
export function effectiveWeight(member: Member, state: EffectiveState): number {
  return state.weight?.weight ?? member.weight;
}
