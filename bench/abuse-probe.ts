/**
 * The DNS side of `npm run bench:abuse`, in its own process so the HTTP load the bench makes
 * cannot delay the measuring client: asks `name` over UDP at a fixed rate for a fixed time and
 * prints one JSON line: latencies (p50, p99, max, ms), replies per second, lost queries, and the
 * longest gap between two replies (a stall).
 *
 *   node --import=tsx bench/abuse-probe.ts PORT QPS SECONDS NAME
 */
import dgram from 'node:dgram';

const [port, qps, seconds, name] = [Number(process.argv[2]), Math.min(20_000, Number(process.argv[3])), Math.min(60, Number(process.argv[4])), process.argv[5] ?? 'smtp.mail.example.net'];

function query(id: number): Buffer {
  const labels = name.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

const socket = dgram.createSocket('udp4');
const sentAt = new Float64Array(65_536).fill(-1);
const latencies: number[] = [];
let sent = 0;
let lastReply = -1;
let maxGap = 0;
const start = performance.now();
socket.on('message', (reply) => {
  const now = performance.now();
  const id = reply.readUInt16BE(0);
  const at = sentAt[id]!;
  if (at < 0) return;
  sentAt[id] = -1;
  latencies.push(now - at);
  if (lastReply >= 0) maxGap = Math.max(maxGap, now - lastReply);
  lastReply = now;
});
await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));

// Every tick sends what the schedule owes since the start, so a late tick catches up.
const total = Math.round(qps * seconds);
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * qps));
    while (sent < due) {
      const id = sent & 0xffff;
      sentAt[id] = performance.now();
      socket.send(query(id), port, '127.0.0.1');
      sent += 1;
    }
    if (sent >= total) {
      clearInterval(timer);
      resolve();
    }
  }, 2);
});
// Replies still on their way get one second.
await new Promise((resolve) => setTimeout(resolve, 1000));
socket.close();
latencies.sort((a, b) => a - b);
const pick = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
const round = (v: number): number => Math.round(v * 1000) / 1000;
console.log(JSON.stringify({ sent, replies: latencies.length, lost: sent - latencies.length, qps: Math.round(latencies.length / seconds), p50: round(pick(0.5)), p99: round(pick(0.99)), max: round(latencies.at(-1) ?? NaN), maxGap: round(maxGap) }));
