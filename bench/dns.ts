/**
 * `npm run bench:dns`: mxlb against Knot DNS on loopback with dnsperf, one zone, four query mixes
 * (A, MX, NXDOMAIN, NODATA), rounds alternating between the servers; prints medians, the ratio
 * mxlb/Knot and server CPU time per answered query (DESIGN "Benchmarking against peers").
 *
 * dnsperf is pinned to core 0 and both servers to core 1; knotd re-pins its own UDP threads, so
 * every one of its threads is pinned again after start, and it gets one worker of each kind.
 *
 *   npm run bench:dns -- [--rounds 3] [--seconds 5] [--zone test/fixtures/dns/relay.example.zone]
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const ROUNDS = Number(flag('rounds', '3'));
const SECONDS = Number(flag('seconds', '5'));
const ZONE = resolve(flag('zone', 'test/fixtures/dns/relay.example.zone'));
const ORIGIN = basename(ZONE).replace(/\.zone$/, '');
const CLIENT_CPU = '0';
const SERVER_CPU = '1';
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** Query mixes, as dnsperf data lines. The names must exist (or not) in the fixture zone. */
const MIXES: Record<string, string[]> = {
  A: [`smtp.${ORIGIN} A`, `mta1.${ORIGIN} A`, `mta2.${ORIGIN} AAAA`, `smtp.${ORIGIN} AAAA`],
  MX: [`${ORIGIN} MX`],
  NXDOMAIN: Array.from({ length: 1000 }, (_, i) => `nx${i}.${ORIGIN} A`),
  NODATA: [`info.${ORIGIN} AAAA`, `smtp.${ORIGIN} MX`, `y.deep.${ORIGIN} A`, `mta1.${ORIGIN} TXT`],
};

interface Server {
  name: string;
  pid: number;
  port: number;
  stop(): Promise<void>;
}

interface Sample {
  qps: number;
  completed: number;
  lost: number;
  cpuUsPerQuery: number;
}

const work = mkdtempSync(join(tmpdir(), 'mxlb-bench-'));
const children: ChildProcess[] = [];

function cpuTicks(pid: number): number {
  // /proc/<pid>/stat fields 14 and 15 (utime, stime) cover every thread of the process.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function pinAll(pid: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', SERVER_CPU, String(pid)], { stdio: 'ignore' });
}

/** A port free for UDP and TCP right now (Knot binds it a moment later). */
async function freePort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', () => done()));
  const { port } = socket.address();
  await new Promise<void>((done) => socket.close(() => done()));
  return port;
}

