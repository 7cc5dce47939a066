/**
 * The reputation model over simulated time (reputation/model.ts, rules.ts): thresholds, minimum
 * sample, rules and triggers, hysteresis, hold, release after the cool-down, pins.
 */
import test from 'ava';
import {
  DEFAULT_REPUTATION,
  DEFAULT_RULES_YAML,
  parseRules,
  reputationStep,
  RuleTracker,
  stateReason,
  type ReputationEvidence,
  type ReputationLevel,
  type ReputationSettings,
  type ReputationState,
} from '../../../src/reputation/index.ts';
import type { Outcome, StatusCounts } from '../../../src/signals/index.ts';

const MIN = 60_000;
const settings: ReputationSettings = { ...DEFAULT_REPUTATION, rules: parseRules(DEFAULT_RULES_YAML, 'default-rules') };
const counts = (c: Partial<StatusCounts>): StatusCounts => ({ sent: 0, deferred: 0, bounced: 0, expired: 0, complaint: 0, ...c });
const evidence = (c: Partial<StatusCounts> = {}, extra: Partial<ReputationEvidence> = {}): ReputationEvidence => ({ counts: counts(c), byProvider: {}, actions: [], dnsbl: [], ...extra });

const rates: Array<[title: string, c: Partial<StatusCounts>, level: ReputationLevel, reason: RegExp | undefined]> = [
  ['clean traffic', { sent: 500, deferred: 10 }, 'good', undefined],
  ['bounce rate 12 % over 340 samples', { sent: 299, bounced: 41 }, 'quarantined', /^bounce rate 12\.1 % ≥ 10 % over 15 min \(340 samples\)$/],
  ['bounce rate 6 %', { sent: 470, bounced: 30 }, 'suspect', /^bounce rate 6 % ≥ 5 %/],
  ['deferrals 45 %', { sent: 110, deferred: 90 }, 'quarantined', /^deferral rate 45 % ≥ 40 %/],
  ['complaints 0.2 % of sent', { sent: 1000, complaint: 2 }, 'suspect', /^complaint rate 0\.2 % ≥ 0\.1 %/],
  ['every bounce, but only 99 samples: no rate verdict', { bounced: 99 }, 'good', undefined],
  ['expired counts as failed delivery', { sent: 90, expired: 20 }, 'quarantined', /^bounce rate 18\.2 %/],
];
for (const [title, c, level, reason] of rates) {
  test(`rates: ${title}`, (t) => {
    const s = reputationStep(undefined, evidence(c), settings, 0);
    t.is(s.level, level);
    if (reason) t.regex(stateReason(s), reason);
    else t.is(s.findings.length, 0);
  });
}

test('a DNSBL listing quarantines at once, with the list, code and reason', (t) => {
  const s = reputationStep(undefined, evidence({}, { dnsbl: [{ list: 'zen.spamhaus.org', codes: ['127.0.0.3'], reason: 'https://check.spamhaus.org/' }] }), settings, 0);
  t.is(s.level, 'quarantined');
  t.is(stateReason(s), 'dnsbl zen.spamhaus.org 127.0.0.3: https://check.spamhaus.org/');
});

test('hysteresis: quarantine is held for the hold time, then suspect for the cool-down, then good', (t) => {
  const bad = evidence({ sent: 100, bounced: 50 });
  const clean = evidence({ sent: 500 });
  const timeline: Array<[at: number, ev: ReputationEvidence, level: ReputationLevel, lingering?: ReputationState['lingering']]> = [
    [0, bad, 'quarantined'],
    [5 * MIN, clean, 'quarantined', 'hold'],
    [29 * MIN, clean, 'quarantined', 'hold'],
    [30 * MIN, clean, 'suspect', 'cool-down'],
    [44 * MIN, clean, 'suspect', 'cool-down'],
    [45 * MIN, clean, 'good'],
    [46 * MIN, evidence({ sent: 470, bounced: 30 }), 'suspect'],
    [50 * MIN, bad, 'quarantined'],
    [52 * MIN, bad, 'quarantined'],
  ];
  let state: ReputationState | undefined;
  for (const [at, ev, level, lingering] of timeline) {
    state = reputationStep(state, ev, settings, at);
    t.is(state.level, level, `at ${at / MIN} min`);
    t.is(state.lingering, lingering, `lingering at ${at / MIN} min`);
  }
  t.is(state!.quarantinedAt, 50 * MIN, 'a new quarantine counts its hold from its own start');
  t.is(state!.since, 50 * MIN);
});

