/**
 * The reputation model (pure, clock injected): evidence about one member — delivery-outcome
 * counts in a rolling window (overall and per provider group), response rules in force, DNSBL
 * listings — in, a verdict `good | suspect | quarantined` with its reasons and a weight factor out.
 *
 * Contract: `reputationStep(previous, evidence, settings, now)` returns the next state; it never
 * reads a clock or does I/O. Rules:
 * - Findings: every DNSBL listing and every triggered `quarantine` rule asks for quarantine; a rate
 *   (bounce = bounced / delivered-or-failed, deferral = deferred / attempts, complaint =
 *   complaints / sent) at or above its quarantine threshold asks for quarantine, at or above its
 *   suspect threshold for suspect — only with at least `minSample` outcomes in the window; a
 *   triggered `scale F` rule makes the member suspect with weight factor F (several multiply).
 * - Hysteresis: quarantine is entered at once and held at least `holdMs`; when nothing asks for it
 *   any more (after the hold) the member goes to `suspect` and becomes `good` only after
 *   `coolDownMs` without any finding, counted from the release. A suspect member without findings
 *   stays suspect until `coolDownMs` after its last finding.
 * - Per provider group, the same rates give a level per (member, provider): `quarantined` is
 *   entered at once and held at least `holdMs` (then the group's rates decide again; no cool-down).
 *   Per-provider names (`provider:` on a balanced name) leave such a member out of that name only.
 * - Rule actions go where `actionTarget` says (rules.ts): a provider rule whose member serves a
 *   name for that provider (`evidence.providerNames`), or one with `scope: provider`, is a finding
 *   of that provider group's level only (`quarantine` → quarantined, held like a rate quarantine;
 *   `scale F` → suspect with factor F); every other action is the member's. DNSBL listings always
 *   act on the member as a whole.
 * - `pinnedUntil` (an operator's pin) keeps the verdict visible but `applied` false until then.
 */
import { emptyCounts, PROVIDER_GROUPS, type ProviderGroup, type StatusCounts } from '../signals/index.ts';
import { actionTarget, type ActiveAction } from './rules.ts';
import type { RateThreshold, ReputationSettings } from './settings.ts';

export type ReputationLevel = 'good' | 'suspect' | 'quarantined';

export interface DnsblListing {
  list: string;
  codes: readonly string[];
  reason?: string;
}

export interface ReputationEvidence {
  /** Outcome counts in the settings' window, all providers. */
  counts: StatusCounts;
  /** The same per provider group (groups without outcomes may be absent). */
  byProvider: Partial<Record<ProviderGroup, StatusCounts>>;
  /** Rule actions in force (RuleTracker.active). */
  actions: readonly ActiveAction[];
  /** Provider groups the member serves a per-provider name for (absent: none). */
  providerNames?: ReadonlySet<ProviderGroup>;
  /** Lists the member is listed on (confirmed by the DNSBL monitor). */
  dnsbl: readonly DnsblListing[];
  /** An operator pinned the member: the verdict is not applied before this time. */
  pinnedUntil?: number;
}

export type Finding =
  | { code: 'dnsbl'; level: 'quarantined'; list: string; codes: readonly string[]; reason?: string }
  | { code: 'rule'; level: 'quarantined' | 'suspect'; rule: string; matches: number; periodMs: number; factor?: number; until: number }
  | { code: 'rate'; level: 'quarantined' | 'suspect'; metric: 'bounce' | 'deferral' | 'complaint'; rate: number; threshold: number; samples: number; windowMs: number };

export interface RateView {
  samples: number;
  bounce: number;
  deferral: number;
  complaint: number;
}

export interface ReputationState {
  level: ReputationLevel;
  /** When `level` was entered. */
  since: number;
  /** When the current quarantine began (kept through its hold). */
  quarantinedAt?: number;
  /** Last time any finding was present (the cool-down counts from here). */
  lastTroubleAt?: number;
  /** Findings of the latest step; empty while holding or cooling down. */
  findings: readonly Finding[];
  /** While quarantined: the findings that asked for the quarantine (kept through the hold). */
  causes?: Finding[];
  /** Why the level is what it is when no finding asks for it: `hold` or `cool-down`. */
  lingering?: 'hold' | 'cool-down';
  /** Weight factor from `scale` rules in force (1 = none). */
  factor: number;
  rates: Readonly<RateView>;
  providers: Readonly<Partial<Record<ProviderGroup, ProviderReputation>>>;
  /** False while an operator pin is in force. */
  applied: boolean;
  pinnedUntil?: number;
}

