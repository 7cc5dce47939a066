import test from 'ava';
import { ProbeScheduler, type ScheduledTarget } from '../../../src/probe/scheduler.ts';
import type { MemberHealth } from '../../../src/probe/health.ts';
import { FakeClock, scriptedCheck } from './scheduler-fake-clock.ts';

const settings = { intervalMs: 1000, recheckMs: 250, jitter: 0.1, rise: 2, fall: 2 };
const timeouts = { connectMs: 1000, bannerMs: 3000, ehloMs: 2000, tlsMs: 3000, quitMs: 500 };
const spec = (n: number): ScheduledTarget => ({
  memberId: `a/m${n}`,
  target: { address: `192.0.2.${n}`, port: 25, ehloName: 'probe.test', starttls: 'off', timeouts },
  settings,
});

function setup(script: Parameters<typeof scriptedCheck>[1]) {
  const clock = new FakeClock();
  const probe = scriptedCheck(clock, script);
  const scheduler = new ProbeScheduler({ check: probe.check, clock, random: () => 0.5, staggerMs: 0 });
  const results: string[] = [];
  scheduler.onResult((id) => results.push(id));
  const count = (n: number) => probe.calls.filter((c) => c.address === `192.0.2.${n}`).length;
  return { clock, probe, scheduler, results, count };
}

test('members not owned are never probed and do not hold up the first round', async (t) => {
  const { clock, scheduler, count, results } = setup(() => ({ ok: true, ms: 5 }));
  const owned = new Set(['a/m1']);
  scheduler.setOwnership((id) => owned.has(id));
  scheduler.setTargets([spec(1), spec(2), spec(3)]);
  await clock.advance(3100);
  t.is(count(1), 4);
  t.is(count(2), 0);
  t.is(count(3), 0);
  t.true(scheduler.isFirstRoundDone());
  t.deepEqual([...scheduler.snapshot().keys()], ['a/m1'], 'parked members have no current local health');
  t.deepEqual(new Set(results), new Set(['a/m1']));
  scheduler.stop();
});

test('a member gained is probed at once, starting from the adopted (shared) health', async (t) => {
  const { clock, scheduler, count } = setup(() => ({ ok: true, ms: 5 }));
  const owned = new Set<string>();
  const shared: MemberHealth = { state: 'down', since: 0, successes: 0, failures: 0, probes: 0, reason: 'remote verdict' };
  scheduler.setOwnership((id) => owned.has(id), (id) => (id === 'a/m2' ? shared : undefined));
  scheduler.setTargets([spec(1), spec(2)]);
  await clock.advance(2000);
  t.is(count(2), 0);
  owned.add('a/m2');
  scheduler.ownershipChanged();
  await clock.advance(10);
  t.is(count(2), 1, 'probed at once');
  // rise 2: one success after an adopted `down` is not enough to come back
  t.is(scheduler.snapshot().get('a/m2')?.state, 'down');
  await clock.advance(300);
  t.is(scheduler.snapshot().get('a/m2')?.state, 'up');
  t.is(count(1), 0);
  scheduler.stop();
});

test('a member lost stops being probed at once; its in-flight probe still reports', async (t) => {
  const { clock, scheduler, count, results } = setup(() => ({ ok: true, ms: 100 }));
  const owned = new Set(['a/m1']);
  scheduler.setOwnership((id) => owned.has(id));
  scheduler.setTargets([spec(1)]);
  await clock.advance(1150); // second probe started at 1100, in flight
  t.is(count(1), 2);
  owned.delete('a/m1');
  scheduler.ownershipChanged();
  await clock.advance(5000);
  t.is(count(1), 2, 'no probe after losing the member');
  t.is(results.length, 2, 'the in-flight probe reported');
  t.is(clock.pending, 0, 'no timer left for a parked member');
  scheduler.stop();
});

test('ownership regained after a loss resumes at one probe per interval, not a burst', async (t) => {
  const { clock, scheduler, count } = setup(() => ({ ok: true, ms: 1 }));
  let owns = true;
  scheduler.setOwnership(() => owns);
  scheduler.setTargets([spec(1)]);
  await clock.advance(500);
  owns = false;
  scheduler.ownershipChanged();
  await clock.advance(3000);
  owns = true;
  scheduler.ownershipChanged();
  scheduler.ownershipChanged(); // repeated calls do not start extra probes
  await clock.advance(2500);
  t.is(count(1), 1 + 3);
  scheduler.stop();
});
