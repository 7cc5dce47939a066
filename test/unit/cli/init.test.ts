import test from 'ava';
import { initialSerial, normaliseOrigin, parseMemberSpec, starterZone } from '../../../src/cli/init.ts';

test('member specs: IPv4 with and without port, bracketed IPv6, bare IPv6; bad ones refused', (t) => {
  t.deepEqual(parseMemberSpec('192.0.2.25'), { address: '192.0.2.25', port: 25 });
  t.deepEqual(parseMemberSpec('192.0.2.25:2525'), { address: '192.0.2.25', port: 2525 });
  t.deepEqual(parseMemberSpec('[2001:db8::25]:587'), { address: '2001:db8::25', port: 587 });
  t.deepEqual(parseMemberSpec('2001:db8::25'), { address: '2001:db8::25', port: 25 });
  t.throws(() => parseMemberSpec('mta.example.com'), { message: /not an IPv4 or IPv6 address/ });
  t.throws(() => parseMemberSpec('192.0.2.25:0'), { message: /port must be 1–65535/ });
});

test('origin: lower-cased, final dot dropped; single labels and bad characters refused', (t) => {
  t.is(normaliseOrigin('Relay.Example.COM.'), 'relay.example.com');
  t.throws(() => normaliseOrigin('localhost'));
  t.throws(() => normaliseOrigin('relay_1.example.com'));
});

test('starter zone: one member line per member (IPv6 quoted, port 25 implied), serial of the day', (t) => {
  const text = starterZone('relay.example.com', [{ address: '192.0.2.25', port: 25 }, { address: '2001:db8::26', port: 2525 }], 'relays', initialSerial(new Date('2026-05-02T10:00:00Z')));
  t.true(text.includes('      - {name: mta1, address: 192.0.2.25}\n'));
  t.true(text.includes('      - {name: mta2, address: "2001:db8::26", port: 2525}\n'));
  t.true(text.includes('2026050201  ; serial'));
  t.true(text.includes('    tiers: relays\n'));
});
