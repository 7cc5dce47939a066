import test from 'ava';
import { encodeAnswer, encodeError, patchResponse, sizeLimit, templateName } from '../../../src/dns/encode.ts';
import { Rcode, type Resolution } from '../../../src/dns/message.ts';
import { scanQuery } from '../../../src/dns/query.ts';
import type { ResourceRecord } from '../../../src/zone/model.ts';
import { buildQuery, nameBytes, parseReply, replyHeader, replyQuestionName } from '../../helpers/dns-client.ts';

const a = (owner: string, address: string, ttl = 30): ResourceRecord => ({ owner, type: 1, ttl, rdata: { type: 1, address } });
const soa: ResourceRecord = {
  owner: 'relay.example.com',
  type: 6,
  ttl: 300,
  rdata: { type: 6, mname: 'ns1.relay.example.com', rname: 'hostmaster.relay.example.com', serial: 7, refresh: 3600, retry: 600, expire: 86400, minimum: 60 },
};
function resolution(partial: Partial<Resolution>): Resolution {
  return { rcode: 0, aa: true, answer: [], authority: [], additional: [], variants: 1, ...partial };
}

/** Encodes the way the answer path does: template from the query, then patch ID/RD/name. */
function reply(query: Buffer, res: Resolution, limit?: number): Buffer {
  const scan = scanQuery(query);
  const edns = scan.edns ? { dnssecOk: scan.edns.dnssecOk } : null;
  const template = encodeAnswer(templateName(query, scan.qnameEnd), scan.qtype, scan.qclass, res, { edns, limit: limit ?? sizeLimit(false, scan.edns?.payload ?? null) });
  return patchResponse(template, query, scan.qnameEnd);
}

test('header bits: QR, AA from the resolution, RD copied, RA never, ID echoed', (t) => {
  const query = buildQuery({ id: 0xabcd, name: 'smtp.relay.example.com', rd: true });
  const h = replyHeader(reply(query, resolution({ answer: [a('smtp.relay.example.com', '192.0.2.1')] })));
  t.like(h, { id: 0xabcd, qr: true, aa: true, rd: true, ra: false, tc: false, rcode: 0, qdcount: 1, ancount: 1 });
  const h2 = replyHeader(reply(buildQuery({ name: 'x.example', rd: false }), resolution({ rcode: Rcode.REFUSED, aa: false })));
  t.like(h2, { aa: false, rd: false, ra: false, rcode: Rcode.REFUSED });
});

test('owners equal to the question are pointers to it, so the client spelling (0x20) shows', (t) => {
  const query = buildQuery({ name: 'SmTp.ReLaY.eXaMpLe.CoM' });
  const answer = [a('smtp.relay.example.com', '192.0.2.1'), a('smtp.relay.example.com', '192.0.2.2')];
  const buf = reply(query, resolution({ answer }));
  t.is(replyQuestionName(buf), 'SmTp.ReLaY.eXaMpLe.CoM');
  const questionEnd = 12 + nameBytes('smtp.relay.example.com').length + 4;
  t.deepEqual([...buf.subarray(questionEnd, questionEnd + 2)], [0xc0, 12]);
  // two A records of 2 + 10 + 4 octets after the question: fully compressed owners
  t.is(buf.length, questionEnd + 2 * 16);
  const parsed = parseReply(buf);
  t.deepEqual(parsed.answers.map((r) => [r.name, r.address]), [
    ['SmTp.ReLaY.eXaMpLe.CoM', '192.0.2.1'],
    ['SmTp.ReLaY.eXaMpLe.CoM', '192.0.2.2'],
  ]);
});

test('names in RDATA and other owners are compressed against earlier names', (t) => {
  const query = buildQuery({ name: 'relay.example.com', type: 15 });
  const mx = (exchange: string, preference: number): ResourceRecord => ({ owner: 'relay.example.com', type: 15, ttl: 30, rdata: { type: 15, preference, exchange } });
  const buf = reply(query, resolution({ answer: [mx('mta1.relay.example.com', 10), mx('mta2.relay.example.com', 20)], additional: [a('mta1.relay.example.com', '192.0.2.1')] }));
  const parsed = parseReply(buf);
  t.deepEqual(parsed.answers.map((r) => [r.priority, r.exchange]), [[10, 'mta1.relay.example.com'], [20, 'mta2.relay.example.com']]);
  t.is(parsed.additionals[0]?.name, 'mta1.relay.example.com');
  // header 12 + question 23; each MX: owner pointer 2 + 10 + preference 2 + "mta1" 5 + pointer 2;
  // the A owner is a pointer to the first exchange: 2 + 10 + 4. Uncompressed it would be 163.
  t.is(buf.length, 12 + 23 + 2 * 21 + 16);
});