/** Polls with a real query until the server answers, or throws at the deadline. */
async function waitAnswering(port: number, timeoutMs = 10_000): Promise<void> {
  // ID 0xabcd, no flags, one question: ". SOA IN" (both servers answer it, if only with REFUSED)
  const query = Buffer.from([0xab, 0xcd, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1]);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const socket = dgram.createSocket('udp4');
    const answered = await new Promise<boolean>((done) => {
      const timer = setTimeout(() => done(false), 200);
      socket.once('message', () => {
        clearTimeout(timer);
        done(true);
      });
      socket.send(query, port, '127.0.0.1');
    });
    socket.close();
    if (answered) return;
  }
  throw new Error(`no DNS answer on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      child.kill('SIGTERM');
    });
}

async function startMxlb(): Promise<Server> {
  const child = spawn('taskset', ['-c', SERVER_CPU, process.execPath, '--import=tsx', 'bench/serve-zone.ts', ZONE], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const port = await new Promise<number>((done, fail) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /^port (\d+)$/.exec(line);
      if (match) done(Number(match[1]));
    });
    child.once('exit', (code) => fail(new Error(`serve-zone exited with ${code}`)));
  });
  await waitAnswering(port);
  pinAll(child.pid!);
  return { name: 'mxlb', pid: child.pid!, port, stop: stopper(child) };
}

async function startKnot(): Promise<Server> {
  const port = await freePort();
  const dir = join(work, 'knot');
  execFileSync('mkdir', ['-p', dir]);
  const conf = join(dir, 'knot.conf');
  writeFileSync(
    conf,
    [
      'server:',
      `    rundir: "${dir}"`,
      `    pidfile: "${dir}/knot.pid"`,
      `    listen: 127.0.0.1@${port}`,
      '    udp-workers: 1',
      '    tcp-workers: 1',
      '    background-workers: 1',
      'log:',
      '  - target: stderr',
      '    any: warning',
      'database:',
      `    storage: "${dir}"`,
      'template:',
      '  - id: default',
      `    storage: "${dir}"`,
      '    journal-content: none',
      '    zonefile-sync: -1',
      'zone:',
      `  - domain: ${ORIGIN}.`,
      `    file: "${ZONE}"`,
      '',
    ].join('\n'),
  );
  const child = spawn('taskset', ['-c', SERVER_CPU, 'knotd', '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  await waitAnswering(port);
  pinAll(child.pid!);
  return { name: 'knot', pid: child.pid!, port, stop: stopper(child) };
}

/** One query's reply over UDP, for the fairness check (the servers must give the same answers). */
async function ask(port: number, line: string): Promise<Buffer> {
  const [name, type] = line.split(' ') as [string, string];
  const codes: Record<string, number> = { A: 1, MX: 15, TXT: 16, AAAA: 28 };
  const labels = name.split('.').map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]));
  const query = Buffer.concat([Buffer.from([0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, codes[type] ?? 1, 0, 1])]);
  const socket = dgram.createSocket('udp4');
  try {
    return await new Promise<Buffer>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no reply to ${line} on port ${port}`)), 2000);
      socket.once('message', (reply) => {
        clearTimeout(timer);
        done(reply);
      });
      socket.send(query, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

/** Header flags (minus ID) and section counts of both servers' replies to each mix must agree. */
async function checkSameAnswers(servers: Server[]): Promise<void> {
  for (const lines of Object.values(MIXES)) {
    for (const line of lines.slice(0, 4)) {
      const [a, b] = await Promise.all(servers.map((s) => ask(s.port, line)));
      const shape = (r: Buffer): string => r.subarray(2, 12).toString('hex');
      if (shape(a!) !== shape(b!)) throw new Error(`${line}: ${servers[0]!.name} header ${shape(a!)} but ${servers[1]!.name} ${shape(b!)}`);
    }
  }
}

function dnsperf(server: Server, file: string, seconds: number): Sample {
  const before = cpuTicks(server.pid);
  const out = execFileSync('taskset', ['-c', CLIENT_CPU, 'dnsperf', '-s', '127.0.0.1', '-p', String(server.port), '-d', file, '-l', String(seconds), '-c', '1', '-T', '1'], {
    encoding: 'utf8',
    timeout: (seconds + 20) * 1000,
  });
  const cpuSeconds = (cpuTicks(server.pid) - before) / CLK_TCK;
  const number = (pattern: RegExp): number => Number(pattern.exec(out)?.[1] ?? Number.NaN);
  const completed = number(/Queries completed:\s+(\d+)/);
  return {
    qps: number(/Queries per second:\s+([\d.]+)/),
    completed,
    lost: number(/Queries lost:\s+(\d+)/),
    cpuUsPerQuery: (cpuSeconds * 1e6) / completed,
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main(): Promise<void> {
  const files: Record<string, string> = {};
  for (const [mix, lines] of Object.entries(MIXES)) {
    files[mix] = join(work, `${mix}.txt`);
    writeFileSync(files[mix]!, lines.join('\n') + '\n');
  }
  const servers = [await startMxlb(), await startKnot()];
  await checkSameAnswers(servers);
  process.stdout.write(`zone ${ORIGIN} from ${ZONE}; ${ROUNDS} rounds × ${SECONDS} s per mix and server; dnsperf on CPU ${CLIENT_CPU}, servers on CPU ${SERVER_CPU}\n`);
  for (const server of servers) for (const file of Object.values(files)) dnsperf(server, file, 1); // warm-up

  const samples = new Map<string, Sample[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    for (const mix of Object.keys(MIXES)) {
      for (const server of order) {
        const sample = dnsperf(server, files[mix]!, SECONDS);
        const key = `${server.name}/${mix}`;
        samples.set(key, [...(samples.get(key) ?? []), sample]);
        process.stdout.write(`round ${round + 1} ${key.padEnd(14)} ${sample.qps.toFixed(0).padStart(7)} q/s  ${sample.cpuUsPerQuery.toFixed(2).padStart(6)} µs CPU/query  lost ${sample.lost}\n`);
      }
    }
  }

  process.stdout.write('\nmix        mxlb q/s   knot q/s   mxlb/knot   mxlb µs/q   knot µs/q\n');
  for (const mix of Object.keys(MIXES)) {
    const m = samples.get(`mxlb/${mix}`)!;
    const k = samples.get(`knot/${mix}`)!;
    const mq = median(m.map((s) => s.qps));
    const kq = median(k.map((s) => s.qps));
    const mc = median(m.map((s) => s.cpuUsPerQuery));
    const kc = median(k.map((s) => s.cpuUsPerQuery));
    process.stdout.write(
      `${mix.padEnd(9)} ${mq.toFixed(0).padStart(9)} ${kq.toFixed(0).padStart(10)} ${(mq / kq).toFixed(2).padStart(11)} ${mc.toFixed(2).padStart(11)} ${kc.toFixed(2).padStart(11)}\n`,
    );
  }
  await Promise.all(servers.map((s) => s.stop()));
}

try {
  await main();
} finally {
  await Promise.all(children.map((child) => stopper(child)()));
  rmSync(work, { recursive: true, force: true });
}
