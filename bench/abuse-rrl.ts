/**
 * `npm run bench:rrl` (issue 12, "Show it"): response rate limiting under a reflection-style flood.
 * Starts the real `mxlb serve` on loopback with the example zones, runs dnsperf from 127.0.0.1 at
 * 50,000 q/s for a few seconds, and meanwhile asks from 127.0.0.2 at a normal rate; prints the
 * answers per second let through to the flooding source, the slip ratio, bytes out/in for it, and
 * whether the other source was answered in full.
 *
 * Loopback sources all fall in 127.0.0.0/24 and loopback is whitelisted by default, so the server
 * runs with `--rrl-whitelist none --rrl-ipv4-prefix 32`; every other RRL setting is the default
 * unless passed after `--`.
 *
 *   npm run bench:rrl -- [--qps 50000] [--seconds 5] [--name smtp.mail.example.net] [--type A] [-- serve flags…]
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const split = argv.indexOf('--');
const args = split >= 0 ? argv.slice(0, split) : argv;
const serveExtra = split >= 0 ? argv.slice(split + 1) : [];
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const QPS = Math.min(200_000, Number(flag('qps', '50000')));
const SECONDS = Math.min(30, Number(flag('seconds', '5')));
const NAME = flag('name', 'smtp.mail.example.net');
const TYPE = flag('type', 'A');
/** The well-behaved source asks this often (under the default 50/s per prefix). */
const OTHER_QPS = 20;
const BIN = fileURLToPath(new URL('../bin/mxlb.js', import.meta.url));
const ZONES = fileURLToPath(new URL('../zones', import.meta.url));

function qtypeCode(type: string): number {
  return ({ A: 1, NS: 2, MX: 15, TXT: 16, AAAA: 28 } as Record<string, number>)[type.toUpperCase()] ?? 1;
}

