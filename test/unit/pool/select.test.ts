import test from 'ava';
import { describeDecision } from '../../../src/pool/describe.ts';
import { selectMembers, WEIGHTED_VARIANTS } from '../../../src/pool/select.ts';
import { balanced, ids, m, seeded, states, tier } from './fixture.ts';

const never = () => {
  throw new Error('round-robin must not draw random numbers');
};
const a1 = m('a', 1);
const a2 = m('a', 2);
const a3 = m('a', 3);
const b4 = m('b', 4);
const b5 = m('b', 5);

test('round-robin: successive variants start at every member, in configured rotation order', (t) => {
  const name = balanced([tier([a1, a2, a3])]);
  const all = states();
  t.is(selectMembers(name, all, { variant: 0, family: 4 }).variants, 3);
  const answers = [0, 1, 2, 3, -1].map((variant) => ids(selectMembers(name, all, { random: never, variant, family: 4 }).members));
  t.deepEqual(answers[0], ['a/m1', 'a/m2', 'a/m3']);
  t.deepEqual(answers[1], ['a/m2', 'a/m3', 'a/m1']);
  t.deepEqual(answers[2], ['a/m3', 'a/m1', 'a/m2']);
  t.deepEqual(answers[3], answers[0], 'variant wraps around');
  t.deepEqual(answers[4], answers[2], 'negative variants wrap too');
});

test('round-robin with max: each answer is capped, and the variants together cover every member', (t) => {
  const name = balanced([tier([a1, a2, a3, b4])], { max: 2 });
  const seen = new Set<string>();
  const n = selectMembers(name, states(), { variant: 0, family: 4 }).variants;
  t.is(n, 4);
  for (let variant = 0; variant < n; variant++) {
    const sel = selectMembers(name, states(), { random: never, variant, family: 4 });
    t.is(sel.members.length, 2);
    t.is(new Set(ids(sel.members)).size, 2);
    for (const id of ids(sel.members)) seen.add(id);
  }
  t.deepEqual([...seen].sort(), ['a/m1', 'a/m2', 'a/m3', 'b/m4']);
});

test('a down member leaves the answer and the TTL drops to the degraded TTL', (t) => {
  const name = balanced([tier([a1, a2, a3])]);
  const st = states({ 'a/m2': 'down' });
  const sel = selectMembers(name, st, { random: never, variant: 0, family: 4 });
  t.deepEqual(ids(sel.members), ['a/m1', 'a/m3']);
  t.true(sel.degraded);
  t.false(sel.allDown);
  t.is(sel.ttl, 5);
  t.is(sel.tierIndex, 0);
  t.is(selectMembers(name, st, { variant: 0, family: 4 }).variants, 2);
  t.true(describeDecision(sel.decision).degradedBecause.includes('a/m2 down'));
});

test('unknown members are usable and do not degrade the answer; all healthy → normal TTL', (t) => {
  const name = balanced([tier([a1, a2])]);
  const sel = selectMembers(name, states({ 'a/m1': 'unknown', 'a/m2': 'unknown' }), { random: never, variant: 0, family: 4 });
  t.deepEqual(ids(sel.members), ['a/m1', 'a/m2']);
  t.false(sel.degraded);
  t.is(sel.ttl, 30);
});

test('degraded TTL never exceeds the normal TTL', (t) => {
  const name = balanced([tier([a1, a2])], { ttl: 3, degradedTtl: 10 });
  t.is(selectMembers(name, states({ 'a/m1': 'down' }), { random: never, variant: 0, family: 4 }).ttl, 3);
});

test('drained and quarantined members are excluded without degrading', (t) => {
  const name = balanced([tier([a1, a2, a3])]);
  const sel = selectMembers(name, states({ 'a/m1': 'drained', 'a/m3': ['down', 'quarantined'] }), { random: never, variant: 0, family: 4 });
  t.deepEqual(ids(sel.members), ['a/m2']);
  t.false(sel.degraded);
  const why = Object.fromEntries(describeDecision(sel.decision).members.map((x) => [x.id, x]));
  t.is(why['a/m1']?.verdict, 'excluded');
  t.regex(why['a/m1']?.why ?? '', /drained by alice: maintenance/);
  t.is(why['a/m3']?.state, 'quarantined');
  t.is(why['a/m3']?.observed, 'down', 'the observed state stays visible under the override');
});

