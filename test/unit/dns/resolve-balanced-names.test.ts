/**
 * Balanced names among static data: MX bindings whose additional addresses are what a query for
 * each exchange host gets (its serving members), CNAMEs into balanced names, additional data for SRV targets, ANY, static types at balanced
 * owners, member host names, and names that exist only through balancing.
 */
import test from 'ava';
import { Rcode } from '../../../src/dns/message.ts';
import { RRType } from '../../../src/zone/model.ts';
import { snapshotWith } from '../../helpers/balanced-zone.ts';
import { SOA_NEG, a1, a2, a3, aRecords, addressesOf, relayZone, seen } from './resolve-balanced-fixtures.ts';

const { A, AAAA, MX, TXT, CNAME, SRV, ANY, NS } = RRType;
const SMTP = 'smtp.relay.example.com';
const APEX = 'relay.example.com';
const nodata = { rcode: Rcode.NOERROR, aa: true, answer: [], authority: [SOA_NEG], additional: [], variants: 1 };

const MX_ALL = [
  'relay.example.com. 60 MX 10 mta1.relay.example.com.',
  'relay.example.com. 60 MX 10 mta2.relay.example.com.',
  'relay.example.com. 60 MX 10 mta3.relay.example.com.',
  'relay.example.com. 60 MX 20 mtb1.relay.example.com.',
  'relay.example.com. 60 MX 20 mx.other.net.',
];
// Additional data is what a query for each exchange gets: the host's serving members, host TTL (300 here).
const HOSTS_ALL = [
  'mta1.relay.example.com. 300 A 192.0.2.1',
  'mta1.relay.example.com. 300 AAAA 2001:db8::1',
  'mta2.relay.example.com. 300 A 192.0.2.2',
  'mta3.relay.example.com. 300 A 192.0.2.3',
  'mtb1.relay.example.com. 300 A 198.51.100.1',
];

test('MX at a binding: one MX per host, preference by tier, A/AAAA of in-zone hosts in additional', (t) => {
  t.deepEqual(seen(snapshotWith(relayZone()), APEX, MX), {
    rcode: Rcode.NOERROR, aa: true, authority: [], variants: 3, answer: MX_ALL, additional: HOSTS_ALL,
  });
});

test('MX rotates the hosts of each tier through the variants', (t) => {
  const snapshot = snapshotWith(relayZone());
  const exchanges = (variant: number) => seen(snapshot, APEX, MX, variant).answer.map((r) => r.split(' ').slice(-2).join(' '));
  t.deepEqual(exchanges(1), ['10 mta2.relay.example.com.', '10 mta3.relay.example.com.', '10 mta1.relay.example.com.', '20 mx.other.net.', '20 mtb1.relay.example.com.']);
  // The ring has 3 slots (the largest tier); each tier rotates modulo its own host count.
  t.deepEqual(exchanges(3).slice(0, 3), exchanges(0).slice(0, 3));
  t.deepEqual(exchanges(2).slice(3), exchanges(0).slice(3));
});

test('MX with a member down: its host leaves the answer and its address the additional section', (t) => {
  const snapshot = snapshotWith(relayZone(), { [a2.id]: 'down' }, 4);
  for (let variant = 0; variant < 4; variant++) {
    const r = seen(snapshot, APEX, MX, variant);
    t.false(r.answer.some((x) => x.includes('mta2')), `variant ${variant}`);
    t.false(r.additional.some((x) => x.includes('mta2') || x.includes(a2.address)), `variant ${variant}`);
    t.true(r.answer.every((x) => x.startsWith('relay.example.com. 5 MX')), 'degraded TTL');
  }
  // A direct question for the host of a down member that is alone there: fail-open, degraded TTL.
  t.deepEqual(seen(snapshot, 'mta2.relay.example.com', A).answer, ['mta2.relay.example.com. 5 A 192.0.2.2']);
});

test('MX: only the serving members of a host are its additional addresses', (t) => {
  const snapshot = snapshotWith(relayZone(), { 'a/a1v6': 'drained' });
  const r = seen(snapshot, APEX, MX);
  t.true(r.additional.includes('mta1.relay.example.com. 300 A 192.0.2.1'));
  t.false(r.additional.some((x) => x.includes('2001:db8::1')));
});

test('MX: primary tier below min-healthy publishes only the backup tier at its own preference', (t) => {
  const snapshot = snapshotWith(relayZone(), { [a1.id]: 'down', 'a/a1v6': 'down', [a2.id]: 'down' });
  t.deepEqual(seen(snapshot, APEX, MX), {
    rcode: Rcode.NOERROR, aa: true, authority: [], variants: 2,
    answer: ['relay.example.com. 5 MX 20 mtb1.relay.example.com.', 'relay.example.com. 5 MX 20 mx.other.net.'],
    additional: ['mtb1.relay.example.com. 300 A 198.51.100.1'],
  });
});

test('MX all-down policies: nodata gives NODATA, servfail SERVFAIL', (t) => {
  const down = Object.fromEntries(['a/a1', 'a/a1v6', 'a/a2', 'a/a3', 'b/b1', 'b/b2'].map((id) => [id, 'down' as const]));
  t.deepEqual(seen(snapshotWith(relayZone({ allDown: 'nodata' }), down), APEX, MX), nodata);
  t.like(seen(snapshotWith(relayZone({ allDown: 'servfail' }), down), APEX, MX), { rcode: Rcode.SERVFAIL, aa: false, answer: [] });
});

