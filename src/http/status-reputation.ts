/**
 * The `reputation` object of a `/status` member (pure): the reputation model's verdict rendered
 * for operators — level, why in words, rates, per provider, pin and hold-back (docs/http-api.md).
 */
import { findingText, stateReason, type Finding, type ReputationState } from '../reputation/index.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

/** What /status needs of a member's reputation (`ReputationKeeper.states()` entries). */
export interface ReputationView {
  level: string;
  since: number;
  findings: readonly Finding[];
  lingering?: string;
  factor: number;
  rates: { samples: number; bounce: number; deferral: number; complaint: number };
  providers: Partial<Record<string, ProviderView>>;
  applied: boolean;
  pinnedUntil?: number;
  heldBack?: string;
  overriddenBy?: string;
}

/** One provider group's verdict (`ProviderReputation`). */
interface ProviderView {
  level: string;
  rates: { samples: number; bounce: number; deferral: number; complaint: number };
  findings?: readonly Finding[];
  causes?: readonly Finding[];
  lingering?: string;
  factor?: number;
}

export interface ReputationStatus {
  level: string;
  since: string;
  /** One line per finding (`dnsbl …`, `rule …: 5 matches in 1h`, `bounce rate 12 % ≥ 10 % …`), or why it lingers. */
  why: string;
  findings: string[];
  /** Weight factor from scale rules in force (1 = none). */
  factor: number;
  rates: { samples: number; bounce: number; deferral: number; complaint: number };
  /**
   * Per provider group: level, rates, and (when not good) `why` (its findings, rules named) and
   * `factor` (the weight of its per-provider names: 0 quarantined, F from provider-scoped scale rules).
   */
  providers: Record<string, { level: string; samples: number; bounce: number; deferral: number; complaint: number; why?: string; factor?: number }>;
  /** False while an operator pin is in force (`pinnedUntil`). */
  applied: boolean;
  pinnedUntil?: string;
  /** A due quarantine not applied because the tier would fall below min-healthy, and why. */
  heldBack?: string;
  /** An operator's override stands where an automatic one would. */
  overriddenBy?: string;
}

const rate = (x: number): number => Math.round(x * 10_000) / 10_000;

export function reputationStatus(r: ReputationView): ReputationStatus {
  const rates = { samples: r.rates.samples, bounce: rate(r.rates.bounce), deferral: rate(r.rates.deferral), complaint: rate(r.rates.complaint) };
  const providers: ReputationStatus['providers'] = {};
  for (const [name, p] of Object.entries(r.providers)) {
    if (!p) continue;
    const entry: ReputationStatus['providers'][string] = { level: p.level, samples: p.rates.samples, bounce: rate(p.rates.bounce), deferral: rate(p.rates.deferral), complaint: rate(p.rates.complaint) };
    const shown = (p.findings ?? []).length > 0 ? p.findings! : (p.causes ?? []);
    if (p.level !== 'good' && shown.length > 0) entry.why = shown.map(findingText).join('; ') + (p.lingering === 'hold' && (p.findings ?? []).length === 0 ? ' (over; holding for its minimum time)' : '');
    if (p.level === 'quarantined') entry.factor = 0;
    else if (p.factor !== undefined && p.factor < 1) entry.factor = p.factor;
    providers[name] = entry;
  }
  const out: ReputationStatus = { level: r.level, since: iso(r.since), why: stateReason(r as ReputationState), findings: r.findings.map(findingText), factor: r.factor, rates, providers, applied: r.applied };
  if (r.pinnedUntil !== undefined) out.pinnedUntil = iso(r.pinnedUntil);
  if (r.heldBack !== undefined) out.heldBack = r.heldBack;
  if (r.overriddenBy !== undefined) out.overriddenBy = r.overriddenBy;
  return out;
}
