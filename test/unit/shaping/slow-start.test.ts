/** Slow start (shaping/slow-start.ts): the ramp over simulated time, its steps, and which transitions start it. */
import test from 'ava';
import { composeWeight } from '../../../src/pool/weight.ts';
import { slowStartFactor, slowStartNextAt, SlowStartTracker } from '../../../src/shaping/index.ts';
import { m } from '../pool/fixture.ts';

const SETTINGS = { windowMs: 60_000, floor: 0.1 };

test('the ramp goes linearly from the floor to full weight over the window, in 5 % steps, then ends', (t) => {
  t.is(slowStartFactor(0, 0, SETTINGS)?.value, 0.1);
  t.is(slowStartFactor(0, 15_000, SETTINGS)?.value, 0.3); // 0.1 + 0.9 × 0.25 = 0.325 → step 0.30
  t.is(slowStartFactor(0, 30_000, SETTINGS)?.value, 0.55);
  t.is(slowStartFactor(0, 45_000, SETTINGS)?.value, 0.75); // 0.775 → 0.75
  t.is(slowStartFactor(0, 59_999, SETTINGS)?.value, 0.95, 'the last step below full weight');
  t.is(slowStartFactor(0, 60_000, SETTINGS), undefined, 'after the window: no factor at all');
  t.is(slowStartFactor(0, 10_000, SETTINGS)?.reason, 'slow-start-ramp');
  let previous = 0;
  for (let now = 0; now < 60_000; now += 250) {
    const value = slowStartFactor(0, now, SETTINGS)!.value;
    t.true(value >= previous, 'never goes down');
    previous = value;
  }
});

test('the next step time is when the quantised value changes, and the ramp end at last', (t) => {
  const next = slowStartNextAt(0, 0, SETTINGS)!;
  t.true(next > 0 && next <= 60_000);
  t.true(slowStartFactor(0, next, SETTINGS)!.value > slowStartFactor(0, next - 1, SETTINGS)!.value);
  t.is(slowStartNextAt(0, 60_000, SETTINGS), undefined);
});

test('a member ramps after down → up and after a drain ends, not on its first verdict', (t) => {
  const tracker = new SlowStartTracker();
  tracker.observe('p/a', 'up', 0);
  t.is(tracker.factor('p/a', SETTINGS, 1000), undefined, 'first verdict up: no ramp (mxlb restarted, the MTA did not)');
  tracker.observe('p/a', 'down', 2000);
  tracker.observe('p/a', 'up', 10_000);
  t.is(tracker.factor('p/a', SETTINGS, 10_000)?.value, 0.1);
  t.is(tracker.factor('p/a', SETTINGS, 40_000)?.value, 0.55);
  t.is(tracker.factor('p/a', SETTINGS, 70_000), undefined);
  tracker.observe('p/a', 'drained', 80_000);
  tracker.observe('p/a', 'up', 90_000);
  t.is(tracker.factor('p/a', SETTINGS, 90_000)?.value, 0.1, 'a drain that ends ramps too');
  tracker.observe('p/a', 'down', 95_000);
  t.is(tracker.factor('p/a', SETTINGS, 95_000), undefined, 'down again: the ramp is over, the next recovery starts a new one');
  t.is(tracker.factor('p/a', undefined, 95_000), undefined, 'a pool without slow-start never ramps');
});

test('the factor goes into the one weight composition as a slow-start scale', (t) => {
  const member = m('p', 1, { weight: 200 });
  const w = composeWeight(member, { state: 'up', observed: 'up', shaping: [{ name: 'slow-start', value: 0.25, reason: 'slow-start-ramp' }] }, 1000);
  t.is(w.weight, 50);
  t.is(w.serving, 50);
  t.deepEqual(w.factors.map((f) => `${f.name} ${f.kind} ${f.value} ${f.reason}`), ['configured base 200 configured', 'slow-start scale 0.25 slow-start-ramp', 'state scale 1 usable']);
});
