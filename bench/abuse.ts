/**
 * `npm run bench:abuse` (issue 12, "Show it"): DNS latency and throughput of the real `mxlb serve`
 * while the control plane is busy. Loopback only, bounded in time and count.
 *
 * One server on a temporary copy of the example zones plus a generated 200,000-record zone; a
 * measuring client (bench/abuse-probe.ts, its own process) asks a balanced name at a fixed rate
 * during each phase:
 *   (0) the floor: the same client against a bare Node `dgram` echo on the server's core;
 *   (a) quiet;
 *   (b) 50 HTTP clients polling /status and /metrics in a loop;
 *   (c) the 200,000-record zone reloading (a new serial written, SIGHUP);
 *   (d) waves of 1,000 concurrent /status requests.
 * Every phase runs `--runs` times (default 3), rounds interleaved; the table shows the medians:
 * p50, p99 and max latency (ms), the longest gap between two replies, replies per second and
 * lost queries, and p99 against the quiet baseline (target ≤ 2×, no stall over 50 ms).
 *
 * Layout (`--layout dedicated`, the default on 2+ cores): in production the pollers and the flood
 * come from other machines, so here they must not take the answering thread's CPU. The server runs
 * with `--answer-cpus 1 --control-cpus 0 --workers 1`: its answering thread alone on core 1, its
 * control plane (HTTP, zone parse, probes) on core 0 beside the load (this process: pollers,
 * waves; nice 10) and the measuring client (nice 0; as root SCHED_FIFO via chrt, unless
 * `--no-realtime`, so neither the load nor the control plane delays the measurement).
 * `--layout pinned` puts the whole server (control plane and answering thread) on core 1 and the
 * load and client on core 0, as the numbers of 2026-12-06/07 in docs/benchmarks.md were taken;
 * `--layout shared` leaves everything to the scheduler (all processes compete for all cores).
 *
 *   npm run bench:abuse -- [--runs 3] [--qps 2000] [--seconds 5] [--records 200000] [--layout dedicated|pinned|shared] [--no-realtime] [--node-arg=FLAG …]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const RUNS = Math.min(10, flag('runs', 3));
const QPS = Math.min(20_000, flag('qps', 2000));
const SECONDS = Math.min(30, flag('seconds', 5));
const RECORDS = Math.min(1_000_000, flag('records', 200_000));
const LAYOUT_AT = args.indexOf('--layout');
const LAYOUT = LAYOUT_AT >= 0 ? args[LAYOUT_AT + 1]! : availableParallelism() >= 2 ? 'dedicated' : 'shared';
if (!['dedicated', 'pinned', 'shared'].includes(LAYOUT)) throw new Error(`--layout dedicated|pinned|shared, not ${LAYOUT}`);
/** The load and the measuring client on core 0 (dedicated and pinned). */
const PINNED = LAYOUT !== 'shared';
/** The answering thread alone on core 1, the control plane on core 0 (`serve --answer-cpus`). */
const DEDICATED = LAYOUT === 'dedicated';
const REALTIME = PINNED && process.getuid?.() === 0 && !args.includes('--no-realtime');
/** `--node-arg=--single-threaded-gc` (repeatable): flags for the server's node, e.g. V8 flags to compare. */
const NODE_ARGS = args.filter((a) => a.startsWith('--node-arg=')).map((a) => a.slice('--node-arg='.length));
const SERVER_CPU = '1';
const LOAD_CPU = '0';
const NAME = 'smtp.mail.example.net';
const BIN = fileURLToPath(new URL('../bin/mxlb.js', import.meta.url));
const PROBE = fileURLToPath(new URL('./abuse-probe.ts', import.meta.url));
const ZONES = fileURLToPath(new URL('../zones', import.meta.url));

interface Probe { sent: number; replies: number; lost: number; qps: number; p50: number; p99: number; max: number; maxGap: number }

