/**
 * DNS cookies (src/dns/cookies.ts, cookie-reply.ts, the scanner's COOKIE option): SipHash-2-4
 * against the reference vectors, RFC 9018 Appendix A server cookies, the RFC 9018 §4.3 window,
 * RFC 7873 §5.2.2 option lengths, and the answer path writing each client's cookie into shared
 * cached replies without passing the size limit.
 */
import test from 'ava';
import siphash24 from 'siphash24';
import { Answerer, type Resolver } from '../../../src/dns/answer.ts';
import { withCookie } from '../../../src/dns/cookie-reply.ts';
import { COOKIE_RESERVE, ServerCookies, addressOctets, parseSecret, type CookieVerdict } from '../../../src/dns/cookies.ts';
import { Rcode } from '../../../src/dns/message.ts';
import { readCookie, scanQuery, skipName } from '../../../src/dns/query.ts';
import { silentLogger } from '../../../src/log.ts';
import type { Snapshot } from '../../../src/snapshot.ts';
import type { ResourceRecord } from '../../../src/zone/model.ts';
import { buildQuery, parseReply, replyHeader } from '../../helpers/dns-client.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytes = (text: string): Buffer => Buffer.from(text, 'hex');

// SipHash reference implementation vectors (vectors.h: key 00..0f, message 00..n-1) and the
// paper's worked example (Appendix A: 15-octet message, result 0xa129ca6149be45e5, little-endian).
const sipVectors: Array<[number, string]> = [
  [0, '310e0edd47db6f72'],
  [1, 'fd67dc93c539f874'],
  [2, '5a4fa9d909806c0d'],
  [3, '2d7efbd796666785'],
  [7, '37d1018bf50002ab'],
  [8, '6224939a79f5f593'],
  [15, 'e545be4961ca29a1'],
];
for (const [length, want] of sipVectors) {
  test(`SipHash-2-4 reference vector, ${length}-octet message`, (t) => {
    const key = Uint8Array.from({ length: 16 }, (_, i) => i);
    const message = Uint8Array.from({ length }, (_, i) => i);
    t.is(hex(siphash24(message, key)), want);
  });
}

/** RFC 9018 Appendix A: secret, client address, client cookie, time of the reply, server cookie it carries. */
const A1 = 'e5e973e5a6b2a43f48e7dc849e37bfcf';
const rfcVectors: Array<{ name: string; secrets: string[]; ip: string; sent: string; at: number; verdict: CookieVerdict; reply: string }> = [
  { name: 'A.1 learning a new server cookie', secrets: [A1], ip: '198.51.100.100', sent: '2464c4abcf10c957', at: 1559731985, verdict: 'client-only', reply: '2464c4abcf10c957010000005cf79f111f8130c3eee29480' },
  // 40 minutes later: still valid, but past the half hour, so renewed (RFC 9018 §4.3).
  { name: 'A.2 the same client learning a renewed cookie', secrets: [A1], ip: '198.51.100.100', sent: '2464c4abcf10c957010000005cf79f111f8130c3eee29480', at: 1559734385, verdict: 'valid', reply: '2464c4abcf10c957010000005cf7a871d4a564a1442aca77' },
  // The cookie the client sends is 1 h 52 min old (and has reserved octets set): outside the window, a new one.
  { name: 'A.3 another client, a cookie past the hour', secrets: [A1], ip: '203.0.113.203', sent: 'fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5', at: 1559734700, verdict: 'invalid', reply: 'fc93fc62807ddb86010000005cf7a9acf73a7810aca2381e' },
  // After a rollover: the cookie made with the previous secret is still valid, the reply is made with the new one.
  { name: 'A.4 IPv6 client after the secret rolled over', secrets: ['445536bcd2513298075a5d379663c962', 'dd3bdf9344b678b185a6f5cb60fca715'], ip: '2001:db8:220:1:59de:d0f4:8769:82b8', sent: '22681ab97d52c298010000005cf7c57926556bd0934c72f8', at: 1559741961, verdict: 'valid', reply: '22681ab97d52c298010000005cf7c609a6bb79d16625507a' },
];
for (const v of rfcVectors) {
  test(`RFC 9018 ${v.name}`, (t) => {
    const cookies = new ServerCookies({ secrets: v.secrets }, () => v.at * 1000);
    t.is(cookies.check(bytes(v.sent), v.ip), v.verdict);
    t.is(hex(cookies.reply), v.reply);
  });
}

