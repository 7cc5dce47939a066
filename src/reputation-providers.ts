/**
 * Per-provider reputation scales (pure): what per-provider names read from a member's verdict.
 *
 * Contract: `providerScales(state)` gives factor 0 for every provider group whose level is
 * `quarantined` (rates of that group at their quarantine threshold, or its hold), with the
 * findings as reason; undefined when no group is quarantined. Only names with that `provider:`
 * read it (`composeWeight`'s `provider-reputation` factor), so the member keeps serving every
 * other name. `suspect` per provider has no factor: only rules scale, and rules act on the member.
 */
import type { ProviderGroup, ProviderScales, ReputationScale } from './pool/index.ts';
import { findingText, type ReputationState } from './reputation/index.ts';

export function providerScales(state: Pick<ReputationState, 'providers'>): ProviderScales | undefined {
  const out: Partial<Record<ProviderGroup, ReputationScale>> = {};
  let any = false;
  for (const [group, entry] of Object.entries(state.providers) as [ProviderGroup, NonNullable<ReputationState['providers'][ProviderGroup]>][]) {
    if (entry.level !== 'quarantined') continue;
    const causes = (entry.findings.length > 0 ? entry.findings : (entry.causes ?? [])).map(findingText).join('; ');
    const why = entry.lingering === 'hold' ? `${causes || 'quarantined'} (over; holding for its minimum time)` : causes;
    out[group] = { factor: 0, reason: `${group}: ${why}` };
    any = true;
  }
  return any ? out : undefined;
}
