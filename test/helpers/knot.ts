/**
 * Knot DNS (`knotd`) on loopback as a reference server, for the differential test and the
 * benchmark (bench/dns.ts). Each instance gets its own temp dir (config, rundir, storage), one
 * worker of each kind, no journal and no zone-file write-back, so it serves exactly the files it
 * is given and leaves nothing behind once stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface KnotZone {
  /** Zone origin, with or without the final dot. */
  origin: string;
  /** Master file; relative paths are taken from the current directory. */
  file: string;
}

export interface KnotOptions {
  zones: readonly KnotZone[];
  /** A command prefix knotd is run through (the benchmark pins it: `['taskset', '-c', '1']`). */
  wrap?: readonly string[];
  /** How long knotd may take to answer its first query. Default 10 s. */
  startTimeoutMs?: number;
}

export interface RunningKnot {
  pid: number;
  port: number;
  /** What knotd logged (warnings and errors) so far, for failure messages. */
  log(): string;
  /** SIGTERM (SIGKILL after 5 s), then removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** Ports tried when the free port found is taken before knotd binds it. */
const START_ATTEMPTS = 3;
const LOG_LIMIT = 16_384;

/**
 * Starts knotd on 127.0.0.1 (UDP and TCP, one port) serving `zones`, and resolves once it answers
 * a query. Contract: rejects, with knotd's log in the message, when it exits or does not answer
 * within the deadline on every attempt; never leaves a knotd or a temp dir behind when it rejects.
 */
export async function startKnot(options: KnotOptions): Promise<RunningKnot> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(options, await freePort());
    } catch (error) {
      lastError = error as Error;
    }
  }
  throw lastError!;
}

async function startOnce(options: KnotOptions, port: number): Promise<RunningKnot> {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-knot-'));
  const conf = join(dir, 'knot.conf');
  writeFileSync(conf, knotConfig(dir, port, options.zones));
  const [command, ...args] = [...(options.wrap ?? []), 'knotd', '--config', conf];
  const child = spawn(command!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    if (log.length < LOG_LIMIT) log += chunk.toString('utf8');
  });
  const spawned = new Promise<void>((done, fail) => {
    child.once('spawn', () => done());
    child.once('error', fail);
  });
  // A test process that dies without its teardown must not leave knotd running.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await spawned;
    await waitAnswering(port, options.startTimeoutMs ?? 10_000, () => child.exitCode === null && child.signalCode === null);
  } catch (error) {
    await stop();
    throw new Error(`knotd did not start on 127.0.0.1@${port}: ${(error as Error).message}\n${log}`);
  }
  return { pid: child.pid!, port, log: () => log, stop };
}

function knotConfig(dir: string, port: number, zones: readonly KnotZone[]): string {
  const lines = [
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
    '    zonefile-load: whole',
    '    zonefile-sync: -1',
    '    journal-content: none',
    '    semantic-checks: off',
    'zone:',
  ];
  for (const zone of zones) lines.push(`  - domain: ${zone.origin.replace(/\.?$/, '.')}`, `    file: "${resolve(zone.file)}"`);
  return `${lines.join('\n')}\n`;
}

/** A port free for UDP on 127.0.0.1 right now (the server binds it, UDP and TCP, a moment later). */
export async function freePort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', () => done()));
  const { port } = socket.address();
  await new Promise<void>((done) => socket.close(() => done()));
  return port;
}

/**
 * Polls 127.0.0.1:`port` with a real query (". SOA", which any server answers, if only with
 * REFUSED) every 200 ms until a reply comes; rejects at the deadline or as soon as `alive()` is false.
 */
export async function waitAnswering(port: number, timeoutMs = 10_000, alive: () => boolean = () => true): Promise<void> {
  const query = Buffer.from([0xab, 0xcd, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1]);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error('the server exited');
    const socket = dgram.createSocket('udp4');
    const answered = await new Promise<boolean>((done) => {
      const timer = setTimeout(() => done(false), Math.min(200, Math.max(1, deadline - Date.now())));
      socket.once('message', () => {
        clearTimeout(timer);
        done(true);
      });
      socket.once('error', () => undefined); // ICMP port unreachable before the server binds: try again
      socket.send(query, port, '127.0.0.1');
    });
    socket.close();
    if (answered) return;
  }
  throw new Error(`no DNS answer on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/** SIGTERM, then SIGKILL if the process has not exited after `graceMs`. Resolves once it exited. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return done();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}
