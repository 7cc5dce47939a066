/** What other folders use from state/. */
export { MemoryStateStore, type MemoryStoreOptions } from './memory.ts';
export { persistableHealth, restoredHealth, type AuditEntry, type PersistedHealth, type StateStore, type StateView, type StoreHealth } from './store.ts';
export { openCluster, type Cluster, type ClusterStatus } from './redis-cluster.ts';
export { openRedisConnections, type RedisConnections } from './redis-connection.ts';
