/**
 * The pure /explain builder: answers from the real resolver for every ring slot, the selection
 * trace agreeing with slot 0, and a plain explanation for refused, NXDOMAIN, NODATA and static data.
 */
import test from 'ava';
import { resolve } from '../../../src/dns/resolve.ts';
import { clientProblem, explain, nameProblem, type ExplainDocument } from '../../../src/http/explain-model.ts';
import { parseType } from '../../../src/zone/index.ts';
import { RRType } from '../../../src/zone/model.ts';
import { snapshotWith } from '../../helpers/balanced-zone.ts';
import { POOL_A, POOL_B, a1, a2, a3, relayZone, w1, w2 } from '../dns/resolve-balanced-fixtures.ts';

const SMTP = 'smtp.relay.example.com';
const allUp = [...POOL_A, ...POOL_B, w1, w2];
/** Ids the trace marks selected, in answer position order. */
const selectedIds = (doc: ExplainDocument): string[] =>
  doc.selection!.trace.members.filter((m) => m.verdict === 'selected').sort((a, b) => (a.position ?? 0) - (b.position ?? 0)).map((m) => m.id);
const snap = (states: Parameters<typeof snapshotWith>[1] = {}, extra = {}) => snapshotWith(relayZone(extra), states, 7, allUp);

test('balanced A: slot 0 answer, trace agreeing with it, every rotation of the ring', (t) => {
  const doc = explain({ name: SMTP, type: RRType.A }, snap());
  t.like(doc, { kind: 'balanced', rcode: 'NOERROR', aa: true, snapshotVersion: 7, zone: { origin: 'relay.example.com.', serial: 1 } });
  t.deepEqual(doc.answer.map((r) => r.data), ['192.0.2.1', '192.0.2.2', '192.0.2.3']);
  t.deepEqual(doc.members, [a1.id, a2.id, a3.id]);
  t.deepEqual(selectedIds(doc), doc.members, 'the trace selects exactly the answer, in order');
  t.is(doc.selection!.trace.query, 'A');
  t.deepEqual(doc.ring.rotations.map((r) => r.records), [
    ['192.0.2.1', '192.0.2.2', '192.0.2.3'],
    ['192.0.2.2', '192.0.2.3', '192.0.2.1'],
    ['192.0.2.3', '192.0.2.1', '192.0.2.2'],
  ]);
  t.is(doc.ring.slots, 3);
  t.regex(doc.text, /ring {5}3 rotations/);
});

test('every ring slot equals what resolve() gives for that variant', (t) => {
  const snapshot = snap({}, { policy: 'weighted', max: 2 });
  const doc = explain({ name: SMTP, type: RRType.A }, snapshot);
  t.is(doc.ring.slots, 32);
  for (const slot of doc.ring.rotations) {
    const r = resolve({ name: SMTP, type: RRType.A, class: 1 }, snapshot, slot.variant);
    t.deepEqual(slot.members, [...(r.members ?? [])]);
    t.deepEqual(slot.records, r.answer.map((rec) => ('address' in rec.rdata ? rec.rdata.address : '')));
  }
  t.deepEqual(selectedIds(doc), doc.members);
});

test('a down member is excluded with its reason, in the trace and the text', (t) => {
  const doc = explain({ name: SMTP, type: RRType.A }, snap({ [a2.id]: 'down' }));
  t.deepEqual(doc.members, [a1.id, a3.id]);
  const m2 = doc.selection!.trace.members.find((m) => m.id === a2.id)!;
  t.like(m2, { verdict: 'excluded', state: 'down', why: 'down: connect-refused' });
  t.regex(doc.text, /a\/a2 192\.0\.2\.2 down w=100: excluded — down: connect-refused/);
  t.true(doc.ring.rotations.every((slot) => !slot.members.includes(a2.id)));
});

test('MX at a binding: trace of the MX selection, consistent with the records', (t) => {
  const doc = explain({ name: 'relay.example.com', type: RRType.MX }, snap());
  t.is(doc.kind, 'balanced');
  t.is(doc.selection!.binding, 'smtp.relay.example.com.');
  t.deepEqual(new Set(selectedIds(doc)), new Set(doc.members));
  t.true(doc.answer.every((r) => r.type === 'MX'));
});

