import type { Redis } from 'ioredis';

/**
 * Resolves true once the client is ready, false after `timeoutMs` (never rejects), so a start-up
 * can wait a bounded time for Redis and then go on fail-static. Listeners are removed either way.
 */
export function waitForReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.removeListener('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.once('ready', onReady);
  });
}
