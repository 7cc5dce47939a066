/** What other folders use from metrics/: the per-server registry and its listeners. */
export { MxlbMetrics, type MxlbMetricsOptions } from './registry.ts';
export { configuredMembers, MEMBER_STATES } from './state-metrics.ts';
export type { DeliveryMetrics, DeliveryTotal } from './delivery-metrics.ts';
export { DnsblMetrics, type DnsblMetricsSource } from './dnsbl-metrics.ts';
export { DnsWorkerMetrics } from './dns-workers.ts';
export { ReputationMetrics, type ReputationMetricsSource } from './reputation-metrics.ts';
export { ExperimentMetrics, type ExperimentMetricsRow } from './experiment-metrics.ts';
