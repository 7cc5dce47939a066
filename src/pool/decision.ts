/**
 * What a selection decided, as plain data with reason codes and no words: the serving tier, the
 * mode, the chosen members in order, and per member and per tier a machine-readable reason.
 * Selection (`tiers.ts`, `select.ts`, `mx.ts`, `host.ts`) builds it; `describe.ts` renders the
 * sentences of `/explain`, `/status` and `mxlb explain` from it, only when someone asks.
 *
 * Contract: a Decision is immutable once returned; it holds references to the zone's members and
 * the snapshot's states (no copies), so building one on the query path costs a few small objects.
 */
import type { ArmDecision } from './experiment.ts';
import type { AddressFamily, AllDownPolicy, EffectiveState, Member, Policy, ProviderGroup } from './model.ts';
import type { Exclusion, MemberWeight } from './weight.ts';
import type { Name } from '../name.ts';

export type Outcome = 'answer' | 'nodata' | 'servfail';

export type SelectionMode = 'normal' | 'below-minimum' | 'fail-open' | 'none';

export type TierDecision = 'chosen' | 'fallback' | 'below-minimum' | 'empty' | 'not-needed' | 'fail-open';

/**
 * Why a member is where it is:
 * - selected: `serving` (usable), `fail-open` (all down, policy `all`: in despite its exclusion),
 *   `standby-serving` (member host: nothing else usable, its usable standby answers),
 *   `fallback-tier` (MX: a later tier published at a higher preference);
 * - not selected: `tier-not-used`, `beyond-max` (rotation cap), `not-drawn` (weighted cap),
 *   `host-already-published` (MX: one MX per host);
 * - excluded: `down`, `drained`, `quarantined`, `provider-quarantined`, `standby` (the `Exclusion`),
 *   `other-family`.
 */
export type MemberReason =
  | 'serving'
  | 'fail-open'
  | 'standby-serving'
  | 'fallback-tier'
  | 'tier-not-used'
  | 'beyond-max'
  | 'not-drawn'
  | 'host-already-published'
  | 'other-family'
  | Exclusion;

export interface MemberDecision {
  member: Member;
  tier: number;
  state: EffectiveState;
  weight: MemberWeight;
  /** Why it cannot carry traffic now; undefined when it can. */
  exclusion?: Exclusion;
  verdict: 'selected' | 'not-selected' | 'excluded';
  reason: MemberReason;
  /** 0-based position in the answer when selected. */
  position?: number;
  /** MX preference when selected for an MX answer. */
  preference?: number;
  /** MX: the preference its host was already published at (`host-already-published`). */
  publishedAt?: number;
  /**
   * Expected share of first places over the answer ring, in [0, 1]: weight / Σ weights of the
   * serving set under `weighted`, 1 / n under rotation (for MX, its host's share); 0 when not served.
   */
  share: number;
}

export interface TierRecord {
  index: number;
  pools: readonly string[];
  /** Members of the asked family in this tier. */
  members: number;
  /** Of those, eligible (usable with weight > 0). */
  usable: number;
  /** Eligible members of either family: what `minHealthy` is compared with (it counts MTAs). */
  usableAnyFamily: number;
  minHealthy: number;
  decision: TierDecision;
}

/** Which rule produced the answer (see `tiers.ts` and `host.ts` for the rules). */
export type Rule =
  | { code: 'tier-minimum'; tier: number }
  | { code: 'below-minimum'; tier: number }
  | { code: 'no-members' }
  | { code: 'other-family'; tier?: number }
  | { code: 'all-down-policy'; policy: 'nodata' | 'servfail' }
  | { code: 'fail-open'; tier: number }
  | { code: 'fail-open-overridden'; tier: number }
  | { code: 'host-no-family' }
  | { code: 'host-other-family' }
  | { code: 'host-serving'; count: number }
  | { code: 'host-standby' }
  | { code: 'host-fail-open' };

/** Why an answer is degraded (its TTL lowered). */
export type DegradedReason =
  | { code: 'below-minimum' }
  | { code: 'backup-tier'; tier: number }
  | { code: 'member-down'; member: string }
  | { code: 'family-unusable'; family: AddressFamily }
  | { code: 'all-down' }
  | { code: 'host-standby' }
  | { code: 'host-fail-open' };

export interface Decision {
  owner: Name;
  /** What was asked: an address family, or MX (all families). */
  query: 'A' | 'AAAA' | 'MX';
  /** A per-provider name's provider group (`BalancedName.provider`): its members were weighed for it. */
  provider?: ProviderGroup;
  /** `host`: an in-zone member host name (`host.ts`), one pseudo-tier of every member using it. */
  kind?: 'host';
  family?: AddressFamily;
  policy: Policy;
  variant: number;
  max: number;
  allDownPolicy: AllDownPolicy;
  tiers: TierRecord[];
  /** Every member of the name once (both families), in tier then configured order. */
  members: MemberDecision[];
  outcome: Outcome;
  mode: SelectionMode;
  /** Serving (or fail-open) tier; -1 when none. */
  servingTier: number;
  allDown: boolean;
  rule: Rule;
  degraded: DegradedReason[];
  ttl: number;
  /** For a name with client views: which view the client got and why (`views.ts`); absent otherwise. */
  view?: ViewDecision;
  /** For a name with a running A/B experiment: the arm the client got and why (`experiment.ts`); absent otherwise. */
  arm?: ArmDecision;
}

/** The view a client got: `default` (the name's own tiers) when no view network holds it. */
export interface ViewDecision {
  name: string;
  /** The matched network (`10.1.0.0/16`); absent for `default`. */
  network?: string;
  /** Which address was matched: the query's source, or its EDNS Client Subnet (RFC 7871). */
  via: 'source' | 'ecs';
  /** The client as matched (`10.1.2.0/24`, after the RFC 7871 §11.1 truncation). */
  client: string;
  /** The ECS SCOPE PREFIX-LENGTH this answer carries (ECS queries only). */
  scope?: number;
}

/** Lower TTL while degraded (never above the normal TTL). */
export function degradedTtl(name: { ttl: number; degradedTtl: number }, degraded: readonly DegradedReason[]): number {
  return degraded.length > 0 ? Math.min(name.degradedTtl, name.ttl) : name.ttl;
}

/** Rotate `items` so that position 0 is item `variant mod n` (any integer variant, negatives too). */
export function rotate<T>(items: readonly T[], variant: number): T[] {
  const n = items.length;
  if (n === 0) return [];
  const start = ((Math.floor(variant) % n) + n) % n;
  return [...items.slice(start), ...items.slice(0, start)];
}
