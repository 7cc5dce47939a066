/**
 * Provider-scoped response rules (reputation/rules.ts actionTarget, model.ts, reputation-providers.ts):
 * a provider rule acts on that provider's names when the member serves one (or `scope: provider`),
 * else on the member; `scope: member` always on the member.
 */
import test from 'ava';
import { actionTarget, DEFAULT_REPUTATION, DEFAULT_RULES_YAML, parseRules, reputationStep, RulesError, RuleTracker, type ActiveAction, type ReputationSettings } from '../../../src/reputation/index.ts';
import { providerScales } from '../../../src/reputation-providers.ts';
import type { Outcome, ProviderGroup } from '../../../src/signals/index.ts';

const rows: Array<[title: string, action: Pick<ActiveAction, 'provider' | 'scope'>, served: ProviderGroup[], target: ProviderGroup | undefined]> = [
  ['no provider: the member', {}, ['microsoft'], undefined],
  ['provider, member serves its name: that provider', { provider: 'microsoft' }, ['microsoft'], 'microsoft'],
  ['provider, member serves another provider\'s name only: the member', { provider: 'microsoft' }, ['gmail'], undefined],
  ['provider, no per-provider name: the member', { provider: 'microsoft' }, [], undefined],
  ['scope member: the member even when it serves the name', { provider: 'microsoft', scope: 'member' }, ['microsoft'], undefined],
  ['scope provider: the provider even without a name', { provider: 'yahoo', scope: 'provider' }, [], 'yahoo'],
];
for (const [title, action, served, target] of rows) {
  test(`actionTarget: ${title}`, (t) => {
    t.is(actionTarget(action, new Set(served)), target);
  });
}

const RULES = `rules:
  - name: ms-rate
    provider: microsoft
    match: '4\\.7\\.65[01]'
    trigger: 3/1h
    action: quarantine
    duration: 30m
  - name: ms-busy-member
    provider: microsoft
    scope: member
    match: 'S77719'
    trigger: immediate
    action: quarantine
    duration: 30m
  - name: gmail-slow
    provider: gmail
    match: '4\\.7\\.28'
    trigger: immediate
    action: scale 0.25
    duration: 10m
`;
const settings: ReputationSettings = { ...DEFAULT_REPUTATION, rules: parseRules(RULES, 'rules.yaml'), holdMs: 60_000, coolDownMs: 60_000 };
const none = { sent: 0, deferred: 0, bounced: 0, expired: 0, complaint: 0 };

function outcome(reply: string, dsn: string, provider: ProviderGroup, at: number): Outcome {
  return { member: 'tx/tx1', status: 'deferred', dsn, reply, provider, domain: `${provider}.test`, at, source: 'api' } as Outcome;
}

test('parseRules: scope is member or provider, and needs a provider', (t) => {
  t.is(settings.rules[0]!.scope, undefined);
  t.is(settings.rules[1]!.scope, 'member');
  const bad = (extra: string) => t.throws(() => parseRules(`rules:\n  - { name: r, match: x, action: quarantine, duration: 1h${extra} }\n`, 'f'), { instanceOf: RulesError });
  t.regex(bad(', provider: gmail, scope: zone').message, /scope must be "member" or "provider"/);
  t.regex(bad(', scope: provider').message, /scope needs a provider/);
});

