/**
 * Why selection answered what it answered, in words: the rendering of a `Decision`
 * (`describe.ts`) for `/explain`, status and the CLI. Every member of the balanced name appears
 * once with its state, weight factors, share and verdict; every tier with its decision; and the
 * rule that was applied. Reason codes stay beside the words so tools need not parse sentences.
 */
import type { MemberReason, Outcome, SelectionMode, TierDecision } from './decision.ts';
import type { AddressFamily, AllDownPolicy, EffectiveStateName, MemberId, ObservedState, Override, Policy } from './model.ts';
import type { WeightFactorName, WeightReason } from './weight.ts';
import type { Name } from '../name.ts';

export type { Outcome, TierDecision } from './decision.ts';

export interface WeightFactorTrace {
  name: WeightFactorName;
  kind: 'base' | 'scale';
  value: number;
  reason: WeightReason;
  /** Words a reason code cannot carry (a per-provider warm-up: `gmail cap 300`). */
  detail?: string;
}

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
  /** Weight it carries while usable (every factor but state) and the configured one. */
  weight: number;
  configuredWeight: number;
  /** The composed weight now (state included): 0 when it takes no share. */
  effectiveWeight: number;
  /** Every factor of the composed weight, in order (`weight.ts`). */
  factors: WeightFactorTrace[];
  /** Expected share of first places over the answer ring, in [0, 1]. */
  share: number;
  verdict: 'selected' | 'not-selected' | 'excluded';
  reason: MemberReason;
  why: string;
  /** 0-based position in the answer when selected. */
  position?: number;
  /** MX preference when selected for an MX answer. */
  preference?: number;
}

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
  mode: SelectionMode;
  allDown: boolean;
  allDownPolicy: AllDownPolicy;
  /** The rule's code (`decision.ts` Rule) and, in `applied`, one sentence: which rule produced the answer. */
  rule: string;
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
      lines.push(`      ${factorLine(m)}`);
    }
  }
  return lines;
}

/** "weight 5 = operator 5 (replaces configured 100) × state 1 (usable); share 25 %". */
export function factorLine(m: Pick<MemberTrace, 'effectiveWeight' | 'factors' | 'share'>): string {
  const parts: string[] = [];
  for (const f of m.factors) {
    if (f.kind === 'base') {
      const replaced = parts.length > 0 ? ` (replaces ${parts.join(' × ')})` : '';
      parts.splice(0, parts.length, `${f.name} ${round(f.value)}${replaced}`);
    } else {
      parts.push(`${f.name} ${round(f.value)} (${f.reason}${f.detail !== undefined ? `: ${f.detail}` : ''})`);
    }
  }
  return `weight ${round(m.effectiveWeight)} = ${parts.join(' × ')}; share ${round(m.share * 100)} %`;
}

const round = (value: number): number => Math.round(value * 100) / 100;
