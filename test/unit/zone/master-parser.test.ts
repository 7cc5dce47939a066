import test from 'ava';
import type { SourcedRecord } from '../../../src/zone/build.ts';
import { parseMasterFile, parseZoneText } from '../../../src/zone/master/master-parser.ts';
import { RRType } from '../../../src/zone/model.ts';

const ORIGIN = 'example.com';
const parse = (text: string, extra: Partial<Parameters<typeof parseMasterFile>[1]> = {}) =>
  parseMasterFile(text, { origin: ORIGIN, file: 'example.com.zone', ...extra });
/** Records as compact comparable rows: owner, type, ttl, rdata with bytes as text. */
const rows = (records: SourcedRecord[]) =>
  records.map((r) => ({
    owner: r.owner,
    type: r.type,
    ttl: r.ttl,
    line: r.line,
    rdata: JSON.parse(JSON.stringify(r.rdata, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v))) as unknown,
  }));

test('owners: @, relative, absolute, omitted (previous owner), case folded', (t) => {
  const records = parse('$TTL 60\n@ A 192.0.2.1\nWWW A 192.0.2.2\n  A 192.0.2.3\nmail.Example.COM. A 192.0.2.4\nx.y A 192.0.2.5\n');
  t.deepEqual(
    records.map((r) => [r.owner, r.line]),
    [['example.com', 2], ['www.example.com', 3], ['www.example.com', 4], ['mail.example.com', 5], ['x.y.example.com', 6]],
  );
});

test('$ORIGIN: absolute, relative to the current origin, and @ after it', (t) => {
  const records = parse('$TTL 60\n$ORIGIN sub.example.com.\n@ A 192.0.2.1\nhost A 192.0.2.2\n$ORIGIN deeper\nhost A 192.0.2.3\n');
  t.deepEqual(records.map((r) => r.owner), ['sub.example.com', 'host.sub.example.com', 'host.deeper.sub.example.com']);
});

test('$ORIGIN on the first line names the zone; later ones do not', (t) => {
  t.is(parseZoneText('; comment\n$ORIGIN other.org.\n$TTL 1\n@ A 192.0.2.1\n', { origin: ORIGIN, file: 'f' }).leadingOrigin, 'other.org');
  t.is(parseZoneText('$ORIGIN sub\n', { origin: ORIGIN, file: 'f' }).leadingOrigin, 'sub.example.com');
  t.is(parseZoneText('$TTL 1\n$ORIGIN other.org.\n@ A 192.0.2.1\n', { origin: ORIGIN, file: 'f' }).leadingOrigin, undefined);
});

test('relative names under the root origin', (t) => {
  t.deepEqual(parse('$TTL 1\nexample.org A 192.0.2.1\n', { origin: '' }).map((r) => r.owner), ['example.org']);
});

test('TTL: $TTL for omitted TTLs, explicit TTLs win, $TTL wins over the last explicit TTL (RFC 2308 §4)', (t) => {
  const records = parse('$TTL 1h\na A 192.0.2.1\nb 60 A 192.0.2.2\nc A 192.0.2.3\n$TTL 2h\nd A 192.0.2.4\n');
  t.deepEqual(records.map((r) => r.ttl), [3600, 60, 3600, 7200]);
});

test('TTL: without $TTL, an omitted TTL repeats the last explicit one (RFC 1035 §5.1)', (t) => {
  const records = parse('a 120 A 192.0.2.1\nb A 192.0.2.2\nc 30 A 192.0.2.3\nd A 192.0.2.4\n');
  t.deepEqual(records.map((r) => r.ttl), [120, 120, 30, 30]);
});

test('TTL: a default TTL from the caller acts as $TTL', (t) => {
  t.deepEqual(parse('a A 192.0.2.1\n', { defaultTtl: 42 }).map((r) => r.ttl), [42]);
});

test('TTL: an SOA with no TTL and no $TTL takes its MINIMUM, and later records follow it', (t) => {
  const records = parse('@ SOA ns h 1 2 3 4 900\n NS ns\n');
  t.deepEqual(records.map((r) => r.ttl), [900, 900]);
});

