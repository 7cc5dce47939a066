/**
 * The real DnsServer over TCP (RFC 1035 §4.2.2, RFC 7766): pipelining, frames split across
 * writes, idle timeout, the connection cap, malformed frames, close() — with raw node:net sockets
 * and dig.
 */
import dgram from 'node:dgram';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { DnsServer, type DnsServerOptions } from '../../src/dns/index.ts';
import { silentLogger } from '../../src/log.ts';
import { dig } from '../helpers/dig.ts';
import { TcpDnsClient, buildQuery, nameBytes, parseReply, replyHeader, replyQuestionName, u16 } from '../helpers/dns-client.ts';
import { startDns, type RunningDns } from '../helpers/dns-server.ts';

const host = '127.0.0.1';
let dns: RunningDns;

test.before(async () => {
  dns = await startDns([host]);
});
test.after.always(async () => {
  await dns?.server.close();
});

async function connect(t: ExecutionContext, port = dns.port): Promise<TcpDnsClient> {
  const client = await TcpDnsClient.connect(host, port);
  t.teardown(() => client.close());
  return client;
}

async function ownServer(t: ExecutionContext, options: Partial<DnsServerOptions>): Promise<RunningDns> {
  const running = await startDns([host], options);
  t.teardown(() => running.server.close());
  return running;
}

const frame = (message: Buffer): Buffer => Buffer.concat([u16(message.length), message]);

test('dig +tcp, several queries over one kept-open connection', async (t) => {
  const reply = await dig(host, dns.port, ['+tcp', '+keepopen', 'smtp.relay.example', 'A', 'relay.example', 'MX', 'nope.relay.example', 'A']);
  const statuses = [...reply.stdout.matchAll(/status: (\w+)/g)].map((m) => m[1]);
  t.deepEqual(statuses, ['NOERROR', 'NOERROR', 'NXDOMAIN']);
  t.regex(reply.stdout, /\(TCP\)/);
});

test('pipelined queries in one write are all answered, in order', async (t) => {
  const client = await connect(t);
  const names = ['smtp.relay.example', 'relay.example', 'nope.relay.example', 'big.relay.example', 'mail.relay.example', 'www.example.org', 'SMTP.Relay.Example', 'huge.relay.example'];
  client.write(Buffer.concat(names.map((name, i) => frame(buildQuery({ id: 1000 + i, name, type: name === 'relay.example' ? 15 : 1 })))));
  const replies = await client.waitFor(names.length);
  t.is(replies.length, names.length);
  t.deepEqual(replies.map((r) => replyHeader(r).id), names.map((_, i) => 1000 + i));
  t.deepEqual(replies.map((r) => replyQuestionName(r)), names);
  t.deepEqual(replies.map((r) => replyHeader(r).rcode), [0, 0, 3, 0, 0, 5, 0, 0]);
  t.is(replyHeader(replies[3]!).ancount, 60);
  const huge = replyHeader(replies[7]!);
  t.false(huge.tc, 'TCP carries the whole 300-record answer');
  t.is(huge.ancount, 300);
});

test('frames split anywhere, including inside the length prefix, are reassembled', async (t) => {
  const client = await connect(t);
  client.socket.setNoDelay(true);
  const one = frame(buildQuery({ id: 1, name: 'smtp.relay.example' }));
  const two = frame(buildQuery({ id: 2, name: 'relay.example', type: 15 }));
  const stream = Buffer.concat([one, two]);
  const cuts = [1, 2, 5, one.length + 1, one.length + 7, stream.length];
  let from = 0;
  for (const cut of cuts) {
    await new Promise<void>((resolve) => client.socket.write(stream.subarray(from, cut), () => resolve()));
    from = cut;
  }
  const replies = await client.waitFor(2);
  t.deepEqual(replies.map((r) => replyHeader(r).id), [1, 2]);
  t.is(parseReply(replies[1]!).answers.length, 2);
});

test('malformed frames get FORMERR or nothing, and the same connection answers the next query', async (t) => {
  const client = await connect(t);
  const q = buildQuery({ id: 21, name: 'relay.example' });
  const loop = Buffer.concat([q, Buffer.from([0xc0 | (q.length >> 8), q.length & 0xff]), u16(1), u16(1), Buffer.alloc(4), u16(0)]);
  loop.writeUInt16BE(22, 0);
  loop.writeUInt16BE(1, 10);
  // 65 535 octets: a question, then an additional record claiming more RDATA than there is
  const big = Buffer.alloc(65535, 0x61);
  const head = buildQuery({ id: 23, name: 'relay.example' });
  head.copy(big);
  big.writeUInt16BE(1, 10);
  big.set(Buffer.concat([Buffer.from([0]), u16(1), u16(1), Buffer.alloc(4), u16(65535)]), head.length);
  const junk = Buffer.alloc(65535);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 17) & 0xff;
  junk.writeUInt16BE(24, 0);
  junk[2] = 0x01;
  const frames = [
    frame(Buffer.alloc(0)), // zero length: too short for a header, no reply
    frame(Buffer.from([1, 2, 3])), // runt, no reply
    frame(buildQuery({ id: 20, name: 'relay.example' }).subarray(0, 16)), // truncated question
    frame(loop),
    frame(big),
    frame(junk),
    frame(buildQuery({ id: 25, name: 'smtp.relay.example' })),
  ];
  for (const f of frames) client.write(f);
  const replies = await client.waitFor(5, 5000);
  t.false(client.closed);
  t.deepEqual(replies.map((r) => replyHeader(r).id), [20, 22, 23, 24, 25]);
  t.deepEqual(replies.slice(0, 3).map((r) => replyHeader(r).rcode), [1, 1, 1]);
  t.true([1, 4].includes(replyHeader(replies[3]!).rcode), 'junk gets FORMERR (or NOTIMP if its opcode bits say so)');
  t.like(replyHeader(replies[4]!), { rcode: 0, ancount: 2 });
});

