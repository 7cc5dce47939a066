/**
 * Per-provider reputation scales (pure): what per-provider names read from a member's verdict.
 *
 * Contract: `providerScales(state)` gives factor 0 for every provider group whose level is
 * `quarantined` (rates of that group at their quarantine threshold, a provider-scoped
 * `quarantine` rule, or its hold), and the product of its provider-scoped `scale` rules for a
 * group that is not (factor F < 1), with the findings as reason (they name the rule); undefined
 * when no group has either. Only names with that `provider:` read it (`composeWeight`'s
 * `provider-reputation` factor), so the member keeps serving every other name. A group that is
 * `suspect` by its rates alone has no factor (rates scale nothing; only rules do).
 */
import type { ProviderGroup, ProviderScales, ReputationScale } from './pool/index.ts';
import { findingText, type ReputationState } from './reputation/index.ts';

export function providerScales(state: Pick<ReputationState, 'providers'>): ProviderScales | undefined {
  const out: Partial<Record<ProviderGroup, ReputationScale>> = {};
  let any = false;
  for (const [group, entry] of Object.entries(state.providers) as [ProviderGroup, NonNullable<ReputationState['providers'][ProviderGroup]>][]) {
    if (entry.level !== 'quarantined') {
      if (entry.factor !== undefined && entry.factor < 1) {
        out[group] = { factor: entry.factor, reason: `${group}: ${entry.findings.filter((f) => f.code === 'rule').map(findingText).join('; ')}` };
        any = true;
      }
      continue;
    }
    const causes = (entry.findings.length > 0 ? entry.findings : (entry.causes ?? [])).map(findingText).join('; ');
    const why = entry.lingering === 'hold' ? `${causes || 'quarantined'} (over; holding for its minimum time)` : causes;
    out[group] = { factor: 0, reason: `${group}: ${why}` };
    any = true;
  }
  return any ? out : undefined;
}