test('RFC 9018 A.3: reserved octets the client sends are hashed as sent (valid within the hour)', (t) => {
  const cookies = new ServerCookies({ secrets: [A1] }, () => (0x5cf78f71 + 60) * 1000);
  t.is(cookies.check(bytes('fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5'), '203.0.113.203'), 'valid');
  t.is(cookies.check(bytes('fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5'), '203.0.113.204'), 'invalid', 'bound to the address');
  t.is(cookies.check(bytes('fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf6'), '203.0.113.203'), 'invalid', 'one bit of hash');
  t.is(new ServerCookies({ secrets: ['445536bcd2513298075a5d379663c962'] }, () => (0x5cf78f71 + 60) * 1000).check(bytes('fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5'), '203.0.113.203'), 'invalid', 'another secret');
});

// RFC 9018 §4.3: not older than 1 hour, not more than 5 minutes ahead (RFC 1982 arithmetic).
const windowCases: Array<[string, number, number, CookieVerdict]> = [
  ['made this second', 1559731985, 1559731985, 'valid'],
  ['an hour old, the last second', 1559731985, 1559731985 + 3600, 'valid'],
  ['an hour and a second old', 1559731985, 1559731985 + 3601, 'invalid'],
  ['five minutes ahead', 1559731985, 1559731985 - 300, 'valid'],
  ['five minutes and a second ahead', 1559731985, 1559731985 - 301, 'invalid'],
  ['half an hour old across the 2^32 wrap', 0xffffff00, 0x100000000 + 1500, 'valid'],
  ['made 2^31 seconds ago', 1000, 1000 + 2 ** 31, 'invalid'],
];
for (const [what, made, now, want] of windowCases) {
  test(`server cookie window: ${what}`, (t) => {
    const maker = new ServerCookies({ secrets: [A1] }, () => made * 1000);
    maker.check(bytes('2464c4abcf10c957'), '192.0.2.1');
    const held = Buffer.from(maker.reply);
    const checker = new ServerCookies({ secrets: [A1] }, () => now * 1000);
    t.is(checker.check(held, '192.0.2.1'), want);
  });
}

test('a valid cookie under half an hour old comes back unchanged; otherwise a fresh one', (t) => {
  let now = 1_700_000_000;
  const cookies = new ServerCookies({ secrets: [A1] }, () => now * 1000);
  cookies.check(bytes('0102030405060708'), '192.0.2.1');
  const first = Buffer.from(cookies.reply);
  now += 1799;
  t.is(cookies.check(first, '192.0.2.1'), 'valid');
  t.is(hex(cookies.reply), hex(first));
  now += 1;
  t.is(cookies.check(first, '192.0.2.1'), 'valid');
  t.not(hex(cookies.reply), hex(first));
  t.deepEqual(cookies.counters, { clientOnly: 1, valid: 2, invalid: 0, malformed: 0, badcookie: 0, exempt: 0 });
});

// RFC 7873 §5.2.2: 8 octets (client only) or 16-40 (client + server 8-32); anything else FORMERR.
for (const [length, ok] of [[0, false], [7, false], [8, true], [9, false], [15, false], [16, true], [24, true], [40, true], [41, false]] as const) {
  test(`COOKIE option of ${length} octets: ${ok ? 'accepted' : 'FORMERR'}`, (t) => {
    const option = Buffer.concat([Buffer.from([0, 10, 0, length]), Buffer.alloc(length, 7)]);
    const got = readCookie(option, 0, option.length);
    t.is(typeof got !== 'string', ok);
    const scan = scanQuery(buildQuery({ name: 'smtp.relay.example', edns: { options: option } }));
    t.is(scan.outcome, ok ? 'query' : 'formerr');
    if (ok) t.is(scan.edns?.cookie?.length, length);
  });
}

test('two COOKIE options are FORMERR; no COOKIE option leaves edns.cookie unset', (t) => {
  const one = Buffer.from([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]);
  t.is(scanQuery(buildQuery({ name: 'a.example', edns: { options: Buffer.concat([one, one]) } })).outcome, 'formerr');
  t.is(scanQuery(buildQuery({ name: 'a.example', edns: {} })).edns?.cookie, undefined);
});

