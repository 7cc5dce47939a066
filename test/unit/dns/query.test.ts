import test from 'ava';
import { questionName, scanQuery, skipName } from '../../../src/dns/query.ts';
import { buildQuery, nameBytes, optRecord, u16 } from '../../helpers/dns-client.ts';

/** Header with the given counts and flags, for hand-made malformed packets. */
function header(counts: { qd?: number; an?: number; ns?: number; ar?: number }, flags = 0x0100, id = 0xbeef): Buffer {
  return Buffer.concat([u16(id), u16(flags), u16(counts.qd ?? 1), u16(counts.an ?? 0), u16(counts.ns ?? 0), u16(counts.ar ?? 0)]);
}
const question = (name = 'example.com', type = 1): Buffer => Buffer.concat([nameBytes(name), u16(type), u16(1)]);

test('a plain query: id, rd, question offsets, type and class', (t) => {
  const buf = buildQuery({ id: 4242, name: 'WwW.Example.COM', type: 15, rd: true });
  const scan = scanQuery(buf);
  t.is(scan.outcome, 'query');
  t.is(scan.id, 4242);
  t.true(scan.rd);
  t.is(scan.qtype, 15);
  t.is(scan.qclass, 1);
  t.is(scan.qnameEnd, 12 + nameBytes('www.example.com').length);
  t.is(scan.edns, null);
  t.is(questionName(buf, scan.qnameEnd), 'WwW.Example.COM');
});

test('RD clear is read as clear', (t) => {
  t.false(scanQuery(buildQuery({ name: 'a.example', rd: false })).rd);
});

test('the OPT record: payload, version, DO; small payloads count as 512', (t) => {
  const scan = scanQuery(buildQuery({ name: 'a.example', edns: { payload: 4096, dnssecOk: true } }));
  t.deepEqual(scan.edns, { payload: 4096, version: 0, dnssecOk: true });
  t.is(scanQuery(buildQuery({ name: 'a.example', edns: { payload: 100 } })).edns?.payload, 512);
});

test('OPT options are skipped, unknown codes included', (t) => {
  const options = Buffer.concat([u16(65001), u16(3), Buffer.from('abc'), u16(10), u16(8), Buffer.alloc(8)]);
  const scan = scanQuery(buildQuery({ name: 'a.example', edns: { options } }));
  t.is(scan.outcome, 'query');
  t.is(scan.edns?.version, 0);
});

test('an OPT option running past RDATA is FORMERR', (t) => {
  const bad = optRecord({ options: Buffer.concat([u16(10), u16(9), Buffer.alloc(2)]) });
  const buf = Buffer.concat([header({ ar: 1 }), question(), bad]);
  t.is(scanQuery(buf).outcome, 'formerr');
});

test('the root question name is fine', (t) => {
  const buf = buildQuery({ name: '.', type: 2 });
  const scan = scanQuery(buf);
  t.is(scan.outcome, 'query');
  t.is(scan.qnameEnd, 13);
  t.is(questionName(buf, scan.qnameEnd), '');
});

test('fewer than 12 octets and QR=1 are dropped', (t) => {
  t.is(scanQuery(Buffer.alloc(0)).outcome, 'drop');
  t.is(scanQuery(Buffer.alloc(11)).outcome, 'drop');
  t.is(scanQuery(buildQuery({ name: 'a.example', qr: true })).outcome, 'drop');
});

test('a truncated question is FORMERR with the ID and without a question', (t) => {
  const full = buildQuery({ id: 7, name: 'www.example.com' });
  for (const cut of [13, 17, full.length - 3, full.length - 1]) {
    const scan = scanQuery(full.subarray(0, cut));
    t.is(scan.outcome, 'formerr', `cut at ${cut}`);
    t.is(scan.id, 7);
    t.is(scan.qnameEnd, 0);
  }
});

test('a header alone with QDCOUNT 1 is FORMERR', (t) => {
  t.is(scanQuery(header({})).outcome, 'formerr');
});

test('QDCOUNT 0 and 2 are FORMERR', (t) => {
  t.regex(scanQuery(header({ qd: 0 })).reason, /QDCOUNT is 0/);
  const two = Buffer.concat([header({ qd: 2 }), question('a.example'), question('b.example')]);
  const scan = scanQuery(two);
  t.is(scan.outcome, 'formerr');
  t.regex(scan.reason, /QDCOUNT is 2/);
});

test('a label longer than 63 octets is FORMERR', (t) => {
  const label = Buffer.concat([Buffer.from([64]), Buffer.alloc(64, 0x61), Buffer.from([0])]);
  const scan = scanQuery(Buffer.concat([header({}), label, u16(1), u16(1)]));
  t.is(scan.outcome, 'formerr');
  t.regex(scan.reason, /63/);
});

test('a name longer than 255 octets is FORMERR; exactly 255 is fine', (t) => {
  const label = Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x61)]);
  // 4 × 64 + 1 = 257 octets
  const long = Buffer.concat([header({}), label, label, label, label, Buffer.from([0]), u16(1), u16(1)]);
  t.regex(scanQuery(long).reason, /255/);
  // 3 × 64 + (1 + 61) + 1 = 255 octets
  const last = Buffer.concat([Buffer.from([61]), Buffer.alloc(61, 0x62)]);
  const max = Buffer.concat([header({}), label, label, label, last, Buffer.from([0]), u16(1), u16(1)]);
  t.is(scanQuery(max).outcome, 'query');
});

