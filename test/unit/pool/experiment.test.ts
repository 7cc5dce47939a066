/**
 * A/B assignment (pool/experiment.ts): the client split over simulated subnets, how few clients a
 * split change moves, stickiness, the hashed subnet (/24, /56, ECS as sent), and split parsing.
 */
import test from 'ava';
import { armFor, assignArm, clientSubnet, hashPoint, parseAddress, parseSplit, type BalancedName, type ClientAddress, type Experiment } from '../../../src/pool/index.ts';

const name = { owner: 'smtp.relay.test' } as BalancedName;
const experiment: Experiment = { name: 'pools-ab', arms: [{ name: 'A', percent: 50, balanced: name }, { name: 'B', percent: 50, balanced: name }] };

function v4(text: string, sourcePrefix = 32): ClientAddress {
  const parsed = parseAddress(text)!;
  return { ...parsed, sourcePrefix };
}

/** 1,000 distinct /24 subnets: 10.x.y.0 for a spread of x, y. */
const subnets: ClientAddress[] = Array.from({ length: 1000 }, (_, i) => ({ family: 4, bytes: Uint8Array.from([10, i >> 8, i & 0xff, 0]), sourcePrefix: 24 }));

test('at 50/50, 1,000 simulated subnets split within ±5 points', (t) => {
  const a = subnets.filter((c) => armFor(experiment, { split: [50, 50] }, c, 'source').arm === 'A').length;
  t.log(`arm A: ${a / 10} %`);
  t.true(Math.abs(a / 10 - 50) <= 5);
});

test('50/50 → 60/40 moves at most 12 % of clients (exactly those between the old and new boundary)', (t) => {
  let moved = 0;
  for (const c of subnets) if (armFor(experiment, { split: [50, 50] }, c, 'source').arm !== armFor(experiment, { split: [60, 40] }, c, 'source').arm) moved += 1;
  t.log(`moved: ${moved / 10} %`);
  t.true(moved / 1000 <= 0.12);
  t.true(moved > 0);
  // Every client moved went from B to A: nobody in A leaves it when A grows.
  for (const c of subnets) {
    const before = armFor(experiment, { split: [50, 50] }, c, 'source').arm;
    if (before === 'A') t.is(armFor(experiment, { split: [60, 40] }, c, 'source').arm, 'A');
  }
});

test('every address of a /24 gets the same arm (sticky by subnet), and IPv6 by /56', (t) => {
  const first = armFor(experiment, { split: [50, 50] }, v4('192.0.2.1'), 'source');
  for (let i = 2; i < 255; i++) t.is(armFor(experiment, { split: [50, 50] }, v4(`192.0.2.${i}`), 'source').arm, first.arm);
  t.is(first.subnet, '192.0.2.0/24');
  const a = parseAddress('2001:db8:1:ff00::1')!;
  const b = parseAddress('2001:db8:1:ffab:cd::9')!;
  t.is(clientSubnet({ ...a, sourcePrefix: 128 }).length, 56);
  t.is(hashPoint('x', clientSubnet({ ...a, sourcePrefix: 128 })), hashPoint('x', clientSubnet({ ...b, sourcePrefix: 128 })));
});

test('an ECS subnet shorter than /24 is hashed as sent, and its scope is its length', (t) => {
  const d = armFor(experiment, { split: [50, 50] }, v4('10.1.0.0', 16), 'ecs');
  t.is(d.subnet, '10.1.0.0/16');
  t.is(d.scope, 16);
  t.is(d.via, 'ecs');
});

test('experiments are independent: the name salts the hash', (t) => {
  const other = subnets.filter((c) => hashPoint('a', clientSubnet(c)) < 0.5 !== hashPoint('b', clientSubnet(c)) < 0.5).length;
  t.true(other > 400 && other < 600, `${other}`);
});

const rangeCases: Array<[number[], number, number]> = [
  [[50, 50], 0.0, 0],
  [[50, 50], 0.4999, 0],
  [[50, 50], 0.5, 1],
  [[60, 40], 0.59, 0],
  [[0, 100], 0.01, 1],
  [[100, 0], 0.99, 0],
  [[20, 30, 50], 0.45, 1],
  [[20, 30, 50], 0.5, 2],
];
for (const [split, point, index] of rangeCases) {
  test(`assignArm ${split.join('/')} at ${point} → arm ${index}`, (t) => {
    t.is(assignArm(split, point).index, index);
  });
}

const splitCases: Array<[string, number[] | RegExp]> = [
  ['A=60,B=40', [60, 40]],
  ['B=40, A=60', [60, 40]],
  ['A=60%,B=40%', [60, 40]],
  ['A=60,B=30', /sum to 90, not 100/],
  ['A=60,C=40', /unknown arm "C"; arms: A, B/],
  ['A=100', /no percent for arm B/],
  ['A=50,A=50', /named twice/],
  ['A:50,B=50', /not ARM=PERCENT/],
];
for (const [text, want] of splitCases) {
  test(`parseSplit "${text}"`, (t) => {
    const got = parseSplit(experiment, text);
    if (Array.isArray(want)) t.deepEqual(got, want);
    else t.regex(got as string, want);
  });
}
