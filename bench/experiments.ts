/**
 * Query-path cost of a running A/B experiment (in process, no sockets): the Answerer answering
 * cached queries for a balanced name in an ECS zone from 256 ECS subnets, with the experiment not
 * running (the snapshot has no runs) and running 50/50 (arm key, per-arm counters). Rounds
 * alternate; prints ns per query of each round, the medians and their ratio.
 *
 *   node --import=tsx bench/experiments.ts
 */
import { Answerer } from '../src/dns/answer.ts';
import { ArmCounts } from '../src/dns/arm-counts.ts';
import { resolve } from '../src/dns/resolve.ts';
import { silentLogger } from '../src/log.ts';
import { parseYamlZone } from '../src/zone/yaml/yaml-parser.ts';
import { snapshotWith } from '../test/helpers/balanced-zone.ts';
import { buildQuery } from '../test/helpers/dns-client.ts';
const YAML = `
origin: relay.example.com
ecs: true
records: |
  @ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60
  @ 300 IN NS ns1
pools:
  a: { members: [{name: a1, address: 192.0.2.1}, {name: a2, address: 192.0.2.2}] }
  b: { members: [{name: b1, address: 198.51.100.1}] }
names:
  smtp:
    tiers: [a]
    experiment: { name: ab, arms: { A: { percent: 50 }, B: { percent: 50, tiers: [b] } } }
`;
const { zone } = parseYamlZone(YAML, { file: 'relay.example.com.yaml' });
const base = snapshotWith(zone, {}, 1);
const queries = Array.from({ length: 256 }, (_, i) => buildQuery({ id: 7, name: 'smtp.relay.example.com', edns: { options: Buffer.from([0, 8, 0, 7, 0, 1, 24, 0, 10, 1, i]) } }));
function round(running: boolean): number {
  const snapshot = running ? { ...base, experiments: new Map([['ab', { split: [50, 50] }]]) } : base;
  const answerer = new Answerer({ getSnapshot: () => snapshot, resolve, logger: silentLogger, metrics: new ArmCounts() });
  for (let i = 0; i < 20000; i++) answerer.answer(queries[i & 255]!, 'udp', '127.0.0.9');
  const n = 300_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) answerer.answer(queries[i & 255]!, 'udp', '127.0.0.9');
  return Number(process.hrtime.bigint() - t0) / n;
}
const off: number[] = [], on: number[] = [];
for (let r = 0; r < 7; r++) { off.push(round(false)); on.push(round(true)); }
const med = (x: number[]) => [...x].sort((a, b) => a - b)[3]!;
console.log(`ns/query, 256 ECS subnets, cache hits: no experiment ${med(off).toFixed(0)} (${off.map((x) => x.toFixed(0)).join(' ')}), running ${med(on).toFixed(0)} (${on.map((x) => x.toFixed(0)).join(' ')}), ratio ${(med(on) / med(off)).toFixed(2)}`);
