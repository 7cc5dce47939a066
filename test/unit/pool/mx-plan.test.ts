/**
 * MX plans per snapshot (`selectMx` with `memo`): every ring slot gives exactly the records of a
 * full selection (hosts shared by tiers, `max` per tier, down members, fallback tiers), the plan is
 * made once per memo object, and weighted names still draw per slot.
 */
import test from 'ava';
import { selectMx } from '../../../src/pool/mx.ts';
import type { StateLookup } from '../../../src/pool/tiers.ts';
import { balanced, m, states, tier } from './fixture.ts';

const binding = { owner: 'relay.test', balanced: 'smtp.relay.test', step: 10, ttl: 60 };
const view = (records: ReturnType<typeof selectMx>['records']) => records.map((r) => `${r.preference} ${r.exchange} ${r.members.map((x) => x.id).join(',')}`);

test('with a memo, every slot of a rotation equals the full selection, across tiers and shared hosts', (t) => {
  const primary = Array.from({ length: 40 }, (_, i) => m('a', i + 1));
  const backup = [...Array.from({ length: 12 }, (_, i) => m('b', i + 1)), m('b', 99, { host: primary[3]!.host })];
  const name = balanced([tier(primary, 30), tier(backup)], { max: 5 });
  const lookup = states({ 'a/m2': 'down', 'a/m7': 'down', 'b/m3': 'down' });
  const memo = {};
  for (let variant = 0; variant < 60; variant++) {
    const full = selectMx(binding, name, lookup, { variant });
    const planned = selectMx(binding, name, lookup, { variant, memo });
    t.deepEqual(view(planned.records), view(full.records), `slot ${variant}`);
    t.is(planned.variants, full.variants);
    t.is(planned.ttl, full.ttl);
    t.is(planned.records.filter((r) => r.tier === 0).length, 5, 'max caps each tier');
  }
});

test('with a memo, the O(members) plan is made once per memo object', (t) => {
  const members = Array.from({ length: 200 }, (_, i) => m('a', i + 1));
  const name = balanced([tier(members)], { max: 8 });
  let reads = 0;
  const base = states({});
  const counting: StateLookup = (id) => (reads++, base(id));
  const memo = {};
  selectMx(binding, name, counting, { variant: 0, memo });
  const afterPlan = reads;
  t.true(afterPlan >= 200);
  for (let variant = 1; variant < 100; variant++) selectMx(binding, name, counting, { variant, memo });
  t.is(reads, afterPlan, 'no member state read again for further slots');
  selectMx(binding, name, counting, { variant: 3, memo: {} });
  t.true(reads > afterPlan, 'a new memo (snapshot) plans again');
});

test('weighted names draw per slot with or without a memo', (t) => {
  const members = Array.from({ length: 10 }, (_, i) => m('a', i + 1));
  const name = balanced([tier(members)], { max: 3, policy: 'weighted' });
  const memo = {};
  for (let variant = 0; variant < 32; variant++) {
    t.deepEqual(view(selectMx(binding, name, states({}), { variant, seed: 4, memo }).records), view(selectMx(binding, name, states({}), { variant, seed: 4 }).records));
  }
});
