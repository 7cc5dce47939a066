/**
 * A real DNSBL for tests: Debian's rbldnsd on a loopback address and a free UDP port, serving
 * `ip4set` zones from files in its own temporary folder. `stop()` ends it and removes the folder.
 * `setZone` rewrites a zone's file; rbldnsd reloads it at its next check (`checkSeconds`, `-c`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { chmod, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './poll.ts';

export interface Rbldnsd {
  readonly resolver: string;
  /** Replaces the zone's ip4set text; served after rbldnsd's next check (see `checkSeconds`). */
  setZone(zone: string, text: string): Promise<void>;
  stop(): Promise<void>;
}

export interface RbldnsdOptions {
  host?: string;
  /** rbldnsd `-c`: seconds between checks of the zone files for changes (rbldnsd's default: 60). */
  checkSeconds?: number;
}

async function freeUdpPort(host: string): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, host, () => resolve()));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** `zones`: zone name → ip4set file text (rbldnsd(8): `:A:TXT` default line, then addresses or ranges). */
export async function startRbldnsd(zones: Record<string, string>, hostOrOptions: string | RbldnsdOptions = '127.0.0.1'): Promise<Rbldnsd> {
  const options = typeof hostOrOptions === 'string' ? { host: hostOrOptions } : hostOrOptions;
  const host = options.host ?? '127.0.0.1';
  const fileOf = (zone: string) => `${zone.replace(/[^a-z0-9.-]/gi, '_')}.txt`;
  const dir = await mkdtemp(join(tmpdir(), 'mxlb-rbldnsd-'));
  // rbldnsd drops root for `nobody` before it reads its files: mkdtemp's 0700 would lock it out.
  await chmod(dir, 0o755);
  const specs: string[] = [];
  for (const [zone, text] of Object.entries(zones)) {
    const file = fileOf(zone);
    await writeFile(join(dir, file), text, { mode: 0o644 });
    specs.push(`${zone}:ip4set:${file}`);
  }
  const port = await freeUdpPort(host);
  const check = options.checkSeconds !== undefined ? ['-c', String(options.checkSeconds)] : [];
  const child: ChildProcess = spawn('rbldnsd', ['-n', '-u', 'nobody', '-w', dir, '-b', `${host}/${port}`, ...check, ...specs], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // Ready when it answers the first zone's RFC 5782 §5 test point (or anything at all for that zone).
    const probe = new Resolver({ timeout: 200, tries: 1 });
    probe.setServers([`${host}:${port}`]);
    const first = Object.keys(zones)[0]!;
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`rbldnsd exited: ${stderr}`);
      return probe.resolve4(`2.0.0.127.${first}`).then(() => true, (e: { code?: string }) => e.code === 'ENOTFOUND' || e.code === 'ENODATA');
    }, { timeoutMs: 10_000, what: 'rbldnsd answering' });
  } catch (error) {
    await stop();
    throw error;
  }
  let generation = 0;
  const setZone = async (zone: string, text: string): Promise<void> => {
    if (!(zone in zones)) throw new Error(`rbldnsd serves no zone ${zone}`);
    const file = join(dir, fileOf(zone));
    await writeFile(file, text, { mode: 0o644 });
    // rbldnsd compares modification times in whole seconds: make this one differ for sure.
    const at = Date.now() / 1000 + 10 * ++generation;
    await utimes(file, at, at);
  };
  return { resolver: `${host}:${port}`, setZone, stop };
}
