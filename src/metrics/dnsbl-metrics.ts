/**
 * DNSBL monitoring in /metrics:
 * - `mxlb_dnsbl_listed{member,list}`: 1 listed, 0 clear, -1 error or unusable (the list refused to
 *   answer, or failed its RFC 5782 §5 test points); no series while the verdict is unknown;
 * - `mxlb_dnsbl_lookups_total{list,result}`: member lookups since start by interpreted result
 *   (listed, not-listed, error, unknown) and lookups skipped for a spent daily budget
 *   (budget-exhausted). Test-point queries are not counted here.
 *
 * Contract: both read the monitor when /metrics is scraped (`source`), so a lookup costs nothing
 * here and the two never disagree; a member removed from the zones leaves with its series.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface DnsblMetricsSource {
  verdicts(): ReadonlyMap<string, { lists: ReadonlyArray<{ list: string; state: string }> }>;
  lookupCounts(): Iterable<{ list: string; result: string; total: number }>;
}

const VALUE: Record<string, number> = { listed: 1, clear: 0, error: -1, unusable: -1 };

export class DnsblMetrics {
  #source: DnsblMetricsSource | undefined;

  constructor(registry: Registry) {
    const read = () => this.#source;
    new Gauge({
      name: 'mxlb_dnsbl_listed',
      help: 'DNSBL verdict per member and list: 1 listed, 0 clear, -1 list error or unusable list (absent while unknown).',
      labelNames: ['member', 'list'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [member, verdict] of read()?.verdicts() ?? []) {
          for (const v of verdict.lists) {
            const value = VALUE[v.state];
            if (value !== undefined) this.set({ member, list: v.list }, value);
          }
        }
      },
    });
    new Counter({
      name: 'mxlb_dnsbl_lookups_total',
      help: 'DNSBL member lookups by list and result (listed, not-listed, error, unknown; budget-exhausted = skipped).',
      labelNames: ['list', 'result'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const c of read()?.lookupCounts() ?? []) this.inc({ list: c.list, result: c.result }, c.total);
      },
    });
  }

  /** Where verdicts and counts come from (the DNSBL monitor). */
  source(source: DnsblMetricsSource): void {
    this.#source = source;
  }
}
