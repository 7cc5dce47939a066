/**
 * `npm run bench:dns`: mxlb against Knot DNS and gdnsd (when installed) on loopback with dnsperf,
 * one zone, six query mixes (cached A, MX, NXDOMAIN, NODATA, a balanced name, and a
 * random-subdomain flood of 1,000,000 unique names), plus a bare Node `dgram` echo of a prebuilt
 * reply (the Node floor); rounds alternate the server order; prints medians of q/s and server CPU
 * µs per answered query and the ratios to Knot and gdnsd (DESIGN "Benchmarking against peers").
 *
 * dnsperf is pinned to core 0 and every server to core 1, each whole process (`taskset -a -p`:
 * knotd re-pins its own UDP threads, mxlb's answering may run in a worker thread); each peer gets
 * one worker of each kind. CPU time is utime+stime of the whole process from /proc/PID/stat.
 * The balanced mix asks mxlb for a pool-selected name (bench/serve-balanced.ts, a second mxlb
 * process) and the peers for the static A RRset of the same shape (they have no health logic here).
 *
 * mxlb answers UDP as `mxlb serve` does: through the batched addon when it is built
 * (src/dns/native-udp.ts), else node:dgram. `--dgram` adds a column `mxlb-dgram` (the same server
 * with MXLB_NATIVE_UDP=0) to the same rounds; a second floor, `echo-batched`, echoes through the
 * addon (what Node costs per packet with recvmmsg/sendmmsg).
 *
 *   npm run bench:dns -- [--rounds 3] [--seconds 5] [--cases A,MX,NXDOMAIN,NODATA,balanced,flood] [--zone test/fixtures/dns/relay.example.zone] [--dgram]
 */
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { copyFileSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { findNativeUdp } from '../src/dns/index.ts';

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
  balanced: [`smtp.${ORIGIN} A`],
};
/** The balanced mix for mxlb: serve-balanced.ts's pool-selected name (resolve-balanced-fixtures.ts). */
const BALANCED_MXLB = ['smtp.relay.example.com A'];
/** Random-subdomain flood: this many unique random names in the zone, generated into a temp file. */
const FLOOD_NAMES = Number(flag('flood-names', '1000000'));
/** `--cases flood,A`: only these mixes (default all six). */
const CASES = flag('cases', [...Object.keys(MIXES), 'flood'].join(',')).split(',').filter((c) => c === 'flood' || c in MIXES);
/** `--dgram`: also mxlb with MXLB_NATIVE_UDP=0 (node:dgram), as column `mxlb-dgram`. */
const DGRAM = args.includes('--dgram');

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

/** A node child that prints `port <n>` once bound; pinned whole to the server core once answering. */
async function startNode(name: string, nodeArgs: string[], env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const child = spawn('taskset', ['-c', SERVER_CPU, process.execPath, ...nodeArgs], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  children.push(child);
  const port = await new Promise<number>((done, fail) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /^port (\d+)$/.exec(line);
      if (match) done(Number(match[1]));
    });
    child.once('exit', (code) => fail(new Error(`${name} exited with ${code}`)));
  });
  await waitAnswering(port);
  pinAll(child.pid!);
  return { name, pid: child.pid!, port, stop: stopper(child) };
}

const DGRAM_ENV = { MXLB_NATIVE_UDP: '0' };
const startMxlb = (name = 'mxlb', env: NodeJS.ProcessEnv = {}): Promise<Server> => startNode(name, ['--import=tsx', 'bench/serve-zone.ts', ZONE], env);
const startMxlbBalanced = (name = 'mxlb-bal', env: NodeJS.ProcessEnv = {}): Promise<Server> => startNode(name, ['--import=tsx', 'bench/serve-balanced.ts'], env);

/**
 * The Node floor: a bare `dgram` socket that answers every datagram with one prebuilt reply (the
 * query's ID patched in), so its CPU per query is what Node's socket path alone costs.
 */
const ECHO = `
const dgram = require('node:dgram');
const reply = Buffer.from('0000818000010001000000000473 6d74700572656c6179076578616d706c650000010001c00c000100010000003c0004c000020a'.replace(/ /g, ''), 'hex');
const socket = dgram.createSocket('udp4');
socket.on('message', (msg, rinfo) => {
  const out = Buffer.allocUnsafe(reply.length);
  reply.copy(out);
  out[0] = msg[0]; out[1] = msg[1];
  socket.send(out, rinfo.port, rinfo.address);
});
socket.bind(0, '127.0.0.1', () => process.stdout.write('port ' + socket.address().port + '\\n'));
process.once('SIGTERM', () => process.exit(0));
`;
const startEcho = (): Promise<Server> => startNode('echo', ['-e', ECHO]);