test('other types at balanced and MX-bound owners are static data', (t) => {
  const snapshot = snapshotWith(relayZone());
  t.deepEqual(seen(snapshot, SMTP, TXT).answer, ['smtp.relay.example.com. 300 TXT "balanced"']);
  t.deepEqual(seen(snapshot, SMTP, MX), nodata, 'a balanced name without an MX binding has no MX');
  t.deepEqual(seen(snapshot, SMTP, CNAME), nodata);
  t.deepEqual(seen(snapshot, APEX, A), nodata, 'an MX binding owner has no balanced A');
  t.deepEqual(seen(snapshot, APEX, NS).answer, ['relay.example.com. 300 NS ns1.relay.example.com.']);
  t.deepEqual(seen(snapshot, 'mail.relay.example.com', TXT).answer, ['mail.relay.example.com. 300 TXT "mail"']);
});

test('a CNAME to a balanced name is followed into the balanced answer and keeps its rotations', (t) => {
  const snapshot = snapshotWith(relayZone(), { [a3.id]: 'drained' });
  const cname = 'alias.relay.example.com. 300 CNAME smtp.relay.example.com.';
  t.deepEqual(seen(snapshot, 'alias.relay.example.com', A, 1), {
    rcode: Rcode.NOERROR, aa: true, authority: [], additional: [], variants: 2,
    answer: [cname, ...aRecords(SMTP, 30, [a2.address, a1.address])],
  });
  t.deepEqual(seen(snapshot, 'alias2.relay.example.com', AAAA).answer, [
    'alias2.relay.example.com. 300 CNAME alias.relay.example.com.', cname, ...aRecords(SMTP, 30, ['2001:db8::1'], 'AAAA'),
  ]);
  t.deepEqual(seen(snapshot, 'alias.relay.example.com', MX), { ...nodata, answer: [cname] }, 'no MX at the balanced name: NODATA');
});

test('an SRV target that is a balanced name gets the selected addresses as additional data', (t) => {
  const snapshot = snapshotWith(relayZone(), { [a2.id]: 'down' });
  const srv = '_submission._tcp.relay.example.com';
  t.deepEqual(seen(snapshot, srv, SRV, 0), {
    rcode: Rcode.NOERROR, aa: true, authority: [], variants: 2,
    answer: ['_submission._tcp.relay.example.com. 300 SRV 0 5 587 smtp.relay.example.com.'],
    // a2 down degrades the A answer; the IPv6 member of the same tier is up, so AAAA is not degraded.
    additional: [...aRecords(SMTP, 5, [a1.address, a3.address]), ...aRecords(SMTP, 30, ['2001:db8::1'], 'AAAA')],
  });
  t.deepEqual(seen(snapshot, srv, SRV, 1).additional.slice(0, 2), aRecords(SMTP, 5, [a3.address, a1.address]), 'rotated with the variant');
});

test('ANY: one RRset, the lowest type, where a balanced set that selects records counts as its type', (t) => {
  const snapshot = snapshotWith(relayZone());
  t.deepEqual(seen(snapshot, SMTP, ANY), {
    rcode: Rcode.NOERROR, aa: true, authority: [], additional: [], variants: 3,
    answer: aRecords(SMTP, 30, [a1.address, a2.address, a3.address]),
  });
  // TXT (16) comes before a balanced AAAA (28).
  t.deepEqual(seen(snapshot, 'v6.relay.example.com', ANY).answer, ['v6.relay.example.com. 300 TXT "v6"']);
  // A balanced MX (15) comes before the static TXT (16) at the same owner.
  t.deepEqual(seen(snapshot, 'mail.relay.example.com', ANY).answer, MX_ALL.map((x) => x.replace(/^relay/, 'mail.relay')));
  t.deepEqual(seen(snapshot, APEX, ANY).answer, ['relay.example.com. 300 NS ns1.relay.example.com.'], 'static NS (2) before MX');
  t.deepEqual(seen(snapshot, 'smtp.out.relay.example.com', ANY).answer, aRecords('smtp.out.relay.example.com', 30, [a1.address, a3.address]));
});

test('ANY at a balanced owner whose selection fails closed answers the static data', (t) => {
  const down = Object.fromEntries(['a/a1', 'a/a1v6', 'a/a2', 'a/a3', 'b/b1', 'b/b2'].map((id) => [id, 'down' as const]));
  const snapshot = snapshotWith(relayZone({ allDown: 'servfail' }, ['smtp A 192.0.2.250']), down);
  t.deepEqual(seen(snapshot, SMTP, ANY).answer, ['smtp.relay.example.com. 300 TXT "balanced"'], 'static A is replaced, not revived');
});

test('a balanced owner with no static data exists, and so do the empty non-terminals above it', (t) => {
  const snapshot = snapshotWith(relayZone());
  const deep = 'smtp.out.relay.example.com';
  t.deepEqual(addressesOf(snapshot, deep, A), [a1.address, a3.address]);
  t.deepEqual(seen(snapshot, deep, TXT), nodata);
  t.deepEqual(seen(snapshot, 'out.relay.example.com', A), nodata, 'empty non-terminal, not NXDOMAIN');
  t.like(seen(snapshot, `x.${deep}`, A), { rcode: Rcode.NXDOMAIN, authority: [SOA_NEG] });
  t.like(seen(snapshot, 'nothere.relay.example.com', A), { rcode: Rcode.NXDOMAIN, authority: [SOA_NEG] });
});

test('a member host none of whose members is usable answers all its addresses (fail-open, degraded TTL)', (t) => {
  const snapshot = snapshotWith(relayZone(), { [a1.id]: 'down', 'a/a1v6': 'quarantined' });
  t.deepEqual(seen(snapshot, 'mta1.relay.example.com', A).answer, ['mta1.relay.example.com. 5 A 192.0.2.1']);
  t.deepEqual(seen(snapshot, 'mta1.relay.example.com', AAAA).answer, ['mta1.relay.example.com. 5 AAAA 2001:db8::1']);
  t.is(seen(snapshot, 'mta1.relay.example.com', A).variants, 1);
});