test('a Microsoft quarantine rule: per provider when the member serves microsoft.relay, on the member otherwise', (t) => {
  const tracker = new RuleTracker();
  for (let i = 0; i < 3; i++) tracker.record(settings.rules, outcome('451 4.7.650 temporarily rate limited due to IP reputation', '4.7.650', 'microsoft', i * 1000), i * 1000);
  const actions = tracker.active('tx/tx1', 3000);
  t.deepEqual(actions.map((a) => [a.rule, a.provider]), [['ms-rate', 'microsoft']]);

  const scoped = reputationStep(undefined, { counts: none, byProvider: {}, actions, dnsbl: [], providerNames: new Set(['microsoft', 'gmail']) }, settings, 3000);
  t.is(scoped.level, 'good', 'the member as a whole stays good');
  t.is(scoped.providers.microsoft?.level, 'quarantined');
  t.is(scoped.providers.gmail, undefined);
  t.deepEqual(providerScales(scoped), { microsoft: { factor: 0, reason: 'microsoft: rule ms-rate: 3 matches in 1h' } });

  const whole = reputationStep(undefined, { counts: none, byProvider: {}, actions, dnsbl: [] }, settings, 3000);
  t.is(whole.level, 'quarantined', 'no microsoft name: the rule acts on the member');
  t.is(providerScales(whole), undefined);

  // The rule lapses after 30 min; the provider quarantine is held for the hold (1 min) from its start, then ends.
  const lapsed = reputationStep(scoped, { counts: none, byProvider: {}, actions: tracker.active('tx/tx1', 31 * 60_000), dnsbl: [], providerNames: new Set(['microsoft']) }, settings, 31 * 60_000);
  t.is(lapsed.providers.microsoft, undefined);
  const held = reputationStep(scoped, { counts: none, byProvider: {}, actions: [], dnsbl: [], providerNames: new Set(['microsoft']) }, settings, 30_000);
  t.like(held.providers.microsoft, { level: 'quarantined', lingering: 'hold' });
  t.regex(providerScales(held)?.microsoft?.reason ?? '', /^microsoft: rule ms-rate: 3 matches in 1h \(over; holding/);
});

test('scope member wins over a served microsoft name; a provider scale rule scales only that provider', (t) => {
  const tracker = new RuleTracker();
  tracker.record(settings.rules, outcome('451 4.7.500 Server busy. (S77719)', '4.7.500', 'microsoft', 0), 0);
  tracker.record(settings.rules, outcome('421-4.7.28 unusual rate', '4.7.28', 'gmail', 0), 0);
  const s = reputationStep(undefined, { counts: none, byProvider: {}, actions: tracker.active('tx/tx1', 1), dnsbl: [], providerNames: new Set(['microsoft', 'gmail']) }, settings, 1);
  t.is(s.level, 'quarantined', 'ms-busy-member (scope member) takes the member out everywhere');
  t.deepEqual(s.findings.map((f) => f.code === 'rule' && f.rule), ['ms-busy-member']);
  t.like(s.providers.gmail, { level: 'suspect', factor: 0.25 });
  t.deepEqual(providerScales(s), { gmail: { factor: 0.25, reason: 'gmail: rule gmail-slow: matched (weight × 0.25)' } });
});

test('enforce false: provider rules are not applied either', (t) => {
  const tracker = new RuleTracker();
  tracker.record(settings.rules, outcome('421-4.7.28 unusual rate', '4.7.28', 'gmail', 0), 0);
  const s = reputationStep(undefined, { counts: none, byProvider: {}, actions: tracker.active('tx/tx1', 1), dnsbl: [], providerNames: new Set(['gmail']) }, { ...settings, enforce: false }, 1);
  t.is(s.providers.gmail, undefined);
  t.is(providerScales(s), undefined);
});

test('shipped microsoft-rp-limits: 5 RP-00x replies from Microsoft in 1 h scale the member in microsoft names only', (t) => {
  const shipped = parseRules(DEFAULT_RULES_YAML, 'default-rules');
  const tracker = new RuleTracker();
  const rp = (i: number, provider: ProviderGroup) => outcome(`421 RP-00${1 + (i % 3)} (BAY004-MC1F1) Unfortunately, some messages from 192.0.2.1 weren't sent. We have limits for how many messages can be sent per hour and per day.`, '', provider, i * 1000);
  for (let i = 0; i < 4; i++) t.deepEqual(tracker.record(shipped, rp(i, 'microsoft'), i * 1000), []);
  t.deepEqual(tracker.record(shipped, rp(4, 'gmail'), 4000), [], 'another provider\'s RP-00x text does not count');
  t.deepEqual(tracker.record(shipped, rp(5, 'microsoft'), 5000).map((a) => a.rule), ['microsoft-rp-limits']);
  const s = reputationStep(undefined, { counts: none, byProvider: {}, actions: tracker.active('tx/tx1', 5000), dnsbl: [], providerNames: new Set(['microsoft']) }, { ...settings, rules: shipped }, 5000);
  t.is(s.level, 'good');
  t.deepEqual(providerScales(s), { microsoft: { factor: 0.5, reason: 'microsoft: rule microsoft-rp-limits: 5 matches in 1h (weight × 0.5)' } });
});
