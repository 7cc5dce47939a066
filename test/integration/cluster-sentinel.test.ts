/**
 * Cluster mode through Redis Sentinel (docs/cluster.md): an instance given only Sentinel addresses
 * and the master name finds the primary and shares state with an instance that uses a plain URL.
 */
import test from 'ava';
import { allAnswer, startCluster, TOKEN } from '../helpers/cluster.ts';
import { eventually } from '../helpers/poll.ts';
import { startSentinel } from '../helpers/redis.ts';

test.serial('an instance started with --redis-sentinel shares health and operator state with the others', async (t) => {
  const cluster = await startCluster(t, { base: 120, intervalMs: 1000, instances: ['A'] });
  const sentinel = await startSentinel(cluster.redis, 'mxlb');
  t.teardown(() => sentinel.close());
  const s = await cluster.start('S', undefined, ['--redis-sentinel', `${sentinel.host}:${sentinel.port}`, '--redis-master', 'mxlb']);
  t.true(s.child.spawnargs.includes('--redis-sentinel'));
  const addresses = cluster.mtas.map((m) => m.host);
  await allAnswer(cluster, addresses);
  const ready = await eventually(async () => {
    const r = await cluster.readyz('S');
    const c = r.body.cluster as { connected: boolean; redis: string; leases: { mode: string; held: number } } | undefined;
    return c?.connected && c.leases.mode === 'leases' ? c : undefined;
  }, { timeoutMs: 10_000, what: 'S connected through Sentinel' });
  t.regex(ready.redis, /^sentinel 127\.0\.0\.1:\d+ master mxlb$/);
  // Health made by whichever instance probes reaches both.
  await cluster.mtas[0]!.stop();
  await allAnswer(cluster, addresses.slice(1), 5000);
  t.is(JSON.parse(await cluster.redis.cli('HGET', 'mxlb:health', cluster.members[0]!)).state, 'down');
  // A drain through the admin API of the Sentinel-connected instance reaches A.
  const { host, port } = s.http;
  const response = await fetch(`http://${host}:${port}/api/members/${encodeURIComponent(cluster.members[1]!)}/drain`, {
    method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'via sentinel' }),
  });
  t.is(response.status, 200, await response.text());
  await allAnswer(cluster, addresses.slice(2), 1000);
});
