import test from 'ava';
import { overrideAction } from '../../../src/state/store.ts';
import type { Override } from '../../../src/pool/model.ts';

const drained: Override = { kind: 'drained', reason: 'kernel update', author: 'ops', at: 0 };
const quarantined: Override = { kind: 'quarantined', reason: 'SBL', author: 'ops', at: 0 };

test('audit actions are named like the admin API actions that make them', (t) => {
  t.is(overrideAction(drained, undefined), 'drain');
  t.is(overrideAction(quarantined, undefined), 'quarantine');
  t.is(overrideAction(quarantined, drained), 'quarantine', 'quarantining a drained member');
  t.is(overrideAction(undefined, drained), 'undrain');
  t.is(overrideAction(undefined, quarantined), 'release');
  t.is(overrideAction(undefined, undefined), 'clear-override');
});
