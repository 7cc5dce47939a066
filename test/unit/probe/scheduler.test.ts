import test from 'ava';
import { ProbeScheduler, type ScheduledTarget } from '../../../src/probe/scheduler.ts';
import { initialHealth, step, type HealthTransition, type MemberHealth } from '../../../src/probe/health.ts';
import type { ProbeTarget } from '../../../src/probe/types.ts';
import { FakeClock, scriptedCheck } from './scheduler-fake-clock.ts';

const settings = { intervalMs: 1000, recheckMs: 250, jitter: 0.1, rise: 2, fall: 2 };
const timeouts = { connectMs: 1000, bannerMs: 3000, ehloMs: 2000, tlsMs: 3000, quitMs: 500 };

function target(n: number, extra: Partial<ProbeTarget> = {}): ProbeTarget {
  return { address: `192.0.2.${n}`, port: 25, ehloName: 'probe.test', starttls: 'off', timeouts, ...extra };
}
function spec(n: number, extra: Partial<ProbeTarget> = {}, s = settings): ScheduledTarget {
  return { memberId: `a/m${n}`, target: target(n, extra), settings: s };
}

/** Scheduler on a fake clock with jitter pinned to the middle (interval exactly 1000 ms). */
function setup(script: Parameters<typeof scriptedCheck>[1], opts: { concurrency?: number; staggerMs?: number } = {}) {
  const clock = new FakeClock();
  const probe = scriptedCheck(clock, script);
  const scheduler = new ProbeScheduler({ check: probe.check, clock, random: () => 0.5, ...opts });
  const events: Array<{ id: string; ok: boolean; at: number; state: string; transition?: HealthTransition }> = [];
  scheduler.onResult((id, result, health, transition) => {
    const event: (typeof events)[number] = { id, ok: result.ok, at: clock.now(), state: health.state };
    if (transition) event.transition = transition;
    events.push(event);
  });
  return { clock, probe, scheduler, events };
}

const callTimes = (calls: Array<{ address: string; at: number }>, n: number) => calls.filter((c) => c.address === `192.0.2.${n}`).map((c) => c.at);

test('the first round starts at once, spread evenly over the stagger window, and then readiness is reported', async (t) => {
  const { clock, probe, scheduler } = setup(() => ({ ok: true, ms: 10 }));
  t.false(scheduler.isFirstRoundDone());
  scheduler.setTargets([spec(1), spec(2), spec(3), spec(4)]);
  let resolved = false;
  void scheduler.firstRoundDone().then(() => (resolved = true));
  await clock.advance(0);
  t.deepEqual(probe.calls.map((c) => c.at), [0]);
  await clock.advance(150);
  t.deepEqual(probe.calls.map((c) => c.at), [0, 50, 100, 150]);
  t.false(scheduler.isFirstRoundDone());
  await clock.advance(10);
  await clock.flush();
  t.true(scheduler.isFirstRoundDone());
  t.true(resolved);
  t.deepEqual([...scheduler.snapshot().values()].map((h) => h.state), ['up', 'up', 'up', 'up']);
  scheduler.stop();
});

test('an empty target list is a finished first round', async (t) => {
  const { scheduler } = setup(() => ({ ok: true }));
  scheduler.setTargets([]);
  await scheduler.firstRoundDone();
  t.true(scheduler.isFirstRoundDone());
});

test('the global concurrency cap is respected and queued probes all run, in order', async (t) => {
  const { clock, probe, scheduler } = setup(() => ({ ok: true, ms: 100 }), { concurrency: 3, staggerMs: 0 });
  scheduler.setTargets(Array.from({ length: 10 }, (_, i) => spec(i + 1)));
  await clock.advance(0);
  t.is(scheduler.inFlight, 3);
  await clock.advance(400);
  t.is(probe.stats.maxRunning, 3);
  t.deepEqual(probe.calls.slice(0, 10).map((c) => c.address), Array.from({ length: 10 }, (_, i) => `192.0.2.${i + 1}`));
  t.deepEqual(probe.calls.slice(0, 10).map((c) => c.at), [0, 0, 0, 100, 100, 100, 200, 200, 200, 300]);
  t.true(scheduler.isFirstRoundDone());
  scheduler.stop();
});

test('a refused MTA is re-probed after 250 ms and down within ~1.3 s; steady state stays at one probe a second', async (t) => {
  let failing = false;
  const { clock, probe, scheduler, events } = setup(() => ({ ok: !failing, ms: 1 }));
  scheduler.setTargets([spec(1)]);
  await clock.advance(3000);
  // probes at 0, then every 1 ms probe + 1000 ms interval
  t.deepEqual(callTimes(probe.calls, 1), [0, 1001, 2002]);
  failing = true; // dies right after the probe at 2002
  await clock.advance(1000);
  t.deepEqual(callTimes(probe.calls, 1), [0, 1001, 2002, 3003, 3254]);
  const down = events.find((e) => e.transition?.to === 'down');
  t.is(down?.at, 3255);
  t.is(down!.at - 2003, 1252, 'down 1.25 s after the last good probe');
  t.is(down?.transition?.reason, 'connect-refused');
  // down and failing agree: back to the normal interval
  await clock.advance(1000);
  t.is(callTimes(probe.calls, 1).at(-1), 4255);
  failing = false;
  await clock.advance(2000);
  const up = events.findLast((e) => e.transition?.to === 'up');
  t.deepEqual(callTimes(probe.calls, 1).slice(-3), [5256, 5507, 6508]);
  t.is(up?.at, 5508, 'back up after one interval and one re-check');
  scheduler.stop();
});

