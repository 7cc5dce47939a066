import test from 'ava';
import { BUCKET_MS, OutcomeStore, type Outcome } from '../../../src/signals/index.ts';

const T0 = Date.UTC(2026, 11, 6, 18, 0, 0);
const out = (member: string, status: Outcome['status'], at: number, provider: Outcome['provider'] = 'gmail'): Outcome => ({ member, status, at, provider, source: 'api' });

function store(start = T0) {
  let now = start;
  const s = new OutcomeStore({ now: () => now });
  return { s, advance: (ms: number) => (now += ms) };
}

test('counts per status over 15 min and 1 h windows, per provider', (t) => {
  const { s, advance } = store();
  s.record([out('p/a', 'sent', T0), out('p/a', 'sent', T0), out('p/a', 'deferred', T0, 'microsoft'), out('p/b', 'bounced', T0)]);
  t.like(s.counts('p/a', 15 * 60_000), { sent: 2, deferred: 1, bounced: 0 });
  t.like(s.counts('p/a', 15 * 60_000, 'microsoft'), { sent: 0, deferred: 1 });
  advance(20 * 60_000);
  s.record([out('p/a', 'sent', T0 + 20 * 60_000)]);
  t.like(s.counts('p/a', 15 * 60_000), { sent: 1, deferred: 0 });
  t.like(s.counts('p/a', 60 * 60_000), { sent: 3, deferred: 1 });
  advance(50 * 60_000);
  t.like(s.counts('p/a', 60 * 60_000), { sent: 1, deferred: 0 });
  advance(60 * 60_000);
  t.like(s.counts('p/a', 60 * 60_000), { sent: 0 });
});

test('totals keep counting what the windows forgot; old and future outcomes', (t) => {
  const { s } = store();
  s.record([out('p/a', 'sent', T0 - 2 * 3600_000), out('p/a', 'sent', T0 + 3600_000), out('p/a', 'sent', T0 - 59 * 60_000)]);
  t.like(s.counts('p/a', 3600_000), { sent: 2 });
  t.deepEqual(s.totals(), [{ member: 'p/a', provider: 'gmail', status: 'sent', total: 3 }]);
});

test('a slot reused by a later minute is reset, an older outcome never clobbers a newer minute', (t) => {
  const { s, advance } = store();
  s.record([out('p/a', 'sent', T0)]);
  advance(60 * BUCKET_MS);
  s.record([out('p/a', 'sent', T0 + 60 * BUCKET_MS)]);
  t.like(s.counts('p/a', 3600_000), { sent: 1 });
});

test('retain drops departed members; listeners see every batch', (t) => {
  const { s } = store();
  const seen: number[] = [];
  s.onRecord((batch) => seen.push(batch.length));
  s.record([out('p/a', 'sent', T0), out('p/b', 'sent', T0)]);
  s.retain(new Set(['p/a']));
  t.deepEqual(s.totals().map((x) => x.member), ['p/a']);
  t.deepEqual(seen, [2]);
});

test('series: per-minute counts oldest first, providers summed, ending with the current minute', (t) => {
  const minute = Math.floor(T0 / BUCKET_MS) * BUCKET_MS;
  const { s, advance } = store(minute + 30_000);
  s.record([out('p/a', 'sent', minute), out('p/a', 'sent', minute, 'yahoo'), out('p/a', 'deferred', minute - 2 * BUCKET_MS), out('p/b', 'bounced', minute)]);
  const five = s.series('p/a', 5);
  t.deepEqual(five.sent, [0, 0, 0, 0, 2]);
  t.deepEqual(five.deferred, [0, 0, 1, 0, 0]);
  t.deepEqual(five.bounced, [0, 0, 0, 0, 0]);
  t.deepEqual(Object.keys(five).sort(), ['bounced', 'complaint', 'deferred', 'expired', 'sent']);
  // Two minutes later the same counts have moved two places to the left.
  advance(2 * BUCKET_MS);
  s.record([out('p/a', 'bounced', minute + 2 * BUCKET_MS + 1)]);
  const later = s.series('p/a', 5);
  t.deepEqual(later.sent, [0, 0, 2, 0, 0]);
  t.deepEqual(later.deferred, [1, 0, 0, 0, 0]);
  t.deepEqual(later.bounced, [0, 0, 0, 0, 1]);
  // After an hour everything has left the window.
  advance(60 * BUCKET_MS);
  t.true(Object.values(s.series('p/a', 60)).every((row) => row.length === 60 && row.every((v) => v === 0)));
});

test('series: minutes clamped to 1..60; an unknown member gets zeros', (t) => {
  const { s } = store();
  s.record([out('p/a', 'sent', T0)]);
  t.is(s.series('p/a', 500).sent.length, 60);
  t.is(s.series('p/a', 500).sent.at(-1), 1);
  t.deepEqual(s.series('p/a', 0).sent, [1]);
  t.deepEqual(s.series('p/a', Number.NaN).sent, [1]);
  t.deepEqual(s.series('p/zz', 3).sent, [0, 0, 0]);
  // Counts restored from another instance land in their minute too.
  s.restore('p/a', 'other', 'deferred', Math.floor(T0 / BUCKET_MS) - 1, 4);
  t.deepEqual(s.series('p/a', 3).deferred, [0, 4, 0]);
});
