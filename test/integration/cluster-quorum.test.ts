/**
 * Cluster mode with `--quorum 2` (issue 5): every instance probes every member and votes; a member
 * goes down for everyone only when two instances see it down. Instance C gets a broken path to
 * one MTA (its zone points that member at a closed port, as a bad network would make it look):
 * that member stays in every answer, C's included. An MTA that really dies is seen down by all
 * three and leaves every answer.
 */
import test from 'ava';
import { allAnswer, startCluster } from '../helpers/cluster.ts';
import { eventually } from '../helpers/poll.ts';

test.serial('quorum 2: one instance seeing a member down does not take it out; two do', async (t) => {
  const cluster = await startCluster(t, { base: 110, intervalMs: 500, recheckMs: 100, instances: ['A', 'B'], args: ['--quorum', '2'] });
  const addresses = cluster.mtas.map((m) => m.host);
  await allAnswer(cluster, addresses);
  const blackhole = { host: '127.0.0.119', port: 9 };
  const c = await cluster.start('C', cluster.zoneVariant({ 0: blackhole }));
  const member = cluster.members[0]!;

  // C votes down on mta1 (its own probes fail) ...
  await eventually(async () => {
    const votes = await cluster.redis.cli('HGETALL', `mxlb:votes:${member}`);
    return /"state":"down"/.test(votes) && votes.includes('C');
  }, { timeoutMs: 10_000, what: 'C voting mta1 down' });
  await c.waitForLog((line) => line.msg === 'member down' && line.member === member, 5000);
  // ... and for several intervals nobody takes it out, C included (its zone names the blackhole address).
  for (let i = 0; i < 6; i++) {
    t.deepEqual(await cluster.answers('A'), addresses);
    t.deepEqual(await cluster.answers('B'), addresses);
    t.deepEqual(await cluster.answers('C'), [blackhole.host, ...addresses.slice(1)].sort());
    await new Promise((resolve) => setTimeout(resolve, cluster.intervalMs / 2)); // sampling over time, not waiting for a condition
  }
  t.is(JSON.parse(await cluster.redis.cli('HGET', 'mxlb:health', member)).state, 'up');

  // Every instance probes every member with quorum: that is the price (documented).
  const mta = cluster.mtas[1]!;
  const before = mta.connections;
  const started = Date.now();
  await eventually(() => mta.connections >= before + 9, { timeoutMs: 10_000, what: 'nine probes' });
  t.log(`with quorum, 3 instances: ${((mta.connections - before) * cluster.intervalMs / (Date.now() - started)).toFixed(2)} probes per interval`);

  // A real failure: all three see it, 3 >= 2, gone everywhere.
  await mta.stop();
  await eventually(async () => {
    const a = await cluster.answers('A');
    const b = await cluster.answers('B');
    const cc = await cluster.answers('C');
    return [a, b, cc].every((list) => !list.includes(mta.host));
  }, { timeoutMs: 5000, what: 'the dead MTA out of every answer' });
  const shared = JSON.parse(await cluster.redis.cli('HGET', 'mxlb:health', cluster.members[1]!)) as { state: string; reason: string };
  t.is(shared.state, 'down');
  t.regex(shared.reason, /of 2 instances needed see it down/);
});
