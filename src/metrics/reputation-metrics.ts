/**
 * The reputation model in /metrics:
 * - `mxlb_reputation_state{member,provider,state}`: 1 for the member's current level (`good`,
 *   `suspect`, `quarantined`) and 0 for the others, per provider group with outcomes and for the
 *   member as a whole (`provider="all"`), so `mxlb_reputation_state{state="quarantined"} == 1`
 *   alerts on automatic quarantines;
 * - `mxlb_reputation_applied{member}`: 1 when the verdict takes effect, 0 while an operator pin,
 *   a min-healthy hold-back or an operator's own override stands in its way.
 *
 * Contract: read from the ReputationKeeper when /metrics is scraped (`source`).
 */
import { Gauge, type Registry } from 'prom-client';

export interface ReputationMetricsSource {
  states(): ReadonlyMap<string, { level: string; applied: boolean; heldBack?: string; overriddenBy?: string; providers: Partial<Record<string, { level: string }>> }>;
}

const LEVELS = ['good', 'suspect', 'quarantined'] as const;

export class ReputationMetrics {
  #source: ReputationMetricsSource | undefined;

  constructor(registry: Registry) {
    const read = () => this.#source;
    new Gauge({
      name: 'mxlb_reputation_state',
      help: 'Reputation verdict per member and provider group ("all" = the member): 1 for the current state (good, suspect, quarantined), 0 for the others.',
      labelNames: ['member', 'provider', 'state'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [member, r] of read()?.states() ?? []) {
          const levels: Array<[string, string]> = [['all', r.level], ...Object.entries(r.providers).flatMap(([p, v]): Array<[string, string]> => (v ? [[p, v.level]] : []))];
          for (const [provider, level] of levels) for (const state of LEVELS) this.set({ member, provider, state }, state === level ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'mxlb_reputation_applied',
      help: 'Whether the member\'s reputation verdict takes effect (0 while pinned, held back below min-healthy, or overridden by an operator).',
      labelNames: ['member'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [member, r] of read()?.states() ?? []) this.set({ member }, r.applied && !r.heldBack && !r.overriddenBy ? 1 : 0);
      },
    });
  }

  /** Where verdicts come from (the ReputationKeeper). */
  source(source: ReputationMetricsSource): void {
    this.#source = source;
  }
}
