/**
 * Many SMTP responders on loopback for scale tests and `npm run bench:probes`: `count` members,
 * each on its own 127.20.x.y address and ephemeral port, served by a few child processes of at most
 * `perProcess` listeners each (mta-farm-main.ts, raw node:net: banner, EHLO, QUIT). A slice of
 * members can be stopped (listeners closed: connections refused) and started again on the same
 * address and port. `close()` ends every child (stdin closed, then SIGKILL after a deadline).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface FarmMember {
  index: number;
  address: string;
  port: number;
}

export interface MtaFarm {
  members: FarmMember[];
  /** Closes the listeners of members [from, to): probes get connection refused. Resolves when done. */
  stop(from: number, to: number): Promise<void>;
  /** Re-opens the listeners of members [from, to) on their address and port. */
  start(from: number, to: number): Promise<void>;
  /** Process ids of the children (for CPU accounting). */
  pids: number[];
  close(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./mta-farm-main.ts', import.meta.url));

interface Child {
  first: number;
  count: number;
  proc: ChildProcess;
  lines: Interface;
  next(): Promise<Record<string, unknown>>;
}

function startChild(first: number, count: number): Child {
  const proc = spawn(process.execPath, ['--import=tsx', MAIN, '--first', String(first), '--count', String(count)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: proc.stdout! });
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else queue.push(line);
  });
  const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`mta farm child exited (${code})`))));
  exited.catch(() => undefined);
  const next = (): Promise<Record<string, unknown>> => {
    const line = queue.shift();
    const got = line !== undefined ? Promise.resolve(line) : new Promise<string>((resolve) => waiting.push(resolve));
    return Promise.race([got, exited]).then((text) => JSON.parse(text) as Record<string, unknown>);
  };
  return { first, count, proc, lines, next };
}

export async function startMtaFarm(options: { count: number; perProcess?: number; timeoutMs?: number }): Promise<MtaFarm> {
  const per = options.perProcess ?? 2500;
  const children: Child[] = [];
  for (let first = 0; first < options.count; first += per) children.push(startChild(first, Math.min(per, options.count - first)));
  const close = async (): Promise<void> => {
    await Promise.all(
      children.map(async (child) => {
        if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
        const gone = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
        child.proc.stdin!.end();
        const timer = setTimeout(() => child.proc.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(timer);
      }),
    );
  };
  const members: FarmMember[] = [];
  try {
    const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('mta farm did not start in time')), options.timeoutMs ?? 60_000).unref());
    for (const child of children) {
      const ready = (await Promise.race([child.next(), deadline])) as { members: [string, number][] };
      ready.members.forEach(([address, port], i) => members.push({ index: child.first + i, address, port }));
    }
  } catch (error) {
    await close();
    throw error;
  }
  const command = async (op: 'stop' | 'start', from: number, to: number): Promise<void> => {
    const touched = children.filter((c) => c.first < to && c.first + c.count > from);
    await Promise.all(
      touched.map(async (child) => {
        child.proc.stdin!.write(`${JSON.stringify({ op, from, to })}\n`);
        const reply = await child.next();
        if ('error' in reply) throw new Error(`mta farm ${op} failed: ${String(reply.error)}`);
      }),
    );
  };
  return {
    members,
    pids: children.map((c) => c.proc.pid!),
    stop: (from, to) => command('stop', from, to),
    start: (from, to) => command('start', from, to),
    close,
  };
}
