/**
 * `npm run bench:workers`: the real `mxlb serve --workers 2` against `--workers 1` on loopback
 * (issue 15 item 2). dnsperf and the servers share every core (no pinning: the point is what a
 * second answering thread buys when the machine has cores for it); dnsperf uses 2 threads and 16
 * sockets, so SO_REUSEPORT's hash of the source port spreads queries over both workers. Rounds
 * alternate the order; prints medians of aggregate q/s and of server CPU µs per answered query
 * (utime+stime of the whole mxlb process, every thread, from /proc/PID/stat), the ratio, and how
 * the queries split over the workers (/status dnsWorkers).
 *
 *   npm run bench:workers -- [--rounds 5] [--seconds 5] [--workers 2] [--cases A,NXDOMAIN]
 *
 * Needs Node ≥ 22.12 or the batched-UDP addon (npm run build:native) for more than one worker
 * (without either, Node 20 falls back to one and the bench says so).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const ROUNDS = Number(flag('rounds', '5'));
const SECONDS = Number(flag('seconds', '5'));
const MANY = Number(flag('workers', '2'));
const ORIGIN = 'relay.example';
const ZONE = resolve('test/fixtures/dns/relay.example.zone');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const MIXES: Record<string, string[]> = {
  A: [`smtp.${ORIGIN} A`, `mta1.${ORIGIN} A`, `smtp.${ORIGIN} AAAA`],
  NXDOMAIN: Array.from({ length: 1000 }, (_, i) => `nx${i}.${ORIGIN} A`),
};
const CASES = flag('cases', Object.keys(MIXES).join(',')).split(',');

interface Server {
  workers: number;
  pid: number;
  port: number;
  http: string;
  child: ChildProcess;
}
interface Sample {
  qps: number;
  lost: number;
  cpuUsPerQuery: number;
  /** dnsperf's own CPU per query: on a 2-core machine the client takes a share of the same cores. */
  clientUsPerQuery: number;
  split: number[];
}