test('client addresses as RFC 9018 hashes them', (t) => {
  t.is(hex(addressOctets('198.51.100.100')!), 'c6336464');
  t.is(hex(addressOctets('::ffff:198.51.100.100')!), 'c6336464');
  t.is(hex(addressOctets('2001:db8:220:1:59de:d0f4:8769:82b8')!), '20010db80220000159ded0f4876982b8');
  t.is(hex(addressOctets('::1')!), '00000000000000000000000000000001');
  t.is(addressOctets('not an address'), undefined);
  t.throws(() => parseSecret('abc'), { instanceOf: RangeError });
});

test('withCookie appends the option to the OPT record and raises RDLENGTH only', (t) => {
  const reply = Buffer.from(buildQuery({ name: 'a.example', edns: {} }));
  reply[2] = 0x84;
  const data = bytes('2464c4abcf10c957010000005cf79f111f8130c3eee29480');
  const out = withCookie(reply, data);
  t.is(out.length, reply.length + COOKIE_RESERVE);
  t.is(out.readUInt16BE(out.length - COOKIE_RESERVE - 2), COOKIE_RESERVE);
  t.is(hex(out.subarray(-COOKIE_RESERVE)), '000a0018' + hex(data));
  t.is(out.readUInt16BE(10), 1);
  t.is(withCookie(Buffer.from(buildQuery({ name: 'a.example' })), data).length, buildQuery({ name: 'a.example' }).length, 'no OPT, no option');
});

/** `count` A records for every name, rotated by variant. */
function manyA(count: number): Resolver {
  return (question, _snapshot, variant) => {
    const answer: ResourceRecord[] = Array.from({ length: count }, (_, i) => ({ owner: question.name.toLowerCase(), type: 1, ttl: 30, rdata: { type: 1, address: `192.0.2.${((i + (variant ?? 0)) % 250) + 1}` } }));
    return { rcode: Rcode.NOERROR, aa: true, answer, authority: [], additional: [], variants: 2 };
  };
}

function answerer(count: number, options: { require?: boolean } = {}) {
  const snapshot: Snapshot = { version: 1, zones: { zones: new Map() }, members: new Map() };
  const cookies = new ServerCookies({ secrets: [A1], requireServerCookie: options.require === true }, () => 1_700_000_000_000);
  return { cookies, answerer: new Answerer({ getSnapshot: () => snapshot, resolve: manyA(count), logger: silentLogger, cookies }) };
}

const cookieQuery = (id: number, cookie: string, payload = 1232): Buffer => {
  const data = bytes(cookie);
  return buildQuery({ id, name: 'smtp.relay.example', edns: { payload, options: Buffer.concat([Buffer.from([0, 10, 0, data.length]), data]) } });
};
/** The COOKIE option data of a reply's OPT record (walked by hand), or undefined. */
const replyCookie = (reply: Buffer): string | undefined => {
  let pos = skipName(reply, 12) + 4;
  const records = reply.readUInt16BE(6) + reply.readUInt16BE(8) + reply.readUInt16BE(10);
  for (let i = 0; i < records; i++) {
    const end = skipName(reply, pos);
    const type = reply.readUInt16BE(end);
    const rdata = end + 10;
    pos = rdata + reply.readUInt16BE(end + 8);
    if (type !== 41) continue;
    for (let at = rdata; at + 4 <= pos; at += 4 + reply.readUInt16BE(at + 2)) {
      if (reply.readUInt16BE(at) === 10) return hex(reply.subarray(at + 4, at + 4 + reply.readUInt16BE(at + 2)));
    }
  }
  return undefined;
};

