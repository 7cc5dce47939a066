/**
 * `mxlb probe POOL/MEMBER` (issue 16): probes with the member's address and port and its pool's
 * EHLO name, STARTTLS mode, timeouts and banner pattern from the zone — the probe the server runs —
 * against a real SMTP server on loopback; an unknown member is a usage error naming the known ones.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startMta } from '../helpers/mta.ts';
import { BIN } from '../helpers/mxlb-process.ts';

const run = promisify(execFile);

function zone(port: number): string {
  return `records: |
  @ 300 SOA ns1 hostmaster 1 1h 15m 1w 1m
  @ 300 NS ns1
  ns1 300 A 127.0.0.1
probe:
  ehlo: probe-from-zone.test
  timeouts: {connect: 700ms, banner: 900ms}
pools:
  good:
    members:
      - {name: m1, address: 127.0.0.91, port: ${port}}
  picky:
    probe: {banner: "^NOT-THIS-SERVER"}
    members:
      - {name: m2, address: 127.0.0.91, port: ${port}}
names:
  smtp: {tiers: [good, picky]}
`;
}

test("probe POOL/MEMBER uses the member's address, port, EHLO and banner pattern from the zone", async (t) => {
  const mta = await startMta({ host: '127.0.0.91', port: 0 });
  t.teardown(() => mta.stop());
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-probe-member-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'probe-member.test.yaml'), zone(mta.port));

  const good = await run(process.execPath, [BIN, 'probe', 'good/m1', '--zones', dir]);
  t.regex(good.stdout, /^member {8}good\/m1, settings from .*probe-member\.test\.yaml$/m);
  t.regex(good.stdout, new RegExp(`^probe {9}127\\.0\\.0\\.91:${mta.port}  starttls=off  ehlo=probe-from-zone\\.test$`, 'm'));
  t.regex(good.stdout, /^verdict {7}OK/m);
  t.true(mta.connections >= 1);

  const picky = await run(process.execPath, [BIN, 'probe', 'picky/m2', '--zones', dir, '--json']).then(
    () => undefined,
    (error: { code: number; stdout: string }) => error,
  );
  t.is(picky?.code, 1, 'the pool banner pattern fails the probe');
  t.is(JSON.parse(picky!.stdout).reason, 'banner-mismatch');

  const unknown = await run(process.execPath, [BIN, 'probe', 'good/nope', '--zones', dir]).then(
    () => undefined,
    (error: { code: number; stderr: string }) => error,
  );
  t.is(unknown?.code, 2);
  t.regex(unknown!.stderr, /no member good\/nope in the zones in .* \(members: good\/m1, picky\/m2\)/);
});
