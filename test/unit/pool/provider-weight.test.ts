/**
 * Per-provider names in the one weight composition (pool/weight.ts, tiers.ts, describe.ts): a
 * member quarantined for one provider group leaves names for that group only.
 */
import test from 'ava';
import { effectiveState } from '../../../src/pool/effective.ts';
import type { EffectiveState, ProviderGroup, ProviderScales } from '../../../src/pool/model.ts';
import { describeDecision } from '../../../src/pool/describe.ts';
import { planTiers } from '../../../src/pool/tiers.ts';
import { composeWeight, exclusionOf, type Exclusion } from '../../../src/pool/weight.ts';
import { balanced, ids, m, tier } from './fixture.ts';

const QUARANTINED_MS: ProviderScales = { microsoft: { factor: 0, reason: 'microsoft: deferral rate 100 % ≥ 40 %' } };

interface Row {
  title: string;
  providers?: ProviderScales;
  observed?: 'up' | 'down';
  name?: ProviderGroup;
  factors: string[];
  weight: number;
  exclusion: Exclusion | undefined;
}

const rows: Row[] = [
  { title: 'general name ignores per-provider verdicts', providers: QUARANTINED_MS, factors: ['configured 100 configured', 'state 1 usable'], weight: 100, exclusion: undefined },
  { title: 'the provider\'s name: factor 0, provider-quarantined', providers: QUARANTINED_MS, name: 'microsoft', factors: ['configured 100 configured', 'provider-reputation 0 provider-quarantined', 'state 1 usable'], weight: 0, exclusion: 'provider-quarantined' },
  { title: 'another provider\'s name: untouched', providers: QUARANTINED_MS, name: 'gmail', factors: ['configured 100 configured', 'state 1 usable'], weight: 100, exclusion: undefined },
  { title: 'no verdict: no factor', name: 'microsoft', factors: ['configured 100 configured', 'state 1 usable'], weight: 100, exclusion: undefined },
  { title: 'down and provider-quarantined: down is the reason', providers: QUARANTINED_MS, observed: 'down', name: 'microsoft', factors: ['configured 100 configured', 'provider-reputation 0 provider-quarantined', 'state 0 down'], weight: 0, exclusion: 'down' },
  { title: 'a provider scale below 1 scales the share', providers: { gmail: { factor: 0.5, reason: 'x' } }, name: 'gmail', factors: ['configured 100 configured', 'provider-reputation 0.5 provider-scale', 'state 1 usable'], weight: 50, exclusion: undefined },
];

for (const row of rows) {
  test(`provider weight: ${row.title}`, (t) => {
    const observed = row.observed ?? 'up';
    const state = effectiveState({ observed, ...(row.providers ? { providers: row.providers } : {}) }, 0);
    const w = composeWeight(m('a', 1), state, 0, 'round-robin', row.name);
    t.deepEqual(w.factors.map((f) => `${f.name} ${f.value} ${f.reason}`), row.factors);
    t.is(w.weight, row.weight);
    t.is(exclusionOf(w), row.exclusion);
  });
}

test('provider names: the member quarantined for microsoft leaves the microsoft name only, with words in /explain', (t) => {
  const members = [m('a', 1), m('a', 2), m('a', 3)];
  const table = new Map<string, EffectiveState>([['a/m2', effectiveState({ observed: 'up', providers: QUARANTINED_MS }, 0)]]);
  const lookup = (id: string): EffectiveState => table.get(id) ?? { state: 'up', observed: 'up' };
  const general = planTiers(balanced([tier(members)]), lookup, 4, 0);
  t.deepEqual(ids(general.pick.map((d) => d.member)), ['a/m1', 'a/m2', 'a/m3']);
  const microsoft = planTiers(balanced([tier(members)], { owner: 'microsoft.relay.test', provider: 'microsoft' }), lookup, 4, 0);
  t.deepEqual(ids(microsoft.pick.map((d) => d.member)), ['a/m1', 'a/m3']);
  t.is(microsoft.decision.provider, 'microsoft');
  const out = microsoft.decision.members.find((d) => d.member.id === 'a/m2')!;
  t.is(out.reason, 'provider-quarantined');
  const trace = describeDecision(microsoft.decision);
  const text = JSON.stringify(trace);
  t.regex(text, /quarantined for microsoft only \(serves other names\): microsoft: deferral rate 100 %/);
  const gmail = planTiers(balanced([tier(members)], { owner: 'gmail.relay.test', provider: 'gmail' }), lookup, 4, 0);
  t.is(gmail.pick.length, 3);
});

test('provider names: every member quarantined for the provider → the next tier, then the all-down policy', (t) => {
  const tx = [m('tx', 1), m('tx', 2)];
  const bulk = [m('bulk', 1)];
  const table = new Map<string, EffectiveState>(tx.map((x) => [x.id, effectiveState({ observed: 'up', providers: QUARANTINED_MS }, 0)]));
  const lookup = (id: string): EffectiveState => table.get(id) ?? { state: 'up', observed: 'up' };
  const spill = planTiers(balanced([tier(tx), tier(bulk)], { provider: 'microsoft' }), lookup, 4, 0);
  t.deepEqual(ids(spill.pick.map((d) => d.member)), ['bulk/m1']);
  t.is(spill.decision.servingTier, 1);
  const alone = planTiers(balanced([tier(tx)], { provider: 'microsoft' }), lookup, 4, 0);
  t.is(alone.decision.mode, 'fail-open', 'never fail closed by accident: fail-open returns them');
  t.is(alone.pick.length, 2);
  const closed = planTiers(balanced([tier(tx)], { provider: 'microsoft', allDown: 'nodata' }), lookup, 4, 0);
  t.is(closed.decision.outcome, 'nodata');
});
