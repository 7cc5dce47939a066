/** Per-arm counters (dns/arm-counts.ts): exact distinct clients while small, the sketch beyond, merged across workers. */
import test from 'ava';
import { ArmCounts } from '../../../src/dns/arm-counts.ts';
import { hash32 } from '../../../src/pool/index.ts';

/** A 32-bit hash of client number i, as the answer path makes them (FNV-1a + fmix32 of a /24). */
function hashForTest(i: number): number {
  return hash32('', Uint8Array.from([10, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff]), 24);
}

test('distinct clients are exact while small, and answers add up', (t) => {
  const c = new ArmCounts();
  for (let i = 0; i < 300; i++) c.arm('e', 'A', hashForTest(i % 100));
  t.deepEqual(c.totals('e'), [{ experiment: 'e', arm: 'A', answers: 300, clients: 100 }]);
});

test('beyond the exact limit the sketch estimates within 10 % (100,000 clients)', (t) => {
  const c = new ArmCounts();
  for (let i = 0; i < 100_000; i++) c.arm('e', 'A', hashForTest(i));
  const clients = c.totals()[0]!.clients;
  t.log(`estimate ${clients}`);
  t.true(Math.abs(clients - 100_000) < 10_000);
});

test('two workers seeing overlapping clients merge without counting one twice', (t) => {
  const w1 = new ArmCounts();
  const w2 = new ArmCounts();
  for (let i = 0; i < 60; i++) w1.arm('e', 'B', hashForTest(i));
  for (let i = 40; i < 100; i++) w2.arm('e', 'B', hashForTest(i));
  const control = new ArmCounts();
  for (const [e, a, n, sketch] of [...w1.take(), ...w2.take()]) control.arm(e, a, structuredClone(sketch), n);
  t.deepEqual(control.totals(), [{ experiment: 'e', arm: 'B', answers: 120, clients: 100 }]);
  t.deepEqual(w1.take(), [], 'answers are handed over once');
});
