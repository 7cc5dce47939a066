/**
 * `npm run bench:malformed` (issue 12, "Show it"): the RSS plateau of the real server under
 * malformed UDP packets. Starts `mxlb serve` on loopback with the example zones, sends 1,000,000
 * packets from one loopback socket at a bounded rate, and prints the server's resident set size
 * (VmRSS of its process, /proc) at the start, after 250k, 500k and 1M packets, and 30 s later; then
 * checks that a well-formed query is still answered.
 *
 * The packets (seeded, repeatable): random bytes of random length; valid queries cut short; valid
 * queries with 1–4 random bytes changed (often a well-formed query for a random name: that is what
 * fills the answer cache's negative entries); responses (QR=1); QDCOUNT 0 or 2; compression
 * pointer loops; OPT records with bad option lengths; over-long names.
 *
 *   npm run bench:malformed -- [--packets 1000000] [--rate 20000] [--settle 30]
 *
 * Loopback UDP drops what the server's socket buffer cannot hold: the server's own counters
 * (mxlb_dns_queries_total + mxlb_dns_dropped_total, UDP) say how many packets it actually handled.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { packets: { type: 'string', default: '1000000' }, rate: { type: 'string', default: '20000' }, settle: { type: 'string', default: '30' } } });
const PACKETS = Math.min(5_000_000, Number(values.packets));
const RATE = Math.min(200_000, Number(values.rate));
const SETTLE_S = Math.min(120, Number(values.settle));
/** Whatever happens, the sending stops after this long. */
const MAX_SEND_MS = Math.ceil((PACKETS / RATE) * 1000 * 3) + 10_000;
const BIN = fileURLToPath(new URL('../bin/mxlb.js', import.meta.url));
const ZONES = fileURLToPath(new URL('../zones', import.meta.url));

