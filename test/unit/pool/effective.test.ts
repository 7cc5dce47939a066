import test from 'ava';
import { effectiveState, effectiveWeight, isUsable } from '../../../src/pool/effective.ts';
import type { Override } from '../../../src/pool/model.ts';
import { m } from './fixture.ts';

const drain: Override = { kind: 'drained', reason: 'kernel upgrade', author: 'alice', at: 1000, expiresAt: 5000 };

test('effective state is the override while it lasts, the observed state otherwise, and both stay visible', (t) => {
  const during = effectiveState({ observed: 'up', override: drain }, 4999);
  t.is(during.state, 'drained');
  t.is(during.observed, 'up');
  t.is(during.override?.author, 'alice');
  t.false(isUsable(during));
  const after = effectiveState({ observed: 'up', override: drain }, 5000);
  t.is(after.state, 'up');
  t.is(after.override, undefined);
  t.true(isUsable(after));
});

test('an override without expiry lasts; quarantine hides an up member', (t) => {
  const { expiresAt: _gone, ...forever } = drain;
  const q = effectiveState({ observed: 'up', override: { ...forever, kind: 'quarantined' } }, 1e15);
  t.is(q.state, 'quarantined');
  t.false(isUsable(q));
});

test('usable means up or unknown without override; down is not', (t) => {
  t.true(isUsable(effectiveState({ observed: 'unknown' }, 0)));
  t.true(isUsable(effectiveState({ observed: 'up' }, 0)));
  t.false(isUsable(effectiveState({ observed: 'down', observedReason: 'banner-421' }, 0)));
  t.is(effectiveState({ observed: 'down', observedReason: 'banner-421' }, 0).observedReason, 'banner-421');
});

test('weight overrides replace the configured weight until they expire', (t) => {
  const member = m('a', 1, { weight: 100 });
  const weight = { weight: 10, reason: 'ramp', author: 'bob', at: 0, expiresAt: 100 };
  t.is(effectiveWeight(member, effectiveState({ observed: 'up', weight }, 99)), 10);
  t.is(effectiveWeight(member, effectiveState({ observed: 'up', weight }, 100)), 100);
});
