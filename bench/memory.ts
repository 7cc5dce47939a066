/**
 * `npm run bench:memory`: idle memory and start-up of the production path (issue 15, item 3).
 *
 * Packs this checkout and installs the tarball with production dependencies only, exactly as
 * docs/install.md does (test/helpers/packed-install.ts), then starts that package's
 * `bin/mxlb.js serve` on loopback (port 0, read back from the "mxlb serving" log line) and measures:
 * - first correct answer: from spawn until a UDP query for smtp.relay.example.com A gets an
 *   authoritative NOERROR reply with addresses (queried every 2 ms once the port is known), and
 *   the CPU time the process had used by then (utime + stime: less sensitive to a busy machine);
 * - idle RSS (VmRSS of the whole process, both threads) 5 s and 30 s after spawn;
 * - RSS right after 1,000,000 random-subdomain queries (dnsperf, each name once, from 127.0.0.1,
 *   which the default RRL whitelist exempts) and 60 s later;
 * - RSS with a 10,000-member zone (members on closed loopback ports: every probe is refused, which
 *   costs the same memory as an answering MTA), 30 s and 60 s after spawn.
 * Targets (this 2-core machine): idle RSS ≤ 80 MB with `--workers 1`, each further answering
 * worker ≤ 50 MB, first answer ≤ 0.5 s, 10,000 members ≤ 150 MB. `--workers 1,2` (the default)
 * repeats the idle runs with each count (alternating) and reports what each further worker adds;
 * the flood and member runs use the first count.
 *
 *   npm run bench:memory
 *   npm run bench:memory -- --runs 5 --flood-runs 2 --flood 1000000 --members 10000 --member-runs 2
 *   npm run bench:memory -- --skip flood,members --node-arg=--max-semi-space-size=1
 *   npm run bench:memory -- --checkout      # this checkout's bin/mxlb.js (dist/ must be current)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { packAndInstall } from '../test/helpers/packed-install.ts';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'flood-runs': { type: 'string', default: '2' },
    'member-runs': { type: 'string', default: '2' },
    flood: { type: 'string', default: '1000000' },
    members: { type: 'string', default: '10000' },
    skip: { type: 'string', default: '' },
    checkout: { type: 'boolean', default: false },
    workers: { type: 'string', default: '1,2' },
    'node-arg': { type: 'string', multiple: true, default: [] },
  },
});
const RUNS = Number(opts.runs);
const FLOOD_RUNS = Number(opts['flood-runs']);
const FLOOD = Number(opts.flood);
const MEMBERS = Number(opts.members);
const SKIP = new Set(opts.skip.split(',').filter(Boolean));
const WORKERS = opts.workers.split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 1);
if (WORKERS.length === 0) throw new Error('--workers: a comma-separated list of worker counts, e.g. 1,2');
const workersFlag = (n: number): string[] => ['--workers', String(n)];
const CHECKOUT = fileURLToPath(new URL('../', import.meta.url));
const EXAMPLE_ZONES = join(CHECKOUT, 'zones');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Server {
  child: ChildProcess;
  port: number;
  spawnedAt: number;
  firstAnswerMs: number;
  /** CPU time (user + system, all threads) the process had used when the first answer came. */
  firstAnswerCpuMs: number;
  stop(): Promise<void>;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** utime + stime of the whole process in ms (/proc/PID/stat fields 14 and 15, 100 ticks a second). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function query(id: number, name: string, type: number): Buffer {
  const labels = name.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(1, 4);
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, type, 0, 1])]);
}

/** Sends the query every 2 ms until an authoritative NOERROR reply with answers comes (deadline). */
function firstAnswer(port: number, name: string, deadline: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    let id = 1;
    const done = (error?: Error) => {
      clearInterval(timer);
      socket.close();
      if (error) reject(error);
    };
    socket.on('message', (msg) => {
      const flags = msg.readUInt16BE(2);
      if ((flags & 0x8000) && (flags & 0x0400) && (flags & 0xf) === 0 && msg.readUInt16BE(6) > 0) {
        const at = performance.now();
        done();
        resolve(at);
      }
    });
    socket.on('error', () => undefined);
    const timer = setInterval(() => {
      if (performance.now() > deadline) return done(new Error(`no answer for ${name} within the deadline`));
      socket.send(query(id++ & 0xffff, name, 1), port, '127.0.0.1');
    }, 2);
  });
}

