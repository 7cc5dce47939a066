/**
 * TimerQueue (src/probe/timer-queue.ts): many due times behind one clock timer, fired in order,
 * replaced and cancelled lazily; and the scheduler's spread of members added together.
 */
import test from 'ava';
import { ProbeScheduler } from '../../../src/probe/scheduler.ts';
import { TimerQueue } from '../../../src/probe/timer-queue.ts';
import { FakeClock } from './scheduler-fake-clock.ts';

test('fires every key once at its due time, in due order, behind a single clock timer', async (t) => {
  const clock = new FakeClock();
  const fired: Array<[string, number]> = [];
  const queue = new TimerQueue<string>(clock, (key) => fired.push([key, clock.now()]));
  queue.schedule('c', 300);
  queue.schedule('a', 100);
  queue.schedule('b', 200);
  queue.schedule('a2', 100);
  t.is(clock.pending, 1, 'one timer for four entries');
  await clock.advance(1000);
  t.deepEqual(fired, [['a', 100], ['a2', 100], ['b', 200], ['c', 300]]);
  t.is(queue.size, 0);
  t.is(clock.pending, 0);
});

test('schedule replaces a pending due time, cancel drops it, and a fire may schedule again', async (t) => {
  const clock = new FakeClock();
  const fired: Array<[string, number]> = [];
  const queue = new TimerQueue<string>(clock, (key) => {
    fired.push([key, clock.now()]);
    if (key === 'again' && fired.length < 4) queue.schedule('again', 50);
  });
  queue.schedule('x', 100);
  queue.schedule('x', 400); // replaces
  queue.schedule('y', 150);
  queue.cancel('y');
  queue.schedule('again', 0);
  await clock.advance(1000);
  t.deepEqual(fired, [['again', 0], ['again', 50], ['again', 100], ['again', 150], ['x', 400]]);
  queue.schedule('z', 10);
  queue.clear();
  await clock.advance(100);
  t.is(fired.length, 5, 'nothing fires after clear');
});

test('members added together are spread over the next interval after their first verdict, not kept in a bunch', async (t) => {
  const clock = new FakeClock();
  let draws = 0;
  const starts = new Map<string, number[]>();
  const scheduler = new ProbeScheduler({
    clock,
    random: () => ((draws++ * 0.618) % 1), // spread-out draws, deterministic
    staggerMs: 100,
    check: async (target) => {
      starts.set(target.address, [...(starts.get(target.address) ?? []), clock.now()]);
      return { ok: true, phases: [], startedAt: clock.now(), totalMs: 0 };
    },
  });
  const settings = { intervalMs: 10_000, recheckMs: 250, jitter: 0.1, rise: 2, fall: 2 };
  const timeouts = { connectMs: 1000, bannerMs: 3000, ehloMs: 2000, tlsMs: 3000, quitMs: 500 };
  scheduler.setTargets(Array.from({ length: 100 }, (_, i) => ({ memberId: `p/m${i}`, settings, target: { address: `192.0.2.${i}`, port: 25, ehloName: 'probe.test', starttls: 'off' as const, timeouts } })));
  await clock.advance(30_000);
  scheduler.stop();
  const firsts = [...starts.values()].map((s) => s[0]!);
  const seconds = [...starts.values()].map((s) => s[1]!);
  t.true(Math.max(...firsts) - Math.min(...firsts) <= 100, 'first probes within staggerMs');
  const span = Math.max(...seconds) - Math.min(...seconds);
  t.true(span >= 8000, `second probes spread over most of an interval (span ${span} ms)`);
  t.true(Math.max(...seconds) - Math.min(...firsts) <= 15_100, 'none later than 1.5 intervals');
});
