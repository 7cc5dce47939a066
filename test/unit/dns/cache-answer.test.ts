/**
 * The answer path (scan → cache → resolve → encode → patch) against a fake resolver: cache hits
 * must be byte-identical to a fresh encode, rotations cycle, versions invalidate.
 */
import test from 'ava';
import { Answerer, type Resolver } from '../../../src/dns/answer.ts';
import { AnswerCache } from '../../../src/dns/cache.ts';
import { ServerCookies } from '../../../src/dns/cookies.ts';
import { Rcode, type Question, type Resolution } from '../../../src/dns/message.ts';
import type { Snapshot } from '../../../src/snapshot.ts';
import { canonicalName, type ResourceRecord } from '../../../src/zone/model.ts';
import { silentLogger } from '../../../src/log.ts';
import { buildQuery, parseReply, replyHeader, replyQuestionName } from '../../helpers/dns-client.ts';

const addresses = ['192.0.2.1', '192.0.2.2', '192.0.2.3'];

/** smtp.relay.example: three A records rotated by variant; anything else NXDOMAIN. */
function fakeResolver(calls: { question: Question; variant: number | undefined; version: number }[]): Resolver {
  return (question, snapshot, variant) => {
    calls.push({ question, variant, version: snapshot.version });
    const name = canonicalName(question.name);
    if (name !== 'smtp.relay.example') return { rcode: Rcode.NXDOMAIN, aa: true, answer: [], authority: [], additional: [], variants: 1 };
    const v = variant ?? 0;
    const rotated = [...addresses.slice(v), ...addresses.slice(0, v)];
    const answer: ResourceRecord[] = rotated.map((address) => ({ owner: name, type: 1, ttl: 30 + snapshot.version, rdata: { type: 1, address } }));
    return { rcode: 0, aa: true, answer, authority: [], additional: [], variants: 3 };
  };
}

function setup(options: { maxNegative?: number } = {}) {
  const calls: { question: Question; variant: number | undefined; version: number }[] = [];
  let snapshot: Snapshot = { version: 1, zones: { zones: new Map() }, members: new Map() };
  const cache = new AnswerCache({ maxNegative: options.maxNegative ?? 100 });
  const answerer = new Answerer({ getSnapshot: () => snapshot, resolve: fakeResolver(calls), logger: silentLogger, cache });
  const fresh = (): Answerer => new Answerer({ getSnapshot: () => snapshot, resolve: fakeResolver([]), logger: silentLogger });
  return { calls, cache, answerer, fresh, setVersion: (version: number) => (snapshot = { ...snapshot, version }) };
}

test('a cache hit patches ID, RD and the name case and equals a fresh encode byte for byte', (t) => {
  const { answerer, calls, fresh } = setup();
  // fill all three rotations, so the next query is served from a prebuilt buffer (rotation 0)
  for (let i = 0; i < 3; i++) answerer.answer(buildQuery({ id: i, name: 'smtp.relay.example', rd: true }), 'udp');
  t.is(calls.length, 3);
  const query = buildQuery({ id: 0xfedc, name: 'SMTP.rElAy.Example', rd: false });
  const hit = answerer.answer(query, 'udp');
  t.is(calls.length, 3, 'no resolve on a hit');
  const expected = fresh().answer(query, 'udp');
  t.truthy(hit);
  t.deepEqual(hit, expected);
  t.like(replyHeader(hit!), { id: 0xfedc, rd: false, aa: true, ancount: 3 });
  t.is(replyQuestionName(hit!), 'SMTP.rElAy.Example');
  t.deepEqual(parseReply(hit!).answers.map((r) => r.name), ['SMTP.rElAy.Example', 'SMTP.rElAy.Example', 'SMTP.rElAy.Example']);
  const rd = answerer.answer(buildQuery({ id: 5, name: 'smtp.relay.example', rd: true }), 'udp')!;
  t.true(replyHeader(rd).rd);
});

