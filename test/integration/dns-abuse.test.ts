/**
 * Issue 12 items 2 and 3 through the real DnsServer on loopback: the TCP trickle and flood attacks
 * while a normal TCP client keeps being answered, and UDP response rate limiting of one source
 * while another source is answered in full. Distinct sources are 127.0.0.x addresses; every loop
 * is bounded in count and time, every socket is closed in teardown.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { DnsServer, type DnsServerOptions } from '../../src/dns/index.ts';
import { silentLogger } from '../../src/log.ts';
import { buildQuery, replyHeader, u16 } from '../helpers/dns-client.ts';
import { fixtureSnapshot } from '../helpers/dns-server.ts';
import { testNativeUdp } from '../helpers/native-udp.ts';
import { eventually } from '../helpers/poll.ts';

const HOST = '127.0.0.1';
const NORMAL = '127.0.0.2';

async function serve(t: ExecutionContext, options: Partial<DnsServerOptions>): Promise<{ server: DnsServer; port: number }> {
  const snapshot = fixtureSnapshot();
  const nativeUdp = testNativeUdp();
  const server = new DnsServer({ getSnapshot: () => snapshot, logger: silentLogger, ...(nativeUdp ? { nativeUdp } : {}), ...options });
  const [bound] = await server.listen([{ host: HOST, port: 0 }]);
  t.teardown(() => server.close());
  return { server, port: bound!.tcp.port };
}

/** Every socket an attacker opened, destroyed in teardown. */
class Sockets {
  readonly all = new Set<net.Socket>();
  open(port: number, source: string): net.Socket {
    const socket = net.connect({ host: HOST, port, localAddress: source });
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    this.all.add(socket);
    socket.on('close', () => this.all.delete(socket));
    return socket;
  }
  destroy(): void {
    for (const socket of this.all) socket.destroy();
    this.all.clear();
  }
}

/**
 * One lookup as a real client does it: connect from `source`, send a query, wait for the reply;
 * a connection closed before the reply is retried, all within `deadlineMs`. Resolves the elapsed ms, or -1.
 */
async function lookup(port: number, source: string, deadlineMs = 2000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < deadlineMs) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: HOST, port, localAddress: source });
      const timer = setTimeout(() => finish(false), Math.max(1, deadlineMs - (Date.now() - started)));
      let data = Buffer.alloc(0);
      function finish(ok: boolean): void {
        clearTimeout(timer);
        socket.destroy();
        resolve(ok);
      }
      socket.on('connect', () => {
        const query = buildQuery({ id: 77, name: 'smtp.relay.example' });
        socket.write(Buffer.concat([u16(query.length), query]));
      });
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) finish(replyHeader(data.subarray(2)).id === 77);
      });
      socket.on('error', () => finish(false));
      socket.on('close', () => finish(false));
    });
    if (answered) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return -1;
}

