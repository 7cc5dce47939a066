/**
 * RedisStateStore and LeaseManager against a real redis-server, in process (two "instances" with
 * their own connections): propagation of verdicts and operator changes, fail-static writes while
 * Redis is down and their push on return, Redis losing its data, lease sharing and takeover.
 */
import test from 'ava';
import { silentLogger } from '../../src/log.ts';
import { LeaseManager } from '../../src/state/leases.ts';
import { openRedisConnections, type RedisConnections } from '../../src/redis/connection.ts';
import { RedisStateStore } from '../../src/state/redis.ts';
import { eventually } from '../helpers/poll.ts';
import { startRedis, startSentinel, type RedisServer } from '../helpers/redis.ts';

interface Instance {
  id: string;
  redis: RedisConnections;
  store: RedisStateStore;
  changes: number;
}

async function instance(t: { teardown(fn: () => Promise<void> | void): void }, server: RedisServer, id: string, prefix: string, quorum = 0): Promise<Instance> {
  const redis = openRedisConnections({ url: server.url, prefix, quorum }, silentLogger);
  const store = new RedisStateStore({ redis, instanceId: id, quorum, logger: silentLogger, resyncMs: 60_000 });
  const result: Instance = { id, redis, store, changes: 0 };
  store.onChange(() => result.changes++);
  t.teardown(async () => {
    await store.close();
    await redis.close();
  });
  await store.open();
  return result;
}

let server: RedisServer;
test.before(async () => {
  server = await startRedis();
});
test.after.always(async () => {
  await server?.close();
});

const drained = (at: number) => ({ kind: 'drained' as const, reason: 'kernel update', author: 'alice', at });

test.serial('verdicts and operator changes written on one instance reach the other\'s view; audit is shared', async (t) => {
  const a = await instance(t, server, 'A', 't1:');
  const b = await instance(t, server, 'B', 't1:');
  t.true(a.store.health().ok);
  a.store.putHealth('p/m1', { state: 'down', since: 100, reason: 'refused', lastFailure: { at: 100, reason: 'connect-refused' } });
  t.is(a.store.view().health.get('p/m1')?.state, 'down', 'applied locally at once');
  await eventually(() => b.store.view().health.get('p/m1')?.state === 'down', { timeoutMs: 2000, what: 'verdict on B' });
  const entry = await b.store.setOverride('p/m2', drained(Date.now()), 'alice');
  t.is(entry.action, 'drain');
  await eventually(() => a.store.view().overrides.get('p/m2')?.reason === 'kernel update', { timeoutMs: 2000, what: 'override on A' });
  await a.store.setWeight('p/m3', { weight: 5, reason: 'ramp', author: 'bob', at: Date.now() }, 'bob');
  await eventually(() => b.store.view().weights.get('p/m3')?.weight === 5, { timeoutMs: 2000, what: 'weight on B' });
  await eventually(() => a.store.audit().length === 2 && b.store.audit().length === 2, { timeoutMs: 2000, what: 'audit on both' });
  t.deepEqual(a.store.audit().map((e) => e.action), ['weight', 'drain']);
  t.deepEqual(b.store.audit().map((e) => e.action), ['weight', 'drain']);
  // A third instance starting now loads everything (last-known health included) before serving.
  const c = await instance(t, server, 'C', 't1:');
  t.is(c.store.view().health.get('p/m1')?.state, 'down');
  t.is(c.store.view().overrides.get('p/m2')?.kind, 'drained');
  t.deepEqual(c.store.audit().map((e) => e.action), ['weight', 'drain']);

  // Every instance clears the same expired override at the same moment: recorded once.
  await Promise.all([a, b, c].map((i) => i.store.setOverride('p/m2', undefined, 'mxlb (expired)')));
  await eventually(() => [a, b, c].every((i) => !i.store.view().overrides.has('p/m2')), { timeoutMs: 2000, what: 'cleared everywhere' });
  t.is(await server.cli('LLEN', 't1:audit'), '3');
  await eventually(() => [a, b, c].every((i) => i.store.audit().filter((e) => e.action === 'undrain').length === 1), { timeoutMs: 2000, what: 'one undrain entry on each instance' });
});