async function start(command: string[], zones: string, name: string, extra: string[] = []): Promise<Server> {
  const spawnedAt = performance.now();
  const child = spawn(command[0]!, [...command.slice(1), 'serve', '--zones', zones, '--dns', '127.0.0.1:0', '--http', '127.0.0.1:0', '--state-file', '', '--log-format', 'json', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      // Generous: 10,000 members parse, probe and log 20,000 lines at start on a busy machine.
      const timer = setTimeout(() => reject(new Error(`no "mxlb serving" within 180 s: ${stderr.slice(-1000)}`)), 180_000);
      void exited.then(() => reject(new Error(`mxlb exited: ${stderr.slice(-1000)}`)));
      createInterface({ input: child.stdout! }).on('line', (text) => {
        if (!text.includes('"mxlb serving"')) return;
        const dns = (JSON.parse(text) as { dns: string[] }).dns[0]!;
        clearTimeout(timer);
        resolve(Number(dns.slice(dns.lastIndexOf(':') + 1)));
      });
    });
    const answeredAt = await firstAnswer(port, name, performance.now() + 30_000);
    return { child, port, spawnedAt, firstAnswerMs: answeredAt - spawnedAt, firstAnswerCpuMs: cpuMs(child.pid!), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Waits until `ms` after the server was spawned. */
const until = (server: Server, ms: number) => sleep(Math.max(0, server.spawnedAt + ms - performance.now()));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const rows: string[] = [];
function report(metric: string, xs: number[], unit: string, target?: number) {
  const f = (x: number) => (unit === 'ms' ? x.toFixed(0) : x.toFixed(1));
  const verdict = target === undefined ? '' : median(xs) <= target ? `≤ ${target} ${unit}: met` : `≤ ${target} ${unit}: NOT met`;
  const row = `| ${metric} | ${xs.length} | ${f(median(xs))} ${unit} | ${f(Math.min(...xs))}–${f(Math.max(...xs))} | ${verdict} |`;
  rows.push(row);
  console.log(row);
}

function floodFile(dir: string, count: number): string {
  const file = join(dir, 'flood.txt');
  const lines: string[] = [];
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  for (let i = 0; i < count; i++) {
    let label = '';
    for (let j = 0; j < 12; j++) label += alphabet[Math.floor(Math.random() * alphabet.length)];
    lines.push(`${label}.relay.example.com A`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** A balanced zone with `count` members on closed loopback ports, pools of 1,000, probed every 10 s. */
function membersZone(dir: string, count: number): string {
  const zones = join(dir, 'members-zones');
  mkdirSync(zones);
  const lines = ['origin: scale.example.test', 'records: |', '  $TTL 5m', '  @ SOA ns1 hostmaster 1 1h 15m 1w 1m', '  @ NS ns1', '  ns1 A 127.0.0.1', 'probe:', '  interval: 10s', 'pools:'];
  for (let i = 0; i < count; i++) {
    if (i % 1000 === 0) lines.push(`  p${i / 1000}:`, '    members:');
    // 127.77.x.y port 9 (discard): nothing listens there on loopback, so every connect is refused.
    lines.push(`      - {name: m${i}, address: 127.77.${Math.floor(i / 250)}.${(i % 250) + 1}, port: 9}`);
  }
  lines.push('names:', '  big:', '    tiers: [p0]', '    max: 8');
  writeFileSync(join(zones, 'scale.example.test.yaml'), `${lines.join('\n')}\n`);
  return zones;
}

const work = mkdtempSync(join(tmpdir(), 'mxlb-bench-memory-'));
let cleanupInstall = () => undefined as void;
try {
  let bin: string;
  if (opts.checkout) bin = join(CHECKOUT, 'bin/mxlb.js');
  else {
    console.log('packing and installing (npm pack, npm install --omit=dev) …');
    const installed = await packAndInstall();
    cleanupInstall = installed.cleanup;
    bin = join(installed.prefix, 'node_modules/mxlb/bin/mxlb.js');
  }
  const command = [process.execPath, ...opts['node-arg'], bin];
  console.log(`command: ${command.join(' ')} serve --zones … --dns 127.0.0.1:0 --http 127.0.0.1:0 --state-file '' --log-format json`);
  console.log(`node ${process.version}, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`);
  console.log('| measure | runs | median | range | target |\n| --- | --- | --- | --- | --- |');

  if (!SKIP.has('idle')) {
    const first: number[] = [];
    const firstCpu: number[] = [];
    const idle5 = new Map<number, number[]>(WORKERS.map((n) => [n, []]));
    const idle30 = new Map<number, number[]>(WORKERS.map((n) => [n, []]));
    for (let r = 0; r < RUNS; r++) {
      // Alternate the counts within each run, so a change in the machine's load hits all of them.
      for (const workers of r % 2 === 0 ? WORKERS : [...WORKERS].reverse()) {
        const server = await start(command, EXAMPLE_ZONES, 'smtp.relay.example.com', workersFlag(workers));
        if (workers === WORKERS[0]) {
          first.push(server.firstAnswerMs);
          firstCpu.push(server.firstAnswerCpuMs);
        }
        await until(server, 5_000);
        idle5.get(workers)!.push(rssMb(server.child.pid!));
        await until(server, 30_000);
        idle30.get(workers)!.push(rssMb(server.child.pid!));
        await server.stop();
      }
    }
    report(`first correct answer after spawn (example zones, --workers ${WORKERS[0]})`, first, 'ms', 500);
    // Wall time depends on what else runs; CPU time spent until then does much less.
    report('CPU time (all threads) used by then', firstCpu, 'ms');
    for (const workers of WORKERS) {
      report(`idle RSS 5 s after spawn (example zones, --workers ${workers})`, idle5.get(workers)!, 'MB', workers === 1 ? 80 : undefined);
      report(`idle RSS 30 s after spawn (example zones, --workers ${workers})`, idle30.get(workers)!, 'MB', workers === 1 ? 80 : undefined);
    }
    const base = WORKERS[0]!;
    for (const workers of WORKERS.slice(1)) {
      // Per run (same run, adjacent starts), then the median of those differences.
      const perWorker = idle30.get(workers)!.map((v, i) => (v - idle30.get(base)![i]!) / (workers - base));
      report(`each further worker, idle RSS at 30 s (--workers ${workers} against ${base})`, perWorker, 'MB', 50);
    }
  }

  if (!SKIP.has('flood')) {
    if (spawnSync('dnsperf', ['-h'], { stdio: 'ignore' }).error) throw new Error('dnsperf is not installed (apt-get install dnsperf), or pass --skip flood');
    const file = floodFile(work, FLOOD);
    const before: number[] = [];
    const after: number[] = [];
    const later: number[] = [];
    const rates: number[] = [];
    for (let r = 0; r < FLOOD_RUNS; r++) {
      const server = await start(command, EXAMPLE_ZONES, 'smtp.relay.example.com', workersFlag(WORKERS[0]!));
      await until(server, 5_000);
      before.push(rssMb(server.child.pid!));
      // Each name once (-n 1), at most 300 s: the load is bounded in count and time.
      const perf = spawnSync('dnsperf', ['-s', '127.0.0.1', '-p', String(server.port), '-d', file, '-n', '1', '-l', '300', '-c', '4', '-q', '500', '-t', '2'], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const completed = /Queries completed:\s+(\d+)/.exec(perf.stdout)?.[1];
      const qps = /Queries per second:\s+([\d.]+)/.exec(perf.stdout)?.[1];
      rates.push(Number(qps ?? 0));
      console.log(`  flood run ${r + 1}: ${completed ?? '?'} of ${FLOOD} answered, ${qps ?? '?'} q/s`);
      after.push(rssMb(server.child.pid!));
      await sleep(60_000);
      later.push(rssMb(server.child.pid!));
      await server.stop();
    }
    report('RSS before the flood (5 s after spawn)', before, 'MB', 80);
    report(`RSS right after ${FLOOD} random-subdomain queries`, after, 'MB');
    report('RSS 60 s after the flood', later, 'MB', 80);
    report('flood rate (dnsperf, not a throughput benchmark)', rates, 'q/s');
  }

  if (!SKIP.has('members')) {
    const zones = membersZone(work, MEMBERS);
    const first: number[] = [];
    const at30: number[] = [];
    const at60: number[] = [];
    for (let r = 0; r < Number(opts['member-runs']); r++) {
      const server = await start(command, zones, 'big.scale.example.test', workersFlag(WORKERS[0]!));
      first.push(server.firstAnswerMs);
      await until(server, 30_000);
      at30.push(rssMb(server.child.pid!));
      await until(server, 60_000);
      at60.push(rssMb(server.child.pid!));
      await server.stop();
    }
    report(`first answer, ${MEMBERS}-member zone`, first, 'ms');
    report(`RSS 30 s after spawn, ${MEMBERS} members probed every 10 s`, at30, 'MB', 150);
    report(`RSS 60 s after spawn, ${MEMBERS} members probed every 10 s`, at60, 'MB', 150);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  cleanupInstall();
}
