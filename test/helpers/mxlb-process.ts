import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Endpoint } from '../../src/config.ts';

export const BIN = fileURLToPath(new URL('../../bin/mxlb.js', import.meta.url));

export interface MxlbProcess {
  child: ChildProcess;
  dns: Endpoint[];
  http: Endpoint;
  /** Every JSON log line seen so far. */
  logs: Record<string, unknown>[];
  /** Waits (with a deadline) for a log line matching the predicate. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGTERM, then waits for exit (SIGKILL after the deadline). Returns the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts the real `mxlb serve` as a child process on ephemeral loopback ports and reads the bound
 * addresses back from its "mxlb serving" log line. With one answering worker (MXLB_WORKERS=1)
 * unless `--workers` or `options.env` says otherwise: many tests count cache hits or predict ring
 * slots of one answer cache, and with several workers each has its own (the default, one per CPU,
 * is tested in test/integration/dns-workers.test.ts).
 */
export async function startMxlb(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; /** Run exactly this command (e.g. an installed package's, as the Dockerfile writes it) instead of this checkout's `bin/mxlb.js serve` on ephemeral ports; `args` are appended. */ command?: string[] } = {},
): Promise<MxlbProcess> {
  const [file, ...argv] = options.command ?? [process.execPath, BIN, 'serve', '--dns', '127.0.0.1:0', '--http', '127.0.0.1:0', '--log-level', 'debug'];
  const child = spawn(file!, [...argv, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { MXLB_WORKERS: '1', ...process.env, ...options.env },
  });
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<{ predicate: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }>();
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    logs.push(line);
    for (const waiter of waiters) {
      if (waiter.predicate(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitForLog = (predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 10_000) => {
    const seen = logs.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const waiter = { predicate, resolve: (line: Record<string, unknown>) => (clearTimeout(timer), resolve(line)) };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
      }, timeoutMs);
      waiters.add(waiter);
      void exited.then((code) => {
        if (!waiters.has(waiter)) return;
        waiters.delete(waiter);
        clearTimeout(timer);
        reject(new Error(`mxlb exited with ${code} before the log line; stderr: ${stderr.slice(-2000)}`));
      });
    });
  };

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(killer);
    return code;
  };

  try {
    const serving = await waitForLog((line) => line.msg === 'mxlb serving', options.timeoutMs ?? 20_000);
    const dns = (serving.dns as string[]).map(parseHostPort);
    const http = parseHostPort(serving.http as string);
    return { child, dns, http, logs, waitForLog, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function parseHostPort(text: string): Endpoint {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (!match) throw new Error(`cannot parse endpoint ${text}`);
  return { host: match[1]!, port: Number(match[2]) };
}
