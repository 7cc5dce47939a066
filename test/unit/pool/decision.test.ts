/**
 * The decision (pool/tiers.ts, select.ts, mx.ts, host.ts) as data: states in, serving tier, mode,
 * chosen ids in order and a reason code per member out. No words: describe.ts renders those.
 */
import test from 'ava';
import { selectHost } from '../../../src/pool/host.ts';
import { selectMx } from '../../../src/pool/mx.ts';
import { selectMembers } from '../../../src/pool/select.ts';
import type { Decision, Outcome, Rule, SelectionMode } from '../../../src/pool/decision.ts';
import { balanced, m, states, tier, type StateSpec } from './fixture.ts';

const a1 = m('a', 1);
const a2 = m('a', 2);
const a3 = m('a', 3, { weight: 0 });
const a1v6 = m('a', 1, { v6: true });
const b4 = m('b', 4);
const b5 = m('b', 5);

const reasons = (d: Decision): Record<string, string> => Object.fromEntries(d.members.map((x) => [x.member.id, `${x.verdict}:${x.reason}`]));

interface Row {
  title: string;
  tiers: Array<[members: typeof a1[], minHealthy: number]>;
  spec: Record<string, StateSpec | StateSpec[]>;
  family: 4 | 6;
  extra?: Parameters<typeof balanced>[1];
  want: { outcome: Outcome; mode: SelectionMode; tier: number; rule: Rule['code']; chosen: string[]; reasons: Record<string, string>; degraded: string[] };
}

const rows: Row[] = [
  {
    title: 'all up: the primary serves, standby excluded, the backup not needed',
    tiers: [[[a1, a2, a3], 1], [[b4], 1]], spec: {}, family: 4,
    want: {
      outcome: 'answer', mode: 'normal', tier: 0, rule: 'tier-minimum', chosen: ['a/m1', 'a/m2'], degraded: [],
      reasons: { 'a/m1': 'selected:serving', 'a/m2': 'selected:serving', 'a/m3': 'excluded:standby', 'b/m4': 'not-selected:tier-not-used' },
    },
  },
  {
    title: 'one down, one drained: below min 2, the backup serves',
    tiers: [[[a1, a2], 2], [[b4, b5], 1]], spec: { 'a/m1': 'down', 'a/m2': 'drained' }, family: 4,
    want: {
      outcome: 'answer', mode: 'normal', tier: 1, rule: 'tier-minimum', chosen: ['b/m4', 'b/m5'], degraded: ['backup-tier'],
      reasons: { 'a/m1': 'excluded:down', 'a/m2': 'excluded:drained', 'b/m4': 'selected:serving', 'b/m5': 'selected:serving' },
    },
  },
  {
    title: 'no tier reaches its minimum: the first with any serves, degraded',
    tiers: [[[a1, a2], 2], [[b4, b5], 2]], spec: { 'a/m1': 'quarantined', 'b/m4': 'down' }, family: 4,
    want: {
      outcome: 'answer', mode: 'below-minimum', tier: 0, rule: 'below-minimum', chosen: ['a/m2'], degraded: ['below-minimum'],
      reasons: { 'a/m1': 'excluded:quarantined', 'a/m2': 'selected:serving', 'b/m4': 'excluded:down', 'b/m5': 'not-selected:tier-not-used' },
    },
  },
  {
    title: 'all down, policy all: fail-open rotation over the first tier, drained left out',
    tiers: [[[a1, a2, a3], 1], [[b4], 1]], spec: { 'a/m1': 'down', 'a/m2': 'drained', 'a/m3': 'down', 'b/m4': 'down' }, family: 4,
    want: {
      outcome: 'answer', mode: 'fail-open', tier: 0, rule: 'fail-open', chosen: ['a/m1', 'a/m3'], degraded: ['all-down'],
      reasons: { 'a/m1': 'selected:fail-open', 'a/m2': 'excluded:drained', 'a/m3': 'selected:fail-open', 'b/m4': 'excluded:down' },
    },
  },
  {
    title: 'all down, policy servfail: nothing chosen',
    tiers: [[[a1, a2], 1]], spec: { 'a/m1': 'down', 'a/m2': 'down' }, family: 4, extra: { allDown: 'servfail' },
    want: {
      outcome: 'servfail', mode: 'none', tier: -1, rule: 'all-down-policy', chosen: [], degraded: ['all-down'],
      reasons: { 'a/m1': 'excluded:down', 'a/m2': 'excluded:down' },
    },
  },
  {
    title: 'AAAA while the IPv6 member is down and IPv4 serves: NODATA, not all-down',
    tiers: [[[a1, a1v6], 1]], spec: { 'a/m1v6': 'down' }, family: 6,
    want: {
      outcome: 'nodata', mode: 'normal', tier: 0, rule: 'other-family', chosen: [], degraded: ['member-down', 'family-unusable'],
      reasons: { 'a/m1': 'excluded:other-family', 'a/m1v6': 'excluded:down' },
    },
  },
  {
    title: 'max 1 under rotation: the rest are beyond the cap',
    tiers: [[[a1, a2], 1]], spec: {}, family: 4, extra: { max: 1 },
    want: {
      outcome: 'answer', mode: 'normal', tier: 0, rule: 'tier-minimum', chosen: ['a/m1'], degraded: [],
      reasons: { 'a/m1': 'selected:serving', 'a/m2': 'not-selected:beyond-max' },
    },
  },
  {
    title: 'operator weight 0 makes a standby',
    tiers: [[[a1, a2], 1]], spec: { 'a/m1': { weight: 0 } }, family: 4,
    want: {
      outcome: 'answer', mode: 'normal', tier: 0, rule: 'tier-minimum', chosen: ['a/m2'], degraded: [],
      reasons: { 'a/m1': 'excluded:standby', 'a/m2': 'selected:serving' },
    },
  },
];