test('CNAME into a balanced name is traced at the target', (t) => {
  const doc = explain({ name: 'alias.relay.example.com', type: RRType.A }, snap());
  t.is(doc.selection!.owner, 'smtp.relay.example.com.');
  t.is(doc.answer[0]!.type, 'CNAME');
  t.deepEqual(selectedIds(doc), doc.members);
});

test('refused, NXDOMAIN, NODATA and static answers are explained', (t) => {
  const refused = explain({ name: 'example.org', type: RRType.A, client: '192.0.2.99' }, snap());
  t.like(refused, { kind: 'refused', rcode: 'REFUSED', zone: null, query: { client: '192.0.2.99' } });
  t.regex(refused.summary, /in no zone served here \(relay\.example\.com\.\)/);
  t.regex(refused.clientNote, /192\.0\.2\.99 gets what every client gets/);
  t.like(explain({ name: 'nothere.relay.example.com', type: RRType.A }, snap()), { kind: 'nxdomain', rcode: 'NXDOMAIN' });
  t.like(explain({ name: SMTP, type: RRType.TXT }, snap()), { kind: 'static', answer: [{ type: 'TXT', data: '"balanced"' }] });
  t.like(explain({ name: 'ns1.relay.example.com', type: RRType.AAAA }, snap()), { kind: 'nodata', rcode: 'NOERROR' });
  t.like(explain({ name: SMTP, type: RRType.AXFR }, snap()), { kind: 'screened', rcode: 'REFUSED' });
});

test('all down with servfail policy: SERVFAIL explained with the trace', (t) => {
  const everyone = Object.fromEntries([...POOL_A, ...POOL_B].map((m) => [m.id, 'down' as const]));
  const doc = explain({ name: SMTP, type: RRType.A }, snap(everyone, { allDown: 'servfail' }));
  t.like(doc, { kind: 'servfail', rcode: 'SERVFAIL' });
  t.like(doc.selection!.trace, { allDown: true, outcome: 'servfail' });
});

test('parameter checks', (t) => {
  t.is(parseType('aaaa'), RRType.AAAA);
  t.is(parseType('TYPE65'), 65);
  t.is(parseType('BOGUS'), undefined);
  t.is(parseType('TYPE70000'), undefined);
  t.is(nameProblem('smtp.relay.example.com.'), undefined);
  t.is(nameProblem(''), 'name is empty');
  t.is(nameProblem('a..b'), 'name has an empty label');
  t.regex(nameProblem(`${'x'.repeat(64)}.com`)!, /63/);
  t.is(clientProblem('2001:db8::1'), undefined);
  t.regex(clientProblem('nope')!, /not an IP address/);
});

test('MX: members of a published backup tier say so, not "tier not used"', (t) => {
  const doc = explain({ name: 'relay.example.com', type: RRType.MX }, snap());
  const b = doc.selection!.trace.members.filter((m) => m.tier === 1);
  t.true(b.length > 0);
  for (const m of b) t.like(m, { verdict: 'selected', preference: 20, why: 'usable; backup tier 1, published for fallback' });
});

test('SRV into a balanced name: the address selection of the additional data is shown too', (t) => {
  const doc = explain({ name: '_submission._tcp.relay.example.com', type: RRType.SRV }, snap());
  t.is(doc.kind, 'static');
  t.is(doc.selection, undefined);
  t.deepEqual(doc.otherSelections.map((s) => [s.owner, s.query]), [['smtp.relay.example.com', 'A'], ['smtp.relay.example.com', 'AAAA']]);
  t.regex(doc.text, /also selected \(additional data\):/);
});

test('ring positions read from the cache say which slot the next reply of each client shape gets', (t) => {
  const positions = [
    { shape: 'UDP without EDNS', next: 2, slots: 3 },
    { shape: 'TCP with EDNS', next: 1, slots: 5 },
  ];
  const doc = explain({ name: SMTP, type: RRType.A }, snap(), positions);
  t.deepEqual(doc.ring.next, [{ shape: 'UDP without EDNS', slot: 2 }], 'a ring of another size is not this answer\'s');
  t.regex(doc.text, /\nnext {5}UDP without EDNS → #2; any other client → #0\n/);
  t.regex(explain({ name: SMTP, type: RRType.A }, snap()).text, /\nnext {5}no reply sent yet for this snapshot: the first gets #0\n/);
  t.deepEqual(explain({ name: SMTP, type: RRType.TXT }, snap(), positions).ring.next, [], 'static data has one answer');
});