test('a compression pointer in the question is FORMERR (it has nothing before it to point to)', (t) => {
  const loop = Buffer.concat([header({}), Buffer.from([0xc0, 12]), u16(1), u16(1)]);
  t.is(scanQuery(loop).outcome, 'formerr');
  const intoHeader = Buffer.concat([header({}), Buffer.from([1, 0x61, 0xc0, 4]), u16(1), u16(1)]);
  t.is(scanQuery(intoHeader).outcome, 'formerr');
});

test('skipName follows backward pointers and rejects loops, self and forward pointers', (t) => {
  // 0: "a" "b" root; 5: "c" → 0; 9: → 5
  const buf = Buffer.from([1, 0x61, 1, 0x62, 0, 1, 0x63, 0xc0, 0, 0xc0, 5]);
  t.is(skipName(buf, 0), 5);
  t.is(skipName(buf, 5), 9);
  t.is(skipName(buf, 9), 11);
  t.true(skipName(Buffer.from([0xc0, 0]), 0) < 0, 'pointer to itself');
  t.true(skipName(Buffer.from([0xc0, 2, 0]), 0) < 0, 'forward pointer');
  // 0: "a" → 0, reached through a pointer at 3: the run starting at 0 points into itself.
  t.true(skipName(Buffer.from([1, 0x61, 0xc0, 0, 0xc0, 0]), 4) < 0, 'loop through a label');
  t.true(skipName(Buffer.from([1, 0x61]), 0) < 0, 'overrun');
  t.true(skipName(Buffer.from([0xc0]), 0) < 0, 'half a pointer');
});

test('a compression loop in an additional record owner is FORMERR, with the question echoed', (t) => {
  const q = question();
  const start = 12 + q.length;
  const loop = Buffer.concat([Buffer.from([0xc0 | (start >> 8), start & 0xff]), u16(1), u16(1), Buffer.alloc(4), u16(0)]);
  const scan = scanQuery(Buffer.concat([header({ ar: 1 }), q, loop]));
  t.is(scan.outcome, 'formerr');
  t.regex(scan.reason, /pointer/);
  t.is(scan.qnameEnd, 12 + nameBytes('example.com').length);
});

test('a record pointing back into the question decodes', (t) => {
  const q = question();
  const tsigLike = Buffer.concat([Buffer.from([0xc0, 12]), u16(250), u16(255), Buffer.alloc(4), u16(2), Buffer.alloc(2)]);
  t.is(scanQuery(Buffer.concat([header({ ar: 1 }), q, tsigLike])).outcome, 'query');
});

test('two OPT records are FORMERR and the OPT is not echoed', (t) => {
  const buf = Buffer.concat([header({ ar: 2 }), question(), optRecord({}), optRecord({})]);
  const scan = scanQuery(buf);
  t.is(scan.outcome, 'formerr');
  t.regex(scan.reason, /more than one OPT/);
  t.is(scan.edns, null);
});

test('OPT outside the additional section or with a non-root owner is FORMERR', (t) => {
  t.regex(scanQuery(Buffer.concat([header({ an: 1 }), question(), optRecord({})])).reason, /outside the additional/);
  t.regex(scanQuery(Buffer.concat([header({ ns: 1 }), question(), optRecord({})])).reason, /outside the additional/);
  const owned = Buffer.concat([nameBytes('x'), optRecord({}).subarray(1)]);
  t.regex(scanQuery(Buffer.concat([header({ ar: 1 }), question(), owned])).reason, /not the root/);
});

test('a record whose RDATA runs past the end is FORMERR', (t) => {
  const opt = optRecord({});
  opt.writeUInt16BE(20, 9);
  t.is(scanQuery(Buffer.concat([header({ ar: 1 }), question(), opt])).outcome, 'formerr');
  // ARCOUNT promises a record that is not there
  t.is(scanQuery(Buffer.concat([header({ ar: 1 }), question()])).outcome, 'formerr');
});

test('EDNS version 1 is BADVERS, keeping the question and the OPT', (t) => {
  const scan = scanQuery(buildQuery({ name: 'a.example', edns: { version: 1, dnssecOk: true } }));
  t.is(scan.outcome, 'badvers');
  t.is(scan.edns?.version, 1);
  t.true(scan.qnameEnd > 0);
});

for (const opcode of [1, 2, 4, 5, 15]) {
  test(`opcode ${opcode} is NOTIMP with the opcode kept`, (t) => {
    const scan = scanQuery(buildQuery({ name: 'a.example', opcode }));
    t.is(scan.outcome, 'notimp');
    t.is(scan.opcode, opcode);
    t.true(scan.qnameEnd > 0);
  });
}

test('opcode 5 with a malformed body is still NOTIMP, without a question', (t) => {
  const scan = scanQuery(header({ qd: 3 }, 5 << 11));
  t.is(scan.outcome, 'notimp');
  t.is(scan.qnameEnd, 0);
});

test('odd label bytes are escaped in the question name', (t) => {
  const name = Buffer.concat([Buffer.from([3, 0x61, 0x2e, 0x62, 2, 0x5c, 0x00]), Buffer.from([0])]);
  const buf = Buffer.concat([header({}), name, u16(1), u16(1)]);
  const scan = scanQuery(buf);
  t.is(scan.outcome, 'query');
  t.is(questionName(buf, scan.qnameEnd), 'a\\.b.\\\\\\000');
});

test('random bytes never throw', (t) => {
  let seed = 12345;
  const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  for (let i = 0; i < 2000; i++) {
    const buf = Buffer.alloc(12 + (i % 80));
    for (let j = 0; j < buf.length; j++) buf[j] = random();
    buf[2] = buf[2]! & 0x7f;
    buf[5] = 1;
    buf[4] = 0;
    const scan = scanQuery(buf);
    t.true(['query', 'formerr', 'notimp', 'badvers'].includes(scan.outcome));
  }
});