const ttlUnits: Array<[string, number]> = [
  ['0', 0], ['3600', 3600], ['1h30m', 5400], ['1H30M', 5400], ['1w', 604800], ['2d', 172800], ['2D12h', 216000],
  ['90s', 90], ['1w2d3h4m5s', 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5], ['2147483647', 2147483647],
];
for (const [text, seconds] of ttlUnits) {
  test(`TTL unit ${text} = ${seconds}s`, (t) => {
    t.is(parse(`a ${text} A 192.0.2.1\n`)[0]!.ttl, seconds);
  });
}

test('class IN in any case, CLASS1, before or after the TTL; type case-insensitive', (t) => {
  const records = parse('a 60 IN A 192.0.2.1\nb in 60 a 192.0.2.2\nc In aaaa 2001:db8::1\nd class1 60 A 192.0.2.4\ne 60 Mx 10 a\n');
  t.deepEqual(records.map((r) => [r.type, r.ttl]), [[1, 60], [1, 60], [28, 60], [1, 60], [15, 60]]);
});

test('every supported type in presentation form', (t) => {
  const text = [
    '$TTL 300',
    '@ IN SOA ns1 hostmaster.example.com. ( 2024060101 1h 15m 1w 5m )',
    '@ NS ns1',
    '@ MX 10 smtp',
    'ns1 A 192.0.2.53',
    'smtp AAAA 2001:DB8:0:0::25',
    'www CNAME smtp.example.com.',
    '@ TXT "v=spf1 a:smtp.example.com -all" more',
    '_submission._tcp SRV 0 5 587 smtp',
    '@ CAA 0 issue "letsencrypt.org"',
    '1.2.0.192.in-addr.arpa. PTR smtp',
  ].join('\n');
  t.deepEqual(rows(parse(text)), [
    { owner: ORIGIN, type: 6, ttl: 300, line: 2, rdata: { type: 6, mname: 'ns1.example.com', rname: 'hostmaster.example.com', serial: 2024060101, refresh: 3600, retry: 900, expire: 604800, minimum: 300 } },
    { owner: ORIGIN, type: 2, ttl: 300, line: 3, rdata: { type: 2, target: 'ns1.example.com' } },
    { owner: ORIGIN, type: 15, ttl: 300, line: 4, rdata: { type: 15, preference: 10, exchange: 'smtp.example.com' } },
    { owner: 'ns1.example.com', type: 1, ttl: 300, line: 5, rdata: { type: 1, address: '192.0.2.53' } },
    { owner: 'smtp.example.com', type: 28, ttl: 300, line: 6, rdata: { type: 28, address: '2001:db8::25' } },
    { owner: 'www.example.com', type: 5, ttl: 300, line: 7, rdata: { type: 5, target: 'smtp.example.com' } },
    { owner: ORIGIN, type: 16, ttl: 300, line: 8, rdata: { type: 16, strings: ['v=spf1 a:smtp.example.com -all', 'more'] } },
    { owner: '_submission._tcp.example.com', type: 33, ttl: 300, line: 9, rdata: { type: 33, priority: 0, weight: 5, port: 587, target: 'smtp.example.com' } },
    { owner: ORIGIN, type: 257, ttl: 300, line: 10, rdata: { type: 257, flags: 0, tag: 'issue', value: 'letsencrypt.org' } },
    { owner: '1.2.0.192.in-addr.arpa', type: 12, ttl: 300, line: 11, rdata: { type: 12, target: 'smtp.example.com' } },
  ]);
});

test('TXT: escapes \\" \\DDD \\X, empty strings and a 255-byte string', (t) => {
  const long = 'x'.repeat(255);
  const [a, b] = parse(`$TTL 1\nt TXT "say \\"hi\\"" \\065\\;b "" "\\255"\nu TXT ${long}\n`);
  t.deepEqual(
    (a!.rdata as { strings: Uint8Array[] }).strings.map((s) => [...s]),
    [[...Buffer.from('say "hi"')], [65, 0x3b, 0x62], [], [255]],
  );
  t.is((b!.rdata as { strings: Uint8Array[] }).strings[0]!.length, 255);
});

