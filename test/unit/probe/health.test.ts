import test from 'ava';
import { initialHealth, nextProbeDelay, step, type MemberHealth } from '../../../src/probe/health.ts';
import type { ProbeResult } from '../../../src/probe/types.ts';
import { DEFAULT_PROBE_SETTINGS } from '../../../src/probe/settings.ts';

function result(ok: boolean, reason = 'connect-refused'): ProbeResult {
  return ok
    ? { ok, phases: [], startedAt: 0, totalMs: 1 }
    : { ok, reason, detail: 'ECONNREFUSED', phases: [], startedAt: 0, totalMs: 1 };
}

/** Feed a sequence like 'ok fail fail' and collect the state after each step and the transitions. */
function run(sequence: string, settings = { rise: 2, fall: 2 }, start: MemberHealth = initialHealth(0)) {
  let health = start;
  const states: string[] = [];
  const transitions: string[] = [];
  sequence.split(' ').forEach((token, i) => {
    const { next, transition } = step(health, result(token === 'ok'), settings, (i + 1) * 1000);
    health = next;
    states.push(next.state);
    if (transition) transitions.push(`${transition.from}>${transition.to}@${transition.at / 1000}`);
  });
  return { states: states.join(' '), transitions, health };
}

const table: Array<[string, { rise: number; fall: number }, string, string[]]> = [
  ['ok ok ok', { rise: 2, fall: 2 }, 'up up up', ['unknown>up@1']],
  ['fail fail', { rise: 2, fall: 2 }, 'down down', ['unknown>down@1']],
  // a single lost probe never flaps an up member
  ['ok fail ok fail ok', { rise: 2, fall: 2 }, 'up up up up up', ['unknown>up@1']],
  ['ok fail fail', { rise: 2, fall: 2 }, 'up up down', ['unknown>up@1', 'up>down@3']],
  // a single success never flaps a down member back
  ['fail ok fail ok fail', { rise: 2, fall: 2 }, 'down down down down down', ['unknown>down@1']],
  ['fail ok ok', { rise: 2, fall: 2 }, 'down down up', ['unknown>down@1', 'down>up@3']],
  // fall 3: two failures are not enough, the streak must be consecutive
  ['ok fail fail ok fail fail fail', { rise: 2, fall: 3 }, 'up up up up up up down', ['unknown>up@1', 'up>down@7']],
  // rise 3
  ['fail ok ok ok', { rise: 3, fall: 2 }, 'down down down up', ['unknown>down@1', 'down>up@4']],
  // thresholds of 1 follow every result
  ['ok fail ok', { rise: 1, fall: 1 }, 'up down up', ['unknown>up@1', 'up>down@2', 'down>up@3']],
  // thresholds below 1 are treated as 1
  ['ok fail', { rise: 0, fall: 0 }, 'up down', ['unknown>up@1', 'up>down@2']],
];

for (const [sequence, settings, states, transitions] of table) {
  test(`rise ${settings.rise} fall ${settings.fall}: ${sequence}`, (t) => {
    const out = run(sequence, settings);
    t.is(out.states, states);
    t.deepEqual(out.transitions, transitions);
  });
}

test('counters, since, last result and last failure are kept', (t) => {
  const { health } = run('ok fail fail ok');
  t.is(health.state, 'down');
  t.is(health.since, 3000);
  t.is(health.successes, 1);
  t.is(health.failures, 0);
  t.is(health.probes, 4);
  t.is(health.lastProbeAt, 4000);
  t.true(health.lastResult?.ok);
  t.deepEqual(health.lastFailure, { at: 3000, reason: 'connect-refused', detail: 'ECONNREFUSED' });
  t.regex(health.reason ?? '', /2 consecutive failures \(fall 2\): connect-refused/);
});

test('step does not modify its input and reports reason codes', (t) => {
  const up = run('ok').health;
  const copy = structuredClone(up);
  const first = step(up, result(false, 'banner-421'), { rise: 2, fall: 2 }, 5000);
  t.deepEqual(up, copy);
  t.is(first.transition, undefined);
  const second = step(first.next, result(false, 'banner-421'), { rise: 2, fall: 2 }, 6000);
  t.is(second.transition?.reason, 'banner-421');
  t.is(second.transition?.from, 'up');
  t.is(second.transition?.to, 'down');
  const back = step(step(second.next, result(true), { rise: 2, fall: 2 }, 7000).next, result(true), { rise: 2, fall: 2 }, 8000);
  t.is(back.transition?.reason, 'ok');
  t.is(back.next.since, 8000);
});

test('a failure without a reason code still gets one', (t) => {
  const bare: ProbeResult = { ok: false, phases: [], startedAt: 0, totalMs: 0 };
  const { next, transition } = step(initialHealth(0), bare, { rise: 2, fall: 2 }, 1);
  t.is(transition?.reason, 'failed');
  t.is(next.lastFailure?.reason, 'failed');
});

const delays = { intervalMs: 1000, recheckMs: 250, jitter: 0.1 };

test('nextProbeDelay: interval with jitter stays within ±10 % and uses the whole range', (t) => {
  const up = run('ok ok').health;
  t.is(nextProbeDelay(up, delays, () => 0), 900);
  t.is(nextProbeDelay(up, delays, () => 0.5), 1000);
  t.is(nextProbeDelay(up, delays, () => 0.999999), 1100);
  let seed = 7;
  const lcg = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < 2000; i++) {
    const d = nextProbeDelay(up, delays, lcg);
    min = Math.min(min, d);
    max = Math.max(max, d);
  }
  t.true(min >= 900 && min < 920, `min ${min}`);
  t.true(max <= 1100 && max > 1080, `max ${max}`);
});

test('nextProbeDelay: quick re-check while the latest result disagrees with the state', (t) => {
  const upThenFail = run('ok fail').health;
  t.is(upThenFail.state, 'up');
  t.is(nextProbeDelay(upThenFail, delays, () => 0.9), 250);
  const downThenOk = run('fail ok').health;
  t.is(downThenOk.state, 'down');
  t.is(nextProbeDelay(downThenOk, delays, () => 0.9), 250);
  // agreement → normal interval, in both states
  t.is(nextProbeDelay(run('fail fail').health, delays, () => 0.5), 1000);
  t.is(nextProbeDelay(run('ok fail fail').health, delays, () => 0.5), 1000);
  // no verdict yet → re-check
  t.is(nextProbeDelay(initialHealth(0), delays, () => 0.5), 250);
});

test('defaults: a refused MTA is down and a recovered one up within ~1.4 s of simulated probing', (t) => {
  const s = DEFAULT_PROBE_SETTINGS;
  // Simulate the scheduler loop: probe (refused: ~0 ms), wait nextProbeDelay, probe again.
  function timeUntil(start: MemberHealth, ok: boolean, target: string, random: () => number): number {
    let health = start;
    let now = 0;
    // worst case: the MTA changes right after a probe, so a full (jittered) interval passes first
    now += nextProbeDelay(health, s, random);
    for (let i = 0; i < 10; i++) {
      health = step(health, result(ok), s, now).next;
      if (health.state === target) return now;
      now += nextProbeDelay(health, s, random);
    }
    return Infinity;
  }
  const up = run('ok ok').health;
  const down = run('fail fail').health;
  t.is(timeUntil(up, false, 'down', () => 0.999999), 1350);
  t.is(timeUntil(down, true, 'up', () => 0.999999), 1350);
  t.is(timeUntil(up, false, 'down', () => 0.5), 1250);
});