test('cached replies carry each client its own cookie, and the cookie-free bytes are the cached ones', (t) => {
  const { answerer: a, cookies } = answerer(3);
  const plain = a.answer(buildQuery({ id: 1, name: 'smtp.relay.example', edns: { payload: 1232 } }), 'udp', '192.0.2.10')!;
  a.answer(buildQuery({ id: 1, name: 'smtp.relay.example', edns: { payload: 1232 } }), 'udp', '192.0.2.10');
  const one = a.answer(cookieQuery(2, '1111111111111111'), 'udp', '192.0.2.11')!;
  const two = a.answer(cookieQuery(3, '2222222222222222'), 'udp', '192.0.2.12')!;
  t.is(replyCookie(plain), undefined);
  t.is(replyCookie(one)?.slice(0, 16), '1111111111111111');
  t.is(replyCookie(two)?.slice(0, 16), '2222222222222222');
  t.is(cookies.check(bytes(replyCookie(one)!), '192.0.2.11'), 'valid', 'what client one got is valid from client one');
  t.is(cookies.check(bytes(replyCookie(one)!), '192.0.2.12'), 'invalid', 'and from nobody else');
  // Without the option the reply is the cached rotation (rotation 0 again after two turns).
  const stripped = Buffer.from(one.subarray(0, one.length - COOKIE_RESERVE));
  stripped.writeUInt16BE(0, stripped.length - 2);
  stripped.writeUInt16BE(1, 0);
  t.deepEqual(stripped, plain);
});

test('a reply too close to the limit for the option is encoded with room for it (TC=1 here), never over the limit', (t) => {
  // 73 A records: 1215 octets, fits 1232 without the option, not with it.
  const { answerer: a } = answerer(73);
  const plain = a.answer(buildQuery({ id: 1, name: 'smtp.relay.example', edns: { payload: 1232 } }), 'udp')!;
  t.is(plain.length, 1215);
  t.false(replyHeader(plain).tc);
  const withOption = a.answer(cookieQuery(2, '1111111111111111'), 'udp', '192.0.2.11')!;
  t.true(withOption.length <= 1232);
  t.true(replyHeader(withOption).tc);
  t.is(replyCookie(withOption)?.slice(0, 16), '1111111111111111');
  const overTcp = a.answer(cookieQuery(3, '1111111111111111'), 'tcp', '192.0.2.11')!;
  t.is(parseReply(overTcp).answers.length, 73, 'over TCP the option fits');
});

test('provenSource: only a valid server cookie over UDP', (t) => {
  const { answerer: a } = answerer(1);
  const first = a.answer(cookieQuery(1, '1111111111111111'), 'udp', '192.0.2.11')!;
  t.false(a.provenSource);
  a.answer(cookieQuery(2, replyCookie(first)!), 'udp', '192.0.2.11');
  t.true(a.provenSource);
  a.answer(cookieQuery(2, replyCookie(first)!), 'udp', '192.0.2.99');
  t.false(a.provenSource, 'from another address');
  a.answer(cookieQuery(2, replyCookie(first)!), 'tcp', '192.0.2.11');
  t.false(a.provenSource, 'TCP needs no exemption');
});

test('requireServerCookie: BADCOOKIE (23) with a fresh cookie over UDP; TCP and valid cookies answered', (t) => {
  const { answerer: a, cookies } = answerer(1, { require: true });
  const bad = a.answer(cookieQuery(1, '1111111111111111'), 'udp', '192.0.2.11')!;
  const header = replyHeader(bad);
  t.is(header.ancount, 0);
  // Extended RCODE: the OPT's TTL high octet (after the 24-octet cookie option is the end of the message).
  const optTtl = bad.length - COOKIE_RESERVE - 11 + 5;
  t.is((bad[optTtl]! << 4) | (bad[3]! & 0xf), 23);
  const good = a.answer(cookieQuery(2, replyCookie(bad)!), 'udp', '192.0.2.11')!;
  t.is(replyHeader(good).ancount, 1);
  t.is(replyHeader(a.answer(cookieQuery(3, '1111111111111111'), 'tcp', '192.0.2.11')!).ancount, 1);
  t.is(replyHeader(a.answer(buildQuery({ id: 4, name: 'smtp.relay.example', edns: {} }), 'udp', '192.0.2.11')!).ancount, 1, 'no COOKIE option: answered');
  t.is(cookies.counters.badcookie, 1);
});

test('a malformed COOKIE option is FORMERR and counted', (t) => {
  const { answerer: a, cookies } = answerer(1);
  const reply = a.answer(buildQuery({ id: 1, name: 'smtp.relay.example', edns: { options: Buffer.from([0, 10, 0, 4, 1, 2, 3, 4]) } }), 'udp', '192.0.2.11')!;
  t.is(replyHeader(reply).rcode, Rcode.FORMERR);
  t.is(cookies.counters.malformed, 1);
});
