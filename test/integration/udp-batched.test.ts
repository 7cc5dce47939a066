/**
 * Batched UDP (native/udp-batch.c through src/dns/udp-batched.ts; docs/decisions.md "Batched
 * UDP"): real sockets on loopback, the real DnsServer and the real `mxlb serve`. A burst larger
 * than one batch gets every reply once, to its own sender and ID; the sender's address reads as
 * node:dgram gives it (IPv4 and IPv6); a datagram larger than a slot is dropped without harm;
 * bind errors carry the errno; the server says which UDP path it uses, and MXLB_NATIVE_UDP=0 goes
 * back to node:dgram (with one worker where Node lacks reusePort). The addon's build script gives
 * up cleanly without a compiler.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { supportsReusePort, type DnsWorkersStatus } from '../../src/dns/index.ts';
import { BatchedUdpListener } from '../../src/dns/udp-batched.ts';
import { WarnThrottle } from '../../src/dns/warn-throttle.ts';
import { silentLogger } from '../../src/log.ts';
import { BIN, startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { buildQuery, replyHeader, replyQuestionName, TcpDnsClient, udpExchange } from '../helpers/dns-client.ts';
import { startDns } from '../helpers/dns-server.ts';
import { testNativeUdp } from '../helpers/native-udp.ts';
import { eventually } from '../helpers/poll.ts';

const addon = testNativeUdp();
/** Tests of the addon itself: reported as skipped (not passed) in a run with MXLB_NATIVE_UDP=0. */
const withAddon = addon ? test : test.skip;
const withAddonSerial = addon ? test.serial : test.serial.skip;
const native = addon!;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Sends every query at once from one socket and collects replies until all came or the deadline. */
function burst(host: string, port: number, queries: Buffer[], timeoutMs = 5000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const replies: Buffer[] = [];
    const timer = setTimeout(() => finish(), timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      socket.close();
      resolve(replies);
    };
    socket.on('error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
    socket.on('message', (reply) => {
      replies.push(reply);
      if (replies.length === queries.length) finish();
    });
    // A 1 MB receive buffer: the burst's replies arrive faster than this loop reads them.
    socket.bind(0, '127.0.0.1', () => {
      socket.setRecvBufferSize(1 << 20);
      for (const query of queries) socket.send(query, port, host);
    });
  });
}

withAddon('a burst of 300 queries (five batches) from one socket: each answered once, with its own ID and question', async (t) => {
  const dns = await startDns(['127.0.0.1']);
  t.teardown(() => dns.server.close());
  const names = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 'mta1.relay.example' : `x${i}.relay.example`));
  const replies = await burst('127.0.0.1', dns.port, names.map((name, id) => buildQuery({ id, name })));
  t.is(replies.length, 300);
  const seen = new Map<number, string>();
  for (const reply of replies) seen.set(replyHeader(reply).id, replyQuestionName(reply));
  t.is(seen.size, 300, 'no ID answered twice, none missing');
  for (const [id, name] of seen) t.is(name.toLowerCase(), names[id]!, `reply ${id} answers its own question`);
  const nx = replies.filter((r) => replyHeader(r).rcode === 3).length;
  t.is(nx, 200, 'the names that do not exist got NXDOMAIN');
});

withAddon('the sender address reads as node:dgram gives it, for IPv4 and IPv6', async (t) => {
  for (const host of ['127.0.0.1', '::1']) {
    const seen: string[] = [];
    const listener = new BatchedUdpListener(native, (message, source) => {
      seen.push(source);
      return Buffer.from(message);
    }, new WarnThrottle(silentLogger));
    const bound = await listener.listen(host, 0);
    t.teardown(() => listener.close());
    const client = dgram.createSocket(host === '::1' ? 'udp6' : 'udp4');
    t.teardown(() => client.close());
    const echoed = await new Promise<{ reply: Buffer; from: dgram.RemoteInfo }>((resolve) => {
      client.on('message', (reply, from) => resolve({ reply, from }));
      client.bind(0, host, () => client.send(Buffer.from('ping'), bound.port, host));
    });
    t.is(echoed.reply.toString(), 'ping');
    // The reply comes from the listening address and port, as with dgram.
    t.is(echoed.from.address, host);
    t.is(echoed.from.port, bound.port);
    t.deepEqual(seen, [client.address().address]);
  }
});

withAddon('a datagram larger than a slot (5,000 octets) is dropped; the next query is answered', async (t) => {
  const dns = await startDns(['127.0.0.1']);
  t.teardown(() => dns.server.close());
  const big = Buffer.concat([buildQuery({ id: 1, name: 'mta1.relay.example' }), Buffer.alloc(5000 - 40)]);
  t.is(await udpExchange('127.0.0.1', dns.port, big, 300), null);
  const reply = await udpExchange('127.0.0.1', dns.port, buildQuery({ id: 2, name: 'mta1.relay.example' }));
  t.truthy(reply);
  t.is(replyHeader(reply!).rcode, 0);
});

