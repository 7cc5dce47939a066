import test from 'ava';
import { weightedSample } from '../../../src/pool/weighted.ts';
import { seeded } from './fixture.ts';

const items = [
  { id: 'a', w: 3 },
  { id: 'b', w: 1 },
  { id: 'c', w: 0 },
  { id: 'd', w: -1 },
  { id: 'e', w: Number.NaN },
];
const w = (x: { w: number }) => x.w;

test('only positive weights are drawn, k caps the result, k beyond n returns all drawable', (t) => {
  const random = seeded(3);
  for (let i = 0; i < 500; i++) {
    const got = weightedSample(items, w, 10, random).map((x) => x.id);
    t.deepEqual([...got].sort(), ['a', 'b']);
  }
  t.deepEqual(weightedSample(items, w, 0, random), []);
  t.is(weightedSample(items, w, 1, random).length, 1);
});

test('one random number per drawable item, and the larger key wins', (t) => {
  let calls = 0;
  // a gets u = 1 - 0.9 = 0.1 → ln(0.1)/3 ≈ -0.77; b gets u = 1 - 0.1 = 0.9 → ln(0.9)/1 ≈ -0.105: b first
  const values = [0.9, 0.1];
  const random = () => values[calls++] ?? 0;
  t.deepEqual(weightedSample(items, w, 2, random).map((x) => x.id), ['b', 'a']);
  t.is(calls, 2);
});

test('shares of the first position follow the weights (3:1)', (t) => {
  const random = seeded(11);
  let a = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) if (weightedSample(items, w, 1, random)[0]?.id === 'a') a++;
  t.true(Math.abs(a / n - 0.75) < 0.015, `share ${a / n}`);
});

test('ties (random() = 0 for every item) keep configured order', (t) => {
  t.deepEqual(weightedSample([{ id: 'x', w: 1 }, { id: 'y', w: 5 }], w, 2, () => 0).map((x) => x.id), ['x', 'y']);
});