test('one probe in flight per member even when the check is slower than the interval', async (t) => {
  const { clock, probe, scheduler } = setup(() => ({ ok: true, ms: 5000 }));
  scheduler.setTargets([spec(1), spec(2)]);
  await clock.advance(20_000);
  t.is(probe.stats.maxPerAddress, 1);
  t.deepEqual(callTimes(probe.calls, 1), [0, 6000, 12000, 18000]);
  scheduler.stop();
});

test('setTargets: unchanged members keep health and timers; removed ones stop; changed and added ones are probed promptly', async (t) => {
  const { clock, probe, scheduler } = setup(() => ({ ok: true, ms: 10 }), { staggerMs: 0 });
  scheduler.setTargets([spec(1), spec(2), spec(3), spec(4)]);
  await clock.advance(1500); // probes at 0 and 1010; next ones due at 2020
  const before = scheduler.snapshot();
  t.is(before.get('a/m1')?.probes, 2);
  scheduler.setTargets([
    spec(1), // unchanged
    spec(3, { port: 2525 }), // another endpoint: health starts over
    { ...spec(4), settings: { ...settings, fall: 3 } }, // settings only: health kept
    spec(5), // new
  ]);
  t.is(scheduler.snapshot().get('a/m1'), before.get('a/m1'), 'same health object: untouched');
  t.is(scheduler.snapshot().get('a/m3')?.state, 'unknown');
  t.is(scheduler.snapshot().get('a/m4')?.state, 'up');
  t.false(scheduler.snapshot().has('a/m2'));
  await clock.advance(100);
  t.deepEqual(callTimes(probe.calls, 1), [0, 1010], 'no extra probe for the unchanged member');
  t.deepEqual(probe.calls.filter((c) => c.at === 1500).map((c) => `${c.address}:${c.port}`).sort(), ['192.0.2.3:2525', '192.0.2.4:25', '192.0.2.5:25']);
  await clock.advance(2000);
  t.deepEqual(callTimes(probe.calls, 1), [0, 1010, 2020, 3030], 'its timers kept running');
  t.deepEqual(callTimes(probe.calls, 2), [0, 1010], 'removed: never probed again');
  t.is(scheduler.snapshot().get('a/m3')?.state, 'up');
  scheduler.stop();
});

test('a removed or changed member’s in-flight probe is aborted and its result ignored; still one in flight', async (t) => {
  const { clock, probe, scheduler, events } = setup(() => ({ ok: true, ms: 500 }), { staggerMs: 0 });
  scheduler.setTargets([spec(1), spec(2)]);
  await clock.advance(100);
  scheduler.setTargets([spec(1, { ehloName: 'other.test' })]);
  await clock.flush();
  t.true(probe.calls[0]?.signal?.aborted);
  t.true(probe.calls[1]?.signal?.aborted);
  t.deepEqual(events, [], 'aborted probes report nothing');
  t.is(probe.calls.length, 3, 'the changed member is re-probed once the aborted probe settled');
  t.is(probe.calls[2]?.at, 100);
  t.is(probe.stats.maxPerAddress, 1);
  await clock.advance(500);
  t.is(events.length, 1);
  t.is(events[0]?.id, 'a/m1');
  scheduler.stop();
});

test('setTargets rejects duplicate member ids without changing anything', async (t) => {
  const { clock, probe, scheduler } = setup(() => ({ ok: true }));
  scheduler.setTargets([spec(1)]);
  t.throws(() => scheduler.setTargets([spec(2), spec(2)]), { message: /a\/m2 is listed twice/ });
  await clock.advance(0);
  t.deepEqual(probe.calls.map((c) => c.address), ['192.0.2.1']);
  t.deepEqual([...scheduler.snapshot().keys()], ['a/m1']);
  scheduler.stop();
});

