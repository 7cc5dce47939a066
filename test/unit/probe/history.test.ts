/**
 * ProbeHistory: samples per member in typed columns, oldest first, capped per member, and the
 * per-member share of the overall budget follows the member count (`retain`).
 */
import test from 'ava';
import { ProbeHistory } from '../../../src/probe/history.ts';
import type { ProbeResult } from '../../../src/probe/types.ts';

const result = (at: number, ok: boolean, reason?: string): ProbeResult => ({ ok, ...(reason ? { reason } : {}), phases: [], startedAt: at, totalMs: at / 1000 + 0.25 });

test('keeps the newest samples per member, oldest first, with reasons of failures', (t) => {
  const history = new ProbeHistory({ perMember: 3 });
  for (let i = 1; i <= 5; i++) history.record('p/a', result(i * 1000, i !== 4, i === 4 ? 'connect-refused' : undefined));
  t.deepEqual(history.samples('p/a'), [
    { at: 3000, ok: true, totalMs: 3.25 },
    { at: 4000, ok: false, reason: 'connect-refused', totalMs: 4.25 },
    { at: 5000, ok: true, totalMs: 5.25 },
  ]);
  t.deepEqual(history.samples('p/a', 1), [{ at: 5000, ok: true, totalMs: 5.25 }]);
  t.deepEqual(history.samples('p/b'), []);
  history.record('p/b', result(1, false));
  t.is(history.samples('p/b')[0]!.reason, 'failed', 'a failure without a reason');
});

test('many members share the budget: each keeps fewer samples, never under 30; fewer members widen it again', (t) => {
  const history = new ProbeHistory({ perMember: 300, budget: 300_000 });
  const many = new Set(Array.from({ length: 10_000 }, (_, i) => `p/m${i}`));
  for (let i = 0; i < 100; i++) history.record('p/m0', result(i, true));
  history.retain(many);
  t.is(history.perMember, 30);
  t.deepEqual(history.samples('p/m0').map((s) => s.at), Array.from({ length: 30 }, (_, i) => 70 + i), 'the newest 30 kept');
  history.retain(new Set(Array.from({ length: 100_000 }, (_, i) => `p/m${i}`)));
  t.is(history.perMember, 30, 'the floor');
  history.retain(new Set(['p/m0']));
  t.is(history.perMember, 300);
  for (let i = 100; i < 400; i++) history.record('p/m0', result(i, true));
  t.is(history.samples('p/m0').length, 300);
  t.is(history.samples('p/m0')[0]!.at, 100);
});

test('members share columns: a departed member frees its slot for a new one, growing keeps every member\'s samples', (t) => {
  const history = new ProbeHistory({ perMember: 4, budget: 40 });
  // More members than the budget's share of slots (10) and more than the first columns hold: they grow.
  for (let m = 0; m < 25; m++) for (let i = 0; i < 6; i++) history.record(`p/m${m}`, result(m * 100 + i, i !== 2, i === 2 ? 'banner-timeout' : undefined));
  for (let m = 0; m < 25; m++) {
    t.deepEqual(history.samples(`p/m${m}`).map((s) => s.at), [2, 3, 4, 5].map((i) => m * 100 + i), `member ${m}`);
    t.is(history.samples(`p/m${m}`)[0]!.reason, 'banner-timeout');
  }
  history.retain(new Set(['p/m3', 'p/m7']));
  t.is(history.perMember, 4);
  t.deepEqual(history.samples('p/m1'), [], 'a departed member forgotten');
  history.record('p/new', result(9000, true));
  t.deepEqual(history.samples('p/new'), [{ at: 9000, ok: true, totalMs: 9.25 }], 'a new member starts empty in a reused slot');
  t.deepEqual(history.samples('p/m7').map((s) => s.at), [702, 703, 704, 705], 'kept members untouched');
  for (let m = 30; m < 60; m++) history.record(`p/m${m}`, result(m * 100, true));
  t.deepEqual(history.samples('p/m7').map((s) => s.at), [702, 703, 704, 705], 'kept through another growth');
  t.deepEqual(history.samples('p/m59').map((s) => s.at), [5900]);
  t.is(history.samples('p/m7')[0]!.totalMs, 702 / 1000 + 0.25);
});
