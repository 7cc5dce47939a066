/**
 * All-down is judged per name, not per address family (pool/tiers.ts rules 2–4): a family whose
 * members are down while the other family serves gets NODATA, whatever the all-down policy, and
 * min-healthy counts members of both families.
 */
import test from 'ava';
import { describeDecision } from '../../../src/pool/describe.ts';
import { selectMembers } from '../../../src/pool/select.ts';
import { selectMx } from '../../../src/pool/mx.ts';
import type { Member } from '../../../src/pool/model.ts';
import { balanced, m, states, tier } from './fixture.ts';

const never = () => 0;
const ids = (members: Member[]) => members.map((x) => x.id);
const a1 = m('a', 1);
const a2 = m('a', 2);
const a1v6 = m('a', 1, { v6: true });
const a2v6 = m('a', 2, { v6: true });
const b4 = m('b', 4);
const b4v6 = m('b', 4, { v6: true });
const v6down = { 'a/m1v6': 'down', 'a/m2v6': 'down' } as const;

for (const allDown of ['all', 'nodata', 'servfail'] as const) {
  test(`IPv6 members down, IPv4 up, all-down ${allDown}: AAAA is NODATA (degraded), not the all-down policy`, (t) => {
    const name = balanced([tier([a1, a1v6, a2, a2v6])], { allDown });
    const sel = selectMembers(name, states(v6down), { random: never, variant: 0, family: 6 });
    t.is(sel.outcome, 'nodata');
    t.false(sel.allDown);
    t.true(sel.otherFamilyServes);
    t.deepEqual(sel.members, []);
    t.true(sel.degraded);
    t.is(sel.ttl, 5, 'the degraded TTL caps the NODATA');
    t.regex(describeDecision(sel.decision).applied, /no usable IPv6 member in tier 0, but IPv4 members serve: NODATA/);
    t.is(selectMembers(name, states(v6down), { variant: 0, family: 6 }).variants, 1);
    const v4 = selectMembers(name, states(v6down), { random: never, variant: 0, family: 4 });
    t.deepEqual(ids(v4.members), ['a/m1', 'a/m2'], 'A is unaffected');
    t.false(v4.otherFamilyServes);
  });
}

test('both families down: the all-down policy applies again (servfail / fail-open all)', (t) => {
  const everything = { ...v6down, 'a/m1': 'down', 'a/m2': 'down' } as const;
  const servfail = selectMembers(balanced([tier([a1, a1v6, a2, a2v6])], { allDown: 'servfail' }), states(everything), { random: never, variant: 0, family: 6 });
  t.is(servfail.outcome, 'servfail');
  t.true(servfail.allDown);
  t.false(servfail.otherFamilyServes);
  const all = selectMembers(balanced([tier([a1, a1v6, a2, a2v6])]), states(everything), { random: never, variant: 0, family: 6 });
  t.deepEqual(ids(all.members), ['a/m1v6', 'a/m2v6'], 'fail-open: the dead IPv6 addresses');
});

test('a drained IPv6 member with IPv4 up is NODATA too; the other family counts only when usable', (t) => {
  const name = balanced([tier([a1, a1v6])], { allDown: 'servfail' });
  t.is(selectMembers(name, states({ 'a/m1v6': 'drained' }), { random: never, variant: 0, family: 6 }).outcome, 'nodata');
  // IPv4 on standby (weight 0) does not serve: the name is all down.
  t.is(selectMembers(name, states({ 'a/m1v6': 'down', 'a/m1': { weight: 0 } }), { random: never, variant: 0, family: 6 }).outcome, 'servfail');
});

test('min-healthy counts members of both families: 1 IPv4 + 1 IPv6 usable keep a min-2 primary', (t) => {
  const name = balanced([tier([a1, a2, a1v6], 2), tier([b4, b4v6])]);
  const st = states({ 'a/m2': 'down' });
  const v4 = selectMembers(name, st, { random: never, variant: 0, family: 4 });
  t.is(v4.tierIndex, 0);
  t.deepEqual(ids(v4.members), ['a/m1']);
  t.regex(describeDecision(v4.decision).tiers[0]!.why, /1 usable \(2 with IPv6\) ≥ min 2/);
  t.is(describeDecision(v4.decision).tiers[0]!.usableAnyFamily, 2);
  const v6 = selectMembers(name, st, { random: never, variant: 0, family: 6 });
  t.is(v6.tierIndex, 0, 'AAAA from the same tier as A');
  t.deepEqual(ids(v6.members), ['a/m1v6']);
  // One more down: 1 usable < 2, the backup serves both families.
  const st2 = states({ 'a/m2': 'down', 'a/m1v6': 'down' });
  t.is(selectMembers(name, st2, { random: never, variant: 0, family: 4 }).tierIndex, 1);
  t.is(selectMembers(name, st2, { random: never, variant: 0, family: 6 }).tierIndex, 1);
});

test('primary IPv6 down while its IPv4 meets min-healthy: AAAA NODATA, not the backup tier', (t) => {
  const name = balanced([tier([a1, a2, a1v6]), tier([b4v6])]);
  const sel = selectMembers(name, states({ 'a/m1v6': 'down' }), { random: never, variant: 0, family: 6 });
  t.is(sel.outcome, 'nodata');
  t.true(sel.otherFamilyServes);
  t.is(describeDecision(sel.decision).tiers[0]!.decision, 'chosen');
  t.regex(describeDecision(sel.decision).tiers[0]!.why, /no usable IPv6 member: NODATA/);
});

test('a tier without members of the family is skipped for it, as before', (t) => {
  const name = balanced([tier([a1, a2]), tier([b4v6])]);
  const sel = selectMembers(name, states(), { random: never, variant: 0, family: 6 });
  t.is(sel.tierIndex, 1);
  t.deepEqual(ids(sel.members), ['b/m4v6']);
  // Its only IPv6 member down while tier 0 serves IPv4: NODATA, not the all-down policy.
  const down = selectMembers(balanced([tier([a1, a2]), tier([b4v6])], { allDown: 'servfail' }), states({ 'b/m4v6': 'down' }), { random: never, variant: 0, family: 6 });
  t.is(down.outcome, 'nodata');
  t.true(down.otherFamilyServes);
});

test('MX is unchanged: a host whose members are all down leaves, a dual-stack host with one family up stays', (t) => {
  const h = (member: Member, host: string): Member => ({ ...member, host });
  const name = balanced([tier([h(a1, 'x.relay.test'), h(a1v6, 'x.relay.test'), h(a2v6, 'y.relay.test')])]);
  const sel = selectMx({ owner: 'relay.test', balanced: name.owner, step: 10, ttl: 60 }, name, states({ 'a/m1v6': 'down', 'a/m2v6': 'down' }), { random: never, variant: 0 });
  t.deepEqual(sel.records.map((r) => r.exchange), ['x.relay.test']);
  t.deepEqual(ids(sel.records[0]!.members), ['a/m1']);
});