test('stop aborts in-flight probes, clears every timer and reports nothing after', async (t) => {
  const { clock, probe, scheduler, events } = setup(() => ({ ok: true, ms: 300 }), { staggerMs: 200 });
  scheduler.setTargets([spec(1), spec(2), spec(3)]);
  const first = scheduler.firstRoundDone();
  await clock.advance(100); // m1 and m2 in flight, m3's first probe still waiting for its slot in time
  t.is(scheduler.inFlight, 2);
  scheduler.stop();
  await t.throwsAsync(first, { message: /stopped before the first round/ });
  await clock.flush();
  t.is(clock.pending, 0, 'no timer left: scheduler timers, watchdogs and the checks’ own');
  t.true(probe.calls.every((c) => c.signal?.aborted));
  await clock.advance(10_000);
  t.is(probe.calls.length, 2);
  t.deepEqual(events, []);
  t.is(scheduler.snapshot().size, 3, 'health stays readable for the state file');
  scheduler.setTargets([spec(4)]);
  await clock.advance(1000);
  t.is(probe.calls.length, 2, 'setTargets after stop is a no-op');
});

test('a check that never settles is aborted by the watchdog and counts as a failure; its slot is freed', async (t) => {
  const { clock, probe, scheduler, events } = setup((_, n) => (n === 0 ? { ok: true, hang: true, ignoreAbort: true } : { ok: true, ms: 10 }), { concurrency: 1 });
  scheduler.setTargets([spec(1)]);
  await clock.advance(0);
  const budget = 1000 + 3000 + 2 * 2000 + 3000 + 500 + 1000;
  await clock.advance(budget - 1);
  t.deepEqual(events, []);
  await clock.advance(1);
  t.is(events[0]?.ok, false);
  t.is(scheduler.snapshot().get('a/m1')?.lastResult?.reason, 'probe-timeout');
  t.is(scheduler.snapshot().get('a/m1')?.state, 'down');
  t.true(probe.calls[0]?.signal?.aborted);
  t.is(scheduler.inFlight, 0);
  await clock.advance(1100);
  t.is(probe.calls.length, 2, 'probing goes on');
  scheduler.stop();
});

test('a check that breaks its contract (throws or rejects) is a failed probe, not a crash', async (t) => {
  const clock = new FakeClock();
  let calls = 0;
  const scheduler = new ProbeScheduler({
    clock,
    random: () => 0.5,
    check: () => {
      calls++;
      if (calls === 1) throw new Error('sync boom');
      return Promise.reject(new Error('async boom'));
    },
  });
  const reasons: string[] = [];
  scheduler.onResult((_, result) => reasons.push(`${result.reason}: ${result.detail}`));
  scheduler.setTargets([spec(1)]);
  await clock.advance(2000);
  t.deepEqual(reasons.slice(0, 2), ['probe-error: Error: sync boom', 'probe-error: Error: async boom']);
  scheduler.stop();
});

test('seeded last-known health is kept: a seeded up member does not go down on one failed probe', async (t) => {
  const { clock, scheduler } = setup(() => ({ ok: false, ms: 1 }));
  let up: MemberHealth = initialHealth(0);
  up = step(up, { ok: true, phases: [], startedAt: 0, totalMs: 1 }, settings, 0).next;
  scheduler.seed(new Map([['a/m1', up]]));
  scheduler.setTargets([spec(1), spec(2)]);
  t.is(scheduler.snapshot().get('a/m1')?.state, 'up');
  await clock.advance(150);
  t.is(scheduler.snapshot().get('a/m1')?.state, 'up', 'one failure, fall 2');
  t.is(scheduler.snapshot().get('a/m2')?.state, 'down', 'unseeded: the first probe decides');
  scheduler.seed(new Map([['a/m2', up]]));
  t.is(scheduler.snapshot().get('a/m2')?.state, 'down', 'live results win over a late seed');
  await clock.advance(300);
  t.is(scheduler.snapshot().get('a/m1')?.state, 'down');
  scheduler.stop();
});

test('a throwing listener does not stop other listeners or probing', async (t) => {
  const { clock, probe, scheduler, events } = setup(() => ({ ok: true, ms: 1 }));
  const off = scheduler.onResult(() => {
    throw new Error('listener bug');
  });
  scheduler.setTargets([spec(1)]);
  await clock.advance(2500);
  t.is(events.length, 3);
  t.is(probe.calls.length, 3);
  off();
  scheduler.stop();
});

test('with the system clock (default), the first round completes and stop leaves nothing running', async (t) => {
  let calls = 0;
  const scheduler = new ProbeScheduler({
    check: async (probeTarget) => {
      calls++;
      return { ok: probeTarget.port === 25, reason: 'connect-refused', phases: [], startedAt: Date.now(), totalMs: 0 };
    },
    staggerMs: 20,
  });
  t.teardown(() => scheduler.stop());
  scheduler.setTargets([spec(1), spec(2, { port: 26 })]);
  const deadline = new Promise((_, reject) => setTimeout(() => reject(new Error('first round took over 2 s')), 2000).unref());
  await Promise.race([scheduler.firstRoundDone(), deadline]);
  const states = scheduler.snapshot();
  t.is(states.get('a/m1')?.state, 'up');
  t.is(states.get('a/m2')?.state, 'down');
  scheduler.stop();
  t.true(calls >= 2);
  t.is(scheduler.inFlight, 0);
});
