/**
 * recordExpiries over a fake store and a fake clock: an override or weight whose time is up is
 * removed from the store by EXPIRY_AUTHOR and logged; one replaced in the meantime stays.
 */
import test from 'ava';
import { pino } from 'pino';
import { EXPIRY_AUTHOR, recordExpiries } from '../../src/override-expiry.ts';
import type { Override, WeightOverride } from '../../src/pool/model.ts';
import { SnapshotKeeper } from '../../src/snapshot-keeper.ts';
import { FakeStore } from '../helpers/fake-store.ts';
import { eventually } from '../helpers/poll.ts';

const T0 = 1_000_000;
type LogLine = Record<string, unknown> & { msg: string };

function setup() {
  const clock = { now: T0 };
  const logs: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const store = new FakeStore(() => clock.now);
  const keeper = new SnapshotKeeper(store, logger, () => clock.now);
  const stop = recordExpiries(keeper, store, logger, () => clock.now);
  keeper.setZones({ zones: new Map() });
  store.putHealth('p/a', { state: 'up', since: T0 - 5000 });
  store.putHealth('p/b', { state: 'up', since: T0 - 5000 });
  return { clock, logs, store, keeper, close: () => (stop(), keeper.close()) };
}

const drain: Override = { kind: 'drained', reason: 'kernel upgrade', author: 'alice', at: T0, expiresAt: T0 + 1000 };
const ramp: WeightOverride = { weight: 10, reason: 'ramp', author: 'bob', at: T0, expiresAt: T0 + 1000 };
const expiries = (logs: LogLine[]) => logs.filter((line) => line.msg === 'override expired');

test('an expired override and weight are removed by EXPIRY_AUTHOR, audited and logged', async (t) => {
  const { clock, logs, store, keeper, close } = setup();
  await store.setOverride('p/a', drain, 'alice');
  await store.setWeight('p/b', ramp, 'bob');
  await new Promise((resolve) => setImmediate(resolve));
  t.is(store.view().overrides.size, 1, 'nothing is due before its time');
  t.deepEqual(expiries(logs), []);

  clock.now = T0 + 1000;
  t.true(keeper.rebuild(), 'the rebuild at the expiry time swaps');
  await eventually(() => store.view().overrides.size === 0 && store.view().weights.size === 0, { what: 'expired entries removed' });
  const [weight, override] = store.audit(2);
  t.like(override, { author: EXPIRY_AUTHOR, action: 'undrain', member: 'p/a', at: T0 + 1000, previous: drain });
  t.like(weight, { author: EXPIRY_AUTHOR, action: 'clear-weight', member: 'p/b', previous: ramp });
  t.deepEqual(
    expiries(logs).map(({ module, member, action, previous, next, author, reason, expiresAt }) => ({ module, member, action, previous, next, author, reason, expiresAt })),
    [
      { module: 'admin', member: 'p/a', action: 'undrain', previous: 'drained', next: 'up', author: EXPIRY_AUTHOR, reason: 'kernel upgrade', expiresAt: T0 + 1000 },
      { module: 'admin', member: 'p/b', action: 'clear-weight', previous: 10, next: 'configured', author: EXPIRY_AUTHOR, reason: 'ramp', expiresAt: T0 + 1000 },
    ],
  );
  t.like(keeper.current().members.get('p/a'), { state: 'up', override: undefined });
  close();
});

test('the keeper timer alone brings the expiry: no other event is needed', async (t) => {
  const { clock, logs, store, close } = setup();
  await store.setOverride('p/a', { ...drain, expiresAt: T0 + 30 }, 'alice');
  clock.now = T0 + 30; // the keeper armed a real 30 ms timer; when it fires, "now" is the expiry
  await eventually(() => store.view().overrides.size === 0, { what: 'override removed at its expiry' });
  t.is(store.audit(1)[0]?.author, EXPIRY_AUTHOR);
  t.is(expiries(logs).length, 1);
  close();
});

test('an override replaced in the meantime is not removed', async (t) => {
  const { clock, logs, store, keeper, close } = setup();
  await store.setOverride('p/a', drain, 'alice');
  await store.setOverride('p/b', { ...drain, kind: 'quarantined', reason: 'sbl' }, 'alice');
  // While the sweep clears p/a, an operator quarantines p/b again: the sweep listed p/b as due,
  // but the entry now in the store is another one and stays.
  const replacement: Override = { kind: 'quarantined', reason: 'still listed', author: 'carol', at: T0 + 1000 };
  const setOverride = store.setOverride.bind(store);
  store.setOverride = async (member, override, author) => {
    const entry = await setOverride(member, override, author);
    if (member === 'p/a' && author === EXPIRY_AUTHOR) await setOverride('p/b', replacement, 'carol');
    return entry;
  };
  clock.now = T0 + 1000;
  keeper.rebuild();
  await eventually(() => !store.view().overrides.has('p/a'), { what: 'p/a released' });
  await new Promise((resolve) => setImmediate(resolve));
  t.is(store.view().overrides.get('p/b'), replacement);
  t.deepEqual(expiries(logs).map((line) => line.member), ['p/a']);
  t.deepEqual(store.audit(10).filter((entry) => entry.author === EXPIRY_AUTHOR).map((entry) => entry.member), ['p/a']);
  t.is(keeper.current().members.get('p/b')?.state, 'quarantined');
  close();
});

test('a live override is never swept, even when other changes swap the snapshot', async (t) => {
  const { clock, logs, store, close } = setup();
  await store.setOverride('p/a', drain, 'alice');
  clock.now = T0 + 999;
  store.putHealth('p/b', { state: 'down', since: clock.now, lastFailure: { at: clock.now, reason: 'connect-refused' } });
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  t.is(store.view().overrides.get('p/a'), drain);
  t.deepEqual(expiries(logs), []);
  close();
});
