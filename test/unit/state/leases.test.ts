import test from 'ava';
import type { Redis } from 'ioredis';
import { silentLogger } from '../../../src/log.ts';
import { fairShare, LeaseManager, leaseTiming } from '../../../src/state/leases.ts';
import { redisKeys } from '../../../src/redis/keys.ts';
import { redisClientOptions, describeTarget } from '../../../src/redis/connection.ts';

test('lease timing: a dead holder is replaced within two intervals, a live one survives missed ticks', (t) => {
  for (const interval of [250, 1000, 5000]) {
    const { ttlMs, tickMs } = leaseTiming(interval);
    t.true(ttlMs + tickMs < 2 * interval, `takeover bound at ${interval} ms`);
    t.true(ttlMs / tickMs >= 3, `several renewals fit in one TTL at ${interval} ms`);
  }
  t.deepEqual(leaseTiming(1000), { ttlMs: 1500, tickMs: 250 });
  t.deepEqual(leaseTiming(10), leaseTiming(200), 'absurdly short intervals are clamped');
});

test('fair share covers every member', (t) => {
  t.is(fairShare(4, 3), 2);
  t.is(fairShare(4, 1), 4);
  t.is(fairShare(4, 0), 4);
  t.is(fairShare(0, 3), 0);
  for (let members = 0; members < 30; members++) for (let live = 1; live < 7; live++) t.true(fairShare(members, live) * live >= members);
});

test('redis options never wait on a dead Redis; URL parts and Sentinel map to ioredis options', (t) => {
  const plain = redisClientOptions({ url: 'redis://:s%40cret@10.0.0.5:6380/2', prefix: 'mxlb:', quorum: 0 }, 'commands');
  t.like(plain, { host: '10.0.0.5', port: 6380, db: 2, password: 's@cret', enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 1000 });
  t.is(plain.tls, undefined);
  t.deepEqual(redisClientOptions({ url: 'rediss://user:pw@redis.example:6390', prefix: '', quorum: 0 }, 'x').tls, {});
  t.like(redisClientOptions({ url: 'rediss://user:pw@redis.example:6390', prefix: '', quorum: 0 }, 'x'), { username: 'user', password: 'pw', host: 'redis.example' });
  const sentinel = redisClientOptions({ url: 'redis://:pw@ignored/1', sentinels: [{ host: 's1', port: 26379 }], masterName: 'mx', prefix: '', quorum: 0 }, 'x');
  t.like(sentinel, { name: 'mx', password: 'pw', db: 1 });
  t.is(sentinel.sentinelPassword, undefined, 'Sentinels get a password only when one is configured for them');
  t.is(redisClientOptions({ sentinels: [{ host: 's1', port: 1 }], sentinelPassword: 'sp', prefix: '', quorum: 0 }, 'x').sentinelPassword, 'sp');
  t.is(sentinel.host, undefined);
  t.is(describeTarget({ url: 'redis://:secret@h:1/0', prefix: '', quorum: 0 }), 'redis://h:1/0', 'no credentials in logs');
  const retry = plain.retryStrategy as (times: number) => number;
  t.is(retry(1), 50);
  t.is(retry(100), 1000);
});

test('before its first round a lease manager owns nothing; with Redis not ready its first round owns everything', async (t) => {
  const listeners = new Map<string, () => void>();
  const client = { status: 'connecting', on: (event: string, fn: () => void) => listeners.set(event, fn) } as unknown as Redis;
  const leases = new LeaseManager({ client, keys: redisKeys('x:'), instanceId: 'A', logger: silentLogger });
  let changes = 0;
  leases.onChange(() => changes++);
  t.is(leases.status().mode, 'starting');
  t.false(leases.owns('p/m1'), 'no burst of probes from every instance at start');
  leases.setMembers(['p/m1', 'p/m2'], 1000);
  await leases.tick();
  t.is(leases.status().mode, 'local');
  t.true(leases.owns('p/m1') && leases.owns('p/m2'), 'fail-static: probe everything');
  t.is(changes, 1);
  listeners.get('close')!(); // already local: no second change
  t.is(changes, 1);
  await leases.close();
});
