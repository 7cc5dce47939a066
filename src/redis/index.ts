/**
 * redis/'s public entry: the Redis plumbing that `state/` (shared health, overrides, leases, votes)
 * and `zone/published/` (zones pushed to Redis and followed from it) both use. Connections built so
 * nothing waits on a dead Redis, the cluster's key names, and a bounded wait for readiness.
 * No mxlb model here: it sits below zone/ and state/ and imports only root modules (config, log).
 */
export {
  COMMAND_TIMEOUT_MS,
  describeTarget,
  openRedisConnections,
  redisClientOptions,
  type RedisConnections,
} from './connection.ts';
export { redisKeys, type RedisKeys } from './keys.ts';
export { waitForReady } from './ready.ts';
