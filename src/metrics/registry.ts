/**
 * The /metrics registry of one server: a prom-client Registry of its own (never the global one, so
 * several servers can run in one process, as tests do), holding every mxlb_* metric plus the
 * default process metrics under the same prefix.
 *
 * Contract for the composition root: subscribe `dns` to the DNS metrics hub, `probeResult` to the
 * scheduler's onResult, `zoneReloaded` to the zone loader's onChange; `text()` renders the
 * Prometheus text exposition format (version 0.0.4) for GET /metrics.
 */
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Snapshot } from '../snapshot.ts';
import { buildCommit, packageVersion } from '../version.ts';
import type { ZoneReloadReport, ZoneSet } from '../zone/index.ts';
import { DeliveryMetrics } from './delivery-metrics.ts';
import { DnsCounters } from './dns-counters.ts';
import { ProbeMetrics } from './probe-metrics.ts';
import { configuredMembers, StateMetrics } from './state-metrics.ts';
import { type GaugeText, renderTextGauges, type TextGauge } from './text-gauges.ts';

export interface MxlbMetricsOptions {
  /** The snapshot the DNS path serves; gauges read it at scrape time. */
  snapshot: () => Snapshot;
  /** For mxlb_build_info; defaults to package.json's version. */
  version?: string;
  /** Default process metrics (CPU, memory, event loop lag, GC); default true. */
  processMetrics?: boolean;
}

export class MxlbMetrics {
  readonly registry = new Registry();
  readonly dns = new DnsCounters();
  readonly #probes: ProbeMetrics;
  readonly #state: StateMetrics;
  /** mxlb_delivery_outcomes_total; `delivery.source(() => outcomes.totals())` connects the outcome store. */
  readonly delivery: DeliveryMetrics;
  /** Gauges written as text after the registry's own at scrape time (./text-gauges.ts). */
  readonly #textGauges: TextGauge[] = [];
  /** The probe series clean-up of the latest zone reload (ProbeMetrics.retain reads the label sets from prom-client). */
  #retaining: Promise<void> = Promise.resolve();

  constructor(options: MxlbMetricsOptions) {
    this.dns.register(this.registry);
    this.#probes = new ProbeMetrics(this.registry);
    this.#state = new StateMetrics(this.registry, options.snapshot);
    this.#textGauges.push(...this.#state.textGauges, (out) => this.#probes.counters.write(out));
    this.delivery = new DeliveryMetrics(this.registry);
    const build = new Gauge({
      name: 'mxlb_build_info',
      help: 'Always 1; the labels say which mxlb version and commit and which Node.js version are running.',
      labelNames: ['version', 'commit', 'node'] as const,
      registers: [this.registry],
    });
    build.set({ version: options.version ?? packageVersion(), commit: buildCommit(), node: process.versions.node }, 1);
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'mxlb_' });
  }

  /** Adds a gauge written as exposition text at scrape time, after the registry's metrics. */
  addTextGauge(gauge: TextGauge): void {
    this.#textGauges.push(gauge);
  }

  /** The scheduler's onResult listener. */
  get probeResult() {
    return this.#probes.record;
  }

  /** The zone loader's onChange listener: counts the reload and drops series of departed members. */
  readonly zoneReloaded = (zones: ZoneSet, report: ZoneReloadReport): void => {
    this.#state.zoneReloaded(report);
    if (!report.changed) return;
    const members = new Set(configuredMembers(zones).keys());
    this.#retaining = this.#retaining.then(() => this.#probes.retain(members)).catch(() => undefined);
    this.dns.retain(members);
  };

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Waits for a departed members' clean-up in progress, so a scrape after a reload never shows them. */
  async text(): Promise<string> {
    const { text, gauges } = await this.#render();
    return text + gauges.text();
  }

  /** The same as `text()` in two parts: the registry's text, then the per-member gauges as bytes (GET /metrics). */
  async parts(): Promise<{ text: string; gauges: Buffer[] }> {
    const { text, gauges } = await this.#render();
    return { text, gauges: gauges.buffers() };
  }

  async #render(): Promise<{ text: string; gauges: GaugeText }> {
    await this.#retaining;
    const text = await this.registry.metrics();
    return { text, gauges: renderTextGauges(this.#textGauges) };
  }
}
