/** The A/B report (signals/ab-report.ts): rates, intervals, tests against the control, the verdict and its sample threshold. */
import test from 'ava';
import { addOutcome, comparisonLine, emptyTally, experimentReport, isThrottled, type ArmTally, type Outcome } from '../../../src/signals/index.ts';

function tally(arm: string, sent: number, deferred: number, bounced = 0): ArmTally {
  const t = emptyTally(arm);
  const add = (status: Outcome['status'], n: number, extra: Partial<Outcome> = {}) => {
    for (let i = 0; i < n; i++) addOutcome(t, { member: 'a/m', status, at: 0, provider: 'other', source: 'api', ...extra }, 'member');
  };
  add('sent', sent, { delay: 2 });
  add('deferred', deferred, { dsn: '4.7.28' });
  add('bounced', bounced);
  return t;
}

test('rates with Wilson intervals, delay percentiles, attribution counts', (t) => {
  const r = experimentReport([tally('A', 182, 81), tally('B', 133, 15)]);
  const a = r.arms[0]!;
  t.is(a.samples, 263);
  t.is(a.deferred.count, 81);
  t.is(Number(a.deferred.ci95.low.toFixed(4)), 0.2553); // Newcombe 1998, 81/263
  t.is(a.throttled.count, 81);
  t.is(a.delay.p50, 2);
  t.is(a.attribution.member, 263);
});

const verdicts: Array<[string, ArmTally[], number | undefined, RegExp, string | undefined]> = [
  ['too few samples: no winner', [tally('A', 40, 10), tally('B', 49, 1)], undefined, /too few samples \(arm A: 50 < 100, arm B: 50 < 100\)/, undefined],
  ['a lower deferral rate wins', [tally('A', 700, 300), tally('B', 900, 100)], undefined, /arm B has significantly lower deferral rates than arm A/, 'B'],
  ['the control wins when the other arm is worse', [tally('A', 950, 50), tally('B', 800, 200)], undefined, /every other arm/, 'A'],
  ['equal rates: no difference', [tally('A', 900, 100), tally('B', 900, 100)], undefined, /no significant difference/, undefined],
  ['a lower min sample lets a small test decide', [tally('A', 20, 30), tally('B', 48, 2)], 50, /arm B has significantly lower/, 'B'],
];
for (const [title, tallies, minSample, reason, winner] of verdicts) {
  test(`verdict: ${title}`, (t) => {
    const r = experimentReport(tallies, minSample ? { minSample } : {});
    t.regex(r.verdict.reason, reason);
    t.is(r.verdict.winner, winner);
  });
}

test('the comparison line reads like the issue: "arm B: deferrals 2.1 % vs 3.4 % (arm A), p = …"', (t) => {
  const r = experimentReport([tally('A', 9660, 340), tally('B', 9790, 210)]);
  const line = comparisonLine(r.comparisons.find((c) => c.metric === 'deferral')!);
  t.is(line, 'arm B: deferrals 2.1 % vs 3.4 % (arm A), p = 1.9e-8 (significant)');
  t.is(r.threshold, 0.025);
});

const throttleCases: Array<[Partial<Outcome>, boolean]> = [
  [{ status: 'deferred', dsn: '4.7.28' }, true],
  [{ status: 'deferred', reply: '421 4.4.2 rate limited, try again later' }, true],
  [{ status: 'deferred', dsn: '4.4.1', reply: 'connection timed out' }, false],
  [{ status: 'bounced', dsn: '5.7.1' }, false],
];
for (const [outcome, want] of throttleCases) {
  test(`throttled: ${JSON.stringify(outcome)} → ${want}`, (t) => {
    t.is(isThrottled(outcome as Outcome), want);
  });
}
