/**
 * The byte-level response writer (src/dns/writer.ts, writer-rdata.ts, encode.ts encodeReply),
 * checked against the hand-written decoder of test/helpers/dns-normalize.ts (RFC 1035 §4 from
 * scratch, not mxlb's codec) and against the raw bytes where the wire form itself is the point.
 */
import test from 'ava';
import { encodeReply, type ResponseShape } from '../../../src/dns/encode.ts';
import { Rcode, type Resolution } from '../../../src/dns/message.ts';
import { scanQuery } from '../../../src/dns/query.ts';
import type { ResourceRecord } from '../../../src/zone/model.ts';
import { buildQuery, nameBytes } from '../../helpers/dns-client.ts';
import { normalizeReply } from '../../helpers/dns-normalize.ts';

const ORIGIN = 'relay.example.com';
const a = (owner: string, address: string, ttl = 30): ResourceRecord => ({ owner, type: 1, ttl, rdata: { type: 1, address } });
const aaaa = (owner: string, address: string): ResourceRecord => ({ owner, type: 28, ttl: 30, rdata: { type: 28, address } });
const mx = (preference: number, exchange: string): ResourceRecord => ({ owner: ORIGIN, type: 15, ttl: 30, rdata: { type: 15, preference, exchange } });
const soa: ResourceRecord = {
  owner: ORIGIN,
  type: 6,
  ttl: 60,
  rdata: { type: 6, mname: `ns1.${ORIGIN}`, rname: `hostmaster.${ORIGIN}`, serial: 7, refresh: 3600, retry: 600, expire: 86400, minimum: 60 },
};
const res = (partial: Partial<Resolution>): Resolution => ({ rcode: 0, aa: true, answer: [], authority: [], additional: [], variants: 1, ...partial });

function encode(name: string, type: number, resolution: Resolution, shape: ResponseShape = { edns: null, limit: 512 }): Buffer {
  const query = buildQuery({ name, type });
  const scan = scanQuery(query);
  return encodeReply(query, scan.qnameEnd, scan.qtype, scan.qclass, resolution, shape);
}

test('writer: owners, RDATA names and additional owners are compressed, and decode to the same records', (t) => {
  const buf = encode(ORIGIN, 15, res({ answer: [mx(10, `mta1.${ORIGIN}`), mx(20, `mta2.${ORIGIN}`)], additional: [a(`mta1.${ORIGIN}`, '192.0.2.1'), a(`mta2.${ORIGIN}`, '192.0.2.2')] }));
  const reply = normalizeReply(buf);
  t.deepEqual(reply.answer, [`${ORIGIN}. 30 IN MX 10 mta1.${ORIGIN}.`, `${ORIGIN}. 30 IN MX 20 mta2.${ORIGIN}.`]);
  t.deepEqual(reply.additional, [`mta1.${ORIGIN}. 30 IN A 192.0.2.1`, `mta2.${ORIGIN}. 30 IN A 192.0.2.2`]);
  // header 12 + question 19 + 4; MX: pointer owner 2 + 10 + 2 + "mta1" 5 + pointer 2; A: pointer owner 2 + 10 + 4
  t.is(buf.length, 12 + 19 + 4 + 2 * 21 + 2 * 16);
  const questionEnd = 12 + nameBytes(ORIGIN).length + 4;
  t.deepEqual([...buf.subarray(questionEnd, questionEnd + 2)], [0xc0, 12], 'the first owner points at the question');
  t.true(buf.includes(Buffer.from([4, 0x6d, 0x74, 0x61, 0x31, 0xc0, 12])), 'the exchange is "mta1" and a pointer to the question');
});

test('writer: a dot inside a question label is never a compression target for a zone name spelled the same', (t) => {
  // The question "a.b" is ONE label; the owner a.b.relay.example.com is two labels.
  const query = Buffer.concat([buildQuery({ name: ORIGIN, type: 1 }).subarray(0, 12), Buffer.from([3, 0x61, 0x2e, 0x62]), nameBytes(ORIGIN), Buffer.from([0, 1, 0, 1])]);
  const scan = scanQuery(query);
  const buf = encodeReply(query, scan.qnameEnd, scan.qtype, scan.qclass, res({ answer: [a(`a.b.${ORIGIN}`, '192.0.2.9')] }), { edns: null, limit: 512 });
  t.deepEqual(normalizeReply(buf).answer, [`a.b.${ORIGIN}. 30 IN A 192.0.2.9`]);
});

test('writer: optional additional RRsets are dropped whole before anything required; TC only when required records do not fit', (t) => {
  const many = Array.from({ length: 40 }, (_, i) => a(`mta1.${ORIGIN}`, `192.0.2.${i + 1}`));
  const answer = [mx(10, `mta1.${ORIGIN}`), mx(20, `mta2.${ORIGIN}`)];
  const small = [aaaa(`mta2.${ORIGIN}`, '2001:db8::2')];
  // 38 A records of mta1 (16 octets each) do not fit in 512 with the rest: that RRset goes whole,
  // and the next RRset is not tried (RFC 2181 §9: the order of the additional section is kept).
  const buf = encode(ORIGIN, 15, res({ answer, additional: [...many.slice(0, 2), ...small, ...many.slice(2)] }));
  const reply = normalizeReply(buf);
  t.false(reply.tc);
  t.is(reply.answer.length, 2);
  t.deepEqual(reply.additional, [`mta1.${ORIGIN}. 30 IN A 192.0.2.1`, `mta1.${ORIGIN}. 30 IN A 192.0.2.2`, `mta2.${ORIGIN}. 30 IN AAAA 2001:0db8:0000:0000:0000:0000:0000:0002`]);
  const cut = encode(ORIGIN, 15, res({ answer, additional: many }));
  t.deepEqual(normalizeReply(cut).additional, [], 'a partly fitting RRset is left out entirely');
  t.true(cut.length <= 512);

  const huge = Array.from({ length: 40 }, (_, i) => a(ORIGIN, `198.51.100.${i + 1}`));
  const truncated = encode(ORIGIN, 1, res({ answer: huge }), { edns: { dnssecOk: true }, limit: 512 });
  const t2 = normalizeReply(truncated);
  t.true(t2.tc);
  t.deepEqual([t2.answer, t2.authority, t2.additional], [[], [], []]);
  t.is(t2.question, `${ORIGIN} 1 1`);
  t.is(t2.opt, 'payload 1232 version 0 flags 8000 options ', 'the OPT stays in a truncated reply');
  t.is(truncated.length, 12 + 19 + 4 + 11);
  t.false(normalizeReply(encode(ORIGIN, 1, res({ answer: huge }), { edns: null, limit: 65535 })).tc, 'over TCP it fits');
});

