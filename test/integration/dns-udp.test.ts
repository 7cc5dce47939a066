/**
 * The real DnsServer on 127.0.0.1 and ::1, queried with real dig and kdig and with raw UDP
 * datagrams: header bits, negative answers, errors, EDNS, 0x20, truncation and TCP retry.
 */
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { DnsServer } from '../../src/dns/index.ts';
import { silentLogger } from '../../src/log.ts';
import { loadZoneFile } from '../../src/zone/index.ts';
import { dig, kdig } from '../helpers/dig.ts';
import { buildQuery, nameBytes, parseReply, replyHeader, replyQuestionName, u16, udpExchange } from '../helpers/dns-client.ts';
import { fixtureSnapshot, startDns, type RunningDns } from '../helpers/dns-server.ts';

let dns: RunningDns;
const host = '127.0.0.1';

test.before(async () => {
  dns = await startDns(['127.0.0.1', '::1']);
});
test.after.always(async () => {
  await dns?.server.close();
});

test('UDP and TCP share the port on both endpoints, IPv6 included', (t) => {
  t.is(dns.bound.length, 2);
  for (const bound of dns.bound) t.is(bound.udp.port, bound.tcp.port);
  t.is(dns.bound[1]!.udp.address, '::1');
});

test('dig: an authoritative answer has AA and echoes RD, never RA', async (t) => {
  const reply = await dig(host, dns.port, ['smtp.relay.example', 'A']);
  t.is(reply.status, 'NOERROR');
  t.true(reply.flags.has('qr'));
  t.true(reply.flags.has('aa'));
  t.true(reply.flags.has('rd'));
  t.false(reply.flags.has('ra'));
  t.deepEqual(reply.answer.map((r) => r[4]).sort(), ['192.0.2.10', '192.0.2.11']);
  const norec = await dig(host, dns.port, ['smtp.relay.example', 'A', '+norec']);
  t.false(norec.flags.has('rd'));
  t.true(norec.flags.has('aa'));
});

test('dig over ::1 gets the same answer', async (t) => {
  const reply = await dig('::1', dns.bound[1]!.udp.port, ['relay.example', 'MX']);
  t.is(reply.status, 'NOERROR');
  t.deepEqual(reply.answer.map((r) => `${r[4]} ${r[5]}`).sort(), ['10 mta1.relay.example.', '20 mta2.relay.example.']);
  t.true(reply.additional.some((r) => r[0] === 'mta1.relay.example.' && r[4] === '192.0.2.10'));
});

test('dig: NXDOMAIN and NODATA carry the SOA in authority with the negative TTL', async (t) => {
  const nx = await dig(host, dns.port, ['nope.relay.example', 'A']);
  t.is(nx.status, 'NXDOMAIN');
  t.true(nx.flags.has('aa'));
  t.is(nx.answer.length, 0);
  t.deepEqual(nx.authority.map((r) => [r[0], r[1], r[3]]), [['relay.example.', '60', 'SOA']]);
  const nodata = await dig(host, dns.port, ['info.relay.example', 'AAAA']);
  t.is(nodata.status, 'NOERROR');
  t.is(nodata.answer.length, 0);
  t.is(nodata.authority[0]?.[3], 'SOA');
  const ent = await dig(host, dns.port, ['y.deep.relay.example', 'A']);
  t.is(ent.status, 'NOERROR', 'an empty non-terminal is NODATA');
  t.is(ent.authority[0]?.[3], 'SOA');
});

test('dig: outside our zones is REFUSED, and so is class CHAOS', async (t) => {
  const outside = await dig(host, dns.port, ['www.example.org', 'A']);
  t.is(outside.status, 'REFUSED');
  t.false(outside.flags.has('aa'));
  const chaos = await dig(host, dns.port, ['version.bind', 'TXT', 'CH']);
  t.is(chaos.status, 'REFUSED');
});

test('dig: opcode 2 (STATUS) is NOTIMP with the opcode echoed', async (t) => {
  const reply = await dig(host, dns.port, ['relay.example', 'SOA', '+opcode=2']);
  t.is(reply.status, 'NOTIMP');
  t.is(reply.opcode, 'STATUS');
});

test('dig: a query without a question is FORMERR', async (t) => {
  const reply = await dig(host, dns.port, ['relay.example', '+header-only']);
  t.is(reply.status, 'FORMERR');
  t.is(reply.counts.query, 0);
});

test('dig: EDNS version 1 gets BADVERS with an OPT', async (t) => {
  const reply = await dig(host, dns.port, ['relay.example', 'SOA', '+edns=1', '+noednsnegotiation']);
  t.is(reply.status, 'BADVERS');
  t.true(reply.opt);
  t.regex(reply.stdout, /EDNS: version: 0/);
});

test('dig: the OPT is echoed (payload 1232, cookie option not echoed); no OPT without EDNS', async (t) => {
  const withEdns = await dig(host, dns.port, ['relay.example', 'SOA', '+bufsize=4096', '+cookie', '+dnssec']);
  t.true(withEdns.opt);
  t.regex(withEdns.stdout, /EDNS: version: 0, flags: do; udp: 1232/);
  t.notRegex(withEdns.stdout, /COOKIE/);
  const without = await dig(host, dns.port, ['relay.example', 'SOA', '+noedns']);
  t.false(without.opt);
  t.is(without.counts.additional, 0);
});

