/**
 * The pure resolver at in-zone member host names (resolve-hosts.ts) and per-family NODATA at
 * balanced names: answers follow member health, MX/SRV additional data agrees with a direct host
 * query, and a transient NODATA carries an SOA whose TTL is capped at the degraded TTL.
 */
import test from 'ava';
import { Rcode } from '../../../src/dns/message.ts';
import { resolve } from '../../../src/dns/resolve.ts';
import { explain } from '../../../src/http/explain-model.ts';
import { RRType } from '../../../src/zone/model.ts';
import { balancedName, balancedZone, member, mxBinding, snapshotWith, tierOf } from '../../helpers/balanced-zone.ts';
import { formatRecord } from '../../helpers/zone-builder.ts';
import { SOA_NEG, a1, a2, relayZone, seen } from './resolve-balanced-fixtures.ts';

const { A, AAAA, MX, SRV, ANY } = RRType;
const ORIGIN = 'shared.test';
const SHARED = `mx.${ORIGIN}`;
const s1 = member('p', 's1', '192.0.2.11', { host: SHARED });
const s2 = member('p', 's2', '192.0.2.12', { host: SHARED });
const s6 = member('p', 's6', '2001:db8::11', { host: SHARED });
const other = member('p', 'o1', '192.0.2.13', { host: `other.${ORIGIN}` });
const SOA = `${ORIGIN}. 60 SOA ns1.${ORIGIN}. hostmaster.${ORIGIN}. 1 7200 900 1209600 60`;

function sharedZone(allDown: 'all' | 'nodata' | 'servfail' = 'all') {
  return balancedZone(
    ORIGIN,
    ['@ 3600 SOA ns1 hostmaster 1 7200 900 1209600 60', '@ NS ns1', 'ns1 A 192.0.2.53', '_smtp._tcp SRV 0 0 25 mx'],
    [balancedName(`smtp.${ORIGIN}`, [tierOf([s1, s2, s6, other])], { allDown })],
    [mxBinding(ORIGIN, `smtp.${ORIGIN}`)],
    30,
  );
}

const addresses = (snapshot: ReturnType<typeof snapshotWith>, name: string, type: number, variant = 0) =>
  resolve({ name, type, class: 1 }, snapshot, variant).answer.map(formatRecord);

test('two members on one host name: the stopped one leaves the host A answer, rotation between the rest', (t) => {
  const up = snapshotWith(sharedZone(), {}, 1, [s1, s2, s6, other]);
  t.deepEqual(addresses(up, SHARED, A), [`${SHARED}. 30 A 192.0.2.11`, `${SHARED}. 30 A 192.0.2.12`]);
  t.deepEqual(addresses(up, SHARED, A, 1), [`${SHARED}. 30 A 192.0.2.12`, `${SHARED}. 30 A 192.0.2.11`]);
  t.is(resolve({ name: SHARED, type: A, class: 1 }, up).variants, 2);
  const oneDown = snapshotWith(sharedZone(), { [s1.id]: 'down' }, 2, [s2, s6, other]);
  t.deepEqual(addresses(oneDown, SHARED, A), [`${SHARED}. 5 A 192.0.2.12`], 'the dead address is gone, degraded TTL');
  t.deepEqual(addresses(oneDown, SHARED, AAAA), [`${SHARED}. 30 AAAA 2001:db8::11`], 'the other family is not degraded by it');
  // Host answers do not count as member selections (the served metric counts the MX/balanced answer).
  t.is(resolve({ name: SHARED, type: A, class: 1 }, oneDown).members, undefined);
});

test('the IPv4 members of a host down, IPv6 serving: A is NODATA with the SOA TTL capped at the degraded TTL', (t) => {
  const snapshot = snapshotWith(sharedZone(), { [s1.id]: 'down', [s2.id]: 'drained' }, 1, [s6, other]);
  t.deepEqual(seen(snapshot, SHARED, A), {
    rcode: Rcode.NOERROR, aa: true, answer: [], additional: [], variants: 1,
    authority: [SOA.replace(' 60 SOA', ' 5 SOA')],
  });
  t.deepEqual(addresses(snapshot, SHARED, AAAA), [`${SHARED}. 30 AAAA 2001:db8::11`]);
});

