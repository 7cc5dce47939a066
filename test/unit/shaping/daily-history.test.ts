/**
 * The warm-up counter's per-day history (docs/shaping.md "Counting sends"; the dashboard's warm-up
 * chart): finished days are kept, oldest first, bounded by the plan's length; today comes last;
 * the history survives dump/restore (the counters file) and a member that leaves the zone loses it.
 * The curve for GET /api/warmups places each date on the schedule day counted back from today's.
 */
import test from 'ava';
import { warmUpCurve } from '../../../src/http/status-shaping.ts';
import { DailyCounter, MAX_HISTORY_DAYS, warmUpStatus, type WarmUpPlan } from '../../../src/shaping/index.ts';
import type { Outcome } from '../../../src/signals/index.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2026-12-01T12:00:00Z');
const TZ = 'Europe/Berlin';

function send(counter: DailyCounter, member: string, at: number, n: number, status: Outcome['status'] = 'sent'): void {
  for (let i = 0; i < n; i++) counter.record({ member, status, at, provider: 'other', source: 'api' } as Outcome, TZ, at);
}

test('finished days are kept per date, oldest first, today last; days without attempts leave no entry', (t) => {
  const counter = new DailyCounter();
  counter.retain(new Map([['p/a', 10]]));
  send(counter, 'p/a', T0, 3);
  send(counter, 'p/a', T0 + DAY, 5);
  send(counter, 'p/a', T0 + DAY, 2, 'delivered' as Outcome['status']); // not an attempt: not counted
  send(counter, 'p/a', T0 + 3 * DAY, 7); // 2026-12-03 had nothing
  t.deepEqual(counter.history('p/a', TZ, T0 + 3 * DAY), [
    { date: '2026-12-01', total: 3 },
    { date: '2026-12-02', total: 5 },
    { date: '2026-12-04', total: 7 },
  ]);
  // The next day, before any attempt: yesterday is history, today is not there yet.
  t.deepEqual(counter.history('p/a', TZ, T0 + 4 * DAY).at(-1), { date: '2026-12-04', total: 7 });
  t.deepEqual(counter.history('p/b', TZ, T0), [], 'an unknown member has none');
});

test('bounded by the plan length (and MAX_HISTORY_DAYS); a member that leaves loses its history', (t) => {
  const counter = new DailyCounter();
  counter.retain(new Map([['p/a', 3]]));
  for (let d = 0; d < 8; d++) send(counter, 'p/a', T0 + d * DAY, d + 1);
  const history = counter.history('p/a', TZ, T0 + 7 * DAY);
  t.deepEqual(history.map((d) => d.total), [5, 6, 7, 8], 'three earlier days and today');
  counter.retain(new Map([['p/a', 2]]));
  t.deepEqual(counter.history('p/a', TZ, T0 + 7 * DAY).map((d) => d.total), [6, 7, 8], 'a shorter plan trims at once');
  counter.retain(new Map([['p/b', 2]]));
  t.deepEqual(counter.history('p/a', TZ, T0 + 7 * DAY), []);
  t.is(MAX_HISTORY_DAYS, 400);
});

test('dump and restore keep the history; a malformed history entry is dropped', (t) => {
  const counter = new DailyCounter();
  counter.retain(new Map([['p/a', 30]]));
  send(counter, 'p/a', T0, 4);
  send(counter, 'p/a', T0 + DAY, 6);
  const dumped = JSON.parse(JSON.stringify(counter.dump())) as Record<string, { history?: unknown[] }>;
  dumped['p/a']!.history!.push({ date: 'yesterday', total: 1 }, { date: '2026-11-30', total: -1 });
  const again = new DailyCounter();
  again.restore(dumped);
  again.retain(new Map([['p/a', 30]]));
  t.deepEqual(again.history('p/a', TZ, T0 + DAY), [{ date: '2026-12-01', total: 4 }, { date: '2026-12-02', total: 6 }]);
  t.deepEqual(again.today('p/a', TZ, T0 + DAY), { total: 6, providers: { other: 6 } });
  // An old file without history still reads.
  const old = new DailyCounter();
  old.restore({ 'p/a': { date: '2026-12-02', total: 2, providers: {} } });
  t.deepEqual(old.history('p/a', TZ, T0 + DAY), [{ date: '2026-12-02', total: 2 }]);
});

test('the curve: every day of the plan, and the sends placed on the schedule day counted back from today', (t) => {
  const plan: WarmUpPlan = { schedule: { name: 'mix', timeZone: TZ, days: [{ cap: 50 }, { providers: { gmail: 30, other: 70 } }, { percent: 40 }, { cap: 400 }] }, start: '2026-12-01' };
  const status = warmUpStatus({ plan, control: { pausedDays: 0 }, now: T0 + 2 * DAY, today: { total: 9, providers: {} } });
  t.is(status.day, 3);
  const curve = warmUpCurve(plan, status, [{ date: '2026-12-01', total: 50 }, { date: '2026-12-03', total: 9 }]);
  t.deepEqual(curve.plan, [{ cap: 50 }, { cap: 100 }, { percent: 40 }, { cap: 400 }]);
  t.deepEqual(curve.history, [{ date: '2026-12-01', day: 1, sent: 50 }, { date: '2026-12-03', day: 3, sent: 9 }]);
});
