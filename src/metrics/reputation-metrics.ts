/**
 * The reputation model in /metrics:
 * - `mxlb_reputation_state{member,provider,state}`: 1 for the member's current level (`good`,
 *   `suspect`, `quarantined`) and 0 for the others, per provider group with outcomes and for the
 *   member as a whole (`provider="all"`), so `mxlb_reputation_state{state="quarantined"} == 1`
 *   alerts on automatic quarantines;
 * - `mxlb_reputation_applied{member}`: 1 when the verdict takes effect, 0 while an operator pin,
 *   a min-healthy hold-back or an operator's own override stands in its way.
 *
 * Contract: read from the ReputationKeeper when /metrics is scraped (`source`), written as text
 * (./text-gauges.ts).
 */
import { type GaugeText, label, type TextGauge } from './text-gauges.ts';

export interface ReputationMetricsSource {
  states(): ReadonlyMap<string, { level: string; applied: boolean; heldBack?: string; overriddenBy?: string; providers: Partial<Record<string, { level: string }>> }>;
}

const LEVELS = ['good', 'suspect', 'quarantined'] as const;
const STATE_HELP = 'Reputation verdict per member and provider group ("all" = the member): 1 for the current state (good, suspect, quarantined), 0 for the others.';
const APPLIED_HELP = "Whether the member's reputation verdict takes effect (0 while pinned, held back below min-healthy, or overridden by an operator).";

export class ReputationMetrics {
  #source: ReputationMetricsSource | undefined;

  /** Both gauges, written as text at scrape time (./text-gauges.ts says why). */
  constructor(metrics: { addTextGauge(gauge: TextGauge): void }) {
    metrics.addTextGauge((out) => this.#write(out));
  }

  #write(out: GaugeText): void {
    const states = this.#source?.states();
    if (!states || states.size === 0) return;
    out.gauge('mxlb_reputation_state', STATE_HELP);
    for (const [member, r] of states) {
      const memberLabel = label('member', member);
      const levels: Array<[string, string]> = [['all', r.level], ...Object.entries(r.providers).flatMap(([p, v]): Array<[string, string]> => (v ? [[p, v.level]] : []))];
      for (const [provider, level] of levels) {
        const labels = `${memberLabel},${label('provider', provider)}`;
        for (const state of LEVELS) out.sample('mxlb_reputation_state', `${labels},state="${state}"`, state === level ? 1 : 0);
      }
    }
    out.gauge('mxlb_reputation_applied', APPLIED_HELP);
    for (const [member, r] of states) out.sample('mxlb_reputation_applied', label('member', member), r.applied && !r.heldBack && !r.overriddenBy ? 1 : 0);
  }

  /** Where verdicts come from (the ReputationKeeper). */
  source(source: ReputationMetricsSource): void {
    this.#source = source;
  }
}