/** The floor with recvmmsg/sendmmsg: the same prebuilt reply, echoed in batches through the addon. */
const ECHO_BATCHED = `
const native = require(process.env.ADDON);
const reply = Buffer.from('0000818000010001000000000473 6d74700572656c6179076578616d706c650000010001c00c000100010000003c0004c000020a'.replace(/ /g, ''), 'hex');
const slots = 64, { slotBytes, metaInts, textBytes } = native.constants;
const data = Buffer.alloc(slots * slotBytes), meta = new Int32Array(slots * metaInts), text = Buffer.alloc(slots * textBytes);
const replies = new Array(slots);
const [fd, port] = native.bind(0, 4, '127.0.0.1', 0, false, 4 << 20);
const pump = native.open(fd, slots, () => {
  for (let round = 0; round < 8; round++) {
    const count = native.recv(pump, data, meta, text);
    for (let i = 0; i < count; i++) {
      const out = Buffer.allocUnsafe(reply.length);
      reply.copy(out);
      out[0] = data[i * slotBytes]; out[1] = data[i * slotBytes + 1];
      replies[i] = out;
    }
    if (count > 0) native.send(pump, replies, count);
    if (count < slots) return;
  }
});
process.stdout.write('port ' + port + '\\n');
process.once('SIGTERM', () => process.exit(0));
`;
async function startEchoBatched(): Promise<Server | undefined> {
  const found = findNativeUdp();
  if (!found.path) {
    process.stdout.write(`no batched echo floor: ${found.reason}\n`);
    return undefined;
  }
  return startNode('echo-batched', ['-e', ECHO_BATCHED], { ADDON: found.path });
}

