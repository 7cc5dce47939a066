/**
 * SnapshotKeeper over a fake store and a fake clock: the version (and the snapshot object, so the
 * answer cache stays warm) changes exactly when zones or a member's effective state changed.
 */
import test from 'ava';
import { silentLogger } from '../../src/log.ts';
import type { Override, WeightOverride } from '../../src/pool/model.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import { SnapshotKeeper } from '../../src/snapshot-keeper.ts';
import type { ZoneSet } from '../../src/zone/model.ts';
import { FakeStore } from '../helpers/fake-store.ts';
import { eventually } from '../helpers/poll.ts';

const T0 = 1_000_000;

function setup() {
  const clock = { now: T0 };
  const store = new FakeStore(() => clock.now);
  const keeper = new SnapshotKeeper(store, silentLogger, () => clock.now);
  const swaps: Snapshot[] = [];
  keeper.onSwap((snapshot) => swaps.push(snapshot));
  const zones: ZoneSet = { zones: new Map() };
  keeper.setZones(zones);
  store.putHealth('p/a', { state: 'up', since: T0 - 5000, lastProbeAt: T0 - 1000 });
  store.putHealth('p/b', { state: 'down', since: T0 - 9000, lastProbeAt: T0 - 1000, lastFailure: { at: T0 - 9000, reason: 'banner-421' } });
  keeper.current(); // applies the second verdict, held in the batch window
  swaps.length = 0;
  return { clock, store, keeper, swaps, zones };
}

const drain: Override = { kind: 'drained', reason: 'kernel upgrade', author: 'alice', at: T0, expiresAt: T0 + 60_000 };
const ramp: WeightOverride = { weight: 10, reason: 'ramp', author: 'bob', at: T0, expiresAt: T0 + 60_000 };

test('a store event that changes no state keeps the version, the snapshot object and calls no listener', async (t) => {
  const { store, keeper, swaps, clock } = setup();
  await store.setOverride('p/a', drain, 'alice');
  await store.setWeight('p/b', ramp, 'bob');
  const before = keeper.current();
  swaps.length = 0;
  const events = store.events;
  clock.now += 1000;
  store.touch();
  // the same verdicts re-written with newer probe times and fresh objects
  store.putHealth('p/a', { state: 'up', since: T0 - 5000, lastProbeAt: clock.now });
  store.putHealth('p/b', { state: 'down', since: T0 - 9000, lastProbeAt: clock.now, lastFailure: { at: clock.now, reason: 'banner-421', detail: 'again' } });
  // equal overrides, as new objects (what a Redis resync decodes)
  await store.setOverride('p/a', { ...drain }, 'alice');
  await store.setWeight('p/b', { ...ramp }, 'bob');
  t.is(store.events, events + 5);
  t.is(keeper.current(), before, 'the same snapshot object');
  t.is(keeper.current().version, before.version);
  t.deepEqual(swaps, []);
  t.false(keeper.rebuild());
  keeper.close();
});

test('a health change bumps the version, and so does a new failure reason while down', (t) => {
  const { store, keeper, swaps } = setup();
  const v = keeper.current().version;
  store.putHealth('p/a', { state: 'down', since: T0, lastFailure: { at: T0, reason: 'connect-refused' } });
  t.is(keeper.current().version, v + 1);
  t.is(keeper.current().members.get('p/a')?.state, 'down');
  store.putHealth('p/a', { state: 'down', since: T0, lastFailure: { at: T0 + 10, reason: 'banner-timeout' } });
  t.is(keeper.current().version, v + 2);
  t.is(keeper.current().members.get('p/a')?.observedReason, 'banner-timeout');
  store.putHealth('p/c', { state: 'unknown', since: T0 });
  t.is(keeper.current().version, v + 3, 'a member appearing is a change');
  t.deepEqual(swaps.map((s) => s.version), [v + 1, v + 2, v + 3]);
  keeper.close();
});

test('a swap keeps the state object of every member that did not change (the workers are sent only the changed ones)', (t) => {
  const { store, keeper } = setup();
  const before = keeper.current();
  store.putHealth('p/a', { state: 'down', since: T0, lastFailure: { at: T0, reason: 'connect-refused' } });
  const after = keeper.current();
  t.not(after, before);
  t.is(after.members.get('p/b'), before.members.get('p/b'), 'p/b unchanged: the same object');
  t.not(after.members.get('p/a'), before.members.get('p/a'));
  t.is(after.members.get('p/a')?.state, 'down');
  t.not(after.members, before.members, 'a new map: the old snapshot stays as it was');
  t.is(before.members.get('p/a')?.state, 'up');
  keeper.close();
});