/** The verdict for one (member, provider group): its rates only. */
export interface ProviderReputation {
  level: ReputationLevel;
  rates: RateView;
  findings: Finding[];
  /** While quarantined: when it began (the hold counts from here). */
  quarantinedAt?: number;
  /** While quarantined: the findings that asked for it (kept through the hold). */
  causes?: Finding[];
  /** `hold`: quarantined only because its hold has not passed. */
  lingering?: 'hold';
  /** Weight factor of this provider's names from provider-scoped `scale` rules in force (absent: 1). */
  factor?: number;
}

/**
 * What a member without outcomes, findings or provider verdicts shares with every other such member
 * (frozen): at 10,000 members a fresh empty list, rates and provider map each cost ~1.9 MB of the
 * control plane's heap, rebuilt every tick (docs/decisions.md "Scale of members").
 */
const NO_FINDINGS: readonly Finding[] = Object.freeze([]);
const ZERO_RATES: Readonly<RateView> = Object.freeze({ samples: 0, bounce: 0, deferral: 0, complaint: 0 });
const NO_PROVIDER_STATES: ReputationState['providers'] = Object.freeze({});

function ratesOf(c: StatusCounts): Readonly<RateView> {
  const attempts = c.sent + c.deferred + c.bounced + c.expired;
  if (attempts === 0) return ZERO_RATES; // every rate below is 0 then (sent = 0)
  const final = c.sent + c.bounced + c.expired;
  return {
    samples: attempts,
    bounce: final > 0 ? (c.bounced + c.expired) / final : 0,
    deferral: attempts > 0 ? c.deferred / attempts : 0,
    complaint: c.sent > 0 ? c.complaint / c.sent : 0,
  };
}

function rateFindings(rates: RateView, settings: ReputationSettings): Finding[] {
  if (rates.samples < settings.minSample) return [];
  const out: Finding[] = [];
  const check = (metric: 'bounce' | 'deferral' | 'complaint', threshold: RateThreshold): void => {
    const rate = rates[metric];
    const level = rate >= threshold.quarantine ? 'quarantined' : rate >= threshold.suspect ? 'suspect' : undefined;
    if (level) out.push({ code: 'rate', level, metric, rate, threshold: level === 'quarantined' ? threshold.quarantine : threshold.suspect, samples: rates.samples, windowMs: settings.windowMs });
  };
  check('bounce', settings.bounce);
  check('deferral', settings.deferral);
  check('complaint', settings.complaint);
  return out;
}

const worst = (findings: readonly Finding[]): ReputationLevel =>
  findings.some((f) => f.level === 'quarantined') ? 'quarantined' : findings.length > 0 ? 'suspect' : 'good';

export function reputationStep(previous: ReputationState | undefined, evidence: ReputationEvidence, settings: ReputationSettings, now: number): ReputationState {
  const rates = ratesOf(evidence.counts);
  const findings: Finding[] = evidence.dnsbl.map((l) => {
    const f: Finding = { code: 'dnsbl', level: 'quarantined', list: l.list, codes: l.codes };
    if (l.reason !== undefined) f.reason = l.reason;
    return f;
  });
  let factor = 1;
  const served = evidence.providerNames ?? NO_PROVIDERS;
  const byGroup: Partial<Record<ProviderGroup, ActiveAction[]>> = {};
  if (settings.enforce) {
    for (const a of evidence.actions) {
      const target = actionTarget(a, served);
      if (target !== undefined) {
        (byGroup[target] ??= []).push(a);
        continue;
      }
      if (a.action.kind === 'scale') factor *= a.action.factor;
      findings.push(ruleFinding(a));
    }
    findings.push(...rateFindings(rates, settings));
  }
  const wanted = worst(findings);
  const prev: Pick<ReputationState, 'level' | 'since' | 'quarantinedAt' | 'lastTroubleAt' | 'causes'> = previous ?? { level: 'good', since: now };
  let level: ReputationLevel = wanted;
  let lingering: ReputationState['lingering'];
  // Leaving a quarantine starts the cool-down: a released member is suspect for `coolDownMs`.
  let cooldownFrom = prev.lastTroubleAt;
  if (wanted !== 'quarantined' && prev.level === 'quarantined' && now - (prev.quarantinedAt ?? prev.since) < settings.holdMs) {
    level = 'quarantined';
    lingering = 'hold';
  } else if (wanted === 'good' && prev.level === 'quarantined') {
    level = 'suspect';
    lingering = 'cool-down';
    cooldownFrom = now;
  } else if (wanted === 'good' && prev.level !== 'good') {
    const quiet = now - (prev.lastTroubleAt ?? prev.since);
    if (quiet < settings.coolDownMs) {
      level = 'suspect';
      lingering = 'cool-down';
    }
  }
  const providers: Partial<Record<ProviderGroup, ProviderReputation>> = {};
  let anyProvider = false;
  for (const provider of PROVIDER_GROUPS) {
    const entry = providerStep(previous?.providers[provider], evidence.byProvider[provider], byGroup[provider] ?? [], settings, now);
    if (entry) { providers[provider] = entry; anyProvider = true; }
  }
  const next: ReputationState = {
    level,
    since: level === prev.level ? prev.since : now,
    findings: findings.length > 0 ? findings : NO_FINDINGS,
    factor,
    rates,
    providers: anyProvider ? providers : NO_PROVIDER_STATES,
    applied: evidence.pinnedUntil === undefined || evidence.pinnedUntil <= now,
  };
  if (level === 'quarantined') {
    next.quarantinedAt = prev.level === 'quarantined' ? (prev.quarantinedAt ?? prev.since) : now;
    const causes = findings.filter((f) => f.level === 'quarantined');
    next.causes = causes.length > 0 ? causes : (prev.causes ?? []);
  }
  const trouble = findings.length > 0 ? now : cooldownFrom;
  if (trouble !== undefined) next.lastTroubleAt = trouble;
  if (lingering) next.lingering = lingering;
  if (!next.applied) next.pinnedUntil = evidence.pinnedUntil!;
  return next;
}