/** gdnsd 3.8 serving the same zone file, one UDP and one TCP thread, scratch run/state dirs. */
async function startGdnsd(): Promise<Server | undefined> {
  if (spawnSync('sh', ['-c', 'command -v gdnsd']).status !== 0) {
    process.stdout.write('gdnsd not installed (apt-get install -y gdnsd; stop its service): skipped\n');
    return undefined;
  }
  const port = await freePort();
  const dir = join(work, 'gdnsd');
  mkdirSync(join(dir, 'zones'), { recursive: true });
  writeFileSync(
    join(dir, 'config'),
    ['options => {', `  listen => [ 127.0.0.1:${port} ]`, '  udp_threads => 1', '  tcp_threads => 1', `  run_dir => ${join(dir, 'run')}`, `  state_dir => ${join(dir, 'state')}`, '}', ''].join('\n'),
  );
  copyFileSync(ZONE, join(dir, 'zones', ORIGIN));
  const child = spawn('taskset', ['-c', SERVER_CPU, 'gdnsd', '-c', dir, 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  await waitAnswering(port);
  pinAll(child.pid!);
  return { name: 'gdnsd', pid: child.pid!, port, stop: stopper(child) };
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

/** FLOOD_NAMES unique random names in the zone (dnsperf input), written in chunks. */
async function writeFlood(file: string): Promise<void> {
  const out = createWriteStream(file);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  for (let i = 0; i < FLOOD_NAMES; i += 10_000) {
    let chunk = '';
    const bytes = randomBytes(10_000 * 10);
    for (let j = 0; j < 10_000 && i + j < FLOOD_NAMES; j++) {
      let label = (i + j).toString(36); // unique by construction; random letters after it
      for (let k = 0; k < 10; k++) label += alphabet[bytes[j * 10 + k]! % 36];
      chunk += `${label}.${ORIGIN} A\n`;
    }
    if (!out.write(chunk)) await new Promise<void>((done) => out.once('drain', () => done()));
  }
  await new Promise<void>((done) => out.end(done));
}

async function main(): Promise<void> {
  const files: Record<string, string> = {};
  for (const [mix, lines] of Object.entries(MIXES)) {
    files[mix] = join(work, `${mix}.txt`);
    writeFileSync(files[mix]!, lines.join('\n') + '\n');
  }
  const balancedMxlb = join(work, 'balanced-mxlb.txt');
  writeFileSync(balancedMxlb, BALANCED_MXLB.join('\n') + '\n');
  files.flood = join(work, 'flood.txt');
  await writeFlood(files.flood);

  const mxlb = await startMxlb();
  const knot = await startKnot();
  await checkSameAnswers([mxlb, knot]);
  const gdnsd = await startGdnsd();
  const balanced = await startMxlbBalanced();
  const echo = await startEcho();
  const echoBatched = await startEchoBatched();
  const dgramPair = DGRAM ? [await startMxlb('mxlb-dgram', DGRAM_ENV), await startMxlbBalanced('mxlb-bal-dgram', DGRAM_ENV)] : [];
  const mxlbDgram = dgramPair[0];
  const peers = [mxlb, knot, ...(gdnsd ? [gdnsd] : []), ...(mxlbDgram ? [mxlbDgram] : [])];
  /** Which server process and which file answer a case for a column. */
  const target = (column: Server, mix: string): { server: Server; file: string } =>
    column === mxlb && mix === 'balanced' ? { server: balanced, file: balancedMxlb }
      : column === mxlbDgram && mix === 'balanced' ? { server: dgramPair[1]!, file: balancedMxlb }
      : { server: column, file: files[mix]! };
  process.stdout.write(`mxlb answers UDP ${findNativeUdp().path ? 'in batches (the addon)' : `through dgram (${findNativeUdp().reason})`}\n`);
  process.stdout.write(`zone ${ORIGIN} from ${ZONE}; ${ROUNDS} rounds × ${SECONDS} s per case and server; dnsperf on CPU ${CLIENT_CPU}, servers on CPU ${SERVER_CPU}; flood of ${FLOOD_NAMES} unique names\n`);
  for (const column of peers) for (const mix of CASES) if (mix !== 'flood') dnsperf(target(column, mix).server, target(column, mix).file, 1); // warm-up

  const samples = new Map<string, Sample[]>();
  const record = (key: string, sample: Sample, round: number): void => {
    samples.set(key, [...(samples.get(key) ?? []), sample]);
    process.stdout.write(`round ${round + 1} ${key.padEnd(18)} ${sample.qps.toFixed(0).padStart(7)} q/s  ${sample.cpuUsPerQuery.toFixed(2).padStart(6)} µs CPU/query  lost ${sample.lost}\n`);
  };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? peers : [...peers].reverse();
    for (const mix of CASES) {
      for (const column of order) {
        const { server, file } = target(column, mix);
        record(`${column.name}/${mix}`, dnsperf(server, file, SECONDS), round);
      }
    }
    record('echo/floor', dnsperf(echo, files.A!, SECONDS), round);
    if (echoBatched) record('echo-batched/floor', dnsperf(echoBatched, files.A!, SECONDS), round);
  }

  const med = (key: string, pick: (s: Sample) => number): number => median((samples.get(key) ?? []).map(pick));
  const columns = peers.map((p) => p.name);
  process.stdout.write(`\n| case | ${columns.map((c) => `${c} q/s`).join(' | ')} | ${columns.map((c) => `${c} µs/q`).join(' | ')} | mxlb/knot q/s | ${gdnsd ? 'mxlb/gdnsd CPU per query |' : ''}\n`);
  process.stdout.write(`|${' --- |'.repeat(1 + 2 * columns.length + (gdnsd ? 2 : 1))}\n`);
  for (const mix of CASES) {
    const q = columns.map((c) => med(`${c}/${mix}`, (s) => s.qps));
    const cpu = columns.map((c) => med(`${c}/${mix}`, (s) => s.cpuUsPerQuery));
    const cells = [...q.map((v) => v.toFixed(0)), ...cpu.map((v) => v.toFixed(2)), (q[0]! / q[1]!).toFixed(2), ...(gdnsd ? [(cpu[0]! / cpu[2]!).toFixed(2)] : [])];
    process.stdout.write(`| ${mix} | ${cells.join(' | ')} |\n`);
  }
  process.stdout.write(`\nNode floor (dgram echo of a prebuilt reply): ${med('echo/floor', (s) => s.qps).toFixed(0)} q/s, ${med('echo/floor', (s) => s.cpuUsPerQuery).toFixed(2)} µs CPU/query\n`);
  if (echoBatched) process.stdout.write(`Node floor in batches (recvmmsg/sendmmsg echo through the addon): ${med('echo-batched/floor', (s) => s.qps).toFixed(0)} q/s, ${med('echo-batched/floor', (s) => s.cpuUsPerQuery).toFixed(2)} µs CPU/query\n`);
  if (gdnsd) {
    const ratio = (key: string): string => (med(key, (s) => s.cpuUsPerQuery) / med('gdnsd/A', (s) => s.cpuUsPerQuery)).toFixed(2);
    if (CASES.includes('A')) process.stdout.write(`CPU per query / gdnsd's cached A: dgram echo ${ratio('echo/floor')}${echoBatched ? `, batched echo ${ratio('echo-batched/floor')}` : ''}\n`);
    if (mxlbDgram) for (const mix of CASES) process.stdout.write(`mxlb-dgram/gdnsd CPU per query, ${mix}: ${(med(`mxlb-dgram/${mix}`, (s) => s.cpuUsPerQuery) / med(`gdnsd/${mix}`, (s) => s.cpuUsPerQuery)).toFixed(2)}\n`);
  }
  await Promise.all([...peers, balanced, echo, ...(echoBatched ? [echoBatched] : []), ...dgramPair].map((s) => s.stop()));
}

try {
  await main();
} finally {
  await Promise.all(children.map((child) => stopper(child)()));
  rmSync(work, { recursive: true, force: true });
}