const work = mkdtempSync(join(tmpdir(), 'mxlb-bench-workers-'));
const zones = join(work, 'zones');
execFileSync('mkdir', ['-p', zones]);
copyFileSync(ZONE, join(zones, `${ORIGIN}.zone`));
const servers: Server[] = [];

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function startServer(workers: number): Promise<Server> {
  const child = spawn(process.execPath, ['bin/mxlb.js', 'serve', '--zones', zones, '--dns', '127.0.0.1:0', '--http', '127.0.0.1:0', '--state-file', '', '--log-level', 'info', '--workers', String(workers)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<Record<string, unknown>>((done, fail) => {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      try {
        const parsed = JSON.parse(text) as Record<string, unknown>;
        if (parsed.level === 40) process.stdout.write(`mxlb --workers ${workers}: ${String(parsed.msg)}\n`);
        if (parsed.msg === 'mxlb serving') done(parsed);
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => fail(new Error(`mxlb --workers ${workers} exited with ${code}`)));
  });
  const port = Number(/:(\d+)$/.exec((line.dns as string[])[0]!)![1]);
  const server = { workers, pid: child.pid!, port, http: `http://${String(line.http)}`, child };
  servers.push(server);
  await waitAnswering(port);
  return server;
}

async function waitAnswering(port: number): Promise<void> {
  const query = Buffer.from([0xab, 0xcd, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1]);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const socket = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((done) => {
      const timer = setTimeout(() => done(false), 200);
      socket.once('message', () => (clearTimeout(timer), done(true)));
      socket.send(query, port, '127.0.0.1');
    });
    socket.close();
    if (ok) return;
  }
  throw new Error(`no answer on port ${port}`);
}

async function split(server: Server): Promise<number[]> {
  // A keep-alive connection the server closed while dnsperf ran (its 5 s idle timeout) fails once: retry.
  for (let attempt = 1; ; attempt++) {
    try {
      const status = (await (await fetch(`${server.http}/status`)).json()) as { dnsWorkers?: { workers: Array<{ queries: number }>; note?: string } };
      return status.dnsWorkers?.workers.map((w) => w.queries) ?? [];
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

async function dnsperf(server: Server, file: string, seconds: number): Promise<Sample> {
  const before = cpuTicks(server.pid);
  const splitBefore = await split(server);
  // The client's own CPU (dnsperf shares the cores): its children's rusage, via bash's `times`.
  const out = execFileSync('bash', ['-c', 'dnsperf "$@"; times', 'dnsperf', '-s', '127.0.0.1', '-p', String(server.port), '-d', file, '-l', String(seconds), '-T', '2', '-c', '16', '-q', '500'], { encoding: 'utf8', timeout: (seconds + 20) * 1000 });
  const cpuSeconds = (cpuTicks(server.pid) - before) / CLK_TCK;
  const splitAfter = await split(server);
  const number = (pattern: RegExp): number => Number(pattern.exec(out)?.[1] ?? Number.NaN);
  const completed = number(/Queries completed:\s+(\d+)/);
  // `times` prints the shell's then its children's user and system time: "0m1.234s 0m0.567s".
  const child = [...out.matchAll(/(\d+)m([\d.]+)s/g)].slice(-2).reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
  return { qps: number(/Queries per second:\s+([\d.]+)/), lost: number(/Queries lost:\s+(\d+)/), cpuUsPerQuery: (cpuSeconds * 1e6) / completed, clientUsPerQuery: (child * 1e6) / completed, split: splitAfter.map((n, i) => n - (splitBefore[i] ?? 0)) };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main(): Promise<void> {
  const files: Record<string, string> = {};
  for (const mix of CASES) {
    files[mix] = join(work, `${mix}.txt`);
    writeFileSync(files[mix]!, `${MIXES[mix]!.join('\n')}\n`);
  }
  const one = await startServer(1);
  const many = await startServer(MANY);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  process.stdout.write(`Node ${process.versions.node}, ${ROUNDS} rounds × ${SECONDS} s per case and server, dnsperf -T 2 -c 16 unpinned, load average ${load}\n`);
  for (const server of [one, many]) for (const mix of CASES) await dnsperf(server, files[mix]!, 1); // warm-up
  const results = new Map<string, Sample[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const mix of CASES) {
      const order = round % 2 === 0 ? [one, many] : [many, one];
      for (const server of order) {
        const sample = await dnsperf(server, files[mix]!, SECONDS);
        const key = `${mix} ${server.workers}`;
        results.set(key, [...(results.get(key) ?? []), sample]);
        process.stdout.write(`round ${round + 1} ${mix.padEnd(8)} --workers ${server.workers}: ${Math.round(sample.qps)} q/s, ${sample.cpuUsPerQuery.toFixed(2)} µs CPU/query (dnsperf ${sample.clientUsPerQuery.toFixed(2)}), lost ${sample.lost}, per worker ${sample.split.join(' / ')}\n`);
      }
    }
  }
  process.stdout.write(`\n| case | --workers 1 q/s | --workers ${MANY} q/s | ratio | --workers 1 µs/q | --workers ${MANY} µs/q | CPU ratio | dnsperf µs/q | lost |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n`);
  for (const mix of CASES) {
    const a = results.get(`${mix} 1`)!;
    const b = results.get(`${mix} ${MANY}`)!;
    const qa = median(a.map((s) => s.qps));
    const qb = median(b.map((s) => s.qps));
    const ca = median(a.map((s) => s.cpuUsPerQuery));
    const cb = median(b.map((s) => s.cpuUsPerQuery));
    const lost = [...a, ...b].reduce((n, s) => n + s.lost, 0);
    const client = median([...a, ...b].map((s) => s.clientUsPerQuery));
    process.stdout.write(`| ${mix} | ${Math.round(qa)} | ${Math.round(qb)} | ${(qb / qa).toFixed(2)} | ${ca.toFixed(2)} | ${cb.toFixed(2)} | ${(cb / ca).toFixed(2)} | ${client.toFixed(2)} | ${lost} |\n`);
  }
}

try {
  await main();
} finally {
  for (const server of servers) server.child.kill('SIGTERM');
  await Promise.all(servers.map((s) => new Promise((done) => (s.child.exitCode === null ? s.child.once('exit', done) : done(undefined)))));
  rmSync(work, { recursive: true, force: true });
}
