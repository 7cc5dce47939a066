/**
 * Pool model: plain, immutable data that the YAML zone parser builds and that selection
 * (`select.ts`), the probe scheduler and the status pages read. No I/O and no behaviour here beyond
 * constants.
 *
 * Vocabulary: a **member** is one MTA address; a **pool** is a named list of members sharing probe
 * settings; a **balanced name** answers A/AAAA from ordered **tiers** of pools (primary, backup, …);
 * an **MX binding** publishes MX records at another owner derived from a balanced name.
 */
import type { MemberId, Name } from '../name.ts';
import type { ObservedState, ProbeSettings } from '../probe/index.ts';
import type { DnsblConfig, ReputationSettings } from '../reputation/index.ts';
import type { PoolShaping, ShapingFactor, WarmUpPlan } from '../shaping/index.ts';
import type { ProviderGroup } from '../signals/index.ts';

/** The recipient provider groups a balanced name can be for (`provider:`, docs/routing.md). */
export type { ProviderGroup } from '../signals/index.ts';

/** The shaping vocabulary pools and effective states carry (docs/shaping.md). */
export type { PoolShaping, ShapingFactor, ShapingFactorName, WarmUpPlan } from '../shaping/index.ts';

export { memberId, type MemberId } from '../name.ts';
/** The probe's vocabulary that pools carry (`Pool.probe`) and effective state reads (`observed`). */
export type { ObservedState, ProbeSettings } from '../probe/index.ts';

export type AddressFamily = 4 | 6;

export interface Member {
  /** `<pool>/<member>`; see `memberId`. */
  id: MemberId;
  pool: string;
  /** The member's name inside its pool (unique there). */
  name: string;
  /** IPv4 or IPv6 literal, as the parser validated it. */
  address: string;
  family: AddressFamily;
  /** SMTP port probed; default 25. */
  port: number;
  /** Relative share under the `weighted` policy (default 100). 0 = standby: used only by fail-open. */
  weight: number;
  /** Host name published as MX exchange (RFC 1035 §3.3.9), canonical. Members may share a host (A + AAAA). */
  host: Name;
  /** The member's `warm-up:` opt-in (schedule resolved by the parser), if any. */
  warmUp?: WarmUpPlan;
}

/**
 * Rotation of healthy members, or weighted random sampling without replacement (Efraimidis–Spirakis);
 * `latency` draws like `weighted` with each member's `latency` factor in its weight (docs/shaping.md).
 */
export type Policy = 'round-robin' | 'weighted' | 'latency';

/**
 * What a balanced name answers when no tier has a usable member:
 * - `all` (default, fail-open): every member of the first tier regardless of health, in rotation —
 *   a probe problem (firewall, probe host) must not take mail delivery down (DESIGN principle 4);
 * - `nodata`: NOERROR with an empty answer (RFC 2308 §2.2), senders queue and retry;
 * - `servfail`: SERVFAIL, so resolvers try other servers and do not cache an empty answer for long.
 */
export type AllDownPolicy = 'all' | 'nodata' | 'servfail';

export interface Tier {
  /** Pool names, in order, as the operator wrote them (for traces and status). */
  pools: string[];
  /**
   * The members of those pools in pool order then member order, resolved by the parser so
   * selection needs no lookups. Order matters: it is the round-robin rotation order.
   */
  members: Member[];
  /** The tier is used only when at least this many of its members are usable (≥ 1). */
  minHealthy: number;
}

export interface BalancedName {
  /** Owner, canonical (lower case, no trailing dot). */
  owner: Name;
  /** Ordered: tiers[0] is primary, tiers[1] the first backup, … */
  tiers: Tier[];
  policy: Policy;
  /** At most this many addresses per answer (≥ 1). */
  max: number;
  ttl: number;
  /** TTL while degraded (a member of the chosen tier down, or a backup tier in use); ≤ ttl. */
  degradedTtl: number;
  allDown: AllDownPolicy;
  /**
   * A per-provider name (`provider: gmail`, docs/routing.md): members whose reputation for that
   * provider group is bad (`EffectiveState.providers`) leave this name only. Absent: a name for
   * every recipient, which per-provider verdicts do not touch.
   */
  provider?: ProviderGroup;
  /**
   * Client views (docs/zone-format.md "Client views"): other tiers, policy or max for clients in
   * the views' networks (`views.ts` matchView). Absent: every client gets this name as it is.
   */
  views?: readonly BalancedView[];
  /**
   * An A/B experiment (docs/routing.md "A/B experiments"): while it runs, clients outside every
   * view get one of its arms by a hash of their subnet (`experiment.ts` armFor). Absent: none.
   */
  experiment?: Experiment;
}

/** One arm of an experiment: a variant of the balanced name (tiers, policy, max, TTL) and its default percent. */
export interface ExperimentArm {
  name: string;
  /** Percent of clients (whole number, all arms sum to 100). */
  percent: number;
  /** The name as this arm answers it (the name itself, without views or experiment, for an arm that changes nothing). */
  balanced: BalancedName;
}

