/**
 * A private Debian Unbound for tests: its own configuration, in the foreground, on one loopback
 * address, forwarding one zone to mxlb with a stub-zone (docs/senders.md, "Unbound") and refusing
 * every other name, so it never sends a query off the machine. `stop()` is idempotent.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dig } from './dig.ts';
import { eventually } from './poll.ts';

export interface PrivateUnbound {
  host: string;
  port: number;
  config: string;
  stop(): Promise<void>;
}

/** The docs' recipe plus what a test needs (foreground, no privilege drop, loopback only). */
export function unboundConfig(listen: { host: string; port: number }, zone: string, mxlb: { host: string; port: number }, dir: string): string {
  return `server:
  interface: ${listen.host}
  port: ${listen.port}
  access-control: 127.0.0.0/8 allow
  do-ip6: no
  username: ""
  chroot: ""
  directory: "${dir}"
  pidfile: "${dir}/unbound.pid"
  use-syslog: no
  logfile: ""
  num-threads: 1
  # mxlb listens on loopback: Unbound refuses to query 127.0.0.0/8 and ::1 unless told otherwise.
  do-not-query-localhost: no
  # The relay zone is not signed and its parent does not vouch for that: never validate it.
  domain-insecure: "${zone}"
  # Tests only: nothing but the relay zone is resolved (no query leaves the machine).
  local-zone: "." refuse
  local-zone: "${zone}" transparent

stub-zone:
  name: "${zone}"
  stub-addr: ${mxlb.host}@${mxlb.port}
`;
}

export async function startUnbound(listen: { host: string; port: number }, zone: string, mxlb: { host: string; port: number }, probeName: string): Promise<PrivateUnbound> {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-unbound-'));
  chmodSync(dir, 0o755);
  const config = join(dir, 'unbound.conf');
  writeFileSync(config, unboundConfig(listen, zone, mxlb, dir));
  const child = spawn('unbound', ['-d', '-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`unbound exited: ${stderr}`);
        return (await dig(listen.host, listen.port, [probeName, 'A'])).status === 'NOERROR';
      },
      { timeoutMs: 10_000, intervalMs: 100, what: `unbound answering ${probeName}` },
    );
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return { host: listen.host, port: listen.port, config, stop };
}