test('rotations are built once each and served round-robin', (t) => {
  const { answerer, calls } = setup();
  const firsts: string[] = [];
  for (let i = 0; i < 7; i++) {
    const reply = answerer.answer(buildQuery({ id: i, name: 'smtp.relay.example' }), 'udp')!;
    firsts.push(parseReply(reply).answers[0]!.address!);
  }
  t.deepEqual(firsts, ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.1']);
  t.deepEqual(calls.map((c) => c.variant), [0, 1, 2]);
});

test('a new snapshot version invalidates the cache', (t) => {
  const { answerer, calls, setVersion } = setup();
  const query = buildQuery({ name: 'smtp.relay.example' });
  answerer.answer(query, 'udp');
  answerer.answer(query, 'udp');
  answerer.answer(query, 'udp');
  answerer.answer(query, 'udp');
  t.is(calls.length, 3);
  setVersion(2);
  const reply = answerer.answer(query, 'udp')!;
  t.is(calls.length, 4);
  t.is(calls[3]!.version, 2);
  t.is(parseReply(reply).answers[0]!.ttl, 32);
});

test('names that do not exist (NXDOMAIN without records) get no cache entry: a flood cannot churn the cache', (t) => {
  const { answerer, calls, cache } = setup({ maxNegative: 50 });
  const query = buildQuery({ name: 'nope.relay.example' });
  t.is(replyHeader(answerer.answer(query, 'udp')!).rcode, Rcode.NXDOMAIN);
  answerer.answer(query, 'udp');
  t.is(calls.length, 2, 'resolved again: no entry was kept');
  answerer.answer(buildQuery({ name: 'smtp.relay.example' }), 'udp');
  for (let i = 0; i < 500; i++) answerer.answer(buildQuery({ name: `r${i}.relay.example` }), 'udp');
  t.is(cache.size, 1, 'only the positive answer');
});

test('UDP and TCP, EDNS and not, get separate entries with their own shape', (t) => {
  const { answerer, calls } = setup();
  const plain = answerer.answer(buildQuery({ name: 'smtp.relay.example' }), 'udp')!;
  const tcp = answerer.answer(buildQuery({ name: 'smtp.relay.example' }), 'tcp')!;
  const edns = answerer.answer(buildQuery({ name: 'smtp.relay.example', edns: {} }), 'udp')!;
  t.is(calls.length, 3);
  t.is(replyHeader(plain).arcount, 0);
  t.is(replyHeader(tcp).arcount, 0);
  t.is(replyHeader(edns).arcount, 1);
});

test('malformed packets get FORMERR/NOTIMP/BADVERS without touching the resolver; runts nothing', (t) => {
  const { answerer, calls } = setup();
  t.is(answerer.answer(Buffer.alloc(5), 'udp'), null);
  t.is(answerer.answer(buildQuery({ name: 'a.example', qr: true }), 'udp'), null);
  t.is(replyHeader(answerer.answer(buildQuery({ name: 'a.example' }).subarray(0, 14), 'udp')!).rcode, Rcode.FORMERR);
  t.is(replyHeader(answerer.answer(buildQuery({ name: 'a.example', opcode: 4 }), 'udp')!).rcode, Rcode.NOTIMP);
  t.is(parseReply(answerer.answer(buildQuery({ name: 'a.example', edns: { version: 2 } }), 'udp')!).header.rcode, Rcode.BADVERS);
  t.is(calls.length, 0);
});

test('a throwing resolver or snapshot becomes SERVFAIL with the ID; the warning is rate-limited', (t) => {
  const warnings: unknown[] = [];
  const logger = Object.assign(Object.create(silentLogger) as typeof silentLogger, { warn: (...args: unknown[]) => warnings.push(args) });
  const boom: Resolver = () => {
    throw new Error('boom');
  };
  const answerer = new Answerer({ getSnapshot: () => ({ version: 1, zones: { zones: new Map() }, members: new Map() }), resolve: boom, logger });
  for (let i = 0; i < 5; i++) {
    const reply = answerer.answer(buildQuery({ id: 900 + i, name: 'a.example' }), 'udp')!;
    t.like(replyHeader(reply), { id: 900 + i, rcode: Rcode.SERVFAIL, qdcount: 1 });
  }
  t.is(warnings.length, 1);
  const noSnapshot = new Answerer({
    getSnapshot: () => {
      throw new Error('no snapshot');
    },
    resolve: boom,
    logger: silentLogger,
  });
  t.is(replyHeader(noSnapshot.answer(buildQuery({ id: 3, name: 'a.example' }), 'tcp')!).rcode, Rcode.SERVFAIL);
});

test('a SERVFAIL from a throwing resolver carries the server cookie when the query had a client cookie (RFC 7873 §5.2)', (t) => {
  const boom: Resolver = () => {
    throw new Error('boom');
  };
  const cookies = new ServerCookies({ secrets: ['000102030405060708090a0b0c0d0e0f'] }, () => 1_700_000_000_000);
  const answerer = new Answerer({ getSnapshot: () => ({ version: 1, zones: { zones: new Map() }, members: new Map() }), resolve: boom, logger: silentLogger, cookies });
  const client = '0102030405060708';
  const reply = answerer.answer(buildQuery({ id: 77, name: 'a.example', edns: { payload: 1232, options: Buffer.from('000a0008' + client, 'hex') } }), 'udp', '127.0.0.1')!;
  t.like(replyHeader(reply), { id: 77, rcode: Rcode.SERVFAIL });
  // COOKIE option: code 10, length 24 (client 8 + server 16), the client's own 8 octets first.
  t.true(reply.toString('hex').includes('000a0018' + client), reply.toString('hex'));
  const plain = answerer.answer(buildQuery({ id: 78, name: 'a.example', edns: { payload: 1232 } }), 'udp', '127.0.0.1')!;
  t.like(replyHeader(plain), { id: 78, rcode: Rcode.SERVFAIL });
  t.false(plain.toString('hex').includes('000a00'), 'no cookie without one asked');
});

test('metrics hooks see answers, cache hits and drops', (t) => {
  const seen: string[] = [];
  const answerer = new Answerer({
    getSnapshot: () => ({ version: 1, zones: { zones: new Map() }, members: new Map() }),
    resolve: fakeResolver([]),
    logger: silentLogger,
    metrics: { answered: (tr, rcode, hit) => seen.push(`${tr}:${rcode}:${hit}`), dropped: (tr) => seen.push(`${tr}:drop`) },
  });
  answerer.answer(buildQuery({ name: 'smtp.relay.example' }), 'udp');
  answerer.answer(buildQuery({ name: 'smtp.relay.example' }), 'udp');
  answerer.answer(buildQuery({ name: 'x.relay.example' }), 'tcp');
  answerer.answer(Buffer.alloc(3), 'udp');
  t.deepEqual(seen, ['udp:0:false', 'udp:0:true', 'tcp:3:false', 'udp:drop']);
});

test('metrics hooks see qtype on every answer and the members of each rotation, cache hits included', (t) => {
  const snapshot: Snapshot = { version: 1, zones: { zones: new Map() }, members: new Map() };
  const withMembers: Resolver = (question, snap, variant) => {
    const v = variant ?? 0;
    const base = fakeResolver([])(question, snap, variant);
    return base.rcode === 0 ? { ...base, members: [`pool/m${v}`] } : base;
  };
  const served: string[] = [];
  const answered: number[] = [];
  const answerer = new Answerer({
    getSnapshot: () => snapshot,
    resolve: withMembers,
    logger: silentLogger,
    metrics: { served: (members) => served.push(...members), answered: (_transport, _rcode, _hit, qtype) => answered.push(qtype) },
  });
  for (let i = 0; i < 6; i++) answerer.answer(buildQuery({ id: i, name: 'smtp.relay.example', type: 1 }), 'udp');
  answerer.answer(buildQuery({ id: 9, name: 'nothing.relay.example', type: 28 }), 'udp');
  t.deepEqual(served, ['pool/m0', 'pool/m1', 'pool/m2', 'pool/m0', 'pool/m1', 'pool/m2']);
  t.deepEqual(answered, [1, 1, 1, 1, 1, 1, 28]);
});