test.serial('Redis down: writes apply locally, health is degraded; on return local changes are shared, and a Redis that lost its data is re-seeded', async (t) => {
  const a = await instance(t, server, 'A', 't2:');
  const b = await instance(t, server, 'B', 't2:');
  await a.store.setOverride('p/m1', drained(Date.now()), 'alice');
  await eventually(() => b.store.view().overrides.has('p/m1'), { timeoutMs: 2000, what: 'override on B' });

  await server.kill();
  // Either connection may notice first (the subscription's loss is reported too); wait for both.
  const unreachable = (i: Instance) => /unreachable.*answering from the last state/.test(i.store.health().reason ?? '');
  await eventually(() => unreachable(a) && unreachable(b), { timeoutMs: 5000, what: 'both degraded: redis unreachable' });
  t.true(b.store.view().overrides.has('p/m1'), 'the last state stays');
  const started = Date.now();
  await b.store.setOverride('p/m2', { ...drained(Date.now()), reason: 'during outage' }, 'bob');
  t.true(Date.now() - started < 500, 'a write while Redis is down does not wait');
  b.store.putHealth('p/m3', { state: 'down', since: Date.now(), reason: 'seen during outage' });
  t.is(b.store.view().overrides.get('p/m2')?.reason, 'during outage');
  t.is(b.store.view().health.get('p/m3')?.state, 'down');

  await server.start(); // no persistence: an empty Redis
  await eventually(() => a.store.health().ok && b.store.health().ok, { timeoutMs: 10_000, what: 'both resynced' });
  await eventually(
    () => a.store.view().overrides.get('p/m2')?.reason === 'during outage' && a.store.view().health.get('p/m3')?.state === 'down' && a.store.view().overrides.has('p/m1'),
    { timeoutMs: 5000, what: 'A sees what B did while cut off, and nothing was lost' },
  );
  t.is(await server.cli('HEXISTS', 't2:overrides', 'p/m1'), '1', 'the lost override was written back');
  t.true(b.store.audit().some((e) => e.member === 'p/m2'));
  await eventually(async () => (await server.cli('LLEN', 't2:audit')) === '2', { timeoutMs: 3000, what: 'audit written back' });
});

test.serial('leases: two instances share the members; a closed one hands its leases over at once; without Redis each probes all', async (t) => {
  const members = ['p/m1', 'p/m2', 'p/m3', 'p/m4'];
  const make = (id: string) => {
    const redis = openRedisConnections({ url: server.url, prefix: 't3:', quorum: 0 }, silentLogger);
    const leases = new LeaseManager({ client: redis.client, keys: redis.keys, instanceId: id, logger: silentLogger });
    t.teardown(async () => {
      await leases.close();
      await redis.close();
    });
    return { redis, leases };
  };
  const a = make('A');
  const b = make('B');
  t.true(await a.redis.waitReady(10_000));
  t.true(await b.redis.waitReady(10_000));
  a.leases.setMembers(members, 400);
  await a.leases.tick();
  t.is(a.leases.status().held, 4, 'alone: all members');
  b.leases.setMembers(members, 400);
  await eventually(() => a.leases.status().held === 2 && b.leases.status().held === 2, { timeoutMs: 3000, what: 'fair share 2 + 2' });
  t.true(members.every((m) => a.leases.owns(m) !== b.leases.owns(m)), 'each member has exactly one prober');

  await b.leases.close();
  await a.leases.tick();
  await a.leases.tick();
  t.is(a.leases.status().held, 4, 'released leases are taken at the next rounds, without waiting for the TTL');

  await server.kill();
  await eventually(() => a.leases.status().mode === 'local', { timeoutMs: 2000, what: 'local mode' });
  t.true(members.every((m) => a.leases.owns(m)));
  await server.start();
  await eventually(() => a.leases.status().mode === 'leases', { timeoutMs: 5000, what: 'leases again' });
});

test.serial('a password-protected Redis: the URL password is used; a wrong one leaves the store degraded with the reason', async (t) => {
  const locked = await startRedis({ args: ['--requirepass', 's3cret/pw'] });
  t.teardown(() => locked.close());
  const url = `redis://:${encodeURIComponent('s3cret/pw')}@${locked.host}:${locked.port}`;
  const good = await instance(t, { ...locked, url } as RedisServer, 'A', 't4:');
  t.true(good.store.health().ok);
  good.store.putHealth('p/m1', { state: 'up', since: 1 });
  await eventually(async () => (await locked.cli('-a', 's3cret/pw', '--no-auth-warning', 'HGET', 't4:health', 'p/m1')).includes('"up"'), { timeoutMs: 2000, what: 'written' });
  const bad = await instance(t, { ...locked, url: `redis://:wrong@${locked.host}:${locked.port}` } as RedisServer, 'B', 't4:');
  const health = bad.store.health();
  t.false(health.ok);
  t.regex(health.reason!, /WRONGPASS|invalid username-password/i);
  t.notRegex(health.reason!, /wrong@/, 'no password in the reason');
});

test.serial('through Sentinel to a password-protected primary (the Sentinel itself without a password)', async (t) => {
  const locked = await startRedis({ args: ['--requirepass', 'pw'] });
  t.teardown(() => locked.close());
  const sentinel = await startSentinel(locked, 'mx', { authPass: 'pw' });
  t.teardown(() => sentinel.close());
  const redis = openRedisConnections({ url: 'redis://:pw@ignored/0', sentinels: [{ host: sentinel.host, port: sentinel.port }], masterName: 'mx', prefix: 't5:', quorum: 0 }, silentLogger);
  const store = new RedisStateStore({ redis, instanceId: 'S', logger: silentLogger });
  t.teardown(async () => {
    await store.close();
    await redis.close();
  });
  await store.open();
  // open() returns once commands work; the subscription through Sentinel may connect a moment later.
  await eventually(() => store.health().ok, { timeoutMs: 10_000, what: `store healthy (${store.health().reason ?? ''})` });
  t.true(store.health().ok, store.health().reason);
  await store.setOverride('p/m1', drained(Date.now()), 'alice');
  t.regex(await locked.cli('-a', 'pw', '--no-auth-warning', 'HGET', 't5:overrides', 'p/m1'), /kernel update/);
});
