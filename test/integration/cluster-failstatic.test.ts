/**
 * Cluster mode, fail-static (issue 5, "Show it"): Redis is killed while a bounded query loop runs
 * against every instance. No query fails or comes late; /readyz stays 200 and says degraded; each
 * instance probes every member itself (an MTA killed during the outage leaves every answer); when
 * Redis returns (empty: no persistence) the instances re-seed it and converge again.
 */
import test from 'ava';
import { allAnswer, NAME, startCluster, type TestCluster } from '../helpers/cluster.ts';
import { ask } from '../helpers/flow-zone.ts';
import { eventually } from '../helpers/poll.ts';

/** Queries every instance in turn until stopped (bounded by `maxMs`); counts failures and late replies. */
function queryLoop(cluster: TestCluster, lateMs: number, maxMs: number) {
  const stats = { sent: 0, failed: 0, late: 0, worstMs: 0, errors: [] as string[] };
  let running = true;
  const done = (async () => {
    const deadline = Date.now() + maxMs;
    while (running && Date.now() < deadline) {
      for (const [id, node] of cluster.nodes) {
        const started = performance.now();
        stats.sent++;
        try {
          const reply = await ask(node.dns[0]!, NAME, 1, 2000);
          if (reply.rcode !== 0 || reply.addresses.length === 0) throw new Error(`rcode ${reply.rcode}, ${reply.addresses.length} addresses`);
        } catch (error) {
          stats.failed++;
          stats.errors.push(`${id}: ${(error as Error).message}`);
        }
        const ms = performance.now() - started;
        stats.worstMs = Math.max(stats.worstMs, ms);
        if (ms > lateMs) stats.late++;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return { stats, stop: async () => ((running = false), await done) };
}

const LATE_MS = 500;

interface Readyz {
  status: number;
  body: { ready: boolean; degraded: boolean; degradedBecause: string[]; cluster?: { connected: boolean; leases?: { mode: string } } };
}

test.serial('Redis killed during a query loop: zero failed or late queries, probing continues everywhere, state converges when Redis returns', async (t) => {
  const cluster = await startCluster(t, { base: 100, intervalMs: 1000 });
  const addresses = cluster.mtas.map((m) => m.host);
  await allAnswer(cluster, addresses);
  const ids = [...cluster.nodes.keys()];
  const readyz = async (id: string) => (await cluster.readyz(id)) as unknown as Readyz;
  await eventually(async () => (await Promise.all(ids.map(readyz))).every((r) => r.body.cluster?.leases?.mode === 'leases'), { timeoutMs: 10_000, what: 'leases in force' });

  // Late = over 500 ms: a query that waited on Redis would take at least the 1 s command timeout
  // (or the 2 s connect timeout); below that is scheduling noise on a 2-core machine shared with
  // other test runs. The worst latency is logged.
  const loop = queryLoop(cluster, LATE_MS, 120_000);
  try {
    await eventually(() => loop.stats.sent >= 60, { timeoutMs: 10_000, what: 'queries before the outage' });
    await cluster.redis.kill();
    for (const id of ids) {
      // Two signals arrive within moments of each other: the subscriber connection's drop
      // ("subscription down") and the command connection's ("unreachable"); either may come
      // first, so wait for the store's own verdict, not only for any degradation.
      const r = await eventually(async () => {
        const got = await readyz(id);
        return got.body.degraded && /redis .* unreachable/.test(got.body.degradedBecause.join()) ? got : undefined;
      }, { timeoutMs: 10_000, what: `${id} degraded with Redis unreachable` });
      t.is(r.status, 200, 'still ready');
      t.true(r.body.ready);
      t.regex(r.body.degradedBecause.join(), /redis .* unreachable/);
      t.is(r.body.cluster?.leases?.mode, 'local');
      const { host, port } = cluster.node(id).http;
      const status = (await (await fetch(`http://${host}:${port}/status`)).json()) as { server: { store: { ok: boolean; reason?: string } }; cluster: { connected: boolean } };
      t.false(status.server.store.ok, '/status says degraded too');
      t.regex(status.server.store.reason ?? '', /unreachable/);
      t.false(status.cluster.connected);
    }

    // Probing continues: every instance now probes every member itself.
    const victim = cluster.mtas[3]!;
    await victim.stop();
    await allAnswer(cluster, addresses.slice(0, 3), 5000);
    await victim.restart();
    const seen = victim.connections;
    await eventually(() => victim.connections >= seen + 6, { timeoutMs: 5000, what: 'probes from all three instances' });
    await allAnswer(cluster, addresses, 10_000);

    // Redis returns empty; the instances re-seed it and go back to leases.
    await cluster.mtas[0]!.stop(); // a verdict that changes while Redis is down...
    await allAnswer(cluster, addresses.slice(1), 5000);
    await cluster.redis.start();
    await eventually(async () => (await Promise.all(ids.map(readyz))).every((r) => !r.body.degraded && r.body.cluster?.leases?.mode === 'leases'), { timeoutMs: 10_000, what: 'every instance resynced' });
    const stored = JSON.parse(await cluster.redis.cli('HGET', 'mxlb:health', cluster.members[0]!)) as { state: string };
    t.is(stored.state, 'down', '...is written back to the new Redis');
    // Leases spread again: the first instance back takes all, then hands the excess over (one tick).
    await eventually(async () => {
      const holders = await Promise.all(cluster.members.map((m) => cluster.leaseHolder(m)));
      return holders.every((h) => h !== null && ids.includes(h)) && new Set(holders).size >= 2;
    }, { timeoutMs: 5000, what: 'every member with a lease holder again, spread over instances' });
    await cluster.mtas[0]!.restart();
    await allAnswer(cluster, addresses, 10_000);
  } finally {
    await loop.stop();
  }
  const { stats } = loop;
  t.log(`queries: ${stats.sent} sent, ${stats.failed} failed, ${stats.late} later than ${LATE_MS} ms, worst ${stats.worstMs.toFixed(1)} ms`);
  t.true(stats.sent > 300);
  t.is(stats.failed, 0, stats.errors.slice(0, 5).join('; '));
  t.is(stats.late, 0);
});
