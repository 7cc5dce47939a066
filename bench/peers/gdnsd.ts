/**
 * gdnsd 3.8 (Debian `gdnsd`) serving the balanced name as `DYNA multifo!relay`, monitored by a
 * `tcp_connect` service type on the MTA port with every timing at its default: a check every 10 s
 * (`interval`), 5 s timeout, down after 10 failures (`down_thresh`), up again after 20 successes in
 * a row (`up_thresh`). multifo answers every address not DOWN (all of them when fewer than half
 * are up, `up_thresh` 0.5).
 *
 * Runs in the foreground (`gdnsd -c <dir> start`) with its run and state dirs in the scratch dir,
 * so it needs no /run/gdnsd and never touches a system instance. Its first monitoring round
 * happens before it answers: the MTAs must be up when it starts.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, stopper, tail, waitAnswering, which, type DnsPeer, type PeerSetup } from './common.ts';

export const GDNSD_INSTALL = 'apt-get install -y gdnsd';

export function gdnsdInstalled(): boolean {
  return which('gdnsd') !== undefined;
}

export async function startGdnsd(setup: PeerSetup): Promise<DnsPeer> {
  const port = await freePort();
  mkdirSync(join(setup.dir, 'zones'), { recursive: true });
  const members = setup.addresses.map((a, i) => `      m${i + 1} => ${a}`);
  writeFileSync(
    join(setup.dir, 'config'),
    [
      'options => {',
      `  listen => [ 127.0.0.1:${port} ]`,
      `  run_dir => ${join(setup.dir, 'run')}`,
      `  state_dir => ${join(setup.dir, 'state')}`,
      '}',
      'service_types => {',
      `  smtp => { plugin => tcp_connect, port => ${setup.mtaPort} }`,
      '}',
      'plugins => {',
      '  multifo => {',
      '    relay => {',
      '      service_types => smtp',
      ...members,
      '    }',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(setup.dir, 'zones', setup.origin),
    ['$TTL 30', '@ SOA ns1 hostmaster 1 3600 600 86400 30', '@ NS ns1', '@ NS ns2', 'ns1 A 127.0.0.1', 'ns2 A 127.0.0.1', 'smtp 30 DYNA multifo!relay', ''].join('\n'),
  );
  const child = spawn('gdnsd', ['-c', setup.dir, 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = tail(child);
  const stop = stopper(child);
  try {
    await waitAnswering(port, child);
  } catch (error) {
    await stop();
    throw new Error(`gdnsd: ${(error as Error).message}\n${output()}`);
  }
  return { name: 'gdnsd', port, profile: 'multifo + tcp_connect, defaults: check every 10 s, 5 s timeout, down after 10 failures, up after 20 successes', stop };
}