const NO_PROVIDERS: ReadonlySet<ProviderGroup> = new Set();

function ruleFinding(a: ActiveAction): Finding {
  const finding: Finding = { code: 'rule', level: a.action.kind === 'quarantine' ? 'quarantined' : 'suspect', rule: a.rule, matches: a.matches, periodMs: a.periodMs, until: a.until };
  if (a.action.kind === 'scale') finding.factor = a.action.factor;
  return finding;
}

/**
 * One provider group's level: its rate findings and the rule actions scoped to it, a quarantine
 * held for `holdMs`; undefined: nothing to show. `actions` are only given while enforcing.
 */
function providerStep(before: ProviderReputation | undefined, counts: StatusCounts | undefined, actions: readonly ActiveAction[], settings: ReputationSettings, now: number): ProviderReputation | undefined {
  const held = before?.level === 'quarantined' && now - (before.quarantinedAt ?? now) < settings.holdMs;
  if (!counts && !held && actions.length === 0) return undefined;
  const rates = ratesOf(counts ?? emptyCounts());
  const findings = [...actions.map(ruleFinding), ...(settings.enforce ? rateFindings(rates, settings) : [])];
  const entry: ProviderReputation = { level: worst(findings), rates, findings };
  const factor = findings.reduce((f, x) => (x.code === 'rule' && x.factor !== undefined ? f * x.factor : f), 1);
  if (factor < 1) entry.factor = factor;
  if (entry.level === 'quarantined') {
    entry.quarantinedAt = before?.level === 'quarantined' ? (before.quarantinedAt ?? now) : now;
    entry.causes = findings.filter((f) => f.level === 'quarantined');
  } else if (held) {
    entry.level = 'quarantined';
    entry.quarantinedAt = before.quarantinedAt ?? now;
    entry.causes = before.causes ?? [];
    entry.lingering = 'hold';
  }
  return entry;
}

/** One line per finding, as operators read them in /status, logs and the audit reason. */
export function findingText(f: Finding): string {
  const pct = (x: number): string => `${Math.round(x * 1000) / 10} %`;
  const span = (ms: number): string => (ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${Math.round(ms / 60_000)} min`);
  switch (f.code) {
    case 'dnsbl': return `dnsbl ${f.list} ${f.codes.join(',')}${f.reason ? `: ${f.reason}` : ''}`;
    case 'rule': return f.periodMs > 0
      ? `rule ${f.rule}: ${f.matches} matches in ${span(f.periodMs)}${f.factor !== undefined ? ` (weight × ${f.factor})` : ''}`
      : `rule ${f.rule}: matched${f.factor !== undefined ? ` (weight × ${f.factor})` : ''}`;
    case 'rate': return `${f.metric} rate ${pct(f.rate)} ≥ ${pct(f.threshold)} over ${span(f.windowMs)} (${f.samples} samples)`;
  }
}

/** The reason an automatic quarantine or scale carries: its findings, or why it lingers. */
export function stateReason(state: Pick<ReputationState, 'findings' | 'lingering' | 'causes'>): string {
  if (state.findings.length > 0) return state.findings.map(findingText).join('; ');
  if (state.lingering === 'hold') {
    const causes = (state.causes ?? []).map(findingText).join('; ');
    return causes ? `${causes} (over; holding the quarantine for its minimum time)` : 'holding the quarantine for its minimum time';
  }
  if (state.lingering === 'cool-down') return 'cooling down after trouble';
  return 'no findings';
}
