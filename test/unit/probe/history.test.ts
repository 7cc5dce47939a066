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
