/** state/'s public entry: what other folders use of the state stores (memory, Redis cluster). */
export { MemoryStateStore, StateNotDurable, type MemoryStoreOptions } from './memory.ts';
export { StateFileCorrupt } from './state-file.ts';
export { persistableHealth, restoredHealth, type AuditEntry, type PersistedHealth, type StateStore, type StateView, type StoreHealth } from './store.ts';
export { openCluster, type Cluster, type ClusterStatus } from './redis-cluster.ts';
export { shareOutcomes, type OutcomeShare } from './redis-outcomes.ts';
export { checkExperimentControl, type ExperimentControl } from './state-schema.ts';
