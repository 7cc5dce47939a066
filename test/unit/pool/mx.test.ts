import test from 'ava';
import { describeDecision } from '../../../src/pool/describe.ts';
import { selectMx, type MxSelection } from '../../../src/pool/mx.ts';
import type { MxBinding } from '../../../src/pool/model.ts';
import { balanced, m, seeded, states, tier } from './fixture.ts';

const never = () => {
  throw new Error('round-robin must not draw random numbers');
};
const binding: MxBinding = { owner: 'relay.test', balanced: 'smtp.relay.test', step: 10, ttl: 60 };
// Two primary hosts with an IPv4 and an IPv6 member each, one backup host.
const a1 = m('a', 1);
const a1v6 = m('a', 1, { v6: true });
const a2 = m('a', 2);
const a2v6 = m('a', 2, { v6: true });
const b3 = m('b', 3);
const b4 = m('b', 4);

const rows = (sel: MxSelection) => sel.records.map((r) => `${r.preference} ${r.exchange}`);

test('one MX per host, primary at 10 and every later usable tier at 20, so senders can fall back', (t) => {
  const name = balanced([tier([a1, a1v6, a2, a2v6]), tier([b3])]);
  const sel = selectMx(binding, name, states(), { random: never, variant: 0 });
  t.deepEqual(rows(sel), ['10 m1.relay.test', '10 m2.relay.test', '20 m3.relay.test']);
  t.deepEqual(sel.records[0]?.members.map((x) => x.address), ['192.0.2.1', '2001:db8::1']);
  t.false(sel.degraded);
  t.is(sel.ttl, 60);
  t.deepEqual(describeDecision(sel.decision).tiers.map((x) => x.decision), ['chosen', 'fallback']);
  t.is(describeDecision(sel.decision).query, 'MX');
});

test('round-robin rotates hosts within a preference; the variant count is the largest host count', (t) => {
  const name = balanced([tier([a1, a1v6, a2, a2v6]), tier([b3, b4])]);
  t.is(selectMx(binding, name, states(), { variant: 0 }).variants, 2);
  const v1 = selectMx(binding, name, states(), { random: never, variant: 1 });
  t.deepEqual(rows(v1), ['10 m2.relay.test', '10 m1.relay.test', '20 m4.relay.test', '20 m3.relay.test']);
});

test('a host stays published while one of its addresses is usable; only usable members are listed', (t) => {
  const name = balanced([tier([a1, a1v6, a2])]);
  const sel = selectMx(binding, name, states({ 'a/m1': 'down' }), { random: never, variant: 0 });
  t.deepEqual(rows(sel), ['10 m1.relay.test', '10 m2.relay.test']);
  t.deepEqual(sel.records[0]?.members.map((x) => x.id), ['a/m1v6']);
  t.true(sel.degraded);
  t.is(sel.ttl, 5);
});

test('a primary below its minimum is left out; the backup keeps its stable preference 20', (t) => {
  const name = balanced([tier([a1, a2], 2), tier([b3])]);
  const sel = selectMx(binding, name, states({ 'a/m2': 'down' }), { random: never, variant: 0 });
  t.deepEqual(rows(sel), ['20 m3.relay.test']);
  t.true(sel.degraded);
});

test('a host in two tiers is published once, at its better preference', (t) => {
  const shared = m('b', 7, { host: 'm1.relay.test' });
  const name = balanced([tier([a1]), tier([shared, b3])]);
  const sel = selectMx(binding, name, states(), { random: never, variant: 0 });
  t.deepEqual(rows(sel), ['10 m1.relay.test', '20 m3.relay.test']);
  t.regex(describeDecision(sel.decision).members.find((x) => x.id === 'b/m7')?.why ?? '', /already published at preference 10/);
});

test('max caps hosts per tier, so the backup keeps its place', (t) => {
  const name = balanced([tier([a1, a2, m('a', 5)]), tier([b3, b4])], { max: 1 });
  const sel = selectMx(binding, name, states(), { random: never, variant: 2 });
  t.deepEqual(rows(sel), ['10 m5.relay.test', '20 m3.relay.test']);
});

test('the preference step is configurable', (t) => {
  const name = balanced([tier([a1]), tier([b3])]);
  t.deepEqual(rows(selectMx({ ...binding, step: 5 }, name, states(), { random: never, variant: 0 })), ['5 m1.relay.test', '10 m3.relay.test']);
});

test('all down: fail-open publishes the first tier only; nodata/servfail publish nothing', (t) => {
  const down = states({ 'a/m1': 'down', 'a/m2': 'down', 'b/m3': 'down' });
  const open = selectMx(binding, balanced([tier([a1, a2]), tier([b3])]), down, { random: never, variant: 0 });
  t.deepEqual(rows(open), ['10 m1.relay.test', '10 m2.relay.test']);
  t.true(open.allDown);
  t.is(open.ttl, 5);
  for (const policy of ['nodata', 'servfail'] as const) {
    const sel = selectMx(binding, balanced([tier([a1, a2]), tier([b3])], { allDown: policy }), down, { random: never, variant: 0 });
    t.deepEqual(sel.records, []);
    t.is(sel.outcome, policy);
  }
});

test('weighted MX: hosts are drawn by weight, each once, weight 0 hosts never while others are usable', (t) => {
  const heavy = m('a', 1, { weight: 300 });
  const light = m('a', 2, { weight: 100 });
  const standby = m('a', 3, { weight: 0 });
  const name = balanced([tier([heavy, light, standby])], { policy: 'weighted' });
  const random = seeded(5);
  let heavyFirst = 0;
  const n = 4000;
  for (let variant = 0; variant < n; variant++) {
    const got = selectMx(binding, name, states(), { random, variant }).records.map((r) => r.exchange);
    t.is(new Set(got).size, got.length);
    t.false(got.includes('m3.relay.test'));
    if (got[0] === 'm1.relay.test') heavyFirst++;
  }
  t.true(Math.abs(heavyFirst / n - 0.75) < 0.03, `share ${heavyFirst / n}`);
});
