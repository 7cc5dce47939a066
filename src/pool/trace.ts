/**
 * Why selection answered what it answered: plain data for `/explain`, status and tests. Every
 * member of the balanced name appears once with its state, weight and verdict; every tier with its
 * decision; and the policy that was applied.
 */
import type { AddressFamily, AllDownPolicy, EffectiveStateName, MemberId, ObservedState, Override, Policy } from './model.ts';
import type { Name } from '../zone/model.ts';

export interface MemberTrace {
  id: MemberId;
  address: string;
  family: AddressFamily;
  host: Name;
  tier: number;
  state: EffectiveStateName;
  observed: ObservedState;
  observedReason?: string;
  override?: Override;
  /** Weight used (operator override if any) and the configured one. */
  weight: number;
  configuredWeight: number;
  verdict: 'selected' | 'not-selected' | 'excluded';
  why: string;
  /** 0-based position in the answer when selected. */
  position?: number;
  /** MX preference when selected for an MX answer. */
  preference?: number;
}

export type TierDecision = 'chosen' | 'fallback' | 'below-minimum' | 'empty' | 'not-needed' | 'fail-open';

export interface TierTrace {
  index: number;
  pools: string[];
  /** Members of the asked family in this tier. */
  members: number;
  /** Of those, usable (up or unknown, no override) with weight > 0. */
  usable: number;
  /**
   * Usable members of either family (equal to `usable` for MX): what `minHealthy` is compared with,
   * since min-healthy counts MTAs, not address families.
   */
  usableAnyFamily: number;
  minHealthy: number;
  decision: TierDecision;
  why: string;
}

export type Outcome = 'answer' | 'nodata' | 'servfail';

export interface SelectionTrace {
  owner: Name;
  /** What was asked: an address family, or MX (all families). */
  query: 'A' | 'AAAA' | 'MX';
  /**
   * `host`: the answer at an in-zone member host name (`host.ts`), not a balanced name: one
   * pseudo-tier holds every member using the host. Absent for balanced names and MX.
   */
  kind?: 'host';
  policy: Policy;
  variant: number;
  max: number;
  tiers: TierTrace[];
  members: MemberTrace[];
  outcome: Outcome;
  allDown: boolean;
  allDownPolicy: AllDownPolicy;
  /** One sentence: which rule produced the answer. */
  applied: string;
  degraded: boolean;
  degradedBecause: string[];
  ttl: number;
}

/** Human-readable lines, one per tier and member, for `/explain` and `mxlb explain`. */
export function formatTrace(trace: SelectionTrace): string[] {
  const lines = [
    `${trace.owner} ${trace.query}: ${trace.outcome}, ttl ${trace.ttl}` +
      (trace.degraded ? ` (degraded: ${trace.degradedBecause.join('; ')})` : ''),
    trace.kind === 'host'
      ? `  member host: answers follow its members' health, variant ${trace.variant}`
      : `  policy ${trace.policy}, max ${trace.max}, variant ${trace.variant}, all-down ${trace.allDownPolicy}`,
    `  ${trace.applied}`,
  ];
  for (const tier of trace.tiers) {
    lines.push(
      `  tier ${tier.index} [${tier.pools.join(', ')}]: ${tier.usable}/${tier.members} usable, ` +
        `min ${tier.minHealthy}: ${tier.decision} — ${tier.why}`,
    );
    for (const m of trace.members.filter((member) => member.tier === tier.index)) {
      const at = m.position === undefined ? '' : ` #${m.position + 1}`;
      const pref = m.preference === undefined ? '' : ` MX ${m.preference}`;
      const weight = m.weight === m.configuredWeight ? `${m.weight}` : `${m.weight} (configured ${m.configuredWeight})`;
      lines.push(`    ${m.id} ${m.address} ${m.state} w=${weight}: ${m.verdict}${at}${pref} — ${m.why}`);
    }
  }
  return lines;
}
