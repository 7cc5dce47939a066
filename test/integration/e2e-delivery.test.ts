/**
 * End to end (issue 3, "Show it"): mail goes where mxlb's answers send it. Four MTAs listen on one
 * port at four loopback addresses, so a DNS answer alone routes a message; one of them is dead (a
 * listener that hangs up at once, so its probes fail). A real SMTP client resolves the relay name
 * through mxlb with Node's resolver (MX then the exchange's A, or the balanced A directly) and
 * sends every message with nodemailer to the address it got; swaks does the same with dig. Every
 * message arrives, the live MTAs share them, and the client never connects to the dead address:
 * the client binds its own source address, so the dead listener tells its connections apart from
 * the probe's.
 */
import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import net from 'node:net';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { dig } from '../helpers/dig.ts';
import { startFlow, waitAnswers, waitReady, inA, inMx, type Flow } from '../helpers/flow-mxlb.ts';
import { startMta, type Mta } from '../helpers/mta.ts';
import { eventually } from '../helpers/poll.ts';

const ORIGIN = 'relay.test';
const SMTP = `smtp.${ORIGIN}`;
const LIVE = ['127.0.31.1', '127.0.31.2', '127.0.31.3'];
const DEAD = '127.0.31.4';
/** The sending client's source address: only its connections count as "the client's". */
const CLIENT = '127.0.31.100';
const MESSAGES = 20;
const SWAKS_MESSAGES = 3;

/** A listener that counts connections by source address and hangs up at once (a dead MTA). */
async function deadListener(t: ExecutionContext, host: string, port: number): Promise<{ from: Map<string, number> }> {
  const from = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const source = socket.remoteAddress ?? '?';
    from.set(source, (from.get(source) ?? 0) + 1);
    socket.on('error', () => undefined);
    socket.destroy();
  });
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  t.teardown(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  }));
  return { from };
}

/** Three real MTAs on one port (the first picks it), and the dead listener on the same port. */
async function mtasOnOnePort(t: ExecutionContext): Promise<{ mtas: Mta[]; port: number; dead: { from: Map<string, number> } }> {
  const mtas: Mta[] = [];
  t.teardown(async () => {
    await Promise.all(mtas.map((m) => m.stop()));
  });
  // another process may hold the port on one of the other addresses: try a few ports, bounded
  for (let attempt = 0; attempt < 5; attempt++) {
    await Promise.all(mtas.splice(0).map((m) => m.stop()));
    try {
      const first = await startMta({ host: LIVE[0]! });
      mtas.push(first);
      for (const host of LIVE.slice(1)) mtas.push(await startMta({ host, port: first.port }));
      const dead = await deadListener(t, DEAD, first.port);
      return { mtas, port: first.port, dead };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
  throw new Error('no port free on all four addresses after 5 tries');
}

function resolverFor(flow: Flow): Resolver {
  // a fresh resolver per message: no client-side cache between messages
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([`${flow.dns.host}:${flow.dns.port}`]);
  return resolver;
}

/** What a sending MTA does (RFC 5321 §5.1): MX by preference, then the exchange's address. */
async function relayByMx(flow: Flow): Promise<{ address: string; seen: string[] }> {
  const resolver = resolverFor(flow);
  const mx = (await resolver.resolveMx(ORIGIN)).sort((a, b) => a.priority - b.priority);
  const seen: string[] = [];
  for (const record of mx) seen.push(...(await resolver.resolve4(record.exchange)));
  const address = (await resolver.resolve4(mx[0]!.exchange))[0]!;
  return { address, seen };
}

/** What an application does with a submission host name: its first address. */
async function relayByA(flow: Flow): Promise<{ address: string; seen: string[] }> {
  const seen = await resolverFor(flow).resolve4(SMTP);
  return { address: seen[0]!, seen };
}

test('mail resolved through mxlb reaches live MTAs only: every message delivered, no connection to the dead one', async (t) => {
  const { mtas, port, dead } = await mtasOnOnePort(t);
  const flow = await startFlow(t, {
    origin: ORIGIN,
    probe: { interval: '300ms', recheck: '100ms', rise: 2, fall: 2, timeouts: { connect: '500ms', banner: '3s' } },
    pools: { relays: { members: [...LIVE, DEAD].map((address, i) => ({ name: `mta${i + 1}`, address, port })) } },
    names: { smtp: { tiers: [['relays']], ttl: 30, degradedTtl: 5 } },
    mx: { '@': 'smtp' },
  });
  await waitReady(flow.mxlb);
  const deadView = { address: DEAD, host: `mta4.${ORIGIN}` };
  await waitAnswers(flow.dns, { a: SMTP, mx: ORIGIN }, (a, mx) => !inA(a, deadView) && !inMx(mx, deadView), { what: 'dead MTA out of the answers' });
  t.true((dead.from.get('127.0.0.1') ?? 0) > 0, 'the probes did reach the dead listener (it counts)');

  const resolved: string[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const { address, seen } = i % 2 === 0 ? await relayByMx(flow) : await relayByA(flow);
    resolved.push(...seen);
    const transport = nodemailer.createTransport({
      host: address,
      port,
      secure: false,
      ignoreTLS: true,
      localAddress: CLIENT,
      name: 'client.test',
      connectionTimeout: 5000,
      greetingTimeout: 5000,
      socketTimeout: 5000,
    });
    try {
      const info = await transport.sendMail({ from: 'app@client.test', to: `user${i}@example.org`, subject: `message ${i}`, text: `body of message ${i}` });
      t.deepEqual(info.rejected, [], `message ${i} accepted`);
    } finally {
      transport.close();
    }
  }

  t.false(resolved.includes(DEAD), 'the dead address was in no answer the client used');
  t.is(dead.from.get(CLIENT) ?? 0, 0, 'zero client connections to the dead address');
  const clientConnections = mtas.reduce((sum, m) => sum + (m.sources.get(CLIENT) ?? 0), 0);
  t.is(clientConnections, MESSAGES, 'one client connection per message, all to live MTAs (the client really binds its source address)');
  // and the dead listener would have seen one: a single connection from the client address counts
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host: DEAD, port, localAddress: CLIENT }, () => resolve());
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
  await eventually(() => dead.from.get(CLIENT) === 1, { timeoutMs: 2000, what: 'the dead listener to count a client connection' });
  const received = mtas.flatMap((m) => m.messages.map((msg) => ({ host: m.host, to: msg.to.join() })));
  t.is(received.length, MESSAGES, 'every message delivered exactly once');
  t.deepEqual(received.map((r) => r.to).sort(), Array.from({ length: MESSAGES }, (_, i) => `user${i}@example.org`).sort());
  const perMta = LIVE.map((host) => received.filter((r) => r.host === host).length);
  t.log(`messages per live MTA: ${perMta.join(' / ')} (dead: 0 client connections, ${dead.from.get('127.0.0.1') ?? 0} probe connections)`);
  t.true(perMta.every((n) => n > 0), 'rotation spreads the messages over every live MTA');
});