test('NXDOMAIN with the SOA in authority decodes field by field', (t) => {
  const buf = reply(buildQuery({ name: 'nope.relay.example.com' }), resolution({ rcode: Rcode.NXDOMAIN, authority: [soa] }));
  const parsed = parseReply(buf);
  t.is(replyHeader(buf).rcode, Rcode.NXDOMAIN);
  t.like(parsed.authorities[0], { name: 'relay.example.com', type: 6, ttl: 300, primary: 'ns1.relay.example.com', admin: 'hostmaster.relay.example.com', serial: 7, minimum: 60 });
  t.is(parsed.errors.length, 0);
});

test('OPT echoed only when the query had one: payload 1232, version 0, DO copied, no options', (t) => {
  const res = resolution({ answer: [a('a.example', '192.0.2.1')] });
  const without = reply(buildQuery({ name: 'a.example' }), res);
  t.is(replyHeader(without).arcount, 0);
  const options = Buffer.from([0xfd, 0xe9, 0, 2, 1, 2]);
  const withOpt = reply(buildQuery({ name: 'a.example', edns: { payload: 4096, dnssecOk: true, options } }), res);
  t.is(replyHeader(withOpt).arcount, 1);
  t.deepEqual([...withOpt.subarray(withOpt.length - 11)], [0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0]);
  const noDo = reply(buildQuery({ name: 'a.example', edns: {} }), res);
  t.is(noDo[noDo.length - 4], 0);
});

test('without EDNS an answer over 512 octets is TC=1 with the question only', (t) => {
  const answer = Array.from({ length: 40 }, (_, i) => a('big.example', `192.0.2.${i + 1}`));
  const query = buildQuery({ id: 99, name: 'Big.Example' });
  const buf = reply(query, resolution({ answer }));
  t.like(replyHeader(buf), { id: 99, tc: true, aa: true, qdcount: 1, ancount: 0, nscount: 0, arcount: 0 });
  t.is(buf.length, query.length);
  t.is(replyQuestionName(buf), 'Big.Example');
  // over TCP the same answer is whole
  const full = reply(query, resolution({ answer }), sizeLimit(true, null));
  t.like(replyHeader(full), { tc: false, ancount: 40 });
});

test('with EDNS the limit is the client payload capped at 1232; TC keeps the OPT', (t) => {
  const answer = Array.from({ length: 40 }, (_, i) => a('big.example', `192.0.2.${i + 1}`));
  const fits = reply(buildQuery({ name: 'big.example', edns: { payload: 4096 } }), resolution({ answer }));
  t.like(replyHeader(fits), { tc: false, ancount: 40, arcount: 1 });
  const many = Array.from({ length: 100 }, (_, i) => a('big.example', `192.0.2.${i + 1}`));
  const cut = reply(buildQuery({ name: 'big.example', edns: { payload: 65000 } }), resolution({ answer: many }));
  t.like(replyHeader(cut), { tc: true, ancount: 0, arcount: 1 });
  t.is(parseReply(cut).additionals[0]?.type, 41);
  t.is(sizeLimit(false, 100), 512);
  t.is(sizeLimit(false, 1000), 1000);
  t.is(sizeLimit(false, 4096), 1232);
});

test('optional additional records are dropped before anything is truncated, whole RRsets first', (t) => {
  const answer = [a('relay.example', '192.0.2.1')];
  const additional = Array.from({ length: 40 }, (_, i) => a(`mta${i % 20}.relay.example`, `198.51.100.${i}`));
  additional.sort((x, y) => x.owner.localeCompare(y.owner));
  const buf = reply(buildQuery({ name: 'relay.example', edns: { payload: 512 } }), resolution({ answer, additional }));
  const h = replyHeader(buf);
  t.false(h.tc);
  t.is(h.ancount, 1);
  t.true(buf.length <= 512);
  const parsed = parseReply(buf);
  const kept = parsed.additionals.filter((r) => r.type === 1);
  t.true(kept.length > 0 && kept.length < 40);
  t.is(kept.length % 2, 0, 'each kept owner has both of its addresses');
  t.is(parsed.additionals.at(-1)?.type, 41, 'the OPT stays, last');
  t.is(h.arcount, kept.length + 1);
});

