/**
 * Cluster mode, shared health (issue 5, "Show it"): a real redis-server, four real MTAs and three
 * real `mxlb serve --redis` processes. A killed MTA leaves every instance's answers within one
 * interval plus the detection time; each MTA sees about one probe per interval for the whole
 * cluster (its connection count), not one per instance; a killed lease holder's members are probed
 * by another instance within two intervals.
 */
import test from 'ava';
import { allAnswer, startCluster } from '../helpers/cluster.ts';
import { eventually } from '../helpers/poll.ts';

test.serial('a killed MTA leaves all three instances\' answers within one interval plus detection; about one probe per interval per MTA', async (t) => {
  const cluster = await startCluster(t, { base: 60, intervalMs: 1000, recheckMs: 250, rise: 2, fall: 2 });
  const addresses = cluster.mtas.map((m) => m.host);
  await allAnswer(cluster, addresses);
  // Leases settle (fair share spreads them), then every member has exactly one holder.
  await eventually(async () => {
    const holders = await Promise.all(cluster.members.map((m) => cluster.leaseHolder(m)));
    return holders.every((h) => h !== null) && new Set(holders).size >= 2;
  }, { timeoutMs: 10_000, what: 'leases held by at least two instances' });

  // Count probes over a window of 8 intervals: one prober per member, not three.
  const before = cluster.mtas.map((m) => m.connections);
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 8 * cluster.intervalMs)); // a measurement window, not a wait for a condition
  const elapsed = Date.now() - started;
  const perInterval = cluster.mtas.map((m, i) => ((m.connections - before[i]!) * cluster.intervalMs) / elapsed);
  t.log(`probes per interval per MTA over ${elapsed} ms with 3 instances: ${perInterval.map((p) => p.toFixed(2)).join(', ')}`);
  for (const rate of perInterval) {
    t.true(rate >= 0.6 && rate <= 1.4, `about one probe per interval, got ${rate.toFixed(2)}`);
  }

  // Kill an MTA: gone from every instance within interval + (fall - 1) × recheck, plus slack for a loaded machine.
  const victim = cluster.mtas[1]!;
  const killedAt = Date.now();
  await victim.stop();
  const bound = cluster.intervalMs + 250 + 1000;
  await allAnswer(cluster, addresses.filter((a) => a !== victim.host), bound + 2000);
  const gone = Date.now() - killedAt;
  t.log(`killed MTA out of all three instances' answers after ${gone} ms (interval ${cluster.intervalMs} ms, fall 2, recheck 250 ms)`);
  t.true(gone <= bound, `${gone} ms > ${bound} ms`);

  // It comes back the same way (rise 2).
  await victim.restart();
  await allAnswer(cluster, addresses, 10_000);
});

test.serial('killing the instance holding a member\'s lease: another instance probes it within two intervals', async (t) => {
  const cluster = await startCluster(t, { base: 70, intervalMs: 1000 });
  await allAnswer(cluster, cluster.mtas.map((m) => m.host));
  const member = cluster.members[0]!;
  const mta = cluster.mtas[0]!;
  const holder = await eventually(async () => (await cluster.leaseHolder(member)) ?? undefined, { timeoutMs: 10_000, what: 'a lease holder' });
  // Wait for a probe to land so the gap is measured from a known point.
  const seen = mta.connections;
  await eventually(() => mta.connections > seen, { timeoutMs: 5000, what: 'a probe of the member' });
  const killedAt = Date.now();
  const count = mta.connections;
  await cluster.kill(holder);
  await eventually(() => mta.connections > count, { timeoutMs: 10_000, intervalMs: 5, what: 'a probe by another instance' });
  const gap = Date.now() - killedAt;
  const newHolder = await cluster.leaseHolder(member);
  t.log(`lease of ${member}: ${holder} killed, ${newHolder} probed it ${gap} ms later (interval ${cluster.intervalMs} ms)`);
  t.not(newHolder, holder);
  t.truthy(newHolder);
  t.true(gap <= 2 * cluster.intervalMs + 300, `takeover took ${gap} ms`);
  // And the cluster still does its job: an MTA killed now leaves the survivors' answers.
  await cluster.mtas[0]!.stop();
  await allAnswer(cluster, cluster.mtas.slice(1).map((m) => m.host), 5000);
});
