/**
 * Traffic-shaping settings and factors (pure data): what a pool's `slow-start:`, `latency:`,
 * `agent:` and `load:` keys and a member's `warm-up:` key configure (docs/shaping.md), and the
 * factor the shaping models hand to the weight composition (`pool/weight.ts`).
 */
import type { MemberId } from '../name.ts';
import type { ProviderGroup } from '../signals/index.ts';

/** The shaping factors of the weight composition, in the order they multiply. */
export type ShapingFactorName = 'slow-start' | 'warm-up' | 'latency' | 'delivery-delay' | 'load';

/** Why a shaping factor has its value (docs/shaping.md lists each). */
export type ShapingReason =
  | 'slow-start-ramp'
  | 'warm-up-open-loop'
  | 'warm-up-under-cap'
  | 'warm-up-near-cap'
  | 'warm-up-cap-reached'
  | 'warm-up-signals-stale'
  | 'warm-up-paused-suspect'
  | 'warm-up-paused-operator'
  | 'warm-up-not-started'
  | 'warm-up-provider-under-cap'
  | 'warm-up-provider-near-cap'
  | 'warm-up-provider-cap-reached'
  | 'latency-relative'
  | 'latency-over-limit'
  | 'delivery-delay-relative'
  | 'delivery-delay-over-limit'
  | 'delivery-delay-no-samples'
  | 'agent-weight'
  | 'agent-drain'
  | 'agent-maint'
  | 'agent-down'
  | 'load-between-watermarks'
  | 'load-above-high';

/**
 * One scale a shaping model evaluated at the snapshot's time: a value in [0, 1] (0 = standby, used
 * only by fail-open) and a machine-readable reason code (e.g. `slow-start-ramp`, `warm-up-cap-reached`).
 */
export interface ShapingFactor {
  name: ShapingFactorName;
  value: number;
  reason: ShapingReason;
  /**
   * Set on a per-provider warm-up factor only (docs/routing.md "Per-provider names"): it applies to
   * names with that `provider:` and replaces the member's overall `warm-up` factor there; names
   * for every recipient never read it.
   */
  provider?: ProviderGroup;
  /** Words for /explain that a reason code cannot carry (e.g. `gmail cap 300`); stable for a day. */
  detail?: string;
}

/** Per-member factors, in `ShapingFactorName` order. */
export type ShapingFactors = ReadonlyMap<MemberId, readonly ShapingFactor[]>;

/** Pool `slow-start:` (HAProxy `slowstart`, Envoy `slow_start_config`): a linear ramp after recovery. */
export interface SlowStartSettings {
  windowMs: number;
  /** Share of full weight at the start of the ramp (Envoy `min_weight_percent`), 0 < floor ≤ 1. */
  floor: number;
}

/** Pool `latency:` settings for the `latency` policy. */
export interface LatencySettings {
  /** EWMA smoothing of each probe's SMTP-phase latency, 0 < alpha ≤ 1. */
  alpha: number;
  /** The factor is quantised to this step and only changes when it moved by more than one step. */
  step: number;
  /** Exponent of the relative-latency penalty (factor = ((fastest + bias) / (own + bias))^exponent). */
  exponent: number;
  /** Added to both latencies so differences of a few ms (noise on fast links) barely count; default 20 ms. */
  biasMs: number;
  /** A member whose EWMA is above this is a standby (factor 0, used only when needed); absent: none. */
  limitMs?: number;
  /**
   * Delivery delay (the `delivery-delay` factor, docs/shaping.md): the median `delay` of the
   * member's `sent` outcomes over this window is its second latency component.
   */
  delayWindowMs: number;
  /** A member needs at least this many `sent` delays in the window to be compared (fewer: factor 1). */
  delayMinSamples: number;
  /** Added to both medians, like `biasMs` (default 1 s: 0.2 s against 0.6 s is not "3× slower"). */
  delayBiasMs: number;
  /** A member whose median delay is above this is a standby (factor 0); absent: none. */
  delayLimitMs?: number;
}

/** Pool `agent:` (HAProxy `agent-check`): a TCP port on the MTA that answers one line. */
export interface AgentSettings {
  port: number;
  intervalMs: number;
  timeoutMs: number;
}

/** Pool `load:` watermarks: load ≤ low full weight, falling linearly to 0 at high and above. */
export interface LoadSettings {
  /** Which reported value the watermarks read. */
  metric: 'queue' | 'connections';
  low: number;
  high: number;
  /** A load report older than this is ignored (the member gets its full weight back). */
  staleMs: number;
}

/** Everything a pool configures for shaping; absent keys are off. */
export interface PoolShaping {
  slowStart?: SlowStartSettings;
  latency?: LatencySettings;
  agent?: AgentSettings;
  load?: LoadSettings;
}

/** One day of a warm-up schedule: a daily cap (total and/or per provider group), or a weight percent. */
export interface WarmUpDay {
  /** Messages per day across all providers. */
  cap?: number;
  /** Messages per day per provider group. */
  providers?: Partial<Record<ProviderGroup, number>>;
  /** Share of full weight (0–100) for a percent curve; a cap day's open-loop share is cap / last cap. */
  percent?: number;
}

/** A named warm-up schedule (zone `warm-up-schedules:` or a preset). */
export interface WarmUpSchedule {
  name: string;
  /** IANA time zone whose midnight starts a warm-up day (default UTC). */
  timeZone: string;
  /** Day 1 first; after the last day the warm-up is complete. */
  days: readonly WarmUpDay[];
}

/** A member's `warm-up:` opt-in: which schedule, from which local date (YYYY-MM-DD, day 1). */
export interface WarmUpPlan {
  schedule: WarmUpSchedule;
  start: string;
  /**
   * Messages a day the member carries at full weight: a cap day's open-loop share is cap / this
   * (default: the schedule's last cap, so the share reaches 1 on the last day).
   */
  fullVolume?: number;
}

export const DEFAULT_SLOW_START_FLOOR = 0.1;
export const DEFAULT_LATENCY: LatencySettings = Object.freeze({ alpha: 0.3, step: 0.05, exponent: 2, biasMs: 20, delayWindowMs: 900_000, delayMinSamples: 5, delayBiasMs: 1000 });
export const DEFAULT_AGENT_INTERVAL_MS = 5000;