test('writer: RFC 3597 opaque data, CAA bytes, TXT strings and SRV targets (never compressed)', (t) => {
  const answer: ResourceRecord[] = [
    { owner: ORIGIN, type: 99, ttl: 30, rdata: { type: 99, raw: Uint8Array.from([1, 2, 0xff]) } },
    { owner: ORIGIN, type: 1, ttl: 30, rdata: { type: 1, raw: Uint8Array.from([192, 0, 2, 7]) } },
    { owner: ORIGIN, type: 257, ttl: 30, rdata: { type: 257, flags: 128, tag: 'issue', value: Uint8Array.from([0x63, 0xe9]) } },
    { owner: ORIGIN, type: 16, ttl: 30, rdata: { type: 16, strings: [Buffer.from('v=spf1'), Buffer.alloc(0), Buffer.from('-all')] } },
    { owner: `_smtp._tcp.${ORIGIN}`, type: 33, ttl: 30, rdata: { type: 33, priority: 1, weight: 2, port: 25, target: `mta1.${ORIGIN}` } },
  ];
  const buf = encode(ORIGIN, 255, res({ answer }));
  t.deepEqual(normalizeReply(buf).answer, [
    `_smtp._tcp.${ORIGIN}. 30 IN SRV 1 2 25 mta1.${ORIGIN}.`,
    `${ORIGIN}. 30 IN A 192.0.2.7`,
    `${ORIGIN}. 30 IN CAA \\# 9 8005697373756563e9`,
    `${ORIGIN}. 30 IN TXT "v=spf1" "" "-all"`,
    `${ORIGIN}. 30 IN TYPE99 \\# 3 0102ff`,
  ]);
  const srvTarget = Buffer.concat([Buffer.from([0, 1, 0, 2, 0, 25]), nameBytes(`mta1.${ORIGIN}`)]);
  t.true(buf.includes(srvTarget), 'the SRV target is written in full (RFC 2782)');
});

test('writer: EDNS echo with our payload, DO copied, extended RCODE in the OPT; no OPT without one in the query', (t) => {
  const plain = normalizeReply(encode(`nx.${ORIGIN}`, 1, res({ rcode: Rcode.NXDOMAIN, authority: [soa] })));
  t.is(plain.opt, null);
  t.is(plain.rcode, Rcode.NXDOMAIN);
  t.deepEqual(plain.authority, [`${ORIGIN}. 60 IN SOA ns1.${ORIGIN}. hostmaster.${ORIGIN}. 7 3600 600 86400 60`]);
  const edns = normalizeReply(encode(`nx.${ORIGIN}`, 1, res({ rcode: Rcode.NXDOMAIN, authority: [soa] }), { edns: { dnssecOk: false }, limit: 1232 }));
  t.is(edns.opt, 'payload 1232 version 0 flags 0 options ');
  const badvers = normalizeReply(encode(ORIGIN, 1, res({ rcode: Rcode.BADVERS, aa: false }), { edns: { dnssecOk: true }, limit: 1232 }));
  t.is(badvers.rcode, Rcode.BADVERS);
  t.throws(() => encode(ORIGIN, 1, res({ rcode: Rcode.BADVERS }), { edns: null, limit: 512 }), { message: /needs an OPT/ });
});

test('writer: AAAA text forms, TTL ceiling, and names it cannot write', (t) => {
  const answer = ['::ffff:192.0.2.1', '::', '2001:db8::1', '1:2:3:4:5:6:7:8'].map((address) => aaaa(ORIGIN, address));
  t.deepEqual(normalizeReply(encode(ORIGIN, 28, res({ answer }))).answer.sort(), [
    `${ORIGIN}. 30 IN AAAA 0000:0000:0000:0000:0000:0000:0000:0000`,
    `${ORIGIN}. 30 IN AAAA 0000:0000:0000:0000:0000:ffff:c000:0201`,
    `${ORIGIN}. 30 IN AAAA 0001:0002:0003:0004:0005:0006:0007:0008`,
    `${ORIGIN}. 30 IN AAAA 2001:0db8:0000:0000:0000:0000:0000:0001`,
  ]);
  t.deepEqual(normalizeReply(encode(ORIGIN, 1, res({ answer: [a(ORIGIN, '192.0.2.1', 0xffffffff)] }))).answer, [`${ORIGIN}. 2147483647 IN A 192.0.2.1`]);
  t.throws(() => encode(ORIGIN, 1, res({ answer: [a(`${'x'.repeat(64)}.${ORIGIN}`, '192.0.2.1')] })), { message: /label of 64 octets/ });
  t.throws(() => encode(ORIGIN, 1, res({ answer: [a(ORIGIN, '192.0.2.300')] })), { message: /invalid IPv4/ });
});
