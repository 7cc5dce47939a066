import test from 'ava';
import { SourceError } from '../../../src/errors.ts';
import { parseMasterFile, type IncludeReader } from '../../../src/zone/master/master-parser.ts';

/**
 * Each case: a file whose line `line` starts the offending entry (earlier lines are valid, so a
 * wrong line number cannot pass by accident), and the reason expected.
 */
const HEAD = '$TTL 300\n@ SOA ns1 hostmaster 1 2 3 4 5\n  NS ns1\n'; // lines 1–3
const cases: Array<[title: string, body: string, line: number, reason: RegExp]> = [
  ['unknown type', 'x FOO 1\n', 4, /unknown type "FOO"/],
  ['unsupported known mnemonic', 'x TLSA 3 1 1 abcd\n', 4, /type TLSA is not supported/],
  ['meta type', 'x TYPE255 \\# 0\n', 4, /TYPE255 cannot appear in a zone/],
  ['TYPE0', 'x TYPE0 \\# 0\n', 4, /cannot appear in a zone/],
  ['type code above 65535', 'x TYPE65536 \\# 0\n', 4, /cannot appear in a zone/],
  ['unknown TYPEnnn without \\#', 'x TYPE65280 abc\n', 4, /needs RFC 3597 data/],
  ['other class', 'x CH TXT "a"\n', 4, /class CH is not supported/],
  ['CLASSn other than 1', 'x CLASS3 A 192.0.2.1\n', 4, /class CLASS3 is not supported/],
  ['bad IPv4', 'x A 192.0.2.256\n', 4, /bad IPv4 address "192.0.2.256"/],
  ['IPv4 with leading zeros', 'x A 192.0.2.01\n', 4, /bad IPv4 address/],
  ['short IPv4', 'x A 192.0.2\n', 4, /bad IPv4 address/],
  ['IPv6 in an A record', 'x A 2001:db8::1\n', 4, /bad IPv4 address/],
  ['bad IPv6', 'x AAAA 2001:db8::1::2\n', 4, /bad IPv6 address/],
  ['IPv6 with a zone index', 'x AAAA fe80::1%eth0\n', 4, /bad IPv6 address/],
  ['MX preference over u16', 'x MX 65536 smtp\n', 4, /MX preference 65536 is out of range \(at most 65535\)/],
  ['SRV port over u16', 'x SRV 0 0 70000 smtp\n', 4, /SRV port 70000 is out of range/],
  ['SOA serial over u32', 'x.y SOA a b 4294967296 1 2 3 4\n', 4, /SOA serial 4294967296 is out of range/],
  ['CAA flags over u8', 'x CAA 256 issue "ca"\n', 4, /CAA flags 256 is out of range/],
  ['bad CAA tag', 'x CAA 0 is-sue "ca"\n', 4, /bad CAA tag/],
  ['non-numeric MX preference', 'x MX ten smtp\n', 4, /bad MX preference "ten"/],
  ['TTL over 2^31-1', 'x 2147483648 A 192.0.2.1\n', 4, /TTL 2147483648 is out of range/],
  ['TTL with units over 2^31-1', 'x 3551w A 192.0.2.1\n', 4, /TTL 3551w is out of range/],
  ['bad TTL unit', 'x 1x A 192.0.2.1\n', 4, /bad TTL "1x"/],
  ['bare number after a unit', 'x 1h30 A 192.0.2.1\n', 4, /bad TTL "1h30"/],
  ['bad $TTL', '$TTL 1y\n', 4, /bad TTL "1y"/],
  ['$TTL without a value', '$TTL\n', 4, /missing fields: \$TTL needs 1 argument/],
  ['$ORIGIN with two values', '$ORIGIN a. b.\n', 4, /trailing garbage "b\." after \$ORIGIN/],
  ['unknown directive', '$GENERATE 1-10 h$ A 192.0.2.$\n', 4, /unsupported directive \$GENERATE/],
  ['missing A address', 'x A\n', 4, /missing fields: A needs 1 and has 0/],
  ['missing SOA fields across lines', 'x.y SOA a b (\n 1 2\n 3 4 )\n', 4, /missing fields: SOA needs 7 and has 6/],
  ['missing type', 'x 300 IN\n', 4, /missing fields: no record type/],
  ['missing TXT string', 'x TXT\n', 4, /TXT needs at least one string/],
  ['trailing garbage after A', 'x A 192.0.2.1 192.0.2.2\n', 4, /trailing garbage "192\.0\.2\.2" after A data/],
  ['trailing garbage after MX', 'x MX 10 smtp extra\n', 4, /trailing garbage "extra"/],
  ['TXT string of 256 bytes', `x TXT "${'a'.repeat(256)}"\n`, 4, /TXT string is 256 bytes long/],
  ['TXT string of 256 bytes through escapes', `x TXT ${'a'.repeat(254)}\\065\\066\n`, 4, /TXT string is 256 bytes long/],
  ['bad hex in \\#', 'x TYPE65280 \\# 2 zz11\n', 4, /bad hex/],
  ['odd hex in \\#', 'x TYPE65280 \\# 2 abc\n', 4, /bad hex/],
  ['\\# length mismatch', 'x TYPE65280 \\# 3 0102\n', 4, /length mismatch: says 3 bytes, has 2/],
  ['\\# without a length', 'x TYPE65280 \\#\n', 4, /missing RFC 3597 data length/],
  ['\\# A with 5 bytes', 'x A \\# 5 c000020101\n', 4, /1 bytes too many/],
  ['\\# AAAA too short', 'x AAAA \\# 4 c0000201\n', 4, /too short/],
  ['\\# MX with a compression pointer', 'x MX \\# 4 000a c00c\n', 4, /compressed or bad name/],
  ['label of 64 octets', `${'a'.repeat(64)} A 192.0.2.1\n`, 4, /label "a{20}…" is 64 octets \(at most 63\)/],
  ['name over 255 octets', `${Array(5).fill('a'.repeat(60)).join('.')} A 192.0.2.1\n`, 4, /octets long \(at most 255\)/],
  ['empty label', 'a..b A 192.0.2.1\n', 4, /empty label/],
  ['escaped dot in a label', 'x SOA ns john\\.doe 1 2 3 4 5\n', 4, /escaped dot inside a label is not supported/],
  ['\\046 (a dot) in a label', 'a\\046b A 192.0.2.1\n', 4, /escaped dot/],
  ['escaped blank in a name', 'a\\032b A 192.0.2.1\n', 4, /only printable ASCII/],
  ['non-ASCII name', 'bücher A 192.0.2.1\n', 4, /only printable ASCII/],
  ['quoted owner', '"x" A 192.0.2.1\n', 4, /owner name cannot be a quoted string/],
  ['bad \\DDD in a name', 'a\\25 A 192.0.2.1\n', 4, /\\DDD needs three digits/],
  ['bad \\DDD in a TXT string', 'x TXT "a\\999"\n', 4, /at most 255/],
  ['entry spanning lines reports its first line', 'x MX (\n 10\n smtp extra )\n', 4, /trailing garbage "extra"/],
  ['unterminated quote', 'x TXT "abc\n', 4, /unterminated quoted string/],
  ['unbalanced parenthesis', 'x MX ( 10\n smtp\ny A 192.0.2.1\n', 4, /"\(" is never closed/],
];