test('swaks sends to the address dig resolves through mxlb; the dead MTA is never used', async (t) => {
  const { mtas, port, dead } = await mtasOnOnePort(t);
  const flow = await startFlow(t, {
    origin: ORIGIN,
    probe: { interval: '300ms', recheck: '100ms', rise: 2, fall: 2, timeouts: { connect: '500ms', banner: '3s' } },
    pools: { relays: { members: [...LIVE, DEAD].map((address, i) => ({ name: `mta${i + 1}`, address, port })) } },
    names: { smtp: { tiers: [['relays']], ttl: 30, degradedTtl: 5 } },
  });
  await waitReady(flow.mxlb);
  await waitAnswers(flow.dns, { a: SMTP, mx: SMTP }, (a) => !a.addresses.includes(DEAD), { what: 'dead MTA out of the answers' });

  for (let i = 0; i < SWAKS_MESSAGES; i++) {
    const reply = await dig(flow.dns.host, flow.dns.port, ['+norecurse', SMTP, 'A']);
    const addresses = reply.answer.map((fields) => fields[4]!);
    t.false(addresses.includes(DEAD));
    const { stdout } = await promisify(execFile)('swaks', [
      '--server', `${addresses[0]}:${port}`,
      '--local-interface', CLIENT,
      '--helo', 'client.test',
      '--from', 'app@client.test',
      '--to', `swaks${i}@example.org`,
      '--header', `Subject: swaks ${i}`,
      '--body', `swaks message ${i}`,
      '--timeout', '10',
    ], { timeout: 20_000 });
    t.regex(stdout, /<-  250 .*queued/i, `swaks ${i}: message accepted`);
  }
  const received = mtas.flatMap((m) => m.messages.map((msg) => msg.to.join()));
  t.deepEqual(received.sort(), Array.from({ length: SWAKS_MESSAGES }, (_, i) => `swaks${i}@example.org`));
  t.is(mtas.reduce((sum, m) => sum + (m.sources.get(CLIENT) ?? 0), 0), SWAKS_MESSAGES, 'swaks connected from the client address, to live MTAs');
  t.is(dead.from.get(CLIENT) ?? 0, 0, 'zero swaks connections to the dead address');
});