test('kdig agrees on the basics', async (t) => {
  const a = await kdig(host, dns.port, ['mail.relay.example', 'A']);
  t.is(a.status, 'NOERROR');
  t.true(a.flags.has('aa'));
  t.deepEqual(a.answer.map((r) => r[3]), ['CNAME', 'A', 'A']);
  const nx = await kdig(host, dns.port, ['no.such.relay.example', 'MX']);
  t.is(nx.status, 'NXDOMAIN');
  const ref = await kdig(host, dns.port, ['www.sub.relay.example', 'A', '+norec']);
  t.is(ref.status, 'NOERROR');
  t.false(ref.flags.has('aa'), 'a referral is not authoritative');
  t.deepEqual(ref.authority.map((r) => r[3]), ['NS']);
  t.deepEqual(ref.additional.filter((r) => r[3] === 'A').map((r) => r[0]), ['ns.sub.relay.example.']);
});

test('dig: a big answer without EDNS is truncated over UDP; dig retries over TCP and gets it all', async (t) => {
  const reply = await dig(host, dns.port, ['big.relay.example', 'A', '+noedns']);
  t.true(reply.retriedOverTcp);
  t.is(reply.status, 'NOERROR');
  t.is(reply.answer.length, 60);
  t.false(reply.flags.has('tc'));
  const ignored = await dig(host, dns.port, ['big.relay.example', 'A', '+noedns', '+ignore']);
  t.true(ignored.flags.has('tc'));
  t.is(ignored.answer.length, 0);
  t.is(ignored.counts.query, 1);
  // with a 1232 payload the same 60 records fit in one datagram
  const edns = await dig(host, dns.port, ['big.relay.example', 'A', '+bufsize=1232']);
  t.false(edns.retriedOverTcp);
  t.is(edns.answer.length, 60);
});

test('raw UDP: the question and the owners keep the client letter case (0x20), cached or not', async (t) => {
  for (const spelling of ['sMtP.ReLaY.eXaMpLe', 'SMTP.RELAY.EXAMPLE', 'smtp.relay.example', 'SmTp.rElAy.ExAmPlE']) {
    const reply = await udpExchange(host, dns.port, buildQuery({ id: 4321, name: spelling }));
    t.truthy(reply);
    t.is(replyQuestionName(reply!), spelling);
    const parsed = parseReply(reply!);
    t.is(parsed.header.id, 4321);
    t.deepEqual(parsed.answers.map((r) => r.name), [spelling, spelling]);
  }
});

test('raw UDP: responses and runts get no reply; malformed packets get FORMERR; the server keeps answering', async (t) => {
  t.is(await udpExchange(host, dns.port, buildQuery({ name: 'relay.example', qr: true }), 300), null);
  t.is(await udpExchange(host, dns.port, Buffer.alloc(0), 300), null);
  t.is(await udpExchange(host, dns.port, Buffer.from([1, 2, 3, 4, 5]), 300), null);
  const loopQuestion = buildQuery({ name: 'relay.example' });
  const loopStart = loopQuestion.length;
  const loop = Buffer.concat([loopQuestion, Buffer.from([0xc0 | (loopStart >> 8), loopStart & 0xff]), u16(1), u16(1), Buffer.alloc(4), u16(0)]);
  loop.writeUInt16BE(1, 10);
  const malformed = [
    buildQuery({ id: 11, name: 'relay.example' }).subarray(0, 20),
    loop,
    Buffer.concat([buildQuery({ id: 13, name: 'relay.example' }).subarray(0, 12), Buffer.from([0x40]), Buffer.alloc(70, 0x61)]),
  ];
  for (const packet of malformed) {
    const reply = await udpExchange(host, dns.port, packet);
    t.truthy(reply);
    t.is(replyHeader(reply!).rcode, 1);
    t.is(replyHeader(reply!).id, packet.readUInt16BE(0));
  }
  const garbage = Buffer.alloc(300);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 151 + 7) & 0xff;
  garbage[2] = 0x01;
  await udpExchange(host, dns.port, garbage, 300);
  const after = await udpExchange(host, dns.port, buildQuery({ id: 99, name: 'smtp.relay.example' }));
  t.is(replyHeader(after!).rcode, 0);
  t.is(replyHeader(after!).ancount, 2);
});

test('raw UDP: the reply to a 512-octet client is never larger than 512 octets', async (t) => {
  const reply = await udpExchange(host, dns.port, buildQuery({ name: 'huge.relay.example', edns: { payload: 512 } }));
  t.true(reply!.length <= 512);
  t.true(replyHeader(reply!).tc);
  t.is(replyHeader(reply!).arcount, 1);
  t.is(reply!.length, 12 + nameBytes('huge.relay.example').length + 4 + 11);
});

test('a new snapshot version is served at once: cached answers do not outlive their data', async (t) => {
  const next = loadZoneFile(fileURLToPath(new URL('../fixtures/dns/v2/relay.example.zone', import.meta.url)));
  let snapshot = fixtureSnapshot(1);
  const server = new DnsServer({ getSnapshot: () => snapshot, logger: silentLogger });
  t.teardown(() => server.close());
  const [bound] = await server.listen([{ host, port: 0 }]);
  const port = bound!.udp.port;
  for (let i = 0; i < 3; i++) t.deepEqual((await dig(host, port, ['smtp.relay.example', 'A'])).answer.map((r) => r[4]).sort(), ['192.0.2.10', '192.0.2.11']);
  t.is((await dig(host, port, ['mail.relay.example', 'A'])).status, 'NOERROR');
  snapshot = { version: 2, zones: { zones: new Map([[next.origin, next]]) }, members: new Map() };
  t.deepEqual((await dig(host, port, ['smtp.relay.example', 'A'])).answer.map((r) => r[4]), ['192.0.2.99']);
  t.is((await dig(host, port, ['mail.relay.example', 'A'])).status, 'NXDOMAIN');
});