let seed = 12345;
function random(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (n: number) => Math.floor(random() * n);

function name(text: string): Buffer {
  return Buffer.concat([...text.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
}
function query(id: number, qname: string, qtype = 1, opt?: Buffer): Buffer {
  const header = Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, opt ? 1 : 0]);
  return Buffer.concat([header, name(qname), Buffer.from([0, qtype, 0, 1]), opt ?? Buffer.alloc(0)]);
}
const OPT = Buffer.from([0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0]);
const NAMES = ['smtp.relay.example.com', 'relay.example.com', 'smtp.mail.example.net', 'relay.outbound.example.org', 'www.relay.example.com'];

function malformed(i: number): Buffer {
  const id = i & 0xffff;
  const valid = query(id, NAMES[pick(NAMES.length)]!, [1, 15, 28, 6, 255][pick(5)]!, random() < 0.5 ? OPT : undefined);
  switch (pick(9)) {
    case 0: return Buffer.from(Array.from({ length: pick(512) }, () => pick(256)));
    case 1: return valid.subarray(0, pick(valid.length));
    case 2: case 3: {
      const copy = Buffer.from(valid);
      for (let k = 0, n = 1 + pick(4); k < n; k++) copy[12 + pick(copy.length - 12)] = pick(256);
      return copy;
    }
    case 4: { const copy = Buffer.from(valid); copy[2] = copy[2]! | 0x80; return copy; } // QR=1
    case 5: { const copy = Buffer.from(valid); copy[5] = pick(2) * 2; return copy; } // QDCOUNT 0 or 2
    case 6: return Buffer.concat([valid.subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]); // pointer to itself
    case 7: return Buffer.concat([valid, Buffer.from([0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 8, 0, 10, 0, 200, 1, 2, 3, 4])]); // second OPT, bad option length
    default: return query(id, Array.from({ length: 4 + pick(6) }, () => 'x'.repeat(1 + pick(63))).join('.')); // long names, often over 255 octets
  }
}

/** UDP packets the server handled, from its /metrics (replies sent + packets dropped by rule). */
async function handledPackets(http: string): Promise<number> {
  const text = await (await fetch(`http://${http}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (/^mxlb_dns_(queries|dropped)_total\{[^}]*transport="udp"/.test(line)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** The answer cache's gauges from /metrics (src/dns/cache.ts bounds it in bytes): "answer 12 entries 9.1 KiB, negative …". */
async function cacheLine(http: string): Promise<string> {
  const text = await (await fetch(`http://${http}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const value = (metric: string, map: string): number => Number(new RegExp(`^${metric}\\{map="${map}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return ['answer', 'negative']
    .map((map) => `${map} ${value('mxlb_dns_cache_entries', map)} entries ${(value('mxlb_dns_cache_bytes', map) / 1024).toFixed(1)} KiB ${value('mxlb_dns_cache_evictions_total', map)} evicted`)
    .join(', ');
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function main(): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'serve', '--zones', ZONES, '--dns', '127.0.0.1:0', '--http', '127.0.0.1:0', '--state-file', '', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = () => child.kill('SIGTERM');
  process.on('exit', stop);
  const serving = await new Promise<{ dns: string[]; http: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('mxlb did not start within 30 s')), 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { msg?: string; dns?: string[] };
        if (parsed.msg === 'mxlb serving') {
          clearTimeout(timer);
          resolve(parsed as { dns: string[]; http: string });
        }
      } catch {
        // not a log line
      }
    });
  });
  const [host, portText] = serving.dns[0]!.split(/:(?=\d+$)/);
  const port = Number(portText);
  const socket = dgram.createSocket('udp4');
  socket.on('error', () => {});
  let replies = 0;
  socket.on('message', () => replies++);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const pid = child.pid!;

  const wellFormedAnswered = async (): Promise<boolean> => {
    const probe = dgram.createSocket('udp4');
    try {
      return await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 2000);
        probe.once('message', (msg) => { clearTimeout(timer); resolve(msg.length > 12 && (msg[3]! & 0x0f) === 0); });
        probe.send(query(0x4242, 'smtp.relay.example.com'), port, host);
      });
    } finally {
      probe.close();
    }
  };
  await wellFormedAnswered(); // warm the path
  const rows: Array<[string, number]> = [['start', rssMiB(pid)]];
  console.log(`mxlb pid ${pid}, ${PACKETS} malformed packets at up to ${RATE}/s to ${host}:${port}`);
  console.log(`start            RSS ${rows[0]![1].toFixed(1)} MiB`);
  const marks = new Set([250_000, 500_000, 1_000_000].filter((m) => m <= PACKETS));
  const started = Date.now();
  let sent = 0;
  let lost = 0;
  let peak = rows[0]![1];
  const batch = 200;
  // Marks count packets the server handled (its counters), not packets sent: loopback UDP drops
  // what the socket buffer cannot hold, and a loaded machine handles fewer than the sender sends.
  // The sender holds back while more than MAX_GAP packets are unhandled, unless the server's count
  // stopped moving (those packets were lost in the kernel; they are sent again as new ones).
  const MAX_GAP = 3000;
  let handled = 0;
  const handledAtStart = await handledPackets(serving.http);
  const pending = [...marks].sort((a, b) => a - b);
  while (handled < PACKETS && Date.now() - started < MAX_SEND_MS) {
    for (let k = 0; k < batch; k++) socket.send(malformed(sent++), port, host);
    const due = started + (sent / RATE) * 1000;
    const wait = due - Date.now();
    await new Promise((resolve) => (wait > 0 ? setTimeout(resolve, wait) : setImmediate(resolve)));
    if (sent % 2000 !== 0) continue;
    let before = -1;
    for (;;) {
      handled = (await handledPackets(serving.http)) - handledAtStart;
      if (sent - handled - lost <= MAX_GAP || handled === before) break;
      before = handled;
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    if (sent - handled - lost > MAX_GAP) lost = sent - handled;
    peak = Math.max(peak, rssMiB(pid));
    while (pending.length > 0 && handled >= pending[0]!) {
      const mark = pending.shift()!;
      const rss = rssMiB(pid);
      rows.push([`after ${mark / 1000}k`, rss]);
      console.log(`after ${String(mark / 1000).padStart(5)}k      RSS ${rss.toFixed(1)} MiB   (${handled} handled, ${sent} sent, ${Math.round(handled / ((Date.now() - started) / 1000))} handled/s); cache: ${await cacheLine(serving.http)}`);
    }
  }
  const sendSeconds = (Date.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_S * 1000));
  const later = rssMiB(pid);
  console.log(`${SETTLE_S} s later       RSS ${later.toFixed(1)} MiB; cache: ${await cacheLine(serving.http)}`);
  handled = (await handledPackets(serving.http)) - handledAtStart;
  const alive = await wellFormedAnswered();
  console.log(`sent ${sent} packets in ${sendSeconds.toFixed(1)} s; ${replies} replies (FORMERR/NOTIMP/answers; responses and runts get none); peak RSS ${peak.toFixed(1)} MiB`);
  console.log(`the server handled ${handled} malformed UDP packets (replied or dropped by rule, its own counters) of ${sent} sent; the rest were lost in the kernel's socket buffer`);
  console.log(`a well-formed query afterwards: ${alive ? 'answered NOERROR' : 'NOT answered'}; server ${child.exitCode === null ? 'still running' : `exited ${child.exitCode}`}`);
  socket.close();
  stop();
  if (!alive || child.exitCode !== null) process.exitCode = 1;
}

await main();