function bigZone(serial: number): string {
  const lines = ['$ORIGIN big.example.', '$TTL 300', `@ IN SOA ns1 hostmaster ${serial} 3600 600 86400 60`, '@ IN NS ns1', 'ns1 IN A 192.0.2.1'];
  for (let i = 0; i < RECORDS - 3; i++) lines.push(`h${i} IN A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  return lines.join('\n') + '\n';
}

/** Writes the big zone atomically (a temp file renamed over it), as docs/zone-format.md asks operators to. */
function writeBig(dir: string, serial: number): void {
  const temp = join(dir, '..', `big.${serial}.tmp`);
  writeFileSync(temp, bigZone(serial));
  renameSync(temp, join(dir, 'big.example.zone'));
}

async function startServer(dir: string): Promise<{ child: ChildProcess; port: number; http: string; waitLog: (msg: string) => Promise<void> }> {
  const command = PINNED && !DEDICATED ? ['taskset', '-c', SERVER_CPU, process.execPath, ...NODE_ARGS] : [process.execPath, ...NODE_ARGS];
  const cpus = DEDICATED ? ['--answer-cpus', SERVER_CPU, '--control-cpus', LOAD_CPU, '--workers', '1'] : [];
  const child = spawn(command[0]!, [...command.slice(1), BIN, 'serve', ...cpus, '--zones', dir, '--dns', '127.0.0.1:0', '--http', '127.0.0.1:0', '--state-file', '', '--zone-settle', '0s', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const waiters: Array<{ msg: string; resolve: () => void }> = [];
  let serving: ((line: Record<string, unknown>) => void) | undefined;
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (line.msg === 'mxlb serving') serving?.(line);
    for (const w of waiters.splice(0)) {
      if (w.msg === line.msg) w.resolve();
      else waiters.push(w);
    }
  });
  const line = await new Promise<Record<string, unknown>>((resolve, reject) => {
    serving = resolve;
    setTimeout(() => reject(new Error('mxlb did not start within 120 s')), 120_000).unref();
  });
  const dns = (line.dns as string[])[0]!;
  const waitLog = (msg: string) => new Promise<void>((resolve) => waiters.push({ msg, resolve }));
  return { child, port: Number(dns.slice(dns.lastIndexOf(':') + 1)), http: `http://${line.http as string}`, waitLog };
}

function probe(port: number): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const probeArgs = ['--import=tsx', PROBE, String(port), String(QPS), String(SECONDS), NAME];
    // Pinned as root: the measuring client runs SCHED_FIFO (chrt), so the load generator beside it
    // on core 0 can never delay a reply's timestamp; the server keeps normal scheduling.
    const child = REALTIME ? spawn('chrt', ['-f', '50', process.execPath, ...probeArgs], { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(process.execPath, probeArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
    // Otherwise: this process runs at nice 10 when pinned; the measuring client goes back to nice 0
    // (root may lower a niceness; elsewhere it keeps 10).
    if (PINNED && !REALTIME) {
      try {
        setPriority(child.pid!, 0);
      } catch {
        console.error('could not set the measuring client to nice 0 (not root?)');
      }
    }
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Probe) : reject(new Error(`probe exited with ${code}`))));
  });
}

/** `clients` loops each fetching the URLs in turn until `until`; returns replies by status. */
async function pollers(urls: string[], clients: number, until: () => boolean): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const count = (key: string) => (counts[key] = (counts[key] ?? 0) + 1);
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      for (let n = 0; !until() && n < 100_000; n++) {
        try {
          const response = await fetch(urls[(i + n) % urls.length]!, { signal: AbortSignal.timeout(10_000) });
          await response.arrayBuffer();
          count(String(response.status));
        } catch {
          count('error');
        }
      }
    }),
  );
  return counts;
}

