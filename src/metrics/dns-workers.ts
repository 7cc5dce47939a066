/**
 * The answering workers of `serve --workers N` (src/dns/worker-pool.ts) in /metrics, read at
 * scrape time: how many are running against how many were started and asked for (fewer started
 * than asked: Node 20, no SO_REUSEPORT), and how often workers died and were restarted — what an
 * alert on a crashing worker needs (the queries themselves are in mxlb_dns_queries_total, summed).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DnsWorkersStatus } from '../dns/index.ts';

export class DnsWorkerMetrics {
  #source: (() => DnsWorkersStatus) | undefined;

  constructor(registry: Registry) {
    const read = () => this.#source?.();
    new Gauge({
      name: 'mxlb_dns_workers',
      help: 'DNS answering workers: requested (--workers), started (1 on Node 20), alive (running now; fewer while one restarts).',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        this.reset();
        const status = read();
        if (!status) return;
        this.set({ state: 'requested' }, status.requested);
        this.set({ state: 'started' }, status.started);
        this.set({ state: 'alive' }, status.alive);
      },
    });
    new Counter({
      name: 'mxlb_dns_worker_restarts_total',
      help: 'DNS answering workers that died (uncaught error, out of memory) and were restarted with the last snapshot.',
      registers: [registry],
      collect() {
        this.reset();
        const restarts = read()?.workers.reduce((n, w) => n + w.restarts, 0) ?? 0;
        if (restarts > 0) this.inc(restarts);
      },
    });
  }

  /** Where the status comes from (DnsWorkers.status). */
  source(source: () => DnsWorkersStatus): void {
    this.#source = source;
  }
}