withAddon('bind errors carry the errno: a port held without SO_REUSEPORT is EADDRINUSE, a bad address EINVAL', async (t) => {
  const holder = dgram.createSocket('udp4');
  t.teardown(() => holder.close());
  await new Promise<void>((resolve) => holder.bind(0, '127.0.0.1', resolve));
  const port = holder.address().port;
  t.throws(() => native.bind(0, 4, '127.0.0.1', port, true, 0), { code: 'EADDRINUSE', message: /bind: Address already in use/ });
  t.throws(() => native.bind(0, 4, 'not-an-address', 0, false, 0), { code: 'EINVAL' });
  // Two SO_REUSEPORT sockets share a port (what --workers does).
  const [a, shared] = native.bind(0, 4, '127.0.0.1', 0, true, 0);
  const [b] = native.bind(0, 4, '127.0.0.1', shared, true, 0);
  const pumps = [native.open(a, 4, () => undefined), native.open(b, 4, () => undefined)];
  for (const pump of pumps) native.close(pump);
  t.throws(() => native.recv(pumps[0]!, new Uint8Array(0), new Int32Array(0), new Uint8Array(0)));
});

/** The real server on a copy of the example zones, with `env`. */
async function serve(t: { teardown(fn: () => unknown): void }, args: string[], env: NodeJS.ProcessEnv = {}): Promise<MxlbProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-udp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(ROOT, 'zones', 'relay.example.com.zone'), join(dir, 'relay.example.com.zone'));
  const mxlb = await startMxlb(['--zones', dir, '--state-file', '', ...args], { env });
  t.teardown(() => mxlb.stop());
  return mxlb;
}

async function workersStatus(mxlb: MxlbProcess): Promise<DnsWorkersStatus> {
  const response = await fetch(`http://${mxlb.http.host}:${mxlb.http.port}/status`);
  return ((await response.json()) as { dnsWorkers: DnsWorkersStatus }).dnsWorkers;
}

function statusLine(mxlb: MxlbProcess): string {
  const run = spawnSync(process.execPath, [BIN, 'status', '--server', `http://${mxlb.http.host}:${mxlb.http.port}`], { encoding: 'utf8', timeout: 20_000 });
  return run.stdout.split('\n').find((line) => line.startsWith('dns: ')) ?? run.stdout + run.stderr;
}

withAddonSerial('the real server says which UDP path it answers through (/status, mxlb status, log)', async (t) => {
  const mxlb = await serve(t, ['--workers', '2']);
  const status = await workersStatus(mxlb);
  t.like(status, { udp: 'batched', started: 2, sharing: 'reuseport' });
  t.is(status.udpNote, undefined);
  t.regex(statusLine(mxlb), /UDP in batches/);
  t.truthy(mxlb.logs.find((line) => line.msg === 'answering workers started' && line.udp === 'batched'));
  const { host, port } = mxlb.dns[0]!;
  const reply = await udpExchange(host, port, buildQuery({ id: 9, name: 'smtp.relay.example.com' }));
  t.is(replyHeader(reply!).ancount > 0, true);
  // TCP on the same port from both workers (on Node 20 the addon binds it and net listens on the
  // descriptor): 16 connections, each answered; the kernel spreads them over the two listeners.
  for (let i = 0; i < 16; i++) {
    const client = await TcpDnsClient.connect(host, port);
    client.send(buildQuery({ id: 100 + i, name: 'smtp.relay.example.com' }));
    const [answer] = await client.waitFor(1);
    client.socket.destroy();
    t.truthy(answer, `TCP connection ${i} answered`);
    t.is(replyHeader(answer!).id, 100 + i);
  }
  // Both listeners took part (all 16 on one: 2 × 2^-16); counts arrive in batches every 250 ms.
  const split = await eventually(async () => {
    const queries = (await workersStatus(mxlb)).workers.map((w) => w.queries);
    return queries.reduce((a, b) => a + b, 0) >= 17 && queries;
  }, { timeoutMs: 5000, what: 'the 17 queries counted' });
  t.log(`queries per worker: ${split.join(' / ')}`);
  t.true(split.every((n) => n > 0));
});

test.serial('MXLB_NATIVE_UDP=0: node:dgram answers, the reason is shown, and Node without reusePort starts one worker', async (t) => {
  const mxlb = await serve(t, ['--workers', '2'], { MXLB_NATIVE_UDP: '0' });
  const status = await workersStatus(mxlb);
  t.like(status, { udp: 'dgram', udpNote: 'turned off (MXLB_NATIVE_UDP=0)' });
  if (supportsReusePort()) t.like(status, { started: 2, sharing: 'reuseport' });
  else {
    t.like(status, { started: 1, sharing: 'single' });
    t.regex(status.note ?? '', /needs Node ≥ 22\.12 or the batched-UDP addon/);
  }
  t.regex(statusLine(mxlb), /UDP through dgram: turned off \(MXLB_NATIVE_UDP=0\)/);
  const { host, port } = mxlb.dns[0]!;
  await eventually(async () => {
    const reply = await udpExchange(host, port, buildQuery({ id: 10, name: 'smtp.relay.example.com' }), 500);
    return reply !== null && replyHeader(reply).ancount > 0;
  }, { timeoutMs: 5000, what: 'an answer through dgram' });
  t.pass();
});

test('the build script gives up cleanly without a C compiler: exit 0 and why, or exit 1 with --strict', (t) => {
  const script = join(ROOT, 'scripts', 'build-native.mjs');
  const env: NodeJS.ProcessEnv = { ...process.env, CC: join(tmpdir(), 'mxlb-no-such-compiler') };
  delete env.MXLB_NATIVE_UDP;
  const lenient = spawnSync(process.execPath, [script], { env, encoding: 'utf8', timeout: 30_000 });
  t.is(lenient.status, 0);
  t.regex(lenient.stdout, /batched UDP addon not built \(no C compiler .*\); mxlb answers UDP through node:dgram/);
  const strict = spawnSync(process.execPath, [script, '--strict'], { env, encoding: 'utf8', timeout: 30_000 });
  t.is(strict.status, 1);
});
