/** Answers at in-zone member host names (pool/host.ts): serving members, standbys, fail-open, per family. */
import { describeDecision } from '../../../src/pool/describe.ts';
import test from 'ava';
import { selectHost, type MemberHost } from '../../../src/pool/host.ts';
import type { AddressFamily, Member } from '../../../src/pool/model.ts';
import { formatTrace } from '../../../src/pool/trace.ts';
import { m, states, type StateSpec } from './fixture.ts';

const HOST = 'shared.relay.test';
const on = (member: Member): Member => ({ ...member, host: HOST });
const v4a = on(m('a', 1));
const v4b = on(m('b', 2));
const v6 = on(m('a', 3, { v6: true }));
const host: MemberHost = { host: HOST, members: [v4a, v4b, v6], degradedTtl: 5 };
const pick = (spec: Record<string, StateSpec | StateSpec[]>, family: AddressFamily, variant = 0) =>
  selectHost(host, states(spec), { family, variant, ttl: 30 });
const ids = (members: Member[]) => members.map((x) => x.id);

test('all serving: every member of the family, host TTL, rotated by variant', (t) => {
  const sel = pick({}, 4);
  t.deepEqual(ids(sel.members), ['a/m1', 'b/m2']);
  t.is(sel.mode, 'serving');
  t.false(sel.degraded);
  t.is(sel.ttl, 30);
  t.deepEqual(ids(pick({}, 4, 1).members), ['b/m2', 'a/m1']);
  t.deepEqual(ids(pick({}, 6).members), ['a/m3v6']);
  t.is(selectHost(host, states(), { family: 4, variant: 0, ttl: 30 }).variants, 2);
  t.is(selectHost(host, states(), { family: 6, variant: 0, ttl: 30 }).variants, 1);
});

test('a down member leaves while another member of the host serves (degraded TTL)', (t) => {
  const sel = pick({ 'a/m1': 'down' }, 4);
  t.deepEqual(ids(sel.members), ['b/m2']);
  t.true(sel.degraded);
  t.is(sel.ttl, 5);
  t.deepEqual(describeDecision(sel.decision).degradedBecause, ['a/m1 down']);
  const byId = Object.fromEntries(describeDecision(sel.decision).members.map((x) => [x.id, x]));
  t.is(byId['a/m1']?.verdict, 'excluded');
  t.regex(byId['a/m1']?.why ?? '', /down: connect-refused/);
});

test('drained and quarantined members leave while another member serves (TTL stays)', (t) => {
  const sel = pick({ 'a/m1': 'drained', 'a/m3v6': 'quarantined' }, 4);
  t.deepEqual(ids(sel.members), ['b/m2']);
  t.false(sel.degraded);
  t.is(sel.ttl, 30);
  const six = pick({ 'a/m1': 'drained', 'a/m3v6': 'quarantined' }, 6);
  t.deepEqual(six.members, [], 'the quarantined IPv6 member: NODATA, the host serves IPv4');
  t.true(six.otherFamilyServes);
  t.is(describeDecision(six.decision).outcome, 'nodata');
});

test('IPv6 member down, IPv4 serving: AAAA is NODATA with the degraded TTL', (t) => {
  const sel = pick({ 'a/m3v6': 'down' }, 6);
  t.deepEqual(sel.members, []);
  t.true(sel.otherFamilyServes);
  t.is(sel.ttl, 5);
  t.regex(describeDecision(sel.decision).applied, /IPv6 members are not usable but IPv4 members serve: NODATA/);
});

test('nothing of the host usable: fail-open with every address of the family, drained ones too', (t) => {
  const spec = { 'a/m1': 'down', 'b/m2': 'drained', 'a/m3v6': 'down' } as const;
  const sel = pick(spec, 4);
  t.is(sel.mode, 'fail-open');
  t.deepEqual(ids(sel.members), ['a/m1', 'b/m2']);
  t.true(sel.degraded);
  t.is(sel.ttl, 5);
  t.deepEqual(ids(pick(spec, 6).members), ['a/m3v6']);
  t.is(describeDecision(sel.decision).tiers[0]!.decision, 'fail-open');
});

test('no member carries traffic but a standby (weight 0) is up: the standby answers, not the dead', (t) => {
  const spec = { 'a/m1': 'down', 'b/m2': { weight: 0 }, 'a/m3v6': 'down' } as const;
  const sel = pick(spec, 4);
  t.is(sel.mode, 'standby');
  t.deepEqual(ids(sel.members), ['b/m2']);
  t.true(sel.degraded);
  t.true(pick(spec, 6).otherFamilyServes, 'the dead IPv6 member is left out: NODATA');
  // While a weighted member serves, the standby stays out, like in balanced answers.
  t.deepEqual(ids(pick({ 'b/m2': { weight: 0 } }, 4).members), ['a/m1']);
});

test('a family with no member at the host is plain NODATA, not degraded', (t) => {
  const v4only: MemberHost = { host: HOST, members: [v4a], degradedTtl: 5 };
  const sel = selectHost(v4only, states(), { family: 6, variant: 0, ttl: 30 });
  t.deepEqual(sel.members, []);
  t.false(sel.otherFamilyServes);
  t.false(sel.degraded);
  t.is(describeDecision(sel.decision).tiers[0]!.decision, 'empty');
});

test('the trace reads as a member-host answer', (t) => {
  const lines = formatTrace(describeDecision(pick({ "a/m1": "down" }, 4).decision));
  t.regex(lines[0]!, /^shared\.relay\.test A: answer, ttl 5 \(degraded: a\/m1 down\)/);
  t.regex(lines[1]!, /member host: answers follow its members' health/);
  t.true(lines.some((l) => /b\/m2 192\.0\.2\.2 up w=100: selected #1 — usable/.test(l)));
  t.true(lines.some((l) => /a\/m1 192\.0\.2\.1 down w=100: excluded — down: connect-refused/.test(l)));
});
