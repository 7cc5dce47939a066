import test from 'ava';
import { liveOverrides, memberViews } from '../../../src/http/admin-view.ts';
import type { StateView } from '../../../src/state/store.ts';
import { balancedName, balancedZone, member, mxBinding, tierOf } from '../../helpers/balanced-zone.ts';

const SOA = ['@ 3600 SOA ns1 hostmaster 1 3600 900 604800 60', '@ 3600 NS ns1', 'ns1 3600 A 192.0.2.53'];
const m1 = member('primary', 'mta1', '192.0.2.1', { host: 'mta1.relay.test' });
const m2 = member('primary', 'mta2', '192.0.2.2', { host: 'mta2.relay.test', weight: 50 });
const b1 = member('backup', 'mta9', '198.51.100.9', { host: 'mta9.relay.test' });
const zone = balancedZone(
  'relay.test',
  SOA,
  [
    balancedName('smtp.relay.test', [tierOf([m1, m2]), tierOf([b1])], { ttl: 30 }),
    balancedName('bulk.relay.test', [tierOf([b1])], { ttl: 10 }),
  ],
  [mxBinding('relay.test', 'smtp.relay.test', { ttl: 120 })],
);
const zones = { zones: new Map([[zone.origin, zone]]) };
const NOW = 1_000_000;

function view(parts: Partial<StateView>): StateView {
  return { health: new Map(), overrides: new Map(), weights: new Map(), ...parts };
}

test('members carry configured data, state with override, weights, since and the longest TTL they were handed out with', (t) => {
  const state = view({
    health: new Map([
      ['primary/mta1', { state: 'up', since: NOW - 5000 }],
      ['primary/mta2', { state: 'down', since: NOW - 9000, lastFailure: { at: NOW - 9000, reason: 'banner-421' } }],
    ]),
    overrides: new Map([['primary/mta1', { kind: 'drained', reason: 'maintenance', author: 'ops', at: NOW - 1000 }]]),
    weights: new Map([['primary/mta2', { weight: 5, reason: 'ramp', author: 'ci', at: NOW - 2000 }]]),
  });
  const views = memberViews(zones, state, NOW);
  t.deepEqual(views.map((v) => v.id), ['backup/mta9', 'primary/mta1', 'primary/mta2']);
  const [backup, mta1, mta2] = views;
  t.like(mta1, { state: 'drained', observed: 'up', since: NOW - 1000, weight: 100, configuredWeight: 100, cacheSeconds: 120, zone: 'relay.test', port: 25 });
  t.like(mta2, { state: 'down', observed: 'down', observedReason: 'banner-421', since: NOW - 9000, weight: 5, configuredWeight: 50, weightOverride: { weight: 5 } });
  t.like(backup, { state: 'unknown', observed: 'unknown', cacheSeconds: 120 });
  t.is(backup!.since, undefined);
});

test('expired overrides and weights are neither shown nor listed', (t) => {
  const state = view({
    overrides: new Map([
      ['primary/mta1', { kind: 'quarantined', reason: 'sbl', author: 'ops', at: NOW - 5000, expiresAt: NOW }],
      ['primary/mta2', { kind: 'drained', reason: 'work', author: 'ops', at: NOW - 5000, expiresAt: NOW + 1 }],
    ]),
    weights: new Map([['backup/mta9', { weight: 1, reason: 'ramp', author: 'ci', at: NOW - 10, expiresAt: NOW - 1 }]]),
  });
  const views = memberViews(zones, state, NOW);
  t.is(views.find((v) => v.id === 'primary/mta1')!.state, 'unknown');
  t.is(views.find((v) => v.id === 'primary/mta2')!.state, 'drained');
  t.is(views.find((v) => v.id === 'backup/mta9')!.weight, 100);
  const live = liveOverrides(state, NOW);
  t.deepEqual(live.overrides.map((o) => o.member), ['primary/mta2']);
  t.deepEqual(live.weights, []);
});
