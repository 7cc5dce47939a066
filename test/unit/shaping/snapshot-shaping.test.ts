/** Shaping factors in the snapshot: compared by sameMemberStates, swapped only when they change, at the snapshot's time. */
import test from 'ava';
import { silentLogger } from '../../../src/log.ts';
import { SnapshotKeeper } from '../../../src/snapshot-keeper.ts';
import { sameMemberStates } from '../../../src/snapshot.ts';
import { FakeStore } from '../../helpers/fake-store.ts';

test('a changed factor swaps the snapshot; the same factors keep it; the snapshot carries its time', (t) => {
  const clock = { now: 5_000 };
  const store = new FakeStore(() => clock.now);
  const keeper = new SnapshotKeeper(store, silentLogger, () => clock.now);
  keeper.setZones({ zones: new Map() });
  store.putHealth('p/a', { state: 'up', since: 0 });
  const v0 = keeper.current().version;
  clock.now = 6_000;
  keeper.setShaping(new Map([['p/a', [{ name: 'slow-start', value: 0.1, reason: 'slow-start-ramp' }]]]));
  t.is(keeper.current().version, v0 + 1);
  t.is(keeper.current().at, 6_000);
  t.deepEqual(keeper.current().members.get('p/a')?.shaping, [{ name: 'slow-start', value: 0.1, reason: 'slow-start-ramp' }]);
  clock.now = 7_000;
  keeper.setShaping(new Map([['p/a', [{ name: 'slow-start', value: 0.1, reason: 'slow-start-ramp' }]]]));
  t.is(keeper.current().version, v0 + 1, 'same factors: no swap, the answer cache stays warm');
  keeper.setShaping(new Map([['p/a', [{ name: 'slow-start', value: 0.15, reason: 'slow-start-ramp' }]]]));
  t.is(keeper.current().version, v0 + 2);
  keeper.setShaping(new Map());
  t.is(keeper.current().version, v0 + 3);
  t.is(keeper.current().members.get('p/a')?.shaping, undefined);
  keeper.close();
});

test('sameMemberStates compares shaping factors by name, value, reason and order', (t) => {
  const up = { state: 'up' as const, observed: 'up' as const };
  const a = new Map([['p/a', { ...up, shaping: [{ name: 'warm-up' as const, value: 0.5, reason: 'warm-up-under-cap' as const }] }]]);
  t.true(sameMemberStates(a, new Map([['p/a', { ...up, shaping: [{ name: 'warm-up' as const, value: 0.5, reason: 'warm-up-under-cap' as const }] }]])));
  t.false(sameMemberStates(a, new Map([['p/a', { ...up, shaping: [{ name: 'warm-up' as const, value: 0.5, reason: 'warm-up-near-cap' as const }] }]])));
  t.false(sameMemberStates(a, new Map([['p/a', up]])));
});
