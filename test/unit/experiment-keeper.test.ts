/**
 * The ExperimentKeeper over simulated time (src/experiment-keeper.ts) and honest attribution
 * (src/experiment-attribution.ts): start/end windows, operators' start (with split) and stop read
 * back from the audit log, runs handed to the snapshot, outcomes tallied by member or client and
 * the rest counted as unattributed.
 */
import test from 'ava';
import { pino } from 'pino';
import { attribute, attributionPlan } from '../../src/experiment-attribution.ts';
import { ExperimentKeeper } from '../../src/experiment-keeper.ts';
import type { ExperimentRun } from '../../src/pool/index.ts';
import { OutcomeStore, type Outcome } from '../../src/signals/index.ts';
import { parseYamlZone } from '../../src/zone/yaml/yaml-parser.ts';
import { FakeStore } from '../helpers/fake-store.ts';

const T0 = Date.parse('2026-12-07T00:00:00Z');
const YAML = (times: string) => `
records: |
  @ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60
  @ 300 IN NS ns1
pools:
  a: { members: [{name: a1, address: 192.0.2.1}] }
  b: { members: [{name: b1, address: 192.0.2.2}] }
  s: { members: [{name: s1, address: 192.0.2.3}] }
names:
  smtp:
    tiers: [[a, s]]
    experiment:
      name: ab
      ${times}
      arms:
        A: { percent: 50 }
        B: { percent: 50, tiers: [[b, s]] }
`;

function setup(times = '') {
  const { zone } = parseYamlZone(YAML(times), { file: 'relay.test.yaml', origin: 'relay.test' });
  let now = T0;
  const store = new FakeStore();
  const outcomes = new OutcomeStore({ now: () => now });
  const pushed: Array<ReadonlyMap<string, ExperimentRun>> = [];
  const keeper = new ExperimentKeeper({ store, outcomes, setExperiments: (runs) => pushed.push(runs), logger: pino({ level: 'silent' }), now: () => now, tickMs: 3_600_000 });
  keeper.setZones({ zones: new Map([[zone.origin, zone]]) });
  return { keeper, store, outcomes, pushed, zone, at: (t: number) => ((now = t), keeper.tick()) };
}

const outcome = (member: string, status: Outcome['status'], client?: string): Outcome => ({ member, status, at: T0, provider: 'other', source: 'api', ...(client ? { client } : {}) });

test('without times an experiment runs at once with the zone split; stop and start (with a split) are audited and read back', async (t) => {
  const { keeper, store, pushed, zone } = setup();
  t.teardown(() => keeper.close());
  t.is(keeper.get('ab').state, 'running');
  t.deepEqual([...pushed.at(-1)!], [['ab', { split: [50, 50] }]]);
  await keeper.stop('ab', { author: 'alice', reason: 'done' });
  t.deepEqual([...pushed.at(-1)!], []);
  t.regex(keeper.get('ab').why, /stopped by alice at .*: done/);
  await keeper.start('ab', { author: 'bob', split: 'A=30,B=70' });
  t.deepEqual([...pushed.at(-1)!], [['ab', { split: [30, 70] }]]);
  t.deepEqual(store.audit(2).map((e) => [e.action, e.member]), [['experiment-start', 'experiment/ab'], ['experiment-stop', 'experiment/ab']]);
  // A second keeper over the same store (a restart, another instance) reads the same state back.
  const again = new ExperimentKeeper({ store, setExperiments: () => {}, logger: pino({ level: 'silent' }), tickMs: 3_600_000 });
  t.teardown(() => again.close());
  again.setZones({ zones: new Map([[zone.origin, zone]]) });
  t.is(again.get('ab').state, 'running');
  t.deepEqual(again.get('ab').split, [30, 70]);
  await t.throwsAsync(() => keeper.start('ab', { author: 'bob', split: 'A=30,B=60' }), { message: /sum to 90/ });
  await t.throwsAsync(() => keeper.stop('abc', { author: 'bob' }), { message: /no experiment "abc"; experiments: ab/ });
});

test('start and end times: scheduled, running, ended; the snapshot follows at each tick', (t) => {
  const { keeper, pushed, at } = setup(`start: 2026-12-08T00:00:00Z\n      end: 2026-12-09T00:00:00Z`);
  t.teardown(() => keeper.close());
  t.is(keeper.get('ab').state, 'scheduled');
  t.is(pushed.length, 0);
  at(Date.parse('2026-12-08T00:00:00Z'));
  t.is(keeper.get('ab').state, 'running');
  t.deepEqual([...pushed.at(-1)!.keys()], ['ab']);
  at(Date.parse('2026-12-09T00:00:00Z'));
  t.is(keeper.get('ab').state, 'ended');
  t.deepEqual([...pushed.at(-1)!.keys()], []);
});

test('outcomes count for an arm by member, else by the client address, else as unattributed', (t) => {
  const { keeper, outcomes, zone } = setup();
  t.teardown(() => keeper.close());
  const experiment = zone.balancing!.names.get('smtp.relay.test')!.experiment!;
  const plan = attributionPlan(experiment, { split: [50, 50] });
  // Find a client address per arm (the hash decides).
  const clientOf = (arm: number) => Array.from({ length: 256 }, (_, i) => `10.0.${i}.1`).find((c) => (attribute(plan, { member: 's/s1', client: c }) as { arm?: number }).arm === arm)!;
  outcomes.record([
    outcome('a/a1', 'sent'),
    outcome('a/a1', 'deferred'),
    outcome('b/b1', 'bounced'),
    outcome('s/s1', 'sent', clientOf(1)),
    outcome('s/s1', 'sent', clientOf(0)),
    outcome('s/s1', 'sent'),
    outcome('x/other', 'sent', clientOf(0)),
  ]);
  const { report } = keeper.report('ab');
  t.deepEqual(report.arms.map((a) => [a.arm, a.samples, a.attribution.member, a.attribution.client]), [['A', 3, 2, 1], ['B', 2, 1, 1]]);
  t.is(report.unattributed, 1, 'the shared member without a client address');
  t.deepEqual(attribute(plan, { member: 'x/other' }), { shared: false }, 'a member in no arm is not this experiment\'s');
});

test('a zone reload that leaves the experiment as it was keeps the tallies; one that changes its arms starts a new run', (t) => {
  const { keeper, outcomes } = setup();
  t.teardown(() => keeper.close());
  outcomes.record([outcome('a/a1', 'sent'), outcome('b/b1', 'deferred')]);
  const samples = () => keeper.report('ab').report.arms.map((a) => a.samples);
  t.deepEqual(samples(), [1, 1]);
  const same = parseYamlZone(YAML(''), { file: 'relay.test.yaml', origin: 'relay.test' }).zone;
  keeper.setZones({ zones: new Map([[same.origin, same]]) });
  t.deepEqual(samples(), [1, 1], 'an identical reload keeps counting');
  const changed = parseYamlZone(YAML('').replace('tiers: [[b, s]]', 'tiers: [[b]]'), { file: 'relay.test.yaml', origin: 'relay.test' }).zone;
  keeper.setZones({ zones: new Map([[changed.origin, changed]]) });
  t.deepEqual(samples(), [0, 0], 'arm B lost the shared pool: a new run');
});
