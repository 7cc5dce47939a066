/**
 * One MTA-farm process (see mta-farm.ts): a minimal SMTP responder over raw node:net listening on
 * `--count` loopback addresses (127.<a>.<b>.<c>, from index `--first`), each on its own ephemeral
 * port. It speaks just what a probe needs: a 220 banner, 250 to EHLO/HELO/NOOP/RSET, 221 to QUIT.
 * Controlled by JSON lines on stdin: {"op":"stop"|"start","from":i,"to":j} closes or re-opens the
 * listeners of members [i, j) (same address and port), answered by {"done":n} on stdout.
 * Loopback only, by construction: every address is in 127.0.0.0/8.
 */
import net from 'node:net';
import { createInterface } from 'node:readline';
import { farmAddress } from './mta-farm-address.ts';

const args = process.argv.slice(2);
const arg = (name: string): number => Number(args[args.indexOf(`--${name}`) + 1]);
const first = arg('first');
const count = arg('count');

const BANNER = '220 farm.test ESMTP\r\n';
const EHLO = '250-farm.test\r\n250-PIPELINING\r\n250 SIZE 10240000\r\n';

function serve(socket: net.Socket): void {
  socket.on('error', () => undefined); // probes may reset; nothing to do
  socket.setNoDelay(true);
  socket.write(BANNER);
  let buffered = '';
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    for (let end = buffered.indexOf('\n'); end !== -1; end = buffered.indexOf('\n')) {
      const verb = buffered.slice(0, 4).toUpperCase();
      buffered = buffered.slice(end + 1);
      if (verb === 'QUIT') {
        socket.end('221 2.0.0 bye\r\n');
        return;
      }
      socket.write(verb === 'EHLO' ? EHLO : '250 2.0.0 OK\r\n');
    }
    if (buffered.length > 4096) socket.destroy();
  });
}

interface Slot {
  address: string;
  port: number;
  server?: net.Server;
}

const slots: Slot[] = [];

function listen(slot: Slot): Promise<void> {
  const server = net.createServer(serve);
  slot.server = server;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: slot.address, port: slot.port, backlog: 64 }, () => {
      slot.port = (server.address() as net.AddressInfo).port;
      resolve();
    });
  });
}

function close(slot: Slot): Promise<void> {
  const server = slot.server;
  slot.server = undefined;
  if (!server) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}

for (let i = 0; i < count; i++) slots.push({ address: farmAddress(first + i), port: 0 });
// In batches: thousands of listen() calls at once are fine, but keep the event loop responsive.
for (let i = 0; i < slots.length; i += 250) await Promise.all(slots.slice(i, i + 250).map(listen));
process.stdout.write(`${JSON.stringify({ members: slots.map((s) => [s.address, s.port]) })}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  const { op, from, to } = JSON.parse(line) as { op: 'stop' | 'start'; from: number; to: number };
  const chosen = slots.slice(Math.max(0, from - first), Math.max(0, to - first));
  const work = chosen.map((slot) => (op === 'stop' ? close(slot) : slot.server ? Promise.resolve() : listen(slot)));
  void Promise.all(work).then(
    () => process.stdout.write(`${JSON.stringify({ done: chosen.length })}\n`),
    (error: unknown) => process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`),
  );
});
process.stdin.on('end', () => process.exit(0));
