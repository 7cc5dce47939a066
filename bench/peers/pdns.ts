/**
 * PowerDNS Authoritative (Debian `pdns-server` + `pdns-backend-bind`) serving the balanced name as
 * a LUA record `ifportup(<mta port>, {…})` with every option at its default: health checks every
 * `lua-health-checks-interval` (5 s), a 2 s connect timeout, one failed TCP connect marks an
 * address down and one success brings it back (no rise/fall), and the default selector `random`
 * returns ONE up address per query (all addresses when none is up).
 *
 * Runs in the foreground with its own config dir (no /etc/powerdns), bind backend, and
 * `security-poll-suffix=` empty so it sends no security-status query off the machine.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, stopper, tail, waitAnswering, which, type DnsPeer, type PeerSetup } from './common.ts';

export const PDNS_INSTALL = 'apt-get install -y pdns-server pdns-backend-bind';

export function pdnsInstalled(): boolean {
  return which('pdns_server') !== undefined;
}

export async function startPdns(setup: PeerSetup): Promise<DnsPeer> {
  const port = await freePort();
  const zoneFile = join(setup.dir, `${setup.origin}.zone`);
  const list = setup.addresses.map((a) => `'${a}'`).join(', ');
  writeFileSync(
    zoneFile,
    [
      '$TTL 30',
      `@ IN SOA ns1.${setup.origin}. hostmaster.${setup.origin}. 1 3600 600 86400 30`,
      `@ IN NS ns1.${setup.origin}.`,
      'ns1 IN A 127.0.0.1',
      `smtp 30 IN LUA A "ifportup(${setup.mtaPort}, {${list}})"`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(setup.dir, 'named.conf'), `zone "${setup.origin}" { type master; file "${zoneFile}"; };\n`);
  writeFileSync(
    join(setup.dir, 'pdns.conf'),
    [
      'launch=bind',
      `bind-config=${join(setup.dir, 'named.conf')}`,
      `local-address=127.0.0.1:${port}`,
      'enable-lua-records=yes',
      'security-poll-suffix=',
      `socket-dir=${setup.dir}`,
      'loglevel=4',
      '',
    ].join('\n'),
  );
  const child = spawn('pdns_server', [`--config-dir=${setup.dir}`, '--daemon=no', '--guardian=no', '--disable-syslog'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = tail(child);
  const stop = stopper(child);
  try {
    await waitAnswering(port, child);
  } catch (error) {
    await stop();
    throw new Error(`pdns: ${(error as Error).message}\n${output()}`);
  }
  return { name: 'pdns', port, profile: 'LUA ifportup, defaults: check every 5 s, 2 s timeout, 1 failure = down, 1 success = up, selector random (1 address)', stop };
}