test('every member of the host down: fail-open with all its addresses, degraded TTL', (t) => {
  const snapshot = snapshotWith(sharedZone(), { [s1.id]: 'down', [s2.id]: 'down', [s6.id]: 'quarantined' }, 1, [other]);
  t.deepEqual(addresses(snapshot, SHARED, A), [`${SHARED}. 5 A 192.0.2.11`, `${SHARED}. 5 A 192.0.2.12`]);
  t.deepEqual(addresses(snapshot, SHARED, AAAA), [`${SHARED}. 5 AAAA 2001:db8::11`]);
});

test('MX additional data and an SRV target are exactly what a host query gets', (t) => {
  const snapshot = snapshotWith(sharedZone(), { [s1.id]: 'down', [s6.id]: 'down' }, 1, [s2, other]);
  const mx = seen(snapshot, ORIGIN, MX);
  t.deepEqual(mx.answer, [`${ORIGIN}. 5 MX 10 ${SHARED}.`, `${ORIGIN}. 5 MX 10 other.${ORIGIN}.`]);
  t.deepEqual(mx.additional, [`${SHARED}. 5 A 192.0.2.12`, `other.${ORIGIN}. 30 A 192.0.2.13`]);
  t.deepEqual(mx.additional.slice(0, 1), addresses(snapshot, SHARED, A));
  const srv = seen(snapshot, `_smtp._tcp.${ORIGIN}`, SRV);
  t.deepEqual(srv.additional, [`${SHARED}. 5 A 192.0.2.12`]);
  t.deepEqual(seen(snapshot, SHARED, ANY).answer, [`${SHARED}. 5 A 192.0.2.12`], 'ANY: the host A as a query for A gets it');
});

test('balanced name: IPv6 down, IPv4 up, all-down servfail: AAAA is NODATA with a capped SOA TTL', (t) => {
  const snapshot = snapshotWith(sharedZone('servfail'), { [s6.id]: 'down' }, 1, [s1, s2, other]);
  t.deepEqual(seen(snapshot, `smtp.${ORIGIN}`, AAAA), {
    rcode: Rcode.NOERROR, aa: true, answer: [], additional: [], variants: 1,
    authority: [SOA.replace(' 60 SOA', ' 5 SOA')],
  });
  const everything = snapshotWith(sharedZone('servfail'), { [s1.id]: 'down', [s2.id]: 'down', [s6.id]: 'down', [other.id]: 'down' }, 2);
  t.is(seen(everything, `smtp.${ORIGIN}`, AAAA).rcode, Rcode.SERVFAIL, 'nothing usable in any family: the policy applies');
  t.is(seen(everything, `smtp.${ORIGIN}`, A).rcode, Rcode.SERVFAIL);
});

test('a family with no members at all keeps the plain negative TTL', (t) => {
  const snapshot = snapshotWith(relayZone(), {});
  t.deepEqual(seen(snapshot, 'weighted.relay.example.com', AAAA).authority, [SOA_NEG]);
  t.deepEqual(seen(snapshot, 'mta2.relay.example.com', AAAA).authority, [SOA_NEG], 'a host without IPv6 members');
});

test('relay fixture: mta1 (a1 + a1v6) follows its members; explain shows the host selection', (t) => {
  const snapshot = snapshotWith(relayZone(), { [a1.id]: 'down', [a2.id]: 'up' });
  t.deepEqual(seen(snapshot, 'mta1.relay.example.com', A).authority, [SOA_NEG.replace(' 60 SOA', ' 5 SOA')]);
  t.deepEqual(seen(snapshot, 'mta1.relay.example.com', AAAA).answer, ['mta1.relay.example.com. 300 AAAA 2001:db8::1']);
  const doc = explain({ name: 'mta1.relay.example.com', type: A }, snapshot);
  t.is(doc.kind, 'nodata');
  t.is(doc.selection?.trace.kind, 'host');
  t.regex(doc.summary, /member host/);
  t.regex(doc.text, /member host: its IPv4 members are not usable but IPv6 members serve: NODATA/);
  t.regex(doc.text, /a\/a1 192\.0\.2\.1 down w=100: excluded — down: connect-refused/);
  const mx = explain({ name: 'relay.example.com', type: MX }, snapshot);
  t.true(mx.otherSelections.some((trace) => trace.kind === 'host' && trace.owner === 'mta1.relay.example.com' && trace.query === 'AAAA'));
});