test('setting, changing and clearing an override or a weight bumps the version', async (t) => {
  const { store, keeper } = setup();
  let v = keeper.current().version;
  const bumps = async (what: string, write: () => Promise<unknown>) => {
    await write();
    t.is(keeper.current().version, ++v, what);
  };
  await bumps('drain set', () => store.setOverride('p/a', drain, 'alice'));
  t.is(keeper.current().members.get('p/a')?.state, 'drained');
  await bumps('kind', () => store.setOverride('p/a', { ...drain, kind: 'quarantined' }, 'alice'));
  await bumps('author', () => store.setOverride('p/a', { ...drain, kind: 'quarantined', author: 'carol' }, 'carol'));
  await bumps('reason', () => store.setOverride('p/a', { ...drain, kind: 'quarantined', author: 'carol', reason: 'sbl' }, 'carol'));
  await bumps('at', () => store.setOverride('p/a', { ...drain, at: T0 + 1 }, 'alice'));
  await bumps('expiresAt', () => store.setOverride('p/a', { ...drain, at: T0 + 1, expiresAt: T0 + 120_000 }, 'alice'));
  await bumps('override cleared', () => store.setOverride('p/a', undefined, 'alice'));
  t.is(keeper.current().members.get('p/a')?.state, 'up');
  await bumps('weight set', () => store.setWeight('p/b', ramp, 'bob'));
  await bumps('weight', () => store.setWeight('p/b', { ...ramp, weight: 20 }, 'bob'));
  await bumps('weight author', () => store.setWeight('p/b', { ...ramp, weight: 20, author: 'dave' }, 'dave'));
  await bumps('weight reason', () => store.setWeight('p/b', { ...ramp, weight: 20, author: 'dave', reason: 'warm-up' }, 'dave'));
  await bumps('weight at', () => store.setWeight('p/b', { ...ramp, at: T0 + 5 }, 'bob'));
  const { expiresAt: _forever, ...noExpiry } = ramp;
  await bumps('weight expiresAt', () => store.setWeight('p/b', { ...noExpiry, at: T0 + 5 }, 'bob'));
  await bumps('weight cleared', () => store.setWeight('p/b', undefined, 'bob'));
  keeper.close();
});

test('an override expiring at T is released by a rebuild at T that bumps the version', async (t) => {
  const { store, keeper, swaps, clock } = setup();
  const T = T0 + 40; // the keeper arms a real 40 ms timer; the fake clock says when "now" is
  await store.setOverride('p/a', { ...drain, expiresAt: T }, 'alice');
  const drained = keeper.current();
  t.is(drained.members.get('p/a')?.state, 'drained');
  swaps.length = 0;

  // The timer fires while the clock still reads before T (a timer may run early): nothing changes,
  // and it is armed again.
  await new Promise((resolve) => setTimeout(resolve, 120));
  t.is(keeper.current(), drained);
  t.deepEqual(swaps, []);

  clock.now = T;
  // The keeper's timer is unref'd: poll (a ref'd timer) so the process waits for it.
  const seen: { snapshot: Snapshot; at: number }[] = [];
  keeper.onSwap((snapshot) => seen.push({ snapshot, at: clock.now }));
  const swapped = await eventually(() => seen[0], { what: 'the rebuild at T' });
  t.is(swapped.at, T);
  t.is(swapped.snapshot.version, drained.version + 1);
  t.is(keeper.current(), swapped.snapshot);
  t.like(swapped.snapshot.members.get('p/a'), { state: 'up', observed: 'up', override: undefined });
  t.is(store.view().overrides.get('p/a')?.expiresAt, T, 'the keeper only rebuilds; removing it is override-expiry');
  // later events with the expired entry still in the store change nothing
  clock.now = T + 1000;
  store.touch();
  t.is(keeper.current(), swapped.snapshot);
  keeper.close();
});

test('the expiry timer follows the soonest live expiry', async (t) => {
  const { store, keeper, clock } = setup();
  await store.setWeight('p/b', { ...ramp, expiresAt: T0 + 30 }, 'bob');
  await store.setOverride('p/a', { ...drain, expiresAt: T0 + 60_000 }, 'alice');
  const v = keeper.current().version;
  clock.now = T0 + 30;
  await eventually(() => keeper.current().version > v, { what: 'the rebuild at the weight expiry' });
  t.is(keeper.current().version, v + 1);
  t.is(keeper.current().members.get('p/b')?.weight, undefined);
  t.is(keeper.current().members.get('p/a')?.state, 'drained', 'the later override still holds');
  keeper.close();
});

test('a zones swap bumps the version; handing over the same ZoneSet again does not', (t) => {
  const { keeper, swaps, zones } = setup();
  const v = keeper.current().version;
  keeper.setZones(zones);
  t.is(keeper.current().version, v);
  const next: ZoneSet = { zones: new Map() };
  keeper.setZones(next);
  t.is(keeper.current().version, v + 1);
  t.is(keeper.current().zones, next);
  t.is(swaps.length, 1);
  keeper.close();
});

test('the first zones and the first verdicts are changes', (t) => {
  const store = new FakeStore(() => T0);
  const keeper = new SnapshotKeeper(store, silentLogger, () => T0);
  t.is(keeper.current().version, 0);
  t.false(keeper.rebuild(), 'an empty store over no zones is the initial snapshot');
  keeper.setZones({ zones: new Map() });
  t.is(keeper.current().version, 1);
  store.putHealth('p/a', { state: 'up', since: T0 });
  t.is(keeper.current().version, 2);
  keeper.close();
});

test('a burst of store changes is batched: one rebuild at once, the rest folded into one at the end of the window', async (t) => {
  const store = new FakeStore(() => T0);
  const keeper = new SnapshotKeeper(store, silentLogger, () => T0, { batchMs: 50 });
  const swaps: Snapshot[] = [];
  keeper.onSwap((snapshot) => swaps.push(snapshot));
  keeper.setZones({ zones: new Map() });
  swaps.length = 0;
  store.putHealth('p/m0', { state: 'up', since: T0 });
  t.is(swaps.length, 1, 'the first change after a quiet spell swaps at once');
  for (let i = 1; i < 1000; i++) store.putHealth(`p/m${i}`, { state: 'up', since: T0 });
  t.is(swaps.length, 1, 'the rest wait for the end of the window');
  await eventually(() => swaps.length === 2, { what: 'the batched rebuild' });
  t.is(swaps[1]!.members.size, 1000, 'one rebuild carries all 999 further verdicts');
  store.putHealth('p/m0', { state: 'down', since: T0, lastFailure: { at: T0, reason: 'connect-refused' } });
  t.is(keeper.current().members.get('p/m0')?.state, 'down', 'current() applies a pending change: readers never see an older state than the store');
  keeper.close();
});
