/**
 * Reputation in a cluster (real redis-server, three real `mxlb serve --redis` instances): outcomes
 * posted to one instance are counted by all, a triggered rule quarantines the member on every
 * instance's answers, and the automatic quarantine is written once for the cluster (by the
 * member's lease holder); an instance started later restores the last hour's counts from Redis.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { allAnswer, ORIGIN, startCluster, TOKEN } from '../helpers/cluster.ts';
import { eventually } from '../helpers/poll.ts';

const THROTTLE = '421 4.7.0 [TSS04] Messages from 127.0.0.1 temporarily deferred due to unexpected volume or user complaints';

async function delivered(node: { http: { host: string; port: number } }, member: string): Promise<Record<string, number> | undefined> {
  const doc = (await (await fetch(`http://${node.http.host}:${node.http.port}/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { zones: { pools: { members: { id: string; delivery?: { last1h: Record<string, number> } }[] }[] }[] };
  return doc.zones.flatMap((z) => z.pools.flatMap((p) => p.members)).find((m) => m.id === member)?.delivery?.last1h;
}

test('outcomes add up cluster-wide; one automatic quarantine for the cluster; every instance applies it', async (t) => {
  const cluster = await startCluster(t, { base: 190, mtas: 3, instances: ['A', 'B'], intervalMs: 500, recheckMs: 200, rise: 1, fall: 2 });
  const all = cluster.mtas.map((m) => m.host).sort();
  await allAnswer(cluster, all, 30_000);
  // The zone gains a reputation block (Yahoo's shipped TSS04 rule acts at the first match; short hold).
  const file = join(cluster.zonesDir, `${ORIGIN}.yaml`);
  writeFileSync(file, readFileSync(file, 'utf8').replace('1 3600 900 604800 60', '2 3600 900 604800 60').replace('pools:\n', 'reputation:\n  hold: 2s\n  cool-down: 1s\npools:\n'));
  for (const id of ['A', 'B']) {
    const node = cluster.node(id);
    await eventually(async () => {
      const doc = (await (await fetch(`http://${node.http.host}:${node.http.port}/status`)).json()) as { zones: { serial: number }[] };
      return doc.zones[0]?.serial === 2;
    }, { timeoutMs: 15_000, what: `instance ${id} on the new zone` });
  }

  const a = cluster.node('A');
  const post = async (batch: string, outcomes: unknown[]) => {
    const response = await fetch(`http://${a.http.host}:${a.http.port}/api/signals`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ batch, outcomes }) });
    t.is(response.status, 200, await response.text());
  };
  await post('sent-1', [{ member: 'pool/mta2', status: 'sent', domain: 'example.net' }, { member: 'pool/mta2', status: 'sent', domain: 'example.net' }]);
  await eventually(async () => (await delivered(cluster.node('B'), 'pool/mta2'))?.sent === 2, { timeoutMs: 10_000, what: 'B counts what A accepted' });
  t.is((await delivered(a, 'pool/mta2'))?.sent, 2);

  await post('yahoo-1', [{ member: 'pool/mta1', status: 'deferred', domain: 'yahoo.com', dsn: '4.7.0', reply: THROTTLE }]);
  await allAnswer(cluster, all.slice(1), 15_000);
  const audit = (await (await fetch(`http://${a.http.host}:${a.http.port}/api/audit`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { entries: Array<{ member: string; author: string; action: string }> };
  const automatic = audit.entries.filter((e) => e.member === 'pool/mta1' && e.author === 'mxlb reputation' && e.action === 'quarantine');
  t.is(automatic.length, 1, 'written once for the cluster');

  // A third instance started now restores the last hour's counts from Redis.
  const c = await cluster.start('C');
  await eventually(async () => (await delivered(c, 'pool/mta2'))?.sent === 2, { timeoutMs: 15_000, what: 'C restored the counts' });
  t.pass();
});
