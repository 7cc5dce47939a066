/**
 * Redis connections of one instance (edge). Two clients: `client` for commands and `subscriber`
 * for pub/sub (a subscribed connection cannot run other commands). Both are built so nothing ever
 * waits on a dead Redis (DESIGN "Stack"): no offline queue (a command while disconnected fails at
 * once), no retries of in-flight commands, a command timeout, and quick reconnects in the
 * background. Callers treat a failed command as "Redis unreachable" and carry on from memory.
 */
import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { redisKeys, type RedisKeys } from './keys.ts';
import { waitForReady } from './ready.ts';

/**
 * ioredis, loaded on the first connection: a server without --redis never has it in memory
 * (about 390 KB of code and its command tables; docs/decisions.md "Idle memory"). CommonJS, so
 * require() loads it synchronously and the bundled build (scripts/bundle.mjs) leaves it external.
 */
let ioredis: typeof import('ioredis') | undefined;
function redisClass(): typeof Redis {
  ioredis ??= createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
  return ioredis.Redis;
}

export interface RedisConnections {
  client: Redis;
  subscriber: Redis;
  keys: RedisKeys;
  /** Where Redis is, for logs and status (no credentials). */
  target: string;
  /** The commands connection's latest error since it was last ready (why it is down), if any. */
  lastError(): string | undefined;
  /** Resolves when `client` is ready, or false after `timeoutMs` (then it keeps retrying). */
  waitReady(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Command timeout: a healthy Redis on a LAN answers in well under a millisecond. */
export const COMMAND_TIMEOUT_MS = 1000;

/** ioredis options from the config (pure). `role` names the connection in CLIENT LIST. */
export function redisClientOptions(config: RedisConfig, role: string): RedisOptions {
  const options: RedisOptions = {
    connectionName: `mxlb-${role}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    // Reconnect fast: fail-static ends as soon as Redis is back (50 ms, 100 ms, … capped at 1 s).
    retryStrategy: (times) => Math.min(50 * times, 1000),
    autoResubscribe: false,
    enableReadyCheck: true,
  };
  if (config.url) {
    const url = new URL(config.url);
    if (url.username) options.username = decodeURIComponent(url.username);
    if (url.password) options.password = decodeURIComponent(url.password);
    const db = url.pathname.replace(/^\//, '');
    if (db !== '') options.db = Number(db);
    if (url.protocol === 'rediss:') options.tls = {};
    if (!config.sentinels) {
      options.host = url.hostname.replace(/^\[|\]$/g, '');
      options.port = url.port ? Number(url.port) : 6379;
    }
  }
  if (config.sentinels) {
    options.sentinels = config.sentinels.map((s) => ({ host: s.host, port: s.port }));
    options.name = config.masterName ?? 'mymaster';
    // Sentinels usually run without a password even when Redis has one: only send one if given.
    if (config.sentinelPassword) options.sentinelPassword = config.sentinelPassword;
  }
  return options;
}

export function describeTarget(config: RedisConfig): string {
  if (config.sentinels) return `sentinel ${config.sentinels.map((s) => `${s.host}:${s.port}`).join(',')} master ${config.masterName ?? 'mymaster'}`;
  const url = new URL(config.url!);
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export function openRedisConnections(config: RedisConfig, logger: Logger): RedisConnections {
  const log = logger.child({ module: 'redis' });
  const target = describeTarget(config);
  const errors = new Map<string, string>();
  const make = (role: string): Redis => {
    const redis = new (redisClass())(redisClientOptions(config, role));
    let lastError = '';
    // ioredis reports every failed reconnect: log each distinct error once per outage.
    redis.on('error', (error: Error) => {
      if (error.message === lastError) return;
      lastError = error.message;
      errors.set(role, error.message);
      log.warn({ role, target, err: error.message }, 'redis connection error');
    });
    redis.on('ready', () => {
      if (lastError !== '') log.info({ role, target }, 'redis connection back');
      lastError = '';
      errors.delete(role);
    });
    return redis;
  };
  const client = make('commands');
  const subscriber = make('subscriber');
  return {
    client,
    subscriber,
    keys: redisKeys(config.prefix),
    target,
    lastError: () => errors.get('commands'),
    waitReady: (timeoutMs) => waitForReady(client, timeoutMs),
    async close() {
      // QUIT when connected (polite, bounded by the command timeout), else just drop the sockets.
      await Promise.all(
        [client, subscriber].map(async (redis) => {
          if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
          else redis.disconnect();
        }),
      );
    },
  };
}