function query(id: number): Buffer {
  const labels = NAME.split('.').filter(Boolean);
  const name = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(qtypeCode(TYPE), 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([header, name, tail]);
}

async function startServer(): Promise<{ port: number; http: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--zones', ZONES, '--dns', '127.0.0.1:0', '--http', '127.0.0.1:0', '--state-file', '', '--log-level', 'info',
    '--rrl-whitelist', 'none', '--rrl-ipv4-prefix', '32', ...serveExtra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const serving = await new Promise<{ dns: string[]; http: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('mxlb did not start within 15 s')), 15_000);
    createInterface({ input: child.stdout! }).on('line', (text) => {
      try {
        const line = JSON.parse(text) as { msg?: string; dns?: string[]; http?: string };
        if (line.msg === 'mxlb serving') {
          clearTimeout(timer);
          resolve({ dns: line.dns!, http: line.http! });
        }
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => reject(new Error(`mxlb exited with ${code}`)));
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { port: Number(serving.dns[0]!.split(':').pop()), http: serving.http, stop };
}

async function counters(http: string): Promise<Record<string, number>> {
  const text = await (await fetch(`http://${http}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^(mxlb_dns_rrl_\w+|mxlb_dns_queries_total\{transport="udp")[^ ]* ([\d.e+]+)$/.exec(line);
    if (!match) continue;
    const key = match[1]!.startsWith('mxlb_dns_queries_total') ? 'udp_replies' : match[1]!;
    out[key] = (out[key] ?? 0) + Number(match[2]);
  }
  return out;
}

/** The well-behaved source: OTHER_QPS queries a second from 127.0.0.2 for `seconds`; counts full answers. */
async function otherSource(port: number, seconds: number): Promise<{ sent: number; full: number; truncated: number }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.2', () => resolve()));
  const result = { sent: 0, full: 0, truncated: 0 };
  socket.on('message', (reply) => {
    const tc = (reply[2]! & 0x02) !== 0;
    if (tc) result.truncated++;
    else if (reply.readUInt16BE(6) > 0) result.full++;
  });
  const total = OTHER_QPS * seconds;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (result.sent >= total) {
        clearInterval(timer);
        resolve();
        return;
      }
      socket.send(query(result.sent & 0xffff), port, '127.0.0.1');
      result.sent++;
    }, 1000 / OTHER_QPS);
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  socket.close();
  return result;
}

function runDnsperf(port: number, dataFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('dnsperf', ['-s', '127.0.0.1', '-a', '127.0.0.1', '-p', String(port), '-d', dataFile, '-Q', String(QPS), '-l', String(SECONDS), '-t', '1', '-q', '60000', '-c', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), (SECONDS + 15) * 1000);
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** The kernel's UDP receive-buffer overflow count (all sockets), from /proc/net/snmp; NaN elsewhere. */
function udpRcvbufErrors(): number {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    const names = lines[0]!.split(/\s+/);
    const values = lines[1]!.split(/\s+/);
    return Number(values[names.indexOf('RcvbufErrors')]);
  } catch {
    return Number.NaN;
  }
}

const number = (text: string, pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? Number.NaN);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-rrl-bench-'));
  const dataFile = join(dir, 'queries.txt');
  writeFileSync(dataFile, `${NAME} ${TYPE}\n`);
  const server = await startServer();
  try {
    const before = await counters(server.http);
    const overflowBefore = udpRcvbufErrors();
    const [perf, other] = await Promise.all([runDnsperf(server.port, dataFile), otherSource(server.port, SECONDS)]);
    const after = await counters(server.http);
    const overflows = udpRcvbufErrors() - overflowBefore;
    const delta = (key: string): number => (after[key] ?? 0) - (before[key] ?? 0);
    const sent = number(perf, /Queries sent:\s+(\d+)/);
    const completed = number(perf, /Queries completed:\s+(\d+)/);
    const runtime = number(perf, /Run time \(s\):\s+([\d.]+)/) || SECONDS;
    const requestSize = number(perf, /Average packet size:\s+request (\d+)/);
    const responseSize = number(perf, /Average packet size:.*response (\d+)/);
    const limited = delta('mxlb_dns_rrl_limited_total');
    const slipped = delta('mxlb_dns_rrl_slipped_total');
    const dropped = delta('mxlb_dns_rrl_dropped_total');
    const answered = delta('udp_replies') - other.full - other.truncated;
    const letThrough = answered - limited;
    const bytesIn = sent * requestSize;
    const bytesOut = completed * responseSize;
    console.log(`mxlb RRL bench: dnsperf -Q ${QPS} -l ${SECONDS} from 127.0.0.1, ${NAME} ${TYPE}; serve --rrl-whitelist none --rrl-ipv4-prefix 32 ${serveExtra.join(' ')}`);
    console.log(`flooding source 127.0.0.1: ${sent} queries sent in ${runtime.toFixed(2)} s (${Math.round(sent / runtime)} q/s), ${completed} replies received`);
    console.log(`  full answers let through: ${letThrough} (${(letThrough / runtime).toFixed(1)}/s)`);
    console.log(`  limited: ${limited}; slipped (TC=1): ${slipped}, dropped: ${dropped}; slip ratio ${(slipped / Math.max(1, limited)).toFixed(3)}`);
    console.log(`  bytes in ${bytesIn} (avg ${requestSize}), bytes out ${bytesOut} (avg ${responseSize}): out/in = ${(bytesOut / Math.max(1, bytesIn)).toFixed(3)}`);
    console.log(`other source 127.0.0.2 at ${OTHER_QPS} q/s: ${other.sent} sent, ${other.full} full answers, ${other.truncated} truncated` +
      ` → ${other.full === other.sent ? 'answered in full' : 'NOT answered in full'}`);
    console.log(`kernel UDP receive-buffer overflows during the run: ${overflows} (queries the server never saw: it was CPU-bound, RRL did not drop them)`);
    console.log(`server processed ${delta('udp_replies')} of ${sent + other.sent} queries sent`);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