/** An experiment as written in the zone (`names: <owner>: experiment:`), see `experiment.ts`. */
export interface Experiment {
  /** Unique among the served zones; the CLI and HTTP API name it so. */
  name: string;
  arms: readonly ExperimentArm[];
  /** Epoch ms: before it, clients get the name's normal answer (unless an operator started it). */
  start?: number;
  /** Epoch ms: from it on, clients get the name's normal answer (unless an operator started it again). */
  end?: number;
}

/** A CIDR network: its family, address bytes (bits past `length` zero) and prefix length. */
export interface Prefix {
  family: AddressFamily;
  bytes: Uint8Array;
  length: number;
  /** As the operator wrote it, normalised (`10.1.0.0/16`). */
  text: string;
}

/** A view of a balanced name: the networks it matches and the name (tiers, policy, max) they get. */
export interface BalancedView {
  /** The view's name (`dc-west`): a zone `views:` entry or a name-local one. */
  name: string;
  networks: readonly Prefix[];
  balanced: BalancedName;
}

/** Defaults the YAML parser applies to a balanced name. */
export const DEFAULT_BALANCED = Object.freeze({
  policy: 'round-robin' as Policy,
  max: 8,
  ttl: 30,
  degradedTtl: 5,
  minHealthy: 1,
  allDown: 'all' as AllDownPolicy,
});

/**
 * MX records at `owner` derived from the balanced name `balanced` (e.g. `relay.example.com` MX from
 * `smtp.relay.example.com`): one MX per selected member host, preference `step × (tier index + 1)`.
 */
export interface MxBinding {
  owner: Name;
  balanced: Name;
  /** Preference step between tiers (default 10: primary 10, backup 20, …). */
  step: number;
  /** TTL of the MX RRset; selection lowers it while degraded like the balanced name. */
  ttl: number;
}

export interface Pool {
  name: string;
  members: Member[];
  /** Effective probe settings: defaults ← zone settings ← pool overrides (see `mergeProbeSettings`). */
  probe: ProbeSettings;
  /** The pool's `reputation:` settings (zone block ← pool override); absent: none configured. */
  reputation?: PoolReputation;
  /** The pool's shaping keys (`slow-start:`, `latency:`, `agent:`, `load:`); absent: none. */
  shaping?: PoolShaping;
}

/** What a pool's `reputation:` block configures; the reputation model's settings join it here. */
export interface PoolReputation {
  /** DNSBL monitoring of the pool's member addresses (docs/reputation.md "DNSBL monitoring"). */
  dnsbl?: DnsblConfig;
  /** The reputation model's settings written for the pool (zone block ← pool block); the rest are defaults. */
  model?: Partial<ReputationSettings>;
}

/** Everything a YAML zone contributes to balancing. */
export interface PoolSet {
  pools: ReadonlyMap<string, Pool>;
  /** RFC 7871 EDNS Client Subnet honoured for this zone's views (`ecs: true`); default false. */
  ecs?: boolean;
  names: ReadonlyMap<Name, BalancedName>;
  mx: ReadonlyMap<Name, MxBinding>;
}

// ---------------------------------------------------------------------------------------------
// Effective state: what the prober observed, with operator overrides on top (DESIGN "Health").

export type OverrideKind = 'drained' | 'quarantined';

/** Operator decision that wins over the observed state until removed or expired. */
export interface Override {
  kind: OverrideKind;
  reason: string;
  author: string;
  /** Epoch ms when it was set. */
  at: number;
  /** Epoch ms after which it no longer applies; absent = until removed. */
  expiresAt?: number;
}

/** Operator weight for a member (e.g. to ramp a new MTA up), replacing the configured weight. */
export interface WeightOverride {
  weight: number;
  reason: string;
  author: string;
  at: number;
  expiresAt?: number;
}

export type EffectiveStateName = ObservedState | OverrideKind;

/** What selection sees for one member: `state` = override ?? observed; both stay visible. */
export interface EffectiveState {
  state: EffectiveStateName;
  observed: ObservedState;
  /** Why the observed state is what it is (latest failure reason while down), for traces. */
  observedReason?: string;
  override?: Override;
  /** Weight override in force, if any. */
  weight?: WeightOverride;
  /** A weight scale the reputation model applies (a `scale` response rule in force), if any. */
  reputation?: ReputationScale;
  /**
   * Time- and load-dependent scales (slow start, warm-up, latency, load) the shaping keeper
   * evaluated at the snapshot's time, in composition order; absent or empty: none in force.
   */
  shaping?: readonly ShapingFactor[];
  /**
   * Per-provider reputation scales in force (a member quarantined for one provider group: factor
   * 0), read only by names with that `provider:`; absent or empty: none.
   */
  providers?: ProviderScales;
}

/** Per-provider reputation scales of one member: only the groups with a verdict in force. */
export type ProviderScales = Readonly<Partial<Record<ProviderGroup, ReputationScale>>>;

/** The reputation model's weight scale for a member: a factor in [0, 1] and why. */
export interface ReputationScale {
  factor: number;
  reason: string;
}
