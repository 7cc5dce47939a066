/** AnswerShares (answer-share window behind /status) with an injected clock, and coarseClock. */
import test from 'ava';
import { AnswerShares, coarseClock } from '../../../src/http/shares.ts';
import { eventually } from '../../helpers/poll.ts';

function windowAt(start: number, windowSeconds = 10): { shares: AnswerShares; clock: { ms: number } } {
  const clock = { ms: start };
  return { shares: new AnswerShares({ windowSeconds, now: () => clock.ms }), clock };
}

test('answers, first places and fractions over the window', (t) => {
  const { shares } = windowAt(1_000_000);
  const ab = ['p/a', 'p/b'];
  const ba = ['p/b', 'p/a'];
  shares.add(ab);
  shares.add(ab);
  shares.add(ba);
  shares.add(['p/c']);
  shares.add([]);
  t.deepEqual(shares.report(), {
    windowSeconds: 10,
    total: 4,
    members: {
      'p/a': { answers: 3, first: 2, fraction: 0.75, firstFraction: 0.5 },
      'p/b': { answers: 3, first: 1, fraction: 0.75, firstFraction: 0.25 },
      'p/c': { answers: 1, first: 1, fraction: 0.25, firstFraction: 0.25 },
    },
  });
});

test('answers older than the window drop out; a bucket is reused when its second comes round', (t) => {
  const { shares, clock } = windowAt(5_000_000, 3);
  shares.add(['p/a']);
  clock.ms += 1000;
  shares.add(['p/b']);
  clock.ms += 1000;
  t.is(shares.report().total, 2);
  clock.ms += 1000; // the first second leaves the 3-second window
  t.deepEqual(Object.keys(shares.report().members), ['p/b']);
  shares.add(['p/b']); // lands in the first second's bucket, cleared first
  t.deepEqual(shares.report().members['p/b'], { answers: 2, first: 2, fraction: 1, firstFraction: 1 });
  clock.ms += 10_000;
  t.deepEqual(shares.report(), { windowSeconds: 3, total: 0, members: {} });
});

test('the same array passed again is counted again; retain forgets members and still counts remembered arrays', (t) => {
  const { shares } = windowAt(9_000_000);
  const ring = ['p/a', 'p/b'];
  shares.add(ring);
  shares.add(ring);
  shares.retain(new Set(['p/b']));
  t.deepEqual(Object.keys(shares.report().members), ['p/b']);
  shares.add(ring);
  const report = shares.report();
  t.is(report.members['p/a']?.answers, 1, 'a member still served is counted afresh after retain');
  t.is(report.members['p/b']?.answers, 3);
});

test('coarseClock: a cached reading that moves with the system clock', async (t) => {
  const clock = coarseClock(20);
  t.teardown(() => clock.stop());
  const first = clock.now();
  t.true(Math.abs(first - Date.now()) < 1000);
  t.is(clock.now(), first, 'no new reading within one call');
  await eventually(() => clock.now() > first, { timeoutMs: 5000, intervalMs: 10, what: 'the clock to advance' });
  t.true(clock.now() <= Date.now());
});