test('in-domain glue of a referral is required: when it does not fit, TC', (t) => {
  const ns = (target: string): ResourceRecord => ({ owner: 'sub.example', type: 2, ttl: 30, rdata: { type: 2, target } });
  const authority = Array.from({ length: 8 }, (_, i) => ns(`ns${i}.sub.example`));
  const additional = Array.from({ length: 40 }, (_, i) => a(`ns${i % 8}.sub.example`, `198.51.100.${i}`));
  const buf = reply(buildQuery({ name: 'www.sub.example' }), resolution({ aa: false, authority, additional }));
  t.like(replyHeader(buf), { tc: true, aa: false, nscount: 0, arcount: 0 });
});

test('CAA with binary value, RFC 3597 raw data, TXT and AAAA with an IPv4 tail keep their bytes', (t) => {
  const records: ResourceRecord[] = [
    { owner: 'x.example', type: 257, ttl: 5, rdata: { type: 257, flags: 128, tag: 'issue', value: new Uint8Array([0xff, 0x00, 0x41]) } },
    { owner: 'x.example', type: 65280 + 10, ttl: 5, rdata: { type: 65290, raw: new Uint8Array([1, 2, 3]) } },
    { owner: 'x.example', type: 16, ttl: 5, rdata: { type: 16, strings: [new Uint8Array([0x68, 0x69]), new Uint8Array([])] } },
    { owner: 'x.example', type: 28, ttl: 5, rdata: { type: 28, address: '::ffff:192.0.2.1' } },
  ];
  const buf = reply(buildQuery({ name: 'x.example', type: 255 }), resolution({ answer: records }));
  const rdatas: [number, number[]][] = [];
  let pos = 12 + nameBytes('x.example').length + 4;
  for (let i = 0; i < 4; i++) {
    t.deepEqual([...buf.subarray(pos, pos + 2)], [0xc0, 12]);
    const type = buf.readUInt16BE(pos + 2);
    const length = buf.readUInt16BE(pos + 10);
    rdatas.push([type, [...buf.subarray(pos + 12, pos + 12 + length)]]);
    pos += 12 + length;
  }
  t.is(pos, buf.length);
  t.deepEqual(rdatas, [
    [257, [128, 5, ...Buffer.from('issue'), 0xff, 0x00, 0x41]],
    [65290, [1, 2, 3]],
    [16, [2, 0x68, 0x69, 0]],
    [28, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1]],
  ]);
});

test('a label longer than 63 octets in the data throws (the answer path makes that SERVFAIL)', (t) => {
  const bad: ResourceRecord = { owner: 'x.example', type: 5, ttl: 5, rdata: { type: 5, target: 'a'.repeat(64) + '.example' } };
  t.throws(() => reply(buildQuery({ name: 'x.example', type: 5 }), resolution({ answer: [bad] })));
});

test('FORMERR echoes the ID, opcode and RD, and the question only when it decoded', (t) => {
  const query = buildQuery({ id: 321, name: 'a.example' });
  const truncatedQuestion = query.subarray(0, 15);
  const buf = encodeError(truncatedQuestion, scanQuery(truncatedQuestion), Rcode.FORMERR);
  t.like(replyHeader(buf), { id: 321, qr: true, rd: true, rcode: 1, qdcount: 0, ancount: 0, arcount: 0 });
  t.is(buf.length, 12);

  const withQuestion = encodeError(query, { ...scanQuery(query), outcome: 'formerr' }, Rcode.FORMERR);
  t.like(replyHeader(withQuestion), { qdcount: 1, rcode: 1 });
  t.deepEqual(withQuestion.subarray(12), query.subarray(12));
});

test('NOTIMP echoes the opcode', (t) => {
  const query = buildQuery({ id: 5, name: 'a.example', opcode: 2 });
  const buf = encodeError(query, scanQuery(query), Rcode.NOTIMP);
  t.like(replyHeader(buf), { id: 5, opcode: 2, rcode: Rcode.NOTIMP, qdcount: 1 });
});

test('BADVERS: header RCODE 0, extended RCODE 1 in an OPT of version 0, question echoed', (t) => {
  const query = buildQuery({ id: 77, name: 'A.example', edns: { version: 1, payload: 4096 } });
  const buf = encodeError(query, scanQuery(query), Rcode.BADVERS);
  t.like(replyHeader(buf), { id: 77, rcode: 0, qdcount: 1, arcount: 1 });
  t.is(replyQuestionName(buf), 'A.example');
  t.deepEqual([...buf.subarray(buf.length - 11)], [0, 0, 41, 0x04, 0xd0, 1, 0, 0, 0, 0, 0]);
  t.is(parseReply(buf).header.rcode, 16);
});

test('an RCODE above 15 in a resolution without an OPT to carry it throws', (t) => {
  t.throws(() => reply(buildQuery({ name: 'a.example' }), resolution({ rcode: 16 })));
});
