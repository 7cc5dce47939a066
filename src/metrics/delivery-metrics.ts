/**
 * `mxlb_delivery_outcomes_total{member,provider,status}`: delivery outcomes reported through
 * POST /api/signals since the server started (status one of sent, deferred, bounced, expired,
 * complaint; provider one of gmail, microsoft, yahoo, apple, other).
 *
 * Contract: the counter reads its values from the outcome store's totals when /metrics is scraped
 * (`collect`), so recording an outcome costs nothing here and the two can never disagree; a member
 * removed from the zones leaves the metric with its series (the store drops it).
 */
import { Counter, type Registry } from 'prom-client';

export interface DeliveryTotal {
  member: string;
  provider: string;
  status: string;
  total: number;
}

export class DeliveryMetrics {
  #source: () => Iterable<DeliveryTotal> = () => [];

  constructor(registry: Registry) {
    const read = () => this.#source();
    new Counter({
      name: 'mxlb_delivery_outcomes_total',
      help: 'Delivery outcomes reported by the MTAs (POST /api/signals), by member, provider group and status.',
      labelNames: ['member', 'provider', 'status'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const t of read()) this.inc({ member: t.member, provider: t.provider, status: t.status }, t.total);
      },
    });
  }

  /** Where the totals come from (the outcome store's `totals`). */
  source(read: () => Iterable<DeliveryTotal>): void {
    this.#source = read;
  }
}
