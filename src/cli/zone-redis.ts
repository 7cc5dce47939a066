import { Redis } from 'ioredis';
import type { Argv } from 'yargs';
import { clientDefaults } from '../config.ts';
import { MxlbError } from '../errors.ts';
import type { CommandOutput } from './zone-output.ts';
import { zoneKeys, type ZoneKeys } from '../zone/index.ts';

/**
 * The Redis side of `zone push|pull|diff`: `--redis URL` (env MXLB_REDIS) and `--redis-prefix`
 * (env MXLB_REDIS_PREFIX, default `mxlb:`, as `serve`). One short-lived connection that never
 * waits on a dead Redis (no offline queue, no retries, command timeout); unreachable → exit 3.
 */
export interface RedisArgs {
  redis?: string;
  'redis-prefix'?: string;
}

export function withRedisOptions<T>(y: Argv<T>) {
  return y
    .option('redis', { type: 'string', describe: 'Redis URL redis://[user:password@]host:port[/db] or rediss://… (env MXLB_REDIS)' })
    .option('redis-prefix', { type: 'string', describe: 'Prefix of mxlb keys in Redis, as given to serve (env MXLB_REDIS_PREFIX)', defaultDescription: 'mxlb:' });
}

export const CONNECT_TIMEOUT_MS = 3000;
export const COMMAND_TIMEOUT_MS = 5000;

/** Connects, runs `fn`, disconnects. Exit 3 when Redis cannot be reached or stops answering. */
export async function withRedis(args: RedisArgs, fn: (redis: Redis, keys: ZoneKeys) => Promise<CommandOutput>): Promise<CommandOutput> {
  const defaults = clientDefaults();
  const url = args.redis ?? defaults.redis;
  if (!url) throw new MxlbError('usage', 'give --redis URL (or set MXLB_REDIS)');
  if (!/^rediss?:\/\/\S+$/.test(url)) throw new MxlbError('usage', `--redis expects redis://[user:password@]host:port[/db] or rediss://…, not "${url.replace(/\/\/[^@/]*@/, '//…@')}"`);
  const prefix = args['redis-prefix'] ?? defaults.redisPrefix;
  const shown = url.replace(/\/\/[^@/]*@/, '//');
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: () => null,
    connectionName: 'mxlb-zone-cli',
  });
  // ioredis rejects connect() with a bare "Connection is closed": keep the socket's own error.
  let socketError: unknown;
  redis.on('error', (error) => (socketError = error));
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    return unreachable(shown, socketError ?? error);
  }
  try {
    return await fn(redis, zoneKeys(prefix));
  } catch (error) {
    if (error instanceof MxlbError) throw error;
    // A reply error (wrong type, auth, script) is Redis refusing, not Redis missing.
    if ((error as Error)?.name === 'ReplyError') return { exitCode: 1, stdout: '', stderr: `Redis at ${shown} refused: ${(error as Error).message}\n` };
    return unreachable(shown, error);
  } finally {
    redis.disconnect();
  }
}

function unreachable(url: string, error: unknown): CommandOutput {
  return { exitCode: 3, stdout: '', stderr: `Redis at ${url}: ${(error as Error)?.message ?? String(error)}\n` };
}
