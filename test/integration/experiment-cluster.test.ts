/**
 * A/B experiments with Redis (docs/routing.md "Running it"): a start with a split through the
 * real CLI against instance A reaches instance B's answers, and a stop through B reaches A's, by
 * the shared audit log (the store's resync, then the keeper's tick).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { startCluster, TOKEN, type TestCluster } from '../helpers/cluster.ts';
import { dig } from '../helpers/dig.ts';
import { eventually } from '../helpers/poll.ts';
import { cli } from './admin-setup.ts';

const ORIGIN = 'relay.test';

function zone(cluster: TestCluster): string {
  const m = cluster.mtas;
  return [
    'ecs: true',
    'records: |',
    '  @ 300 IN SOA ns1 hostmaster 1 3600 900 604800 60',
    '  @ 300 IN NS ns1',
    '  ns1 300 IN A 127.0.0.1',
    'probe: { interval: 1000ms, recheck: 250ms, rise: 1, fall: 3 }',
    'pools:',
    `  a: { members: [{ name: a1, address: ${m[0]!.host}, port: ${m[0]!.port} }, { name: a2, address: ${m[1]!.host}, port: ${m[1]!.port} }] }`,
    `  b: { members: [{ name: b1, address: ${m[2]!.host}, port: ${m[2]!.port} }, { name: b2, address: ${m[3]!.host}, port: ${m[3]!.port} }] }`,
    'names:',
    '  smtp:',
    '    tiers: [a]',
    '    ttl: 2',
    '    experiment: { name: ab, arms: { A: { percent: 50 }, B: { percent: 50, tiers: [b] } } }',
    '',
  ].join('\n');
}

test('start (with a split) on A reaches B; stop on B reaches A', async (t) => {
  t.timeout(180_000);
  const cluster = await startCluster(t, { base: 225, instances: [] });
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-abc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const zonesDir = join(dir, 'zones');
  mkdirSync(zonesDir);
  writeFileSync(join(zonesDir, `${ORIGIN}.yaml`), zone(cluster));
  await cluster.start('A', zonesDir);
  await cluster.start('B', zonesDir);
  const a = cluster.mtas.slice(0, 2).map((m) => m.host).join(',');
  const b = cluster.mtas.slice(2).map((m) => m.host).join(',');
  const ask = async (id: string, subnet: string) => {
    const { host, port } = cluster.node(id).dns[0]!;
    const reply = await dig(host, port, [`smtp.${ORIGIN}`, 'A', `+subnet=${subnet}`]);
    return reply.answer.filter((f) => f[3] === 'A').map((f) => f[4]!).sort().join(',');
  };
  const ops = (id: string) => (args: string[]) => cli(args, { MXLB_SERVER: `http://${cluster.node(id).http.host}:${cluster.node(id).http.port}`, MXLB_ADMIN_TOKEN: TOKEN });
  const subnets = Array.from({ length: 8 }, (_, i) => `10.3.${i}.0/24`);
  await eventually(async () => (await ask('B', subnets[0]!)).split(',').length === 2, { timeoutMs: 30_000, what: 'B answering' });

  const started = await ops('A')(['experiment', 'start', 'ab', '--split', 'A=0,B=100', '--reason', 'all to B']);
  t.is(started.code, 0, started.stderr);
  const t0 = Date.now();
  await eventually(async () => {
    for (const s of subnets) if ((await ask('B', s)) !== b) return false;
    return true;
  }, { timeoutMs: 20_000, what: 'every subnet on pool b at instance B' });
  t.log(`start on A → B's answers: ${Date.now() - t0} ms`);
  const listed = JSON.parse((await ops('B')(['experiment', 'show', 'ab', '--json'])).stdout) as { state: string; split: number[]; why: string };
  t.like(listed, { state: 'running', split: [0, 100] });
  t.regex(listed.why, /started by ops.*: all to B/);

  const stopped = await ops('B')(['experiment', 'stop', 'ab']);
  t.is(stopped.code, 0, stopped.stderr);
  const t1 = Date.now();
  await eventually(async () => {
    for (const s of subnets) if ((await ask('A', s)) !== a) return false;
    return true;
  }, { timeoutMs: 20_000, what: 'every subnet on pool a at instance A' });
  t.log(`stop on B → A's answers: ${Date.now() - t1} ms`);
});