test('trouble during the cool-down restarts it', (t) => {
  let s = reputationStep(undefined, evidence({ sent: 470, bounced: 30 }), settings, 0);
  s = reputationStep(s, evidence({ sent: 500 }), settings, 10 * MIN);
  t.is(s.level, 'suspect');
  s = reputationStep(s, evidence({ sent: 470, bounced: 30 }), settings, 12 * MIN);
  s = reputationStep(s, evidence({ sent: 500 }), settings, 26 * MIN);
  t.is(s.level, 'suspect', 'only 14 min since the last trouble');
  s = reputationStep(s, evidence({ sent: 500 }), settings, 27 * MIN);
  t.is(s.level, 'good');
});

test('a pin keeps the verdict visible but not applied until it ends', (t) => {
  const s = reputationStep(undefined, evidence({ sent: 100, bounced: 50 }, { pinnedUntil: 60 * MIN }), settings, 0);
  t.is(s.level, 'quarantined');
  t.false(s.applied);
  t.is(s.pinnedUntil, 60 * MIN);
  t.true(reputationStep(s, evidence({ sent: 100, bounced: 50 }, { pinnedUntil: 60 * MIN }), settings, 60 * MIN).applied);
});

test('enforce false: rates and rules are reported as numbers only', (t) => {
  const s = reputationStep(undefined, evidence({ sent: 100, bounced: 50 }), { ...settings, enforce: false }, 0);
  t.is(s.level, 'good');
  t.is(s.rates.samples, 150);
});

test('per provider: rates per group give their own level', (t) => {
  const s = reputationStep(undefined, evidence({ sent: 600, deferred: 100 }, { byProvider: { microsoft: counts({ sent: 60, deferred: 100 }), gmail: counts({ sent: 540 }) } }), settings, 0);
  t.is(s.level, 'good');
  t.is(s.providers.microsoft?.level, 'quarantined');
  t.is(s.providers.gmail?.level, 'good');
});

const outcome = (reply: string, dsn: string, provider: Outcome['provider'], at: number, status: Outcome['status'] = 'deferred'): Outcome => ({ member: 'a/m1', status, dsn, reply, provider, at, source: 'api' });
const GMAIL = '421-4.7.28 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address. 421 4.7.28 To protect our users from spam, mail sent from your IP address has been temporarily rate limited.';

test('rules: Gmail unusual rate scales the weight after 2 matches in 1 h, for 30 min', (t) => {
  const tracker = new RuleTracker();
  t.deepEqual(tracker.record(settings.rules, outcome(GMAIL, '4.7.28', 'gmail', 0), 0), []);
  t.deepEqual(tracker.record(settings.rules, outcome(GMAIL, '4.7.28', 'yahoo', 1000), 1000), [], 'another provider does not count');
  const hit = tracker.record(settings.rules, outcome(GMAIL, '4.7.28', 'gmail', 10 * MIN), 10 * MIN);
  t.deepEqual(hit.map((h) => [h.rule, h.matches, h.action]), [['gmail-unusual-rate', 2, { kind: 'scale', factor: 0.25 }]]);
  const s = reputationStep(undefined, evidence({}, { actions: tracker.active('a/m1', 11 * MIN) }), settings, 11 * MIN);
  t.is(s.level, 'suspect');
  t.is(s.factor, 0.25);
  t.is(stateReason(s), 'rule gmail-unusual-rate: 2 matches in 1h (weight × 0.25)');
  t.deepEqual(tracker.active('a/m1', 40 * MIN), [], 'lapses after its duration');
});