test('a connection closed mid-frame does not disturb the server', async (t) => {
  const client = await connect(t);
  client.write(Buffer.concat([u16(200), Buffer.alloc(50)]));
  await new Promise<void>((resolve) => client.socket.end(() => resolve()));
  const next = await connect(t);
  next.send(buildQuery({ id: 5, name: 'smtp.relay.example' }));
  const [reply] = await next.waitFor(1);
  t.is(replyHeader(reply!).id, 5);
});

test('an idle connection is closed after the idle timeout; a busy one is answered first', async (t) => {
  const running = await ownServer(t, { tcpIdleTimeoutMs: 300 });
  const idle = await connect(t, running.port);
  const busy = await connect(t, running.port);
  busy.send(buildQuery({ id: 7, name: 'relay.example', type: 6 }));
  t.is((await busy.waitFor(1)).length, 1);
  const started = Date.now();
  t.true(await idle.waitClosed(3000), 'closed by the server');
  t.true(Date.now() - started < 3000);
  t.true(await busy.waitClosed(3000));
});

test('connections over the cap are closed on arrival; those under it keep working', async (t) => {
  const running = await ownServer(t, { maxTcpConnections: 3 });
  const kept = [await connect(t, running.port), await connect(t, running.port), await connect(t, running.port)];
  for (const [i, client] of kept.entries()) client.send(buildQuery({ id: i, name: 'smtp.relay.example' }));
  for (const client of kept) t.is((await client.waitFor(1)).length, 1);
  const extra = await connect(t, running.port);
  t.true(await extra.waitClosed(2000), 'the fourth connection is closed');
  kept[0]!.send(buildQuery({ id: 50, name: 'relay.example', type: 15 }));
  const replies = await kept[0]!.waitFor(2);
  t.is(replyHeader(replies[1]!).id, 50);
  t.like(running.server.tcpStatus(), { open: 3, rejected: 1 });
});

test('close() ends idle connections and stops listening', async (t) => {
  const running = await ownServer(t, {});
  const client = await connect(t, running.port);
  client.send(buildQuery({ id: 1, name: 'relay.example' }));
  await client.waitFor(1);
  const started = Date.now();
  await running.server.close();
  t.true(Date.now() - started < 1500);
  t.true(await client.waitClosed(1000));
  await t.throwsAsync(TcpDnsClient.connect(host, running.port, 1000));
});

test('close() lets a half-received query finish', async (t) => {
  const running = await ownServer(t, { closeGraceMs: 3000 });
  const client = await connect(t, running.port);
  const query = frame(buildQuery({ id: 77, name: 'smtp.relay.example' }));
  await new Promise<void>((resolve) => client.socket.write(query.subarray(0, 10), () => resolve()));
  const deadline = Date.now() + 2000;
  while (running.server.tcpStatus().midQuery === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  t.is(running.server.tcpStatus().midQuery, 1);
  const closing = running.server.close();
  client.write(query.subarray(10));
  const [reply] = await client.waitFor(1);
  t.truthy(reply);
  t.is(replyHeader(reply!).id, 77);
  await closing;
  t.true(await client.waitClosed(1000));
});

test('a query name with every label at 63 octets round-trips over TCP', async (t) => {
  const label = 'a'.repeat(63);
  const name = [label, label, label, 'b'.repeat(47), 'relay', 'example'].join('.');
  t.is(nameBytes(name).length, 255);
  const client = await connect(t);
  client.send(buildQuery({ id: 9, name }));
  const [reply] = await client.waitFor(1);
  t.is(replyHeader(reply!).rcode, 3);
  t.is(replyQuestionName(reply!), name);
});

test('listening on a taken port fails with a clear error and leaves nothing bound', async (t) => {
  const blocker = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => blocker.bind(0, host, () => resolve()));
  t.teardown(() => blocker.close());
  const port = blocker.address().port;
  const server = new DnsServer({ getSnapshot: () => dns.snapshot, logger: silentLogger });
  const error = await t.throwsAsync(server.listen([{ host, port: 0 }, { host, port }]));
  t.regex(error!.message, new RegExp(`cannot listen for DNS on UDP 127\\.0\\.0\\.1:${port}: EADDRINUSE`));
  t.like(server.tcpStatus(), { open: 0 });
  await t.notThrowsAsync(server.close());
});
