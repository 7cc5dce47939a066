/**
 * The shapes of the `/status` document (./status-model.ts builds it; docs/http-api.md documents
 * it field by field) and of what it is built from.
 */
import type { MemberId, WeightFactor } from '../pool/index.ts';
import type { MemberHealth, ProbeSample, TransitionEvent } from '../probe/index.ts';
import type { DnsblMemberVerdict } from '../reputation/index.ts';
import type { ReputationStatus, ReputationView } from './status-reputation.ts';
import type { WarmUpView } from './status-shaping.ts';
import type { Snapshot } from '../snapshot.ts';
import type { PersistedHealth, StoreHealth } from '../state/index.ts';
import type { MemberShare, SharesReport } from './shares.ts';

export interface StatusInputs {
  now: number;
  version: string;
  startedAt: number;
  snapshot: Snapshot;
  /** The local prober's health per member (may lack members another instance probes). */
  health: ReadonlyMap<MemberId, MemberHealth>;
  /** The store's last-known verdicts (shared between instances with Redis). */
  stored: ReadonlyMap<MemberId, PersistedHealth>;
  history: { samples(member: MemberId, limit?: number): ProbeSample[]; transitions(limit?: number): TransitionEvent[] };
  shares: SharesReport;
  store: { kind: string } & StoreHealth;
  zoneErrors: readonly string[];
  firstRoundDone: boolean;
  /** Probe samples per member in `recent` (default 30). */
  samples?: number;
  /** Transitions in `recentTransitions` (default 50). */
  transitions?: number;
  /** Delivery outcome counts per status of a member over a window (the outcome store); absent: no `delivery` objects. */
  delivery?: (member: MemberId, windowMs: number) => Record<string, number>;
  /** DNSBL verdicts per member (the DNSBL monitor); absent, or no verdict for a member: no `dnsbl` object. */
  dnsbl?: (member: MemberId) => DnsblMemberVerdict | undefined;
  /** The reputation model's verdict per member; absent, or none for a member: no `reputation` object. */
  reputation?: (member: MemberId) => ReputationView | undefined;
  /** A member's warm-up (the shaping keeper); absent, or none for a member: no `warmUp` object. */
  warmUp?: (member: MemberId) => WarmUpView | undefined;
  /** A member's latency EWMA and last load report (the shaping keeper); absent: neither shown. */
  load?: (member: MemberId) => { latencyMs?: number; deliveryDelay?: { seconds: number; samples: number }; load?: { queue?: number; connections?: number; at: number } };
}

export interface StatusDocument {
  server: {
    version: string;
    startedAt: string;
    uptimeSeconds: number;
    now: string;
    snapshotVersion: number;
    firstProbeRoundDone: boolean;
    store: { kind: string; ok: boolean; reason?: string };
    zoneErrors: string[];
  };
  totals: { zones: number; names: number; pools: number; members: number; byState: Record<string, number> };
  sharesWindowSeconds: number;
  answersInWindow: number;
  zones: ZoneStatus[];
  recentTransitions: Array<Omit<TransitionEvent, 'at'> & { at: string }>;
}

export interface ZoneStatus {
  origin: string;
  file: string;
  serial: number;
  balanced: boolean;
  names: NameStatus[];
  mx: Array<{ owner: string; balanced: string; step: number; ttl: number }>;
  pools: PoolStatus[];
}

export interface NameStatus {
  owner: string;
  policy: string;
  max: number;
  ttl: number;
  degradedTtl: number;
  allDown: string;
  /** A per-provider name's provider group (`provider:`), docs/routing.md. */
  provider?: string;
  /** Per family present among the members: what an A / AAAA answer does right now. */
  answers: FamilyStatus[];
  tiers: Array<{ index: number; pools: string[]; members: number; minHealthy: number; healthy: number; used: boolean }>;
}

