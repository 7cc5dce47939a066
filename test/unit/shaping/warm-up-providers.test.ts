/**
 * Per-provider warm-up caps (shaping/warm-up.ts, pool/weight.ts; issue 14 item 1): each provider
 * group with a cap today gets a factor of its own, counting only that group's attempts (and the
 * total's); a per-provider name (`provider: gmail`) reads it in place of the overall factor, names
 * for every recipient read the overall one (the day's total cap only). Table-driven over counts.
 */
import test from 'ava';
import { SourceError } from '../../../src/errors.ts';
import { composeWeight, type EffectiveState, type ProviderGroup } from '../../../src/pool/index.ts';
import { warmUpStatus, type DailyCount, type ShapingFactor, type WarmUpPlan } from '../../../src/shaping/index.ts';
import { parseYamlZone } from '../../../src/zone/yaml/yaml-parser.ts';
import { member } from '../../helpers/balanced-zone.ts';

const NOW = Date.parse('2026-12-01T08:00:00Z');
/** Day 1: total 1,000, gmail 10, microsoft 100 (no yahoo cap); day 2: gmail and microsoft only (sum 300). */
const plan: WarmUpPlan = { schedule: { name: 'p', timeZone: 'UTC', days: [{ cap: 1000, providers: { gmail: 10, microsoft: 100 } }, { providers: { gmail: 100, microsoft: 200 } }, { cap: 4000 }] }, start: '2026-12-01' };
const count = (total: number, providers: DailyCount['providers'] = {}): DailyCount => ({ total, providers });

type Row = [title: string, today: DailyCount, overall: string, gmail: string | undefined, microsoft: string | undefined];
// Each expectation: "value reason[: detail]". Open share on day 1 = 1,000 / 4,000 = 0.25.
const rows: Row[] = [
  ['nothing sent', count(0), '0.25 warm-up-under-cap', '0.25 warm-up-provider-under-cap: gmail cap 10', '0.25 warm-up-provider-under-cap: microsoft cap 100'],
  ['gmail at its cap: only the gmail factor is 0', count(15, { gmail: 10, microsoft: 5 }), '0.25 warm-up-under-cap', '0 warm-up-provider-cap-reached: gmail cap 10', '0.25 warm-up-provider-under-cap: microsoft cap 100'],
  ['gmail near its cap (9 of 10): its factor falls', count(9, { gmail: 9 }), '0.25 warm-up-under-cap', '0.125 warm-up-provider-near-cap: gmail cap 10', '0.25 warm-up-provider-under-cap: microsoft cap 100'],
  ['microsoft over its cap, gmail under', count(120, { microsoft: 120 }), '0.25 warm-up-under-cap', '0.25 warm-up-provider-under-cap: gmail cap 10', '0 warm-up-provider-cap-reached: microsoft cap 100'],
  ['uncapped yahoo reaches the total: every name is withheld, the total named', count(1000, { yahoo: 1000 }), '0 warm-up-cap-reached', '0 warm-up-cap-reached', '0 warm-up-cap-reached'],
  ['total near its cap binds the provider names too', count(900, { other: 900 }), '0.125 warm-up-near-cap', '0.125 warm-up-near-cap', '0.125 warm-up-near-cap'],
];

const show = (f: ShapingFactor | undefined) => (f ? `${f.value} ${f.reason}${f.detail ? `: ${f.detail}` : ''}` : undefined);

for (const [title, today, overall, gmail, microsoft] of rows) {
  test(`warmUpStatus per provider: ${title}`, (t) => {
    const s = warmUpStatus({ plan, control: { pausedDays: 0 }, now: NOW, today });
    t.is(show(s.factor), overall);
    t.is(show(s.providerFactors?.gmail), gmail);
    t.is(show(s.providerFactors?.microsoft), microsoft);
    t.is(s.providerFactors?.yahoo, undefined, 'no yahoo cap today: the yahoo name reads the overall factor');
    t.is(s.providerFactors?.gmail?.provider, 'gmail');
    t.deepEqual(s.providerSent, { gmail: today.providers.gmail ?? 0, microsoft: today.providers.microsoft ?? 0 });
  });
}

