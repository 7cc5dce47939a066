/**
 * A/B experiments in /metrics (docs/metrics.md "Experiments"):
 * - `mxlb_experiment_running{experiment}`: 1 while the experiment runs, 0 otherwise;
 * - `mxlb_experiment_split_percent{experiment,arm}`: the split in force (or the zone's while not running);
 * - `mxlb_experiment_answers_total{experiment,arm}`: answers chosen by the arm since start (counter);
 * - `mxlb_experiment_clients{experiment,arm}`: distinct client subnets the arm has answered (estimate);
 * - `mxlb_experiment_outcomes{experiment,arm,status,attribution}`: delivery outcomes of the current
 *   run tied to the arm, by status (`sent`, `deferred`, `bounced`, `throttled`, …) and how they
 *   were tied (`member`, `client`); `mxlb_experiment_unattributed{experiment}`: outcomes of shared
 *   members that could not be tied.
 *
 * Contract: read from the source when /metrics is scraped (`source`); nothing is kept here.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface ExperimentMetricsRow {
  experiment: string;
  running: boolean;
  arms: Array<{ arm: string; percent: number; answers: number; clients: number; outcomes: Record<string, number>; attribution: Record<string, number> }>;
  unattributed: number;
}

export class ExperimentMetrics {
  #source: (() => ExperimentMetricsRow[]) | undefined;

  constructor(registry: Registry) {
    const rows = () => this.#source?.() ?? [];
    new Gauge({
      name: 'mxlb_experiment_running',
      help: 'A/B experiment running (1) or not (0).',
      labelNames: ['experiment'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const r of rows()) this.set({ experiment: r.experiment }, r.running ? 1 : 0);
      },
    });
    new Gauge({
      name: 'mxlb_experiment_split_percent',
      help: 'Percent of client subnets each arm gets (the split in force).',
      labelNames: ['experiment', 'arm'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const r of rows()) for (const a of r.arms) this.set({ experiment: r.experiment, arm: a.arm }, a.percent);
      },
    });
    new Counter({
      name: 'mxlb_experiment_answers_total',
      help: 'DNS answers chosen by each arm since the server started.',
      labelNames: ['experiment', 'arm'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const r of rows()) for (const a of r.arms) this.inc({ experiment: r.experiment, arm: a.arm }, a.answers);
      },
    });
    new Gauge({
      name: 'mxlb_experiment_clients',
      help: 'Distinct client subnets (/24, /56) each arm has answered since the server started (HyperLogLog estimate, about 3 % error).',
      labelNames: ['experiment', 'arm'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const r of rows()) for (const a of r.arms) this.set({ experiment: r.experiment, arm: a.arm }, a.clients);
      },
    });
    new Gauge({
      name: 'mxlb_experiment_outcomes',
      help: 'Delivery outcomes of the current run tied to each arm, by status; attribution says how they were tied (member: the member serves only that arm; client: the SMTP client address hashes to it).',
      labelNames: ['experiment', 'arm', 'status', 'attribution'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const r of rows()) {
          for (const a of r.arms) {
            for (const [status, n] of Object.entries(a.outcomes)) this.set({ experiment: r.experiment, arm: a.arm, status, attribution: 'any' }, n);
            for (const [via, n] of Object.entries(a.attribution)) this.set({ experiment: r.experiment, arm: a.arm, status: 'all', attribution: via }, n);
          }
        }
      },
    });
    new Gauge({
      name: 'mxlb_experiment_unattributed',
      help: 'Outcomes of members shared by several arms that carried no usable client address (not counted for any arm).',
      labelNames: ['experiment'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const r of rows()) this.set({ experiment: r.experiment }, r.unattributed);
      },
    });
  }

  source(source: () => ExperimentMetricsRow[]): void {
    this.#source = source;
  }
}