for (const row of rows) {
  test(`decision: ${row.title}`, (t) => {
    const name = balanced(row.tiers.map(([members, min]) => tier(members, min)), row.extra);
    const { decision, members } = selectMembers(name, states(row.spec), { variant: 0, family: row.family });
    t.is(decision.outcome, row.want.outcome);
    t.is(decision.mode, row.want.mode);
    t.is(decision.servingTier, row.want.outcome === 'answer' || row.want.rule === 'other-family' ? row.want.tier : -1);
    t.is(decision.rule.code, row.want.rule);
    t.deepEqual(members.map((x) => x.id), row.want.chosen);
    t.deepEqual(reasons(decision), row.want.reasons);
    t.deepEqual(decision.degraded.map((x) => x.code), row.want.degraded);
  });
}

test('decision: shares follow the composed weights under weighted and are even under rotation', (t) => {
  const heavy = m('a', 1, { weight: 300 });
  const light = m('a', 2, { weight: 100 });
  const weighted = selectMembers(balanced([tier([heavy, light, a3])], { policy: 'weighted' }), states(), { variant: 0, family: 4 });
  t.deepEqual(weighted.decision.members.map((x) => x.share), [0.75, 0.25, 0]);
  const rr = selectMembers(balanced([tier([heavy, light, a3])]), states(), { variant: 0, family: 4 });
  t.deepEqual(rr.decision.members.map((x) => x.share), [0.5, 0.5, 0]);
  const operator = selectMembers(balanced([tier([heavy, light])], { policy: 'weighted' }), states({ 'a/m1': { weight: 100 } }), { variant: 0, family: 4 });
  t.deepEqual(operator.decision.members.map((x) => x.share), [0.5, 0.5]);
});

test('decision: MX publishes the serving tier and later usable tiers; one MX per host', (t) => {
  const shared = m('b', 6, { host: 'm4.relay.test' });
  const name = balanced([tier([a1, a2]), tier([b4, shared])]);
  const sel = selectMx({ owner: 'relay.test', balanced: name.owner, step: 10, ttl: 60 }, name, states({ 'a/m2': 'down' }), { variant: 0 });
  t.deepEqual(sel.records.map((r) => `${r.preference} ${r.exchange}`), ['10 m1.relay.test', '20 m4.relay.test']);
  t.deepEqual(reasons(sel.decision), {
    'a/m1': 'selected:serving', 'a/m2': 'excluded:down', 'b/m4': 'selected:fallback-tier', 'b/m6': 'selected:fallback-tier',
  });
  t.deepEqual(sel.decision.tiers.map((x) => x.decision), ['chosen', 'fallback']);
});

test('decision: a member host uses the same eligibility (serving, standby, fail-open)', (t) => {
  const host = { host: 'm1.relay.test', members: [m('a', 1), m('b', 1, { weight: 0 }), m('a', 1, { v6: true })], degradedTtl: 5 };
  const run = (spec: Record<string, StateSpec | StateSpec[]>) => selectHost(host, states(spec), { family: 4, variant: 0, ttl: 30 });
  t.deepEqual(reasons(run({}).decision), { 'a/m1': 'selected:serving', 'b/m1': 'excluded:standby', 'a/m1v6': 'excluded:other-family' });
  t.deepEqual(reasons(run({ 'a/m1': 'down', 'a/m1v6': 'down' }).decision), { 'a/m1': 'excluded:down', 'b/m1': 'selected:standby-serving', 'a/m1v6': 'excluded:other-family' });
  const open = run({ 'a/m1': 'drained', 'b/m1': 'down', 'a/m1v6': 'down' });
  t.is(open.mode, 'fail-open');
  t.deepEqual(open.members.map((x) => x.id), ['a/m1', 'b/m1']);
  t.is(open.decision.rule.code, 'host-fail-open');
});
