/**
 * A member's effective weight (pure): the one place that says how much of a name's answers a member
 * can get. Every behaviour that changes a member's share is a factor here, never a special case in
 * selection (DESIGN "Decisions and weights").
 *
 * Contract: `composeWeight(member, state, now)` returns `weight = base × Π scales` with every factor
 * kept, in order, with its value and a machine-readable reason code:
 * - `configured` (base): the weight written in the zone (0 = standby, used only by fail-open);
 * - `operator` (base, replaces `configured` when present): an operator's weight override in force;
 * - `reputation` (scale, 0–1, present only while one is in force): the reputation model's factor
 *   from a `scale` response rule (an automatic quarantine is an override, so it is `state`);
 * - `provider-reputation` (scale, 0–1, only when `provider` is given, i.e. for a per-provider name,
 *   and a verdict for that provider group is in force: `state.providers`): 0 with reason
 *   `provider-quarantined` while the member is quarantined for that provider only;
 * - `state` (scale, 0 or 1): 1 while the member is usable (up, or unknown before its first verdict),
 *   0 while it is down, drained or quarantined.
 * - `slow-start`, `warm-up`, `latency`, `delivery-delay`, `load` (scales, 0–1, present only while in force): the
 *   shaping factors (`state.shaping`, docs/shaping.md), each with its own reason code. They depend
 *   on time, probes and load, so the shaping keeper evaluates them at the snapshot's time
 *   (`Snapshot.at`) and the snapshot carries the values: answers stay a function of the snapshot.
 *   `latency` and `delivery-delay` (the policy's two components) count only under the `latency`
 *   policy (`policy` argument); the others always. On a per-provider name (`provider`), a
 *   `warm-up` factor for that provider group (`ShapingFactor.provider`) replaces the overall one;
 *   per-provider factors of other groups are never read.
 * `serving` is the product without the state factor: the weight the member carries while
 * it is usable (what `/status` calls `effectiveWeight` and weighted draws use). `now` is the
 * snapshot's clock (`Snapshot.at`, DESIGN principle 5): a shaping factor evaluated for a time
 * after `now` would be from the future, so callers pass the snapshot's time, never the wall clock.
 */
import type { EffectiveState, Member, OverrideKind, Policy, ProviderGroup, ShapingFactorName } from './model.ts';
import type { ShapingReason } from '../shaping/index.ts';

export type WeightFactorName = 'configured' | 'operator' | 'reputation' | 'provider-reputation' | ShapingFactorName | 'state';

export type WeightReason =
  | 'configured'
  | 'operator-weight'
  | 'reputation-scale'
  | 'provider-quarantined'
  | 'provider-scale'
  | 'usable'
  | 'down'
  | OverrideKind
  | ShapingReason;

export interface WeightFactor {
  name: WeightFactorName;
  /** `base` sets the starting weight (a later base replaces an earlier one); `scale` multiplies it. */
  kind: 'base' | 'scale';
  value: number;
  reason: WeightReason;
  /** Words a reason code cannot carry (a per-provider warm-up: `gmail cap 300`). */
  detail?: string;
}

export interface MemberWeight {
  /** base × every scale: 0 means the member takes no share now. */
  weight: number;
  /** base × every scale but `state`: the weight it carries while usable. */
  serving: number;
  factors: readonly WeightFactor[];
}

/**
 * Why a member cannot carry traffic: its state (override first, then health), its reputation for
 * the name's provider group (`provider-quarantined`), or weight 0 (standby).
 */
export type Exclusion = 'down' | OverrideKind | 'provider-quarantined' | 'standby';

export function composeWeight(member: Member, state: EffectiveState, _now = 0, policy?: Policy, provider?: ProviderGroup): MemberWeight {
  const factors: WeightFactor[] = [{ name: 'configured', kind: 'base', value: member.weight, reason: 'configured' }];
  if (state.weight) factors.push({ name: 'operator', kind: 'base', value: state.weight.weight, reason: 'operator-weight' });
  const shaping = state.shaping ?? [];
  for (const general of shaping) {
    if (general.provider !== undefined) continue;
    if ((general.name === 'latency' || general.name === 'delivery-delay') && policy !== 'latency') continue;
    // A per-provider name reads that provider's warm-up factor in place of the overall one.
    const f = general.name === 'warm-up' && provider !== undefined ? shaping.find((g) => g.name === 'warm-up' && g.provider === provider) ?? general : general;
    factors.push({ name: f.name, kind: 'scale', value: f.value, reason: f.reason, ...(f.detail !== undefined ? { detail: f.detail } : {}) });
  }
  if (state.reputation) factors.push({ name: 'reputation', kind: 'scale', value: state.reputation.factor, reason: 'reputation-scale' });
  const byProvider = provider === undefined ? undefined : state.providers?.[provider];
  if (byProvider) {
    const reason: WeightReason = byProvider.factor === 0 ? 'provider-quarantined' : 'provider-scale';
    factors.push({ name: 'provider-reputation', kind: 'scale', value: byProvider.factor, reason });
  }
  const usable = state.state === 'up' || state.state === 'unknown';
  const stateReason: WeightReason = usable ? 'usable' : state.override ? state.override.kind : 'down';
  factors.push({ name: 'state', kind: 'scale', value: usable ? 1 : 0, reason: stateReason });
  let base = 0;
  let scale = 1;
  let servingScale = 1;
  for (const factor of factors) {
    if (factor.kind === 'base') base = factor.value;
    else {
      scale *= factor.value;
      if (factor.name !== 'state') servingScale *= factor.value;
    }
  }
  return { weight: base * scale, serving: base * servingScale, factors };
}

/**
 * The one eligibility rule for balanced names and member hosts: a member may carry traffic when its
 * weight is > 0. When it may not, the reason: the state factor's (an override before health), else
 * `provider-quarantined` (its per-provider factor is 0), else `standby` (a base or scale of 0).
 * Undefined = eligible.
 */
export function exclusionOf(weight: MemberWeight): Exclusion | undefined {
  if (weight.weight > 0 && Number.isFinite(weight.weight)) return undefined;
  const state = weight.factors.find((f) => f.name === 'state');
  if (state && state.value === 0) return state.reason as Exclusion;
  if (weight.factors.some((f) => f.name === 'provider-reputation' && f.value === 0)) return 'provider-quarantined';
  return 'standby';
}
