/**
 * A/B experiments through the real answer path (scan → cache → resolve → encode → ECS echo):
 * each client subnet gets its arm's pools, no arm's answer reaches another arm's client through
 * the cache, a client in a view keeps its view, the ECS scope is the hashed prefix, a stopped
 * experiment answers the name as usual, and the `arm` counter hook sees each answer.
 */
import test from 'ava';
import { Answerer } from '../../../src/dns/answer.ts';
import { ArmCounts } from '../../../src/dns/arm-counts.ts';
import { resolve } from '../../../src/dns/resolve.ts';
import { silentLogger } from '../../../src/log.ts';
import { armFor, parseAddress, type ExperimentRun } from '../../../src/pool/index.ts';
import type { Snapshot } from '../../../src/snapshot.ts';
import { parseYamlZone } from '../../../src/zone/yaml/yaml-parser.ts';
import { snapshotWith } from '../../helpers/balanced-zone.ts';
import { buildQuery, parseReply } from '../../helpers/dns-client.ts';

const YAML = `
origin: relay.example.com
ecs: true
records: |
  @ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60
  @ 300 IN NS ns1
  ns1 300 IN A 192.0.2.53
views:
  lab: [10.200.0.0/16]
pools:
  a: { members: [{name: a1, address: 192.0.2.1}] }
  b: { members: [{name: b1, address: 198.51.100.1}] }
  l: { members: [{name: l1, address: 203.0.113.1}] }
names:
  smtp:
    tiers: [a]
    views:
      lab: { tiers: [l] }
    experiment:
      name: pools-ab
      arms:
        A: { percent: 50 }
        B: { percent: 50, tiers: [b] }
`;

function ecsOption(source: number, address: number[]): Buffer {
  const body = Buffer.from([0, 1, source, 0, ...address]);
  return Buffer.concat([Buffer.from([0, 8, 0, body.length]), body]);
}

/** The SCOPE PREFIX-LENGTH of the reply's ECS option (walks the OPT record, the last one here). */
function ecsScope(reply: Buffer): number | undefined {
  const opt = reply.lastIndexOf(Buffer.from([0, 0, 0x29]));
  let pos = opt + 11;
  const end = pos + reply.readUInt16BE(opt + 9);
  while (pos < end) {
    if (reply.readUInt16BE(pos) === 8) return reply[pos + 7];
    pos += 4 + reply.readUInt16BE(pos + 2);
  }
  return undefined;
}

function setup(runs?: Map<string, ExperimentRun>) {
  const { zone } = parseYamlZone(YAML, { file: 'relay.example.com.yaml' });
  const base = snapshotWith(zone, {}, 1);
  const snapshot: Snapshot = runs ? { ...base, experiments: runs } : base;
  const counts = new ArmCounts();
  const answerer = new Answerer({ getSnapshot: () => snapshot, resolve, logger: silentLogger, metrics: counts });
  const ask = (subnet: number[], source = '127.0.0.9') => {
    const reply = answerer.answer(buildQuery({ id: 7, name: 'smtp.relay.example.com', edns: { options: ecsOption(24, subnet) } }), 'udp', source)!;
    const packet = parseReply(reply);
    const scope = ecsScope(reply);
    return { addresses: packet.answers.map((r) => (r as unknown as { address: string }).address), scope };
  };
  return { ask, counts, experiment: zone.balancing!.names.get('smtp.relay.example.com')!.experiment! };
}

const running = () => new Map([['pools-ab', { split: [50, 50] }]]);

test('each client subnet gets its arm; 200 subnets asked twice in mixed order never see the other arm', (t) => {
  const { ask, experiment, counts } = setup(running());
  const subnets = Array.from({ length: 200 }, (_, i) => [10, 1 + (i >> 8), i & 0xff]);
  const want = subnets.map((s) => (armFor(experiment, { split: [50, 50] }, { ...parseAddress(`${s.join('.')}.0`)!, sourcePrefix: 24 }, 'ecs').arm === 'A' ? '192.0.2.1' : '198.51.100.1'));
  for (const round of [0, 1]) {
    subnets.forEach((s, i) => {
      const j = round === 0 ? i : subnets.length - 1 - i;
      const got = ask(subnets[j]!);
      t.deepEqual(got.addresses, [want[j]!]);
      t.is(got.scope, 24, 'the answer depends on the /24 hashed');
    });
  }
  const inB = want.filter((w) => w === '198.51.100.1').length;
  t.true(inB > 70 && inB < 130, `${inB} of 200 in B`);
  const totals = counts.totals('pools-ab');
  t.is(totals.reduce((n, a) => n + a.answers, 0), 400);
  t.is(totals.find((a) => a.arm === 'B')?.clients, inB);
});

test('a client in a view keeps its view and is not in the experiment', (t) => {
  const { ask, counts } = setup(running());
  t.deepEqual(ask([10, 200, 1]).addresses, ['203.0.113.1']);
  t.deepEqual(counts.totals(), []);
});

test('a stopped experiment (not in the snapshot) answers the name as usual, with the scope views give', (t) => {
  const { ask } = setup();
  for (let i = 0; i < 50; i++) {
    const got = ask([10, 3, i]);
    t.deepEqual(got.addresses, ['192.0.2.1']);
    t.is(got.scope, 24, 'outside every view: the source prefix, as views answer');
  }
});

test('a 100/0 split sends every client to arm A, 0/100 to arm B', (t) => {
  for (const [split, want] of [[[100, 0], '192.0.2.1'], [[0, 100], '198.51.100.1']] as const) {
    const { ask } = setup(new Map([['pools-ab', { split: [...split] }]]));
    for (let i = 0; i < 30; i++) t.deepEqual(ask([10, 4, i]).addresses, [want]);
  }
});