/** Normal lookups one after the other from `source` for `durationMs`; returns each one's time (-1: failed). */
async function normalClient(port: number, source: string, durationMs: number): Promise<number[]> {
  const times: number[] = [];
  const end = Date.now() + durationMs;
  while (Date.now() < end && times.length < 200) {
    times.push(await lookup(port, source));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return times;
}

test.serial('TCP trickle: 256 connections sending one octet a second (and reconnecting) do not lock out a normal client', async (t) => {
  const { server, port } = await serve(t, {});
  const attackers = new Sockets();
  let stopped = false;
  t.teardown(() => {
    stopped = true;
    attackers.destroy();
  });
  // 16 sources × 16 connections (the per-source cap): 256, the global cap. Each announces a
  // 100-octet message and sends one octet of it every second; a closed one reconnects after 100 ms.
  const trickle = (source: string): void => {
    if (stopped) return;
    const socket = attackers.open(port, source);
    const timer = setInterval(() => socket.write(Buffer.from([0])), 1000);
    socket.on('connect', () => socket.write(Buffer.from([0, 100])));
    socket.on('close', () => {
      clearInterval(timer);
      setTimeout(() => trickle(source), 100);
    });
  };
  for (let s = 0; s < 16; s++) for (let i = 0; i < 16; i++) trickle(`127.0.0.${10 + s}`);
  await eventually(() => server.tcpStatus().open >= 250, { timeoutMs: 5000, what: 'the attack holding the slots' });
  const times = await normalClient(port, NORMAL, 4000);
  t.log(`normal lookups: ${times.length}, slowest ${Math.max(...times)} ms; closes`, server.limitCounters().tcp);
  t.true(times.length >= 10);
  t.true(times.every((ms) => ms >= 0), `every lookup answered: ${times.join(' ')}`);
  t.true(server.limitCounters().tcp.queryTimeout + server.limitCounters().tcp.evicted > 0, 'trickling connections were closed');
});

test.serial('TCP flood: 2,000 idle connections from 8 sources do not lock out a normal client', async (t) => {
  // Per-source cap off, so the flood reaches the global cap and eviction and the shorter idle
  // timeout under pressure are what keep the door open.
  const { server, port } = await serve(t, { tcp: { maxPerSource: 0 } });
  const attackers = new Sockets();
  t.teardown(() => attackers.destroy());
  for (let i = 0; i < 2000; i++) {
    attackers.open(port, `127.0.0.${40 + (i % 8)}`);
    if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
  }
  await eventually(() => server.tcpStatus().open >= 250, { timeoutMs: 5000, what: 'the flood filling the slots' });
  const times = await normalClient(port, NORMAL, 3000);
  const closes = server.limitCounters().tcp;
  t.log(`normal lookups: ${times.length}, slowest ${Math.max(...times)} ms; closes`, closes);
  t.true(times.length >= 10);
  t.true(times.every((ms) => ms >= 0), `every lookup answered: ${times.join(' ')}`);
  t.true(closes.full + closes.evicted + closes.idle > 0);
});

test.serial('TCP flood from few sources: the per-source cap refuses all but 16 per address', async (t) => {
  const { server, port } = await serve(t, {});
  const attackers = new Sockets();
  t.teardown(() => attackers.destroy());
  for (let i = 0; i < 400; i++) attackers.open(port, `127.0.0.${60 + (i % 4)}`);
  await eventually(() => server.limitCounters().tcp.perSource >= 400 - 64, { timeoutMs: 5000, what: 'per-source refusals' });
  t.is(server.tcpStatus().open, 64);
  t.true((await lookup(port, NORMAL)) >= 0);
});

test('UDP RRL: a burst from one source is limited with slips while another source is answered in full', async (t) => {
  // Prefix /32 so the two loopback sources are separate; loopback is whitelisted by default, not here.
  const rrl = { rate: 10, burst: 20, slip: 2, whitelist: [], ipv4Prefix: 32 };
  const { server, port } = await serve(t, { rrl });
  const sockets: dgram.Socket[] = [];
  t.teardown(() => sockets.forEach((s) => s.close()));
  const bind = async (address: string): Promise<{ socket: dgram.Socket; replies: Buffer[] }> => {
    const socket = dgram.createSocket('udp4');
    sockets.push(socket);
    const replies: Buffer[] = [];
    socket.on('message', (message) => replies.push(message));
    await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
    return { socket, replies };
  };
  const attacker = await bind('127.0.0.1');
  const other = await bind(NORMAL);
  const started = Date.now();
  for (let i = 0; i < 400; i++) attacker.socket.send(buildQuery({ id: i, name: 'smtp.relay.example' }), port, HOST);
  for (let i = 0; i < 15; i++) other.socket.send(buildQuery({ id: 1000 + i, name: 'smtp.relay.example' }), port, HOST);
  await eventually(() => other.replies.length >= 15 && server.limitCounters().rrl.limited + attacker.replies.length >= 400, { timeoutMs: 5000, what: 'every query handled' });
  const elapsed = (Date.now() - started) / 1000;
  const full = attacker.replies.filter((r) => !replyHeader(r).tc);
  const slipped = attacker.replies.filter((r) => replyHeader(r).tc);
  const counters = server.limitCounters().rrl;
  t.log({ full: full.length, slipped: slipped.length, counters, elapsed });
  t.true(full.length >= 20 && full.length <= 20 + Math.ceil(10 * elapsed) + 1, `full answers within burst + rate: ${full.length}`);
  t.is(counters.slipped, slipped.length);
  t.is(counters.limited, counters.slipped + counters.dropped);
  t.true(Math.abs(counters.slipped - counters.dropped) <= 1, 'slip 2: every other limited reply slips');
  for (const reply of slipped) {
    const header = replyHeader(reply);
    t.deepEqual([header.ancount, header.nscount, header.arcount], [0, 0, 0]);
  }
  t.is(other.replies.length, 15);
  t.true(other.replies.every((r) => !replyHeader(r).tc && replyHeader(r).ancount > 0), 'the other source: every answer in full');
});
