/** `experiment:` on a balanced name (docs/routing.md "A/B experiments"): parsed into arms, and every bad definition reported with file, line and reason. */
import test from 'ava';
import { parseYamlZone } from '../../../src/zone/yaml/yaml-parser.ts';

const HEAD = `records: |
  @ SOA ns1 hostmaster 1 1h 15m 1w 5m
  @ NS ns1
pools:
  a:
    members: [{name: mta1, address: 127.0.0.11}, {name: mta2, address: 127.0.0.12}]
  b:
    members: [{name: mta1, address: 127.0.0.21}]
`;
const parse = (yaml: string) => parseYamlZone(HEAD + yaml, { file: 'zones/relay.test.yaml', origin: 'relay.test' }).zone.balancing!;

test('an experiment: arms are variants of the name (tiers, policy, max, ttl, weights), times parsed', (t) => {
  const b = parse(`names:
  smtp:
    tiers: [a]
    ttl: 30
    experiment:
      name: pools-ab
      start: 2026-12-01T00:00:00Z
      end: 2026-12-31
      arms:
        A: {percent: 50}
        B: {percent: 50, tiers: [b], policy: weighted, max: 1, ttl: 10}
        C: {percent: 0, weights: {a/mta1: 300, mta2: 0}}
`);
  const e = b.names.get('smtp.relay.test')!.experiment!;
  t.is(e.name, 'pools-ab');
  t.is(e.start, Date.parse('2026-12-01T00:00:00Z'));
  t.is(e.end, Date.parse('2026-12-31T00:00:00Z'));
  t.deepEqual(e.arms.map((a) => [a.name, a.percent]), [['A', 50], ['B', 50], ['C', 0]]);
  t.deepEqual(e.arms[0]!.balanced.tiers[0]!.pools, ['a']);
  const armB = e.arms[1]!.balanced;
  t.deepEqual(armB.tiers[0]!.pools, ['b']);
  t.is(armB.policy, 'weighted');
  t.is(armB.max, 1);
  t.is(armB.ttl, 10);
  t.is(armB.degradedTtl, 5);
  t.is(armB.experiment, undefined);
  t.deepEqual(e.arms[2]!.balanced.tiers[0]!.members.map((m) => m.weight), [300, 0]);
});

const bad: Array<[string, string, RegExp]> = [
  ['percents not summing to 100', '{name: x, arms: {A: {percent: 60}, B: {percent: 30}}}', /relay\.test\.yaml:\d+: balanced name smtp experiment: arm percents \(A=60, B=30\) percents sum to 90, not 100/],
  ['an unknown pool', '{name: x, arms: {A: {percent: 50}, B: {percent: 50, tiers: [c]}}}', /experiment arm B tier 0: unknown pool "c"/],
  ['one arm', '{name: x, arms: {A: {percent: 100}}}', /needs at least two arms \(it has 1\)/],
  ['no name', '{arms: {A: {percent: 50}, B: {percent: 50}}}', /experiment has no name/],
  ['an unknown arm key', '{name: x, arms: {A: {percent: 50}, B: {precent: 50}}}', /unknown key|precent/],
  ['an end before the start', '{name: x, start: 2026-12-02, end: 2026-12-01, arms: {A: {percent: 50}, B: {percent: 50}}}', /end 2026-12-01T00:00:00\.000Z is not after its start/],
  ['a time without a zone', '{name: x, start: "2026-12-02T10:00", arms: {A: {percent: 50}, B: {percent: 50}}}', /start "2026-12-02T10:00" is not a time/],
  ['an unknown member weight', '{name: x, arms: {A: {percent: 50}, B: {percent: 50, weights: {mta9: 1}}}}', /weights: no member "mta9"/],
];
for (const [title, experiment, want] of bad) {
  test(`experiment: ${title} is reported`, (t) => {
    const error = t.throws(() => parse(`names:\n  smtp:\n    tiers: [a]\n    experiment: ${experiment}\n`));
    t.regex(String(error?.message), want);
  });
}

test('experiment: a name used twice in a zone is reported', (t) => {
  const error = t.throws(() => parse(`names:
  smtp: {tiers: [a], experiment: {name: x, arms: {A: {percent: 50}, B: {percent: 50}}}}
  bulk: {tiers: [b], experiment: {name: x, arms: {A: {percent: 50}, B: {percent: 50}}}}
`));
  t.regex(String(error?.message), /the name "x" is already used by smtp\.relay\.test\./);
});