test('a day of provider caps only: the overall cap is their sum; stale signals give no provider factors', (t) => {
  const day2 = Date.parse('2026-12-02T08:00:00Z');
  const closed = warmUpStatus({ plan, control: { pausedDays: 0 }, now: day2, today: count(100, { gmail: 100 }) });
  t.is(closed.cap, 300);
  t.is(show(closed.factor), '0.075 warm-up-under-cap');
  t.is(show(closed.providerFactors?.gmail), '0 warm-up-provider-cap-reached: gmail cap 100');
  const stale = warmUpStatus({ plan, control: { pausedDays: 0 }, now: day2, today: undefined });
  t.is(stale.factor?.reason, 'warm-up-signals-stale');
  t.is(stale.providerFactors, undefined);
  const paused = warmUpStatus({ plan, control: { pausedDays: 0, pausedSince: NOW, pausedBy: 'operator' }, now: NOW, today: count(3, { gmail: 3 }) });
  t.is(paused.providerFactors?.gmail?.reason, 'warm-up-paused-operator');
});

test('a provider cap of 0 keeps the member out of that provider\'s names from the first attempt of the day', (t) => {
  const zero: WarmUpPlan = { ...plan, schedule: { ...plan.schedule, days: [{ cap: 100, providers: { yahoo: 0 } }, { cap: 400 }] } };
  const s = warmUpStatus({ plan: zero, control: { pausedDays: 0 }, now: NOW, today: count(0) });
  t.is(show(s.providerFactors?.yahoo), '0 warm-up-provider-cap-reached: yahoo cap 0');
  t.is(show(s.factor), '0.25 warm-up-under-cap');
});

// composeWeight: which warm-up factor each kind of name reads.
const shaping: ShapingFactor[] = [
  { name: 'warm-up', value: 0.25, reason: 'warm-up-under-cap' },
  { name: 'warm-up', value: 0, reason: 'warm-up-provider-cap-reached', provider: 'gmail', detail: 'gmail cap 10' },
  { name: 'warm-up', value: 0.25, reason: 'warm-up-provider-under-cap', provider: 'microsoft', detail: 'microsoft cap 100' },
];
const names: Array<[name: string, provider: ProviderGroup | undefined, weight: number, reason: string]> = [
  ['a class name (every recipient)', undefined, 25, 'warm-up-under-cap'],
  ['gmail.relay (provider gmail)', 'gmail', 0, 'warm-up-provider-cap-reached'],
  ['microsoft.relay (provider microsoft)', 'microsoft', 25, 'warm-up-provider-under-cap'],
  ['yahoo.relay (no yahoo cap: the overall factor)', 'yahoo', 25, 'warm-up-under-cap'],
];
for (const [title, provider, weight, reason] of names) {
  test(`composeWeight reads one warm-up factor: ${title}`, (t) => {
    const state: EffectiveState = { state: 'up', observed: 'up', shaping };
    const w = composeWeight(member('p', 'm', '192.0.2.1', { host: 'm.relay.test', weight: 100 }), state, NOW, 'weighted', provider);
    t.is(w.weight, weight);
    const warm = w.factors.filter((f) => f.name === 'warm-up');
    t.is(warm.length, 1, 'exactly one warm-up factor per name');
    t.is(warm[0]!.reason as string, reason);
  });
}

const zone = (days: string) => `origin: mail.test.
records: |
  @ 3600 IN SOA ns1 hostmaster 1 3600 600 86400 30
  @ 3600 IN NS ns1
  ns1 3600 IN A 127.0.0.1
warm-up-schedules:
  x:
    days: ${days}
pools:
  p:
    members:
      - {name: a, address: 127.0.0.1, warm-up: {schedule: x, start: 2026-12-01}}
names:
  smtp: {tiers: [p]}
`;
const yamlRows: Array<[title: string, days: string, error: RegExp | undefined]> = [
  ['provider caps under the total', '[{cap: 100, gmail: 50, microsoft: 100}]', undefined],
  ['provider caps without a total', '[{gmail: 50, microsoft: 70}]', undefined],
  ['a provider cap above the day\'s total', '[10, {cap: 100, gmail: 150}]', /mail\.test\.yaml:8: warm-up schedule x day 2 gmail cap 150 is above the day's cap 100/],
  ['an unknown provider group', '[{cap: 100, hotmail: 5}]', /mail\.test\.yaml:8: unknown key "hotmail" in warm-up schedule x day 1/],
];
for (const [title, days, error] of yamlRows) {
  test(`zone validation of per-provider caps: ${title}`, (t) => {
    const parse = () => parseYamlZone(zone(days), { file: 'mail.test.yaml' });
    if (!error) {
      t.notThrows(parse);
      return;
    }
    t.regex(t.throws(parse, { instanceOf: SourceError }).message, error);
  });
}