for (const [title, body, line, reason] of cases) {
  test(`error: ${title}`, (t) => {
    const error = t.throws(() => parseMasterFile(`${HEAD}${body}z A 192.0.2.9\n`, { origin: 'example.com', file: 'zones/example.com.zone' }), { instanceOf: SourceError });
    t.is(error.file, 'zones/example.com.zone');
    t.is(error.line, line, error.message);
    t.regex(error.reason, reason);
  });
}

test('error: the first record has no owner', (t) => {
  const error = t.throws(() => parseMasterFile('$TTL 1\n\n   A 192.0.2.1\n', { origin: 'example.com', file: 'f' }), { instanceOf: SourceError });
  t.is(error.line, 3);
  t.regex(error.reason, /no owner name/);
});

test('error: no TTL anywhere before a record', (t) => {
  const error = t.throws(() => parseMasterFile('; no $TTL\nx A 192.0.2.1\n', { origin: 'example.com', file: 'f' }), { instanceOf: SourceError });
  t.is(error.line, 2);
  t.regex(error.reason, /no TTL/);
});

const includeFiles: Record<string, string> = {
  'a.inc': '$TTL 1\nx A 192.0.2.1\n$INCLUDE b.inc\n',
  'b.inc': 'y A 192.0.2.2\n\n$INCLUDE a.inc\n',
  'bad.inc': 'ok A 192.0.2.1\nbad A 300.1.1.1\n',
  'self.inc': '$INCLUDE self.inc\n',
};
const reader: IncludeReader = (rel) => {
  const text = includeFiles[rel];
  if (text === undefined) throw new Error(`cannot include ${rel}: not found`);
  return { text, file: `zones/${rel}` };
};