test('names: escapes decode, 63-octet labels and 255-octet names are accepted', (t) => {
  const label = 'a'.repeat(63);
  const [a, b] = parse(`$TTL 1\n\\065b\\-c A 192.0.2.1\n${label}.${label}.${label}.${'b'.repeat(61)}. A 192.0.2.2\n`);
  t.is(a!.owner, 'ab-c.example.com');
  t.is(b!.owner.length + 2, 255); // wire form: one length byte per label plus the root
});

test('RFC 3597: TYPEnnn with \\# stays opaque, hex may be split, zero length is allowed', (t) => {
  const records = parse('$TTL 1\nx TYPE65280 \\# 4 0A0b 0c0D\ny type65281 \\# 0\n');
  t.deepEqual(rows(records).map((r) => r.rdata), [
    { type: 65280, raw: '\n\u000b\f\r' },
    { type: 65281, raw: '' },
  ]);
});

test('RFC 3597: \\# for known types decodes to the typed form', (t) => {
  const text = [
    '$TTL 1',
    'a A \\# 4 C0000201',
    'b TYPE1 \\# 4 c0000202',
    'c AAAA \\# 16 20010db8000000000000000000000001',
    'd MX \\# 20 000a 04736d7470 076578616d706c65 03636f6d 00',
    'e NS \\# 5 036e7331 00',
    'f TXT \\# 7 0568656c6c6f 00',
    'g SRV \\# 12 0001 0002 024b 04736d7470 00',
    'h CAA \\# 13 80 05 6973737565 63612e6f7267',
    '@ SOA \\# 26 016d00 016800 00000001 00000002 00000003 00000004 00000005',
    'i TYPE1 192.0.2.9',
  ].join('\n');
  t.deepEqual(rows(parse(text)).map((r) => r.rdata), [
    { type: 1, address: '192.0.2.1' },
    { type: 1, address: '192.0.2.2' },
    { type: 28, address: '2001:db8::1' },
    { type: 15, preference: 10, exchange: 'smtp.example.com' },
    { type: 2, target: 'ns1' },
    { type: 16, strings: ['hello', ''] },
    { type: 33, priority: 1, weight: 2, port: 587, target: 'smtp' },
    { type: 257, flags: 128, tag: 'issue', value: 'ca.org' },
    { type: 6, mname: 'm', rname: 'h', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 },
    { type: 1, address: '192.0.2.9' },
  ]);
});

test('$INCLUDE: origin argument, state restored after, records carry their file', (t) => {
  const files: Record<string, string> = {
    'inc/hosts': 'a A 192.0.2.1\n  A 192.0.2.2\n$ORIGIN elsewhere.example.com.\n$TTL 5\nb A 192.0.2.3\n',
  };
  const include = (rel: string) => ({ text: files[rel]!, file: `zones/${rel}` });
  const records = parse('$TTL 60\nfirst A 192.0.2.9\n$INCLUDE inc/hosts sub\n  A 192.0.2.10\nlast A 192.0.2.11\n', { include });
  t.deepEqual(
    records.map((r) => [r.owner, r.ttl, r.file, r.line]),
    [
      ['first.example.com', 60, 'example.com.zone', 2],
      ['a.sub.example.com', 60, 'zones/inc/hosts', 1],
      ['a.sub.example.com', 60, 'zones/inc/hosts', 2],
      ['b.elsewhere.example.com', 5, 'zones/inc/hosts', 5],
      ['first.example.com', 60, 'example.com.zone', 4],
      ['last.example.com', 60, 'example.com.zone', 5],
    ],
  );
});

test('$INCLUDE: nested includes without an origin use the current one', (t) => {
  const files: Record<string, string> = { one: '$INCLUDE two\nx A 192.0.2.1\n', two: 'y A 192.0.2.2\n' };
  const records = parse('$TTL 1\n$ORIGIN sub\n$INCLUDE one\n', { include: (rel) => ({ text: files[rel]!, file: rel }) });
  t.deepEqual(records.map((r) => [r.owner, r.file]), [['y.sub.example.com', 'two'], ['x.sub.example.com', 'one']]);
});

test('directives in any case, CRLF line ends, comments after directives', (t) => {
  const records = parse('$ttl 2m ; default\r\n$origin Sub ; comment\r\nhost A 192.0.2.1\r\n');
  t.deepEqual(records.map((r) => [r.owner, r.ttl, r.line]), [['host.sub.example.com', 120, 3]]);
});
