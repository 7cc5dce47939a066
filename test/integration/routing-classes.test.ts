/**
 * Traffic classes through the real `mxlb serve` (docs/routing.md "Traffic classes"): a class is a
 * balanced name whose later tiers say where it may spill. `transactional` (tiers [[tx], [bulk]])
 * answers from bulk only while tx is below min-healthy; `bulk` (tiers [[bulk]]) never answers tx
 * members: with its pool down it follows its all-down policy (fail-open `all`: its own members;
 * `nodata`: an empty answer).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { dig } from '../helpers/dig.ts';
import { startMta, type Mta } from '../helpers/mta.ts';
import { startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

const ORIGIN = 'relay.test';

function zone(tx: readonly Mta[], bulk: readonly Mta[]): string {
  const members = (list: readonly Mta[]) => list.map((m, i) => `      - { name: mta${i + 1}, address: ${m.host}, port: ${m.port} }`);
  return [
    'records: |',
    '  @ 300 IN SOA ns1 hostmaster 1 3600 900 604800 60',
    '  @ 300 IN NS ns1',
    '  ns1 300 IN A 127.0.0.1',
    'probe: { interval: 300ms, recheck: 100ms, rise: 1, fall: 2, timeouts: { connect: 2s, banner: 2s, ehlo: 2s } }',
    'pools:',
    '  tx:',
    '    members:',
    ...members(tx),
    '  bulk:',
    '    members:',
    ...members(bulk),
    'names:',
    '  transactional: { tiers: [[tx], [bulk]], min-healthy: 2, ttl: 2 }',
    '  bulk: { tiers: [[bulk]], ttl: 2 }',
    '  bulk-closed: { tiers: [[bulk]], ttl: 2, all-down: nodata }',
    '',
  ].join('\n');
}

async function a(mxlb: MxlbProcess, label: string): Promise<string[]> {
  const { host, port } = mxlb.dns[0]!;
  const reply = await dig(host, port, [`${label}.${ORIGIN}`, 'A']);
  return reply.answer.filter((f) => f[3] === 'A').map((f) => f[4]!).sort();
}

const hosts = (list: readonly Mta[]): string[] => list.map((m) => m.host).sort();
const same = (x: string[], y: string[]): boolean => JSON.stringify(x) === JSON.stringify(y);

test('transactional spills into bulk only while tx is short; bulk never answers tx members', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-classes-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const all: Mta[] = [];
  t.teardown(() => Promise.all(all.map((m) => m.stop())));
  const tx = [await startMta({ host: '127.0.0.221' }), await startMta({ host: '127.0.0.222' })];
  const bulk = [await startMta({ host: '127.0.0.223' }), await startMta({ host: '127.0.0.224' })];
  all.push(...tx, ...bulk);
  const zones = join(dir, 'zones');
  mkdirSync(zones);
  writeFileSync(join(zones, `${ORIGIN}.yaml`), zone(tx, bulk));
  const mxlb = await startMxlb(['--zones', zones, '--state-file', join(dir, 'state.json')], { timeoutMs: 60_000 });
  t.teardown(() => mxlb.stop());

  await eventually(async () => same(await a(mxlb, 'transactional'), hosts(tx)), { timeoutMs: 30_000, what: 'transactional from tx' });
  t.deepEqual(await a(mxlb, 'bulk'), hosts(bulk));

  // One tx MTA down: tx is below its min-healthy 2, so transactional spills into bulk.
  await tx[0]!.stop();
  await eventually(async () => same(await a(mxlb, 'transactional'), hosts(bulk)), { timeoutMs: 15_000, what: 'transactional spilled into bulk' });
  t.deepEqual(await a(mxlb, 'bulk'), hosts(bulk), 'bulk unchanged');

  // tx back: transactional returns to its own pool.
  await tx[0]!.restart();
  await eventually(async () => same(await a(mxlb, 'transactional'), hosts(tx)), { timeoutMs: 15_000, what: 'transactional back on tx' });

  // The bulk pool down: bulk never spills into tx; fail-open gives its own (down) members,
  // all-down nodata an empty answer; transactional keeps its tx members.
  await Promise.all(bulk.map((m) => m.stop()));
  await eventually(async () => (await a(mxlb, 'bulk-closed')).length === 0, { timeoutMs: 15_000, what: 'bulk pool seen down' });
  const failOpen = await a(mxlb, 'bulk');
  t.deepEqual(failOpen, hosts(bulk), 'fail-open: bulk members, never tx');
  for (const h of hosts(tx)) t.false(failOpen.includes(h));
  t.deepEqual(await a(mxlb, 'transactional'), hosts(tx));
  const explain = (await (await fetch(`http://${mxlb.http.host}:${mxlb.http.port}/explain?name=bulk.${ORIGIN}&type=A`)).json()) as { text: string };
  t.regex(explain.text, /fail-open/);
});
