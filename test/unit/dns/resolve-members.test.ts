/**
 * Resolution.members: the balanced members whose records a reply carries, in record order. It
 * feeds the DNS `served` hook (answer shares on /status, per-member metrics), so it must name
 * exactly the members in the reply: none for NODATA, SERVFAIL or static data.
 */
import test from 'ava';
import { resolve } from '../../../src/dns/resolve.ts';
import { RRType } from '../../../src/zone/model.ts';
import { snapshotWith } from '../../helpers/balanced-zone.ts';
import { POOL_A, POOL_B, a1, a2, a3, b1, b2, relayZone } from './resolve-balanced-fixtures.ts';

const SMTP = 'smtp.relay.example.com';
const members = (name: string, type: number, variant = 0, states: Parameters<typeof snapshotWith>[1] = {}, extra = {}) =>
  resolve({ name, type, class: 1 }, snapshotWith(relayZone(extra), states, 1, [...POOL_A, ...POOL_B]), variant).members;

test('A answer: the selected members in answer order, per rotation', (t) => {
  t.deepEqual(members(SMTP, RRType.A, 0), [a1.id, a2.id, a3.id]);
  t.deepEqual(members(SMTP, RRType.A, 1), [a2.id, a3.id, a1.id]);
});

test('a down member is not in the answer and not in members', (t) => {
  t.deepEqual(members(SMTP, RRType.A, 0, { [a2.id]: 'down' }), [a1.id, a3.id]);
});

test('AAAA, CNAME into a balanced name, MX with its additional data', (t) => {
  t.deepEqual(members(SMTP, RRType.AAAA), ['a/a1v6']);
  t.deepEqual(members('alias.relay.example.com', RRType.A), [a1.id, a2.id, a3.id]);
  const mx = members('relay.example.com', RRType.MX);
  t.truthy(mx);
  t.deepEqual(new Set(mx), new Set([...POOL_A, b1, b2].map((m) => m.id)), 'primary tier and the published backup tier');
});

test('no members for NODATA, SERVFAIL, static data and names outside the zones', (t) => {
  const everyone = Object.fromEntries([...POOL_A, ...POOL_B].map((m) => [m.id, 'down' as const]));
  t.is(members(SMTP, RRType.A, 0, everyone, { allDown: 'nodata' }), undefined);
  t.is(members(SMTP, RRType.A, 0, everyone, { allDown: 'servfail' }), undefined);
  t.is(members(SMTP, RRType.TXT), undefined);
  t.is(members('ns1.relay.example.com', RRType.A), undefined);
  t.is(members('example.org', RRType.A), undefined);
});