test('family filter: A gets IPv4 members only, AAAA IPv6 only; a family with no members is NODATA, not all-down', (t) => {
  const a1v6 = m('a', 1, { v6: true });
  const name = balanced([tier([a1, a1v6, a2])]);
  t.deepEqual(ids(selectMembers(name, states(), { random: never, variant: 0, family: 4 }).members), ['a/m1', 'a/m2']);
  t.deepEqual(ids(selectMembers(name, states(), { random: never, variant: 0, family: 6 }).members), ['a/m1v6']);
  const v4only = balanced([tier([a1, a2])], { allDown: 'servfail' });
  const sel = selectMembers(v4only, states(), { random: never, variant: 0, family: 6 });
  t.is(sel.outcome, 'nodata');
  t.false(sel.allDown);
  t.deepEqual(sel.members, []);
  t.is(selectMembers(v4only, states(), { variant: 0, family: 6 }).variants, 1);
});

test('tier fallback: the primary is used while it has its minimum, the backup otherwise (degraded)', (t) => {
  const name = balanced([tier([a1, a2, a3], 2), tier([b4, b5])]);
  const ok = selectMembers(name, states({ 'a/m1': 'down' }), { random: never, variant: 0, family: 4 });
  t.is(ok.tierIndex, 0);
  t.deepEqual(ids(ok.members), ['a/m2', 'a/m3']);
  const fallback = selectMembers(name, states({ 'a/m1': 'down', 'a/m2': 'drained' }), { random: never, variant: 0, family: 4 });
  t.is(fallback.tierIndex, 1);
  t.deepEqual(ids(fallback.members), ['b/m4', 'b/m5']);
  t.true(fallback.degraded);
  t.is(fallback.ttl, 5);
  t.deepEqual(describeDecision(fallback.decision).tiers.map((x) => x.decision), ['below-minimum', 'chosen']);
  const a3trace = describeDecision(fallback.decision).members.find((x) => x.id === 'a/m3');
  t.is(a3trace?.verdict, 'not-selected');
  t.regex(a3trace?.why ?? '', /tier 0 not used/);
});

test('no tier reaches its minimum: the first tier with any usable member serves, degraded', (t) => {
  const name = balanced([tier([a1, a2], 2), tier([b4, b5], 2)]);
  const sel = selectMembers(name, states({ 'a/m1': 'down', 'a/m2': 'down', 'b/m4': 'down' }), { random: never, variant: 0, family: 4 });
  t.is(sel.tierIndex, 1);
  t.deepEqual(ids(sel.members), ['b/m5']);
  t.true(sel.degraded);
  t.false(sel.allDown);
});

test('all down, policy all (default): every member of the first tier regardless of health, rotated and capped', (t) => {
  const standby = m('a', 9, { weight: 0 });
  const name = balanced([tier([a1, a2, standby]), tier([b4])], { max: 2 });
  const st = states({ 'a/m1': 'down', 'a/m2': 'down', 'a/m9': 'down', 'b/m4': 'down' });
  t.is(selectMembers(name, st, { variant: 0, family: 4 }).variants, 3);
  const answers = [0, 1, 2].map((variant) => selectMembers(name, st, { random: never, variant, family: 4 }));
  t.deepEqual(answers.map((s) => ids(s.members)), [['a/m1', 'a/m2'], ['a/m2', 'a/m9'], ['a/m9', 'a/m1']]);
  for (const s of answers) {
    t.true(s.allDown);
    t.true(s.degraded);
    t.is(s.outcome, 'answer');
    t.is(s.tierIndex, 0);
    t.is(s.ttl, 5);
    t.is(describeDecision(s.decision).tiers[0]?.decision, 'fail-open');
  }
});

test('all down with weighted policy still fails open by rotation, standbys included', (t) => {
  const name = balanced([tier([a1, m('a', 2, { weight: 0 })])], { policy: 'weighted' });
  const st = states({ 'a/m1': 'down', 'a/m2': 'down' });
  const sel = selectMembers(name, st, { random: never, variant: 1, family: 4 });
  t.deepEqual(ids(sel.members), ['a/m2', 'a/m1']);
  t.is(selectMembers(name, st, { variant: 0, family: 4 }).variants, 2);
});

test('all down, policies nodata and servfail give an empty answer with that outcome', (t) => {
  for (const policy of ['nodata', 'servfail'] as const) {
    const name = balanced([tier([a1, a2])], { allDown: policy });
    const sel = selectMembers(name, states({ 'a/m1': 'down', 'a/m2': 'down' }), { random: never, variant: 0, family: 4 });
    t.is(sel.outcome, policy);
    t.deepEqual(sel.members, []);
    t.true(sel.allDown);
    t.is(sel.tierIndex, -1);
    t.is(sel.ttl, 5);
  }
});

test('fail-open leaves drained/quarantined members out, moving on to a tier with a member left', (t) => {
  const name = balanced([tier([a1, a2]), tier([b4, b5])]);
  const some = selectMembers(name, states({ 'a/m1': 'drained', 'a/m2': 'down', 'b/m4': 'down', 'b/m5': 'down' }), { random: never, variant: 0, family: 4 });
  t.deepEqual(ids(some.members), ['a/m2']);
  const primaryDrained = selectMembers(name, states({ 'a/m1': 'drained', 'a/m2': 'quarantined', 'b/m4': 'down', 'b/m5': 'down' }), { random: never, variant: 0, family: 4 });
  t.is(primaryDrained.tierIndex, 1);
  t.deepEqual(ids(primaryDrained.members), ['b/m4', 'b/m5']);
});

