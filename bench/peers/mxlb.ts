/**
 * mxlb itself (`bin/mxlb.js serve`, the real CLI) serving the balanced name from a YAML zone with
 * no `probe:` section, i.e. DEFAULT_PROBE_SETTINGS (src/pool/model.ts): SMTP probe (connect,
 * 220 banner, EHLO, QUIT) every 1 s ±10 %, a re-check 250 ms after a result that disagrees with
 * the state, fall 2, rise 2; connect/banner/EHLO timeouts 1/3/2 s. Answers carry every healthy
 * member (max 8), so one query shows the whole healthy set.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stopper, tail, waitAnswering, type DnsPeer, type PeerSetup } from './common.ts';

const BIN = fileURLToPath(new URL('../../bin/mxlb.js', import.meta.url));

export function mxlbZone(setup: PeerSetup): string {
  return [
    'records: |',
    '  $TTL 30',
    '  @ SOA ns1 hostmaster 1 3600 600 86400 30',
    '  @ NS ns1',
    '  ns1 A 127.0.0.1',
    'pools:',
    '  relays:',
    '    members:',
    ...setup.addresses.map((a, i) => `      - { name: m${i + 1}, address: ${a}, port: ${setup.mtaPort} }`),
    'names:',
    '  smtp:',
    '    tiers: [relays]',
    '',
  ].join('\n');
}

export async function startMxlbPeer(setup: PeerSetup): Promise<DnsPeer> {
  const zones = join(setup.dir, 'zones');
  mkdirSync(zones, { recursive: true });
  writeFileSync(join(zones, `${setup.origin}.yaml`), mxlbZone(setup));
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--zones', zones, '--dns', '127.0.0.1:0', '--http', '127.0.0.1:0', '--state-file', '', '--log-level', 'info'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = tail(child);
  const stop = stopper(child);
  try {
    const port = await new Promise<number>((done, fail) => {
      const timer = setTimeout(() => fail(new Error('no "mxlb serving" log line within 20 s')), 20_000);
      createInterface({ input: child.stdout! }).on('line', (text) => {
        try {
          const line = JSON.parse(text) as { msg?: string; dns?: string[] };
          const match = line.msg === 'mxlb serving' ? /:(\d+)$/.exec(line.dns?.[0] ?? '') : null;
          if (match) {
            clearTimeout(timer);
            done(Number(match[1]));
          }
        } catch {
          // not a JSON log line
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`exited with ${code}`));
      });
    });
    await waitAnswering(port, child);
    return { name: 'mxlb', port, profile: 'SMTP probe, defaults: every 1 s ±10 %, re-check 250 ms, fall 2, rise 2, banner timeout 3 s', stop };
  } catch (error) {
    await stop();
    throw new Error(`mxlb: ${(error as Error).message}\n${output()}`);
  }
}
