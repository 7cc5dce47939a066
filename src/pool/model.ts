/**
 * Pool model: plain, immutable data that the YAML zone parser builds and that selection
 * (`select.ts`), the probe scheduler and the status pages read. No I/O and no behaviour here beyond
 * constants.
 *
 * Vocabulary: a **member** is one MTA address; a **pool** is a named list of members sharing probe
 * settings; a **balanced name** answers A/AAAA from ordered **tiers** of pools (primary, backup, …);
 * an **MX binding** publishes MX records at another owner derived from a balanced name.
 */
import type { Name } from '../zone/model.ts';
import type { ProbeTimeouts, StartTlsMode } from '../probe/types.ts';

/** Stable member identity, `<pool>/<member>`: the key of health, overrides, leases and metrics. */
export type MemberId = string;

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
}

export function memberId(pool: string, member: string): MemberId {
  return `${pool}/${member}`;
}

/**
 * How each probe phase is bounded and how verdicts are reached.
 *
 * Arithmetic with the defaults (interval 1000 ms ±10 %, fall 2, rise 2, recheck 250 ms):
 * - an MTA that refuses connections fails within ~1 ms; the next probe comes at most 1.1 s after it
 *   died, the failure (disagreeing with `up`) triggers a re-check 250 ms later, whose failure is the
 *   second of `fall`: **down in ≤ 1.35 s** (≈ 0.8 s on average) — about one second.
 * - a black-holed MTA (SYN dropped) costs one connect timeout per probe: ≤ 1.1 + 1.0 + 0.25 + 1.0
 *   ≈ **3.4 s**; an MTA that accepts but never greets: ≤ 1.1 + 3.0 + 0.25 + 3.0 ≈ **7.4 s**.
 * - a recovered MTA: first success ≤ 1.1 s after it is back, re-check 250 ms later: **up in ≤ 1.4 s**.
 * - steady state (results agree with the state): one probe per member per 0.9–1.1 s; re-checks only
 *   happen while a verdict is pending, at most `max(rise, fall) - 1` in a row.
 * A single lost probe never flaps a member: it costs one extra probe 250 ms later.
 */
export interface ProbeSettings {
  /** Pause between the end of one probe and the start of the next, while results agree with the state. */
  intervalMs: number;
  /** Pause when the latest result disagrees with the state (failure while up, success while down). */
  recheckMs: number;
  /** Uniform jitter on `intervalMs` as a fraction (0.1 = ±10 %), so probes of many members spread out. */
  jitter: number;
  /** Consecutive successes that bring a `down` member back `up`. */
  rise: number;
  /** Consecutive failures that take an `up` member `down`. */
  fall: number;
  timeouts: ProbeTimeouts;
  /** EHLO argument (RFC 5321 §4.1.1.1). Set it to this host's FQDN where MTAs check HELO names. */
  ehloName: string;
  starttls: StartTlsMode;
  /** With STARTTLS: verify the chain and that the certificate matches the member's host name. */
  tlsVerify: boolean;
  /** The 220 banner text must match, e.g. to catch a wrong service answering on the port. */
  bannerPattern?: RegExp;
  /** With STARTTLS: fail when the certificate expires within this many days. */
  minCertDays?: number;
}

/** The one place probe defaults live; zone-level settings and pool overrides are merged over it. */
export const DEFAULT_PROBE_SETTINGS: Readonly<ProbeSettings> = Object.freeze({
  intervalMs: 1000,
  recheckMs: 250,
  jitter: 0.1,
  rise: 2,
  fall: 2,
  timeouts: Object.freeze({
    // Relays sit on a LAN or a nearby network: a SYN-ACK takes well under 100 ms even under load.
    connectMs: 1000,
    // Busy MTAs may do DNS/ident lookups before greeting. postscreen's pregreet test (greet_wait 6 s)
    // delays the final 220 line: exempt the probe address in postscreen_access_list or raise this.
    bannerMs: 3000,
    ehloMs: 2000,
    // STARTTLS reply plus a full handshake (RSA key exchange on a loaded host).
    tlsMs: 3000,
    // QUIT is a courtesy: the verdict is already known, do not wait long for 221.
    quitMs: 500,
  }),
  // RFC 2606 name: never resolves, so nobody mistakes it for a real host. Set ehloName per zone.
  ehloName: 'mxlb-probe.invalid',
  starttls: 'off',
  tlsVerify: false,
});

/** Rotation of healthy members, or weighted random sampling without replacement (Efraimidis–Spirakis). */
export type Policy = 'round-robin' | 'weighted';

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
}

/** Everything a YAML zone contributes to balancing. */
export interface PoolSet {
  pools: ReadonlyMap<string, Pool>;
  names: ReadonlyMap<Name, BalancedName>;
  mx: ReadonlyMap<Name, MxBinding>;
}

// ---------------------------------------------------------------------------------------------
// Effective state: what the prober observed, with operator overrides on top (DESIGN "Health").

/** Probe verdict. `unknown` = no verdict yet; it counts as usable so a cold start never empties an answer. */
export type ObservedState = 'unknown' | 'up' | 'down';

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
}
