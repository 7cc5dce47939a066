/**
 * Probe metrics: results by reason, per-phase and total latency histograms, observed state
 * transitions. Fed by the scheduler's onResult (about one call per member per interval, off the
 * query path), so prom-client is called directly. Label sets stay small: members are the
 * operator's MTAs (tens), reasons are the fixed codes of ProbeResult.reason, phases the seven
 * ProbePhase values.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { MemberId } from '../pool/index.ts';
import type { HealthTransition, MemberHealth, ProbeResult } from '../probe/index.ts';

/** Seconds; SMTP banners on a LAN take ~1 ms, across a WAN tens of ms, a struggling MTA seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class ProbeMetrics {
  readonly #results: Counter<'member' | 'result' | 'reason'>;
  readonly #phases: Histogram<'member' | 'phase'>;
  readonly #duration: Histogram<'member' | 'result'>;
  readonly #transitions: Counter<'member' | 'to'>;
  /** Label sets written per member, so `retain` can remove a departed member's series. */
  readonly #written = new Map<MemberId, { results: Set<string>; phases: Set<string>; durations: Set<string>; transitions: Set<string> }>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.#results = new Counter({
      name: 'mxlb_probe_results_total',
      help: 'SMTP probe results by member, result (pass/fail) and reason (ok, connect-refused, banner-timeout, …).',
      labelNames: ['member', 'result', 'reason'] as const,
      registers,
    });
    this.#phases = new Histogram({
      name: 'mxlb_probe_phase_seconds',
      help: 'Latency of each SMTP probe phase (connect, banner, ehlo, starttls, tls, ehlo-tls, quit) by member.',
      labelNames: ['member', 'phase'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#duration = new Histogram({
      name: 'mxlb_probe_duration_seconds',
      help: 'Whole SMTP probe duration by member and result (pass/fail).',
      labelNames: ['member', 'result'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#transitions = new Counter({
      name: 'mxlb_member_transitions_total',
      help: 'Observed health transitions decided by the rise/fall state machine, by member and new state (up/down).',
      labelNames: ['member', 'to'] as const,
      registers,
    });
  }

  /** The scheduler's ResultListener. */
  readonly record = (member: MemberId, result: ProbeResult, _health: MemberHealth, transition?: HealthTransition): void => {
    const written = this.#seen(member);
    const outcome = result.ok ? 'pass' : 'fail';
    const reason = result.ok ? 'ok' : (result.reason ?? 'failed');
    this.#results.inc({ member, result: outcome, reason });
    written.results.add(`${outcome}\n${reason}`);
    for (const { phase, ms } of result.phases) {
      this.#phases.observe({ member, phase }, ms / 1000);
      written.phases.add(phase);
    }
    this.#duration.observe({ member, result: outcome }, result.totalMs / 1000);
    written.durations.add(outcome);
    if (transition) {
      this.#transitions.inc({ member, to: transition.to });
      written.transitions.add(transition.to);
    }
  };

  /** Removes the series of members that left the zones. */
  retain(members: ReadonlySet<MemberId>): void {
    for (const [member, written] of [...this.#written]) {
      if (members.has(member)) continue;
      for (const key of written.results) {
        const [result = '', reason = ''] = key.split('\n');
        this.#results.remove({ member, result, reason });
      }
      for (const phase of written.phases) this.#phases.remove({ member, phase });
      for (const result of written.durations) this.#duration.remove({ member, result });
      for (const to of written.transitions) this.#transitions.remove({ member, to });
      this.#written.delete(member);
    }
  }

  #seen(member: MemberId) {
    let written = this.#written.get(member);
    if (!written) {
      written = { results: new Set(), phases: new Set(), durations: new Set(), transitions: new Set() };
      this.#written.set(member, written);
    }
    return written;
  }
}