test('rules: matches outside the period do not add up; Yahoo TSS04 acts on the first match', (t) => {
  const tracker = new RuleTracker();
  tracker.record(settings.rules, outcome(GMAIL, '4.7.28', 'gmail', 0), 0);
  t.deepEqual(tracker.record(settings.rules, outcome(GMAIL, '4.7.28', 'gmail', 61 * MIN), 61 * MIN), []);
  const yahoo = tracker.record(settings.rules, outcome('421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints', '4.7.0', 'yahoo', 62 * MIN), 62 * MIN);
  t.deepEqual(yahoo.map((h) => h.rule), ['yahoo-tss04']);
  const s = reputationStep(undefined, evidence({}, { actions: tracker.active('a/m1', 62 * MIN) }), settings, 62 * MIN);
  t.is(s.level, 'quarantined');
  t.is(stateReason(s), 'rule yahoo-tss04: matched');
});

test('rules: a sent outcome never matches, whatever its text', (t) => {
  const tracker = new RuleTracker();
  t.deepEqual(tracker.record(settings.rules, outcome('250 2.0.0 OK [TSS04]', '2.0.0', 'yahoo', 0, 'sent'), 0), []);
});

const badFiles: Array<[title: string, text: string, message: RegExp]> = [
  ['not a list', 'rules: 3\n', /rules\.yaml:1: `rules:` must be a list/],
  ['unknown key', 'rules:\n  - name: x\n    match: a\n    action: quarantine\n    duration: 1h\n    color: red\n', /rules\.yaml:6: unknown rule key "color"/],
  ['bad regex', 'rules:\n  - name: x\n    match: "a("\n    action: quarantine\n    duration: 1h\n', /rules\.yaml:2: rule "x": match is not a valid regular expression/],
  ['bad trigger', 'rules:\n  - name: x\n    match: a\n    trigger: often\n    action: quarantine\n    duration: 1h\n', /rule "x": trigger "often" must be "immediate" or "N\/PERIOD"/],
  ['bad action', 'rules:\n  - name: x\n    match: a\n    action: scale 2\n    duration: 1h\n', /action "scale 2" must be "quarantine" or "scale F"/],
  ['bad provider', 'rules:\n  - name: x\n    provider: hotmail\n    match: a\n    action: quarantine\n    duration: 1h\n', /provider must be one of gmail, microsoft, yahoo, apple, other/],
  ['duplicate name', 'rules:\n  - { name: x, match: a, action: quarantine, duration: 1h }\n  - { name: x, match: b, action: quarantine, duration: 1h }\n', /rules\.yaml:3: rule "x" is defined twice/],
  ['missing duration', 'rules:\n  - { name: x, match: a, action: quarantine }\n', /rule needs "duration"/],
];
for (const [title, text, message] of badFiles) {
  test(`rules file: ${title}`, (t) => {
    t.throws(() => parseRules(text, 'rules.yaml'), { message });
  });
}

test('members without evidence share one frozen empty findings list, zero rates and provider map; others get their own', (t) => {
  const a = reputationStep(undefined, evidence(), settings, 0);
  const b = reputationStep(a, evidence(), settings, 5000);
  t.is(a.findings, b.findings);
  t.is(a.rates, b.rates);
  t.is(a.providers, b.providers);
  t.true(Object.isFrozen(a.findings) && Object.isFrozen(a.rates) && Object.isFrozen(a.providers));
  t.deepEqual({ ...a.rates }, { samples: 0, bounce: 0, deferral: 0, complaint: 0 });
  t.deepEqual(a.providers, {});
  const busy = reputationStep(b, evidence({ sent: 299, bounced: 41 }, { byProvider: { gmail: counts({ sent: 10 }) } }), settings, 10_000);
  t.not(busy.rates, a.rates);
  t.is(busy.rates.samples, 340);
  t.true(busy.findings.length > 0);
  t.is(busy.providers.gmail?.rates.samples, 10);
  t.deepEqual({ ...a.rates }, { samples: 0, bounce: 0, deferral: 0, complaint: 0 }); // the shared one untouched
});