test('fail-open with every member overridden returns the first tier anyway (never empty under policy all)', (t) => {
  const name = balanced([tier([a1, a2]), tier([b4])]);
  const sel = selectMembers(name, states({ 'a/m1': 'drained', 'a/m2': 'quarantined', 'b/m4': 'drained' }), { random: never, variant: 0, family: 4 });
  t.deepEqual(ids(sel.members), ['a/m1', 'a/m2']);
  t.true(sel.allDown);
  t.regex(describeDecision(sel.decision).applied, /drained or quarantined/);
});

test('weight 0 members are standbys: never chosen while another member is usable, under either policy', (t) => {
  for (const policy of ['round-robin', 'weighted'] as const) {
    const name = balanced([tier([a1, m('a', 2, { weight: 0 }), a3])], { policy });
    const random = seeded(42);
    for (let variant = 0; variant < 200; variant++) {
      const sel = selectMembers(name, states({ 'a/m3': 'down' }), { random, variant, family: 4 });
      t.deepEqual(ids(sel.members), ['a/m1']);
    }
  }
});

test('a weight override of 0 takes a member out like a standby; a positive one replaces the weight', (t) => {
  const name = balanced([tier([a1, a2])], { policy: 'weighted' });
  const sel = selectMembers(name, states({ 'a/m1': { weight: 0 } }), { random: seeded(1), variant: 0, family: 4 });
  t.deepEqual(ids(sel.members), ['a/m2']);
  const trace = describeDecision(sel.decision).members.find((x) => x.id === 'a/m1');
  t.is(trace?.weight, 0);
  t.is(trace?.configuredWeight, 100);
});

test('weighted: over many seeded draws no duplicates, never more than max, first-position shares follow the weights', (t) => {
  const members = [m('a', 1, { weight: 100 }), m('a', 2, { weight: 50 }), m('a', 3, { weight: 50 }), m('a', 4, { weight: 0 })];
  const name = balanced([tier(members)], { policy: 'weighted', max: 2 });
  t.is(selectMembers(name, states(), { variant: 0, family: 4 }).variants, WEIGHTED_VARIANTS);
  const random = seeded(2024);
  const first = new Map<string, number>();
  const draws = 20000;
  for (let variant = 0; variant < draws; variant++) {
    const sel = selectMembers(name, states(), { random, variant, family: 4 });
    const got = ids(sel.members);
    if (got.length !== 2 || new Set(got).size !== 2 || got.includes('a/m4')) {
      t.fail(`bad draw ${variant}: ${got.join(',')}`);
      return;
    }
    first.set(got[0]!, (first.get(got[0]!) ?? 0) + 1);
  }
  const share = (id: string) => (first.get(id) ?? 0) / draws;
  t.true(Math.abs(share('a/m1') - 0.5) < 0.02, `m1 ${share('a/m1')}`);
  t.true(Math.abs(share('a/m2') - 0.25) < 0.02, `m2 ${share('a/m2')}`);
  t.true(Math.abs(share('a/m3') - 0.25) < 0.02, `m3 ${share('a/m3')}`);
});

test('weighted with a single usable member needs one variant; the same seed and ring slot give the same draw', (t) => {
  const name = balanced([tier([a1, a2])], { policy: 'weighted' });
  t.is(selectMembers(name, states({ 'a/m2': 'down' }), { variant: 0, family: 4 }).variants, 1);
  const one = selectMembers(name, states(), { random: seeded(9), variant: 5, family: 4 });
  // variants are taken modulo the ring (WEIGHTED_VARIANTS slots): slot 5 again
  const two = selectMembers(name, states(), { random: seeded(9), variant: 5 + WEIGHTED_VARIANTS, family: 4 });
  t.deepEqual(ids(one.members), ids(two.members));
});

test('a member listed in two tiers (or twice) counts once, in its first place', (t) => {
  const name = balanced([tier([a1, a1, a2]), tier([a2, b4])]);
  const sel = selectMembers(name, states(), { random: never, variant: 0, family: 4 });
  t.deepEqual(ids(sel.members), ['a/m1', 'a/m2']);
  t.deepEqual(describeDecision(sel.decision).members.map((x) => `${x.id}@${x.tier}`), ['a/m1@0', 'a/m2@0', 'b/m4@1']);
  t.deepEqual(describeDecision(sel.decision).tiers.map((x) => x.members), [2, 1]);
});
