/**
 * Balanced A/AAAA answers from the pure resolver: health filtering, rotation through the ring of
 * variants, tiers, all-down policies, the weighted policy's seeded draws and family filtering.
 */
import test from 'ava';
import { Rcode } from '../../../src/dns/message.ts';
import { resolve } from '../../../src/dns/resolve.ts';
import { WEIGHTED_VARIANTS } from '../../../src/pool/index.ts';
import { RRType } from '../../../src/zone/model.ts';
import { snapshotWith, type StateSpec } from '../../helpers/balanced-zone.ts';
import { POOL_A, POOL_B, SOA_NEG, a1, a1v6, a2, a3, aRecords, addressesOf, b1, b2, relayZone, seen, w1, w2 } from './resolve-balanced-fixtures.ts';

const SMTP = 'smtp.relay.example.com';
const { A, AAAA } = RRType;
const allDown = (...members: { id: string }[]): Record<string, StateSpec> => Object.fromEntries(members.map((m) => [m.id, 'down']));

test('round-robin: one variant per healthy member, each starts at a different member, all members in each', (t) => {
  const snapshot = snapshotWith(relayZone(), {}, 1, [...POOL_A, ...POOL_B]);
  const first = seen(snapshot, SMTP, A, 0);
  t.deepEqual(first, {
    rcode: Rcode.NOERROR, aa: true, authority: [], additional: [], variants: 3,
    answer: aRecords(SMTP, 30, ['192.0.2.1', '192.0.2.2', '192.0.2.3']),
  });
  const rotations = [0, 1, 2].map((v) => addressesOf(snapshot, SMTP, A, v));
  t.deepEqual(rotations, [
    ['192.0.2.1', '192.0.2.2', '192.0.2.3'],
    ['192.0.2.2', '192.0.2.3', '192.0.2.1'],
    ['192.0.2.3', '192.0.2.1', '192.0.2.2'],
  ]);
  t.deepEqual(addressesOf(snapshot, SMTP, A, 3), rotations[0], 'the ring wraps');
  t.deepEqual(addressesOf(snapshot, 'SMTP.Relay.Example.COM', A, 1), rotations[1], 'names match in any case');
});

const excluded: Array<[title: string, state: StateSpec | StateSpec[], ttl: number]> = [
  ['down (degraded TTL while a member of the serving tier is down)', 'down', 5],
  ['drained', 'drained', 30],
  ['quarantined', 'quarantined', 30],
  ['drained although the probe says up', ['up', 'drained'], 30],
];
for (const [title, state, ttl] of excluded) {
  test(`a member that is ${title} never appears in any variant`, (t) => {
    const snapshot = snapshotWith(relayZone(), { [a2.id]: state }, 7);
    const r = seen(snapshot, SMTP, A, 0);
    t.is(r.variants, 2);
    t.deepEqual(r.answer, aRecords(SMTP, ttl, ['192.0.2.1', '192.0.2.3']));
    const firsts = new Set<string>();
    for (let variant = 0; variant < 10; variant++) {
      const addresses = addressesOf(snapshot, SMTP, A, variant);
      t.false(addresses.includes(a2.address), `variant ${variant}`);
      firsts.add(addresses[0]!);
    }
    t.deepEqual([...firsts].sort(), ['192.0.2.1', '192.0.2.3'], 'every healthy member leads some variant');
  });
}

test('the backup tier takes over when the primary falls below min-healthy, with the degraded TTL', (t) => {
  const snapshot = snapshotWith(relayZone(), allDown(a1, a1v6, a2));
  t.deepEqual(seen(snapshot, SMTP, A), {
    rcode: Rcode.NOERROR, aa: true, authority: [], additional: [], variants: 2,
    answer: aRecords(SMTP, 5, [b1.address, b2.address]),
  });
  t.deepEqual(addressesOf(snapshot, SMTP, A, 1), [b2.address, b1.address]);
});

test('min-healthy counts members of both families: IPv4 a3 and IPv6 a1v6 keep the primary at 2', (t) => {
  const snapshot = snapshotWith(relayZone(), allDown(a1, a2));
  t.deepEqual(seen(snapshot, SMTP, A).answer, aRecords(SMTP, 5, [a3.address]));
  // AAAA's own family has nobody down: not degraded.
  t.deepEqual(seen(snapshot, SMTP, AAAA).answer, aRecords(SMTP, 30, [a1v6.address], 'AAAA'));
});

test('one primary down but still at min-healthy: same tier, degraded TTL', (t) => {
  const snapshot = snapshotWith(relayZone(), allDown(a3));
  t.deepEqual(seen(snapshot, SMTP, A).answer, aRecords(SMTP, 5, [a1.address, a2.address]));
});

const everyMemberDown = allDown(...POOL_A, ...POOL_B);
test('all down, policy all: every primary member answers (fail-open), degraded TTL, rotated', (t) => {
  const snapshot = snapshotWith(relayZone({ allDown: 'all' }), everyMemberDown);
  const r = seen(snapshot, SMTP, A);
  t.deepEqual(r.answer, aRecords(SMTP, 5, [a1.address, a2.address, a3.address]));
  t.is(r.variants, 3);
  t.deepEqual(addressesOf(snapshot, SMTP, A, 2), [a3.address, a1.address, a2.address]);
});

test('all down, policy nodata: NOERROR, AA, SOA in authority', (t) => {
  const snapshot = snapshotWith(relayZone({ allDown: 'nodata' }), everyMemberDown);
  t.deepEqual(seen(snapshot, SMTP, A), { rcode: Rcode.NOERROR, aa: true, answer: [], authority: [SOA_NEG], additional: [], variants: 1 });
});