export interface FamilyStatus {
  type: 'A' | 'AAAA';
  outcome: string;
  /** Serving tier, -1 when none. */
  tier: number;
  mode: string;
  degraded: boolean;
  degradedBecause: string[];
  allDown: boolean;
  /** Members that can appear in answers now (before the `max` cap). */
  candidates: MemberId[];
  /** Each candidate's expected share of first places, in [0, 1] (its composed weight's share, or 1/n by rotation). */
  shares: Record<MemberId, number>;
}

export interface PoolStatus {
  name: string;
  probe: { interval: string; rise: number; fall: number; starttls: string; tlsVerify: boolean; ehloName: string; timeouts: Record<string, number>; minCertDays?: number; bannerPattern?: string };
  members: MemberStatus[];
}

export interface MemberStatus {
  id: MemberId;
  name: string;
  address: string;
  port: number;
  host: string;
  weight: number;
  /** The weight it carries while usable: every factor of `factors` but state. */
  effectiveWeight: number;
  /** The composed weight's factors (`pool/weight.ts`), in order, each with its value and reason code. */
  factors: Array<Pick<WeightFactor, 'name' | 'kind' | 'value' | 'reason' | 'detail'>>;
  observed: string;
  /** Why observed is what it is, e.g. "2 consecutive failures (fall 2): connect-refused". */
  observedReason?: string;
  override?: { kind: string; reason: string; author: string; at: string; expires?: string };
  weightOverride?: { weight: number; reason: string; author: string; at: string; expires?: string };
  effective: string;
  /** When the observed state last changed (ISO), if known. */
  since?: string;
  sinceSeconds?: number;
  /** False when another instance probes the member (cluster lease) or nothing probed it yet here. */
  probedHere: boolean;
  lastProbe?: LastProbe;
  lastFailure?: { at: string; reason: string; detail?: string };
  /** The last probes; `series[].at` is epoch ms (thousands of points: ISO strings cost too much to build). */
  recent: { samples: number; failures: number; avgMs: number | null; maxMs: number | null; series: Array<{ at: number; ok: boolean; ms: number; reason?: string }> };
  share: MemberShare;
  /** Delivery outcomes reported for the member (POST /api/signals): counts per status over the last 15 min and hour. */
  delivery?: { last15m: Record<string, number>; last1h: Record<string, number> };
  /** DNSBL verdict per configured list (pools with `reputation: dnsbl:`); times ISO. */
  dnsbl?: { lists: DnsblListStatus[] };
  /** The reputation model's verdict (docs/reputation.md): level, why, rates, per provider, whether applied. */
  reputation?: ReputationStatus;
  /** Its warm-up (docs/shaping.md): day N of M, today's cap, attempts so far, factor, finish date. */
  warmUp?: WarmUpView;
  /** EWMA of the probes' connect + banner + EHLO time (docs/shaping.md "Latency"), ms. */
  latencyMs?: number;
  /** Median delay of its `sent` outcomes over the pool's delay window (docs/shaping.md "Delivery delay"). */
  deliveryDelay?: { seconds: number; samples: number };
  /** The last load report (POST /api/load), time ISO. */
  load?: { queue?: number; connections?: number; at: string };
}

export interface DnsblListStatus {
  list: string;
  state: string;
  codes?: string[];
  reason?: string;
  since?: string;
  lastCheck?: string;
  /** Consecutive answers toward another verdict so far (`confirm` or `clear` needed). */
  pending?: { toward: string; count: number };
  budgetExhausted?: boolean;
}

export interface LastProbe {
  at: string;
  ok: boolean;
  reason?: string;
  detail?: string;
  totalMs: number;
  /** Per-phase latency in ms, in the order the phases ran. */
  phases: Record<string, number>;
  banner?: string;
  capabilities?: string[];
  tls?: { protocol?: string; cipher?: string; subject?: string; authorized: boolean; authorizationError?: string };
  certExpires?: string;
  certDaysLeft?: number;
}