test('error: an include loop is refused at the $INCLUDE that closes it', (t) => {
  const error = t.throws(() => parseMasterFile('; top\n$INCLUDE a.inc\n', { origin: 'example.com', file: 'zones/top.zone', include: reader }), { instanceOf: SourceError });
  t.is(error.file, 'zones/b.inc');
  t.is(error.line, 3);
  t.is(error.reason, '$INCLUDE loop: zones/top.zone -> zones/a.inc -> zones/b.inc -> zones/a.inc');
});

test('error: a file including itself', (t) => {
  const error = t.throws(() => parseMasterFile('$INCLUDE self.inc\n', { origin: 'example.com', file: 'top', include: reader }), { instanceOf: SourceError });
  t.is(error.file, 'zones/self.inc');
  t.is(error.line, 1);
  t.regex(error.reason, /\$INCLUDE loop/);
});

test('error: a bad record inside an included file names that file and line', (t) => {
  const error = t.throws(() => parseMasterFile('$TTL 1\n$INCLUDE bad.inc\n', { origin: 'example.com', file: 'top', include: reader }), { instanceOf: SourceError });
  t.is(error.message, 'zones/bad.inc:2: bad IPv4 address "300.1.1.1"');
});

test('error: the include reader refusing a path is reported at the $INCLUDE line', (t) => {
  const error = t.throws(() => parseMasterFile('$TTL 1\n\n$INCLUDE ../etc/passwd\n', { origin: 'example.com', file: 'top', include: reader }), { instanceOf: SourceError });
  t.is(error.message, 'top:3: cannot include ../etc/passwd: not found');
});

test('error: $INCLUDE without an include reader', (t) => {
  const error = t.throws(() => parseMasterFile('$TTL 1\n$INCLUDE x\n', { origin: 'example.com', file: 'top' }), { instanceOf: SourceError });
  t.is(error.line, 2);
  t.regex(error.reason, /not allowed here/);
});

test('error: deep nesting is bounded', (t) => {
  const deep: IncludeReader = (rel) => ({ text: `$INCLUDE ${Number(rel) + 1}\n`, file: rel });
  const error = t.throws(() => parseMasterFile('$INCLUDE 1\n', { origin: 'example.com', file: 'top', include: deep }), { instanceOf: SourceError });
  t.regex(error.reason, /nested more than 16 deep/);
});

test('every bad entry of a file is reported, not only the first; good entries around them still parse', (t) => {
  const text = ['$TTL 300', '@ SOA ns1 h 1 2 3 4 5', 'x A 999.1.1.1', 'ok A 192.0.2.1', 'y MX bogus', 'z AAAA nope'].join('\n');
  const error = t.throws(() => parseMasterFile(text, { origin: 'bad.test', file: 'bad.test.zone' }), { instanceOf: SourceError });
  t.deepEqual(error.all.map((e) => `${e.line}: ${e.reason}`), ['3: bad IPv4 address "999.1.1.1"', '5: missing fields: MX needs 2 and has 1', '6: bad IPv6 address "nope"']);
  t.is(error.message, 'bad.test.zone:3: bad IPv4 address "999.1.1.1"', 'the first stays the error message (what the server logs first)');
});