test('all down, policy servfail: SERVFAIL, AA clear, no records', (t) => {
  const snapshot = snapshotWith(relayZone({ allDown: 'servfail' }), everyMemberDown);
  t.deepEqual(seen(snapshot, SMTP, A), { rcode: Rcode.SERVFAIL, aa: false, answer: [], authority: [], additional: [], variants: 1 });
  t.is(seen(snapshot, 'alias.relay.example.com', A).rcode, Rcode.SERVFAIL, 'through a CNAME too');
  const recovered = snapshotWith(relayZone({ allDown: 'servfail' }), { ...everyMemberDown, [a3.id]: 'up' }, 2);
  t.deepEqual(seen(recovered, SMTP, A).answer, aRecords(SMTP, 5, [a3.address]), 'one member back: it answers');
});

test('cold start: with no verdicts at all every member of the first tier answers', (t) => {
  const cold = snapshotWith(relayZone());
  t.is(cold.members.size, 0);
  t.deepEqual(seen(cold, SMTP, A).answer, aRecords(SMTP, 30, [a1.address, a2.address, a3.address]));
  t.deepEqual(seen(cold, SMTP, AAAA).answer, aRecords(SMTP, 30, ['2001:db8::1'], 'AAAA'));
});

test('AAAA answers only IPv6 members; A only IPv4; no member of the family is NODATA', (t) => {
  const snapshot = snapshotWith(relayZone());
  // The primary tier has one IPv6 member, and 4 usable members in all: min-healthy 2 counts
  // members of both families, so the primary serves AAAA too, not degraded.
  t.deepEqual(seen(snapshot, SMTP, AAAA), {
    rcode: Rcode.NOERROR, aa: true, authority: [], additional: [], variants: 1,
    answer: aRecords(SMTP, 30, ['2001:db8::1'], 'AAAA'),
  });
  t.deepEqual(seen(snapshot, 'v6.relay.example.com', AAAA).answer, aRecords('v6.relay.example.com', 30, ['2001:db8::c1'], 'AAAA'));
  const noV4 = { rcode: Rcode.NOERROR, aa: true, answer: [], authority: [SOA_NEG], additional: [], variants: 1 };
  t.deepEqual(seen(snapshot, 'v6.relay.example.com', A), noV4);
  t.deepEqual(seen(snapshot, 'weighted.relay.example.com', AAAA), noV4);
});

test('weighted: the same (version, variant) gives the same answer, other variants and versions differ', (t) => {
  const NAME = 'weighted.relay.example.com';
  const v1 = snapshotWith(relayZone(), {}, 1);
  t.is(seen(v1, NAME, A).variants, WEIGHTED_VARIANTS);
  const ring = (snapshot: typeof v1) => Array.from({ length: WEIGHTED_VARIANTS }, (_, v) => addressesOf(snapshot, NAME, A, v).join(' '));
  const first = ring(v1);
  t.deepEqual(ring(snapshotWith(relayZone(), {}, 1)), first, 'deterministic for the same version');
  t.true(new Set(first).size > 1, 'variants draw independently');
  t.notDeepEqual(ring(snapshotWith(relayZone(), {}, 2)), first, 'a new snapshot version draws anew');
  for (const answer of first) t.deepEqual(answer.split(' ').sort(), [w1.address, w2.address], 'every draw answers both');
});

test('weighted: over many snapshot versions the first address follows the weights (100:300)', (t) => {
  const zone = relayZone();
  const versions = 4000;
  let w2First = 0;
  for (let version = 1; version <= versions; version++) {
    if (addressesOf(snapshotWith(zone, {}, version), 'weighted.relay.example.com', A, version % WEIGHTED_VARIANTS)[0] === w2.address) w2First++;
  }
  // Expected share 0.75; the standard deviation over 4000 draws is 0.007, so ±0.03 is > 4 sigma.
  const share = w2First / versions;
  t.true(Math.abs(share - 0.75) < 0.03, `w2 first in ${share} of answers`);
});

test('weighted: a down member is never drawn, and an operator weight override moves the share', (t) => {
  const zone = relayZone();
  const NAME = 'weighted.relay.example.com';
  const downRing = Array.from({ length: WEIGHTED_VARIANTS }, (_, v) => addressesOf(snapshotWith(zone, { [w2.id]: 'down' }, 3), NAME, A, v));
  t.true(downRing.every((answer) => answer.length === 1 && answer[0] === w1.address));
  let w1First = 0;
  for (let version = 1; version <= 2000; version++) {
    const snapshot = snapshotWith(zone, { [w1.id]: { weight: 900 } }, version);
    if (addressesOf(snapshot, NAME, A)[0] === w1.address) w1First++;
  }
  t.true(Math.abs(w1First / 2000 - 0.75) < 0.04, `w1 (900 vs 300) first in ${w1First / 2000}`);
});

test('a balanced selection replaces static A/AAAA at the owner', (t) => {
  const snapshot = snapshotWith(relayZone({}, ['smtp A 192.0.2.250']), { [a1.id]: 'down' });
  const addresses = [0, 1, 2, 3].flatMap((v) => addressesOf(snapshot, SMTP, A, v));
  t.false(addresses.includes('192.0.2.250'));
  t.false(addresses.includes(a1.address));
});

test('resolve is pure: the snapshot and zone are not modified and repeated calls agree', (t) => {
  const snapshot = snapshotWith(relayZone(), { [a2.id]: 'down' }, 5);
  const before = JSON.stringify([...snapshot.members]);
  const once = resolve({ name: SMTP, type: A, class: 1 }, snapshot, 1);
  const twice = resolve({ name: SMTP, type: A, class: 1 }, snapshot, 1);
  t.deepEqual(once, twice);
  t.is(JSON.stringify([...snapshot.members]), before);
});
