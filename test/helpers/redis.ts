import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A real redis-server (Debian's) for tests: loopback only, a free port, its own temporary folder,
 * no persistence (`--save '' --appendonly no`), so a restart is a Redis that lost its data unless
 * the test says otherwise. `kill()` is a crash (SIGKILL), `stop()` a clean shutdown; `start()`
 * brings it back on the same port.
 */
export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** `redis://host:port` (`rediss://` with TLS) */
  readonly url: string;
  readonly dir: string;
  readonly running: boolean;
  /** Runs redis-cli against this server and returns its trimmed output. */
  cli(...args: string[]): Promise<string>;
  /** SIGKILL: Redis vanishes mid-conversation, as in a crash or a cut cable. */
  kill(): Promise<void>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** Starts again on the same host and port (after kill or stop). */
  start(): Promise<void>;
  /** Stops the server and removes its folder. Safe to call twice. */
  close(): Promise<void>;
}

export interface StartRedisOptions {
  host?: string;
  /** Extra redis-server arguments, e.g. ['--requirepass', 'x']. */
  args?: string[];
  /** Serve TLS only (no plain port), with this certificate and key (PEM files). */
  tls?: { cert: string; key: string };
  timeoutMs?: number;
}

/** A port that was free a moment ago (redis-server cannot listen on port 0 and report it). */
async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function launch(host: string, port: number, dir: string, extra: string[], timeoutMs: number, tls?: { cert: string; key: string }): Promise<ChildProcess> {
  const ports = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-auth-clients', 'no']
    : ['--port', String(port)];
  const child = spawn(
    'redis-server',
    [...ports, '--bind', host, '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', '', '--daemonize', 'no', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on ${host}:${port} not ready within ${timeoutMs} ms: ${output.slice(-1000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout!.removeListener('data', onData);
        child.stdout!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on ${host}:${port} exited with ${code}: ${output.slice(-1000)}`));
    });
  });
}

function waitExit(child: ChildProcess, signal: NodeJS.Signals, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill(signal);
  });
}

export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const extra = options.args ?? [];
  const dir = await mkdtemp(join(tmpdir(), 'mxlb-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  // The free port can be taken between probing and binding: a few bounded attempts.
  for (let attempt = 1; ; attempt++) {
    port = await freePort(host);
    try {
      child = await launch(host, port, dir, extra, timeoutMs, options.tls);
      break;
    } catch (error) {
      if (attempt >= 5) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  let closed = false;
  const server: RedisServer = {
    host,
    port,
    url: `${options.tls ? 'rediss' : 'redis'}://${host}:${port}`,
    dir,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async cli(...args: string[]) {
      const tlsArgs = options.tls ? ['--tls', '--cacert', options.tls.cert] : [];
      const { stdout } = await run('redis-cli', ['-h', host, '-p', String(port), ...tlsArgs, ...args], { timeout: 5000 });
      return stdout.trim();
    },
    async kill() {
      if (child) await waitExit(child, 'SIGKILL');
    },
    async stop() {
      if (child) await waitExit(child, 'SIGTERM');
    },
    async start() {
      if (server.running) return;
      // The kernel may hold the port for a moment after a kill: retry within the deadline.
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          child = await launch(host, port, dir, extra, timeoutMs, options.tls);
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await server.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return server;
}

export interface SentinelServer {
  readonly host: string;
  readonly port: number;
  readonly masterName: string;
  close(): Promise<void>;
}

/**
 * A real Redis Sentinel (redis-server in sentinel mode) watching `primary` as `masterName`, with a
 * quorum of 1. Sentinel rewrites its config file, so it lives in its own temporary folder.
 */
export async function startSentinel(primary: RedisServer, masterName = 'mxlb', options: { authPass?: string; timeoutMs?: number } = {}): Promise<SentinelServer> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const dir = await mkdtemp(join(tmpdir(), 'mxlb-sentinel-'));
  const host = primary.host;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(host);
    const conf = join(dir, 'sentinel.conf');
    await writeFile(conf, [`port ${port}`, `bind ${host}`, `dir ${dir}`, `sentinel monitor ${masterName} ${primary.host} ${primary.port} 1`, `sentinel down-after-milliseconds ${masterName} 2000`, ...(options.authPass ? [`sentinel auth-pass ${masterName} ${options.authPass}`] : []), ''].join('\n'));
    const child = spawn('redis-server', [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const ready = await new Promise<boolean>((resolve) => {
      let output = '';
      const timer = setTimeout(() => resolve(false), timeoutMs);
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('+monitor master')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (ready) {
      child.stdout!.resume();
      return {
        host,
        port,
        masterName,
        async close() {
          await waitExit(child, 'SIGKILL');
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    await waitExit(child, 'SIGKILL');
    if (attempt >= 3) {
      await rm(dir, { recursive: true, force: true });
      throw new Error('redis sentinel did not start');
    }
  }
}
