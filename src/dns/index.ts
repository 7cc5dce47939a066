/** dns/'s public entry: what other folders use of the DNS layer. */
export { DnsServer, type DnsServerOptions, type Endpoint, type BoundEndpoint, type DnsLimitCounters } from './server.ts';
export { DEFAULT_RRL, addCidr, type RrlOptions, type RrlCounters } from './rrl.ts';
export { DEFAULT_TCP, type TcpOptions, type TcpCloseCounts } from './tcp.ts';
export type { DnsMetrics, Transport, Resolver, RingPosition } from './answer.ts';
export type { AnswerCacheOptions } from './cache.ts';
export { Rcode, type Question, type Resolution } from './message.ts';
export { DnsMetricsHub } from './metrics-hooks.ts';
export { DnsWorker, type DnsWorkerOptions } from './worker-host.ts';
export { DnsWorkers, supportsReusePort, workerPlan, type DnsWorkersStatus } from './worker-pool.ts';
export { affinityPlan, allowedCpus, formatCpuList, type AffinityPlan } from './thread-affinity.ts';
export { prepareWorkerSource } from './worker-source.ts';
export { resolve } from './resolve.ts';
export type { RingClient } from './resolve-views.ts';
export { ArmCounts, sketchEstimate, type ArmTotal } from './arm-counts.ts';
export { armKey, experimentsRun, type Assignment } from './resolve-experiment.ts';
export { findNativeUdp, loadNativeAddon, loadNativeUdp, type NativeUdp, type NativeUdpLookup } from './native-udp.ts';
