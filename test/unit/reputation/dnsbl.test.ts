/** DNSBL names and answer codes (reputation/dnsbl.ts): RFC 5782 §2 names, Spamhaus error codes, §5 test points. */
import test from 'ava';
import { dnsblQueryName, interpretDnsbl, testPointVerdict, type DnsblAnswer, type DnsblResult } from '../../../src/reputation/index.ts';

const names: Array<[address: string, zone: string, name: string]> = [
  ['192.0.2.99', 'zen.spamhaus.org', '99.2.0.192.zen.spamhaus.org'],
  ['127.0.0.2', 'bl.test.', '2.0.0.127.bl.test'],
  ['2001:db8:1:2::ba3', 'zen.spamhaus.org', '3.a.b.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org'],
  ['::ffff:127.0.0.2', 'v6.test', '2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.v6.test'],
  ['::1', 'v6.test', '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.v6.test'],
];
for (const [address, zone, name] of names) {
  test(`query name: ${address} in ${zone}`, (t) => t.is(dnsblQueryName(address, zone), name));
}
test('query name: a host name is refused', (t) => {
  t.throws(() => dnsblQueryName('mail.example.com', 'zen.spamhaus.org'), { message: /not an IPv4 or IPv6 address/ });
});

const a = (...addresses: string[]): DnsblAnswer => ({ kind: 'addresses', addresses, txt: ['listed: see https://check.example'] });
const answers: Array<[title: string, answer: DnsblAnswer, listed: string[] | undefined, want: DnsblResult]> = [
  ['SBL listing with its reason', a('127.0.0.2'), undefined, { status: 'listed', codes: ['127.0.0.2'], reason: 'listed: see https://check.example' }],
  ['two codes (SBL and XBL)', a('127.0.0.2', '127.0.0.4'), undefined, { status: 'listed', codes: ['127.0.0.2', '127.0.0.4'], reason: 'listed: see https://check.example' }],
  ['PBL only, when only SBL/XBL count', a('127.0.0.10'), ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.9'], { status: 'not-listed' }],
  ['NXDOMAIN', { kind: 'nxdomain' }, undefined, { status: 'not-listed' }],
  ['NODATA', { kind: 'nodata' }, undefined, { status: 'not-listed' }],
  ['typo in the zone name', a('127.255.255.252'), undefined, { status: 'error', code: '127.255.255.252', why: 'typo-in-zone' }],
  ['public resolver refused', a('127.255.255.254'), undefined, { status: 'error', code: '127.255.255.254', why: 'public-resolver' }],
  ['over quota', a('127.255.255.255'), undefined, { status: 'error', code: '127.255.255.255', why: 'over-quota' }],
  ['127.0.0.1 is never a listing', a('127.0.0.1'), undefined, { status: 'error', code: '127.0.0.1', why: 'loopback-answer' }],
  ['an answer outside 127/8 (wildcarded or hijacked)', a('198.51.100.7'), undefined, { status: 'error', code: '198.51.100.7', why: 'outside-127' }],
  ['an error code beside a listing taints the answer', a('127.0.0.2', '127.255.255.254'), undefined, { status: 'error', code: '127.255.255.254', why: 'public-resolver' }],
  ['timeout keeps the last verdict', { kind: 'timeout' }, undefined, { status: 'unknown', why: 'timeout' }],
  ['SERVFAIL keeps the last verdict', { kind: 'servfail' }, undefined, { status: 'unknown', why: 'servfail' }],
];
for (const [title, answer, listedCodes, want] of answers) {
  test(`answer: ${title}`, (t) => {
    t.deepEqual(interpretDnsbl(answer, listedCodes ? { zone: 'zen.spamhaus.org', listedCodes } : { zone: 'zen.spamhaus.org' }), want);
  });
}

test('test points: a working list lists 127.0.0.2 and not 127.0.0.1', (t) => {
  t.deepEqual(testPointVerdict({ status: 'listed', codes: ['127.0.0.2'] }, { status: 'not-listed' }), { usable: true });
});
const unusable: Array<[title: string, point2: DnsblResult, point1: DnsblResult, why: RegExp]> = [
  ['127.0.0.2 not listed', { status: 'not-listed' }, { status: 'not-listed' }, /127\.0\.0\.2 is not listed/],
  ['127.0.0.1 listed', { status: 'listed', codes: ['127.0.0.2'] }, { status: 'listed', codes: ['127.0.0.2'] }, /127\.0\.0\.1 is listed/],
  ['public resolver', { status: 'error', code: '127.255.255.254', why: 'public-resolver' }, { status: 'not-listed' }, /refuses this resolver/],
  ['no answer', { status: 'unknown', why: 'timeout' }, { status: 'not-listed' }, /did not answer/],
];
for (const [title, point2, point1, why] of unusable) {
  test(`test points: unusable when ${title}`, (t) => {
    const verdict = testPointVerdict(point2, point1);
    t.false(verdict.usable);
    if (!verdict.usable) t.regex(verdict.why, why);
  });
}