/** Waves of `size` concurrent requests until `until` (at most 20 waves). */
async function waves(url: string, size: number, until: () => boolean): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let wave = 0; wave < 20 && !until(); wave++) {
    const results = await Promise.allSettled(Array.from({ length: size }, () => fetch(url, { signal: AbortSignal.timeout(10_000) }).then(async (r) => (await r.arrayBuffer(), r.status))));
    for (const r of results) {
      const key = r.status === 'fulfilled' ? String(r.value) : 'refused/reset';
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  return counts;
}

/**
 * A bare Node `dgram` echo on the server's core: the same client's p99 against it is the floor this
 * machine sets (timer ticks, virtual CPU wake-ups) beside which mxlb's quiet p99 is read.
 */
async function startEcho(): Promise<{ port: number; stop: () => void }> {
  const source = "const s=require('node:dgram').createSocket('udp4');s.on('message',(m,r)=>{m[2]|=0x80;s.send(m,r.port,r.address)});s.bind(0,'127.0.0.1',()=>console.log(s.address().port));setTimeout(()=>process.exit(0),600000).unref()";
  const command = PINNED ? ['taskset', '-c', SERVER_CPU, process.execPath] : [process.execPath];
  const child = spawn(command[0]!, [...command.slice(1), '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(Number(line)));
    child.once('exit', () => reject(new Error('the echo server ended before it listened')));
  });
  return { port, stop: () => child.kill('SIGTERM') };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'mxlb-abuse-'));
  const dir = join(root, 'zones');
  cpSync(ZONES, dir, { recursive: true });
  let serial = 1;
  writeBig(dir, serial);
  const server = await startServer(dir);
  const echo = await startEcho();
  if (PINNED) {
    // This process (pollers, waves) and every child it starts from now on: core 0, nice 10.
    execFileSync('taskset', ['-a', '-p', '-c', LOAD_CPU, String(process.pid)], { stdio: 'ignore' });
    setPriority(10);
  }
  const results = new Map<string, Probe[]>();
  const notes: string[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      const phase = async (label: string, load: (until: () => boolean) => Promise<string>, port = server.port) => {
        const deadline = Date.now() + SECONDS * 1000;
        const [measured, note] = await Promise.all([probe(port), load(() => Date.now() >= deadline)]);
        results.set(label, [...(results.get(label) ?? []), measured]);
        if (note) notes.push(`run ${run} ${label}: ${note}`);
      };
      await phase('(0) floor: a bare Node dgram echo, quiet', async () => '', echo.port);
      await phase('(a) quiet', async () => '');
      await phase('(b) 50 clients polling /status, /metrics', async (until) => JSON.stringify(await pollers([`${server.http}/status`, `${server.http}/metrics`], 50, until)));
      await phase(`(c) ${RECORDS.toLocaleString('en')}-record zone reload`, async () => {
        writeBig(dir, ++serial);
        const started = Date.now();
        const swapped = server.waitLog('zones swapped in');
        server.child.kill('SIGHUP');
        await swapped;
        return `control plane parsed and swapped in ${Date.now() - started} ms`;
      });
      await phase('(d) 1,000 concurrent /status', async (until) => JSON.stringify(await waves(`${server.http}/status`, 1000, until)));
    }
    const rss = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))?.[1];
    const quiet = median(results.get('(a) quiet')!.map((r) => r.p99));
    const client = `measuring client (${REALTIME ? 'SCHED_FIFO' : 'nice 0'})`;
    const layout = DEDICATED
      ? `answering thread on core ${SERVER_CPU} (--answer-cpus); control plane, load (nice 10) and ${client} on core ${LOAD_CPU}`
      : PINNED
        ? `server on core ${SERVER_CPU}; load (nice 10) and ${client} on core ${LOAD_CPU}`
        : 'shared cores';
    console.log(`\nmxlb serve, ${QPS} q/s of A ${NAME} for ${SECONDS} s per phase, medians of ${RUNS} runs (ms), ${layout}:\n`);
    console.log('phase'.padEnd(44), ...['p50', 'p99', 'max', 'gap'].map((h) => h.padStart(8)), 'q/s'.padStart(7), 'lost'.padStart(6), 'p99/quiet'.padStart(10));
    for (const [label, runs] of results) {
      const p99 = median(runs.map((r) => r.p99));
      const row = [median(runs.map((r) => r.p50)), p99, median(runs.map((r) => r.max)), median(runs.map((r) => r.maxGap))];
      console.log(label.padEnd(44), ...row.map((v) => v.toFixed(3).padStart(8)), String(median(runs.map((r) => r.qps))).padStart(7), String(median(runs.map((r) => r.lost))).padStart(6), `${(p99 / quiet).toFixed(2)}×`.padStart(10));
    }
    console.log(`\nworst max latency of any run: ${Math.max(...[...results.values()].flat().map((r) => r.max)).toFixed(1)} ms; server peak RSS ${rss ? Math.round(Number(rss) / 1024) : '?'} MB`);
    for (const note of notes) console.log(note);
  } finally {
    echo.stop();
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
