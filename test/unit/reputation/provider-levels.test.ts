/**
 * Per-provider levels (reputation/model.ts providerStep), the scales per-provider names read
 * (reputation-providers.ts) and their comparison in the snapshot (sameMemberStates).
 */
import test from 'ava';
import { effectiveState, type EffectiveState } from '../../../src/pool/index.ts';
import { DEFAULT_REPUTATION, reputationStep, type ReputationEvidence, type ReputationSettings, type ReputationState } from '../../../src/reputation/index.ts';
import { providerScales } from '../../../src/reputation-providers.ts';
import type { StatusCounts } from '../../../src/signals/index.ts';
import { sameMemberStates } from '../../../src/snapshot.ts';

const settings: ReputationSettings = { ...DEFAULT_REPUTATION, rules: [], minSample: 5, holdMs: 2000 };
const counts = (c: Partial<StatusCounts>): StatusCounts => ({ sent: 0, deferred: 0, bounced: 0, expired: 0, complaint: 0, ...c });
const ev = (ms: Partial<StatusCounts> | undefined, all: Partial<StatusCounts>): ReputationEvidence => ({
  counts: counts(all), byProvider: ms ? { microsoft: counts(ms), other: counts({ sent: 40 }) } : { other: counts({ sent: 40 }) }, actions: [], dnsbl: [],
});

// [title, steps of (time ms, microsoft counts or undefined), expected microsoft level after each step]
const rows: Array<[string, Array<[number, Partial<StatusCounts> | undefined]>, Array<string | undefined>]> = [
  ['below min-sample: no verdict', [[0, { deferred: 4 }]], ['good']],
  ['deferrals 100 % over 5: quarantined at once', [[0, { deferred: 5 }]], ['quarantined']],
  ['held for hold even when the rate recovers', [[0, { deferred: 5 }], [1000, { sent: 50 }], [2500, { sent: 50 }]], ['quarantined', 'quarantined', 'good']],
  ['held even when the window empties, then gone', [[0, { deferred: 5 }], [1500, undefined], [2100, undefined]], ['quarantined', 'quarantined', undefined]],
];
for (const [title, steps, levels] of rows) {
  test(`provider level: ${title}`, (t) => {
    let state: ReputationState | undefined;
    const got: Array<string | undefined> = [];
    for (const [at, ms] of steps) {
      state = reputationStep(state, ev(ms, { sent: 40, ...(ms ?? {}) }), settings, at);
      got.push(state.providers.microsoft?.level);
      t.not(state.level, 'quarantined', 'the member as a whole stays in');
    }
    t.deepEqual(got, levels);
  });
}

test('providerScales: factor 0 for quarantined groups only, with the findings; undefined when none', (t) => {
  const q = reputationStep(undefined, ev({ deferred: 5 }, { sent: 40, deferred: 5 }), settings, 0);
  const scales = providerScales(q);
  t.deepEqual(Object.keys(scales ?? {}), ['microsoft']);
  t.is(scales?.microsoft?.factor, 0);
  t.regex(scales?.microsoft?.reason ?? '', /^microsoft: deferral rate 100 % ≥ 40 %/);
  const held = reputationStep(q, ev({ sent: 50 }, { sent: 90 }), settings, 1000);
  t.regex(providerScales(held)?.microsoft?.reason ?? '', /holding for its minimum time/);
  t.is(providerScales(reputationStep(undefined, ev({ sent: 5 }, { sent: 45 }), settings, 0)), undefined);
});

test('sameMemberStates compares per-provider scales by group, factor and reason', (t) => {
  const of = (providers?: EffectiveState['providers']): Map<string, EffectiveState> =>
    new Map([['p/m1', effectiveState({ observed: 'up', ...(providers ? { providers } : {}) }, 0)]]);
  t.true(sameMemberStates(of({ gmail: { factor: 0, reason: 'a' } }), of({ gmail: { factor: 0, reason: 'a' } })));
  t.false(sameMemberStates(of(), of({ gmail: { factor: 0, reason: 'a' } })));
  t.false(sameMemberStates(of({ gmail: { factor: 0, reason: 'a' } }), of({ microsoft: { factor: 0, reason: 'a' } })));
  t.false(sameMemberStates(of({ gmail: { factor: 0, reason: 'a' } }), of({ gmail: { factor: 0, reason: 'b' } })));
  t.true(sameMemberStates(of({}), of()), 'an empty map is no verdict');
});
