/**
 * Probe metrics: results by member and reason, per-phase and total latency histograms by pool,
 * observed state transitions by member. Fed by the scheduler's onResult (about one call per member
 * per interval, off the query path), so prom-client is called directly.
 *
 * Why the histograms are per pool (docs/decisions.md "Scale of members"): a histogram series is
 * 15 buckets plus sum and count, and per member it was 5 series (four phases and the duration):
 * 40 MB of heap at 10,000 members, and a scrape of 800,000 lines. Counters stay per member (one or
 * two series each; ./member-counters.ts, written as text), so alerts on a member's failures and
 * transitions keep working; a member's own latency is in its probe history (`/status`, the dashboard).
 */
import { Histogram, type LabelValues, type Registry } from 'prom-client';
import type { MemberId } from '../pool/index.ts';
import type { HealthTransition, MemberHealth, ProbeResult } from '../probe/index.ts';
import { MemberProbeCounters } from './member-counters.ts';

/** Seconds; SMTP banners on a LAN take ~1 ms, across a WAN tens of ms, a struggling MTA seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The pool of a member id (`<pool>/<member>`, src/name.ts). */
export function poolOf(member: MemberId): string {
  const slash = member.indexOf('/');
  return slash < 0 ? member : member.slice(0, slash);
}

export class ProbeMetrics {
  /** mxlb_probe_results_total and mxlb_member_transitions_total, written as text at scrape time. */
  readonly counters = new MemberProbeCounters();
  readonly #phases: Histogram<'pool' | 'phase'>;
  readonly #duration: Histogram<'pool' | 'result'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#phases = new Histogram({
      name: 'mxlb_probe_phase_seconds',
      help: 'Latency of each SMTP probe phase (connect, banner, ehlo, starttls, tls, ehlo-tls, quit) by pool.',
      labelNames: ['pool', 'phase'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#duration = new Histogram({
      name: 'mxlb_probe_duration_seconds',
      help: 'Whole SMTP probe duration by pool and result (pass/fail).',
      labelNames: ['pool', 'result'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    });
  }

  /** The scheduler's ResultListener. */
  readonly record = (member: MemberId, result: ProbeResult, _health: MemberHealth, transition?: HealthTransition): void => {
    const pool = poolOf(member);
    const outcome = result.ok ? 'pass' : 'fail';
    const reason = result.ok ? 'ok' : (result.reason ?? 'failed');
    this.counters.record(member, result.ok, reason, transition?.to);
    for (const { phase, ms } of result.phases) this.#phases.observe({ pool, phase }, ms / 1000);
    this.#duration.observe({ pool, result: outcome }, result.totalMs / 1000);
  };

  /**
   * Removes the series of members (and pools) that left the zones. The label sets come from
   * prom-client itself (a zone reload is rare), so nothing is kept per member for it.
   */
  async retain(members: ReadonlySet<MemberId>): Promise<void> {
    const pools = new Set([...members].map(poolOf));
    this.counters.retain(members);
    await dropWhere(this.#phases, (labels) => !pools.has(String(labels.pool)));
    await dropWhere(this.#duration, (labels) => !pools.has(String(labels.pool)));
  }
}

/** Removes every series of `metric` whose labels `gone` says so (a histogram's bucket, sum and count lines go together). */
async function dropWhere<T extends string>(metric: Histogram<T>, gone: (labels: LabelValues<T>) => boolean): Promise<void> {
  for (const { labels } of (await metric.get()).values) {
    const { le: _le, ...rest } = labels as Record<string, string | number>;
    const set = rest as LabelValues<T>;
    if (gone(set)) metric.remove(set);
  }
}
