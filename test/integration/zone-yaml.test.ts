/**
 * YAML balanced zones end to end (issue 3 item 1): the real `mxlb serve` process loads a YAML zone
 * from a zones folder, probes its members (real SMTP servers on loopback), answers the balanced name
 * and the MX binding over real dig; a broken edit is logged as `file:line: reason` while the last
 * good zone keeps serving; `mxlb zone validate` (bin/mxlb.js) reports the same line and exits 1.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dig } from '../helpers/dig.ts';
import { startMta, type Mta } from '../helpers/mta.ts';
import { BIN, startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

const ORIGIN = 'yaml.test';

interface Setup {
  dir: string;
  file: string;
  mxlb: MxlbProcess;
  up: Mta;
  downPort: number;
}

const zoneYaml = (up: Mta, downPort: number) => `# a balanced zone for the integration test
records: |
  $TTL 300
  @    SOA ns1 hostmaster 1 1h 15m 1w 5m
       NS  ns1
  ns1  A   127.0.0.1
probe:
  interval: 200ms
  recheck: 100ms
  rise: 1
  fall: 1
  timeouts: {connect: 500ms, banner: 1s, ehlo: 1s}
pools:
  primary:
    members:
      - {name: up, address: ${up.host}, port: ${up.port}}
      - {name: down, address: 127.0.0.1, port: ${downPort}}
  backup:
    members:
      - {name: dr, address: 127.0.0.1, port: ${downPort}, host: dr.elsewhere.test.}
names:
  smtp:
    tiers: [primary, backup]
    ttl: 30
    degraded-ttl: 4
mx:
  "@": {from: smtp, ttl: 60}
`;

async function setup(t: { teardown(fn: () => Promise<unknown> | void): void }): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-yaml-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const up = await startMta({ host: '127.0.0.31' });
  t.teardown(() => up.stop());
  // A port nobody listens on: an MTA that was there and stopped.
  const gone = await startMta({ host: '127.0.0.1' });
  const downPort = gone.port;
  await gone.stop();
  const file = join(dir, `${ORIGIN}.yaml`);
  writeFileSync(file, zoneYaml(up, downPort));
  const mxlb = await startMxlb(['--zones', dir, '--state-file', '']);
  t.teardown(() => mxlb.stop());
  return { dir, file, mxlb, up, downPort };
}

async function query(mxlb: MxlbProcess, name: string, type: string) {
  const { host, port } = mxlb.dns[0]!;
  return dig(host, port, [name, type]);
}

/** The A answer once probes have settled: only the MTA that answers SMTP, at the degraded TTL. */
async function settledA(mxlb: MxlbProcess, expected: string[]) {
  return eventually(async () => {
    const reply = await query(mxlb, `smtp.${ORIGIN}`, 'A');
    const addresses = reply.answer.map((f) => f[4]!).sort();
    return JSON.stringify(addresses) === JSON.stringify(expected) ? reply : undefined;
  }, { timeoutMs: 15_000, what: `A answer ${expected.join(', ')}` });
}

function mxlbCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

test('serves the YAML zone: health-filtered A, MX with preference per tier, host A in additional', async (t) => {
  const { mxlb, up } = await setup(t);
  const a = await settledA(mxlb, [up.host]);
  t.is(a.status, 'NOERROR');
  t.true(a.flags.has('aa'));
  // primary/down is down: the serving tier is degraded, so the answer carries the degraded TTL.
  t.deepEqual(a.answer.map((f) => [f[0], f[1], f[3]]), [[`smtp.${ORIGIN}.`, '4', 'A']]);

  // The backup tier's only member (dr) is down too once probed: then only the primary host is published.
  const mx = await eventually(async () => {
    const reply = await query(mxlb, ORIGIN, 'MX');
    return reply.answer.length === 1 ? reply : undefined;
  }, { timeoutMs: 15_000, what: 'MX answer without the down backup' });
  t.is(mx.status, 'NOERROR');
  t.deepEqual(mx.answer.map((f) => f.slice(1).join(' ')), [`4 IN MX 10 up.${ORIGIN}.`]);
  t.deepEqual(mx.additional.filter((f) => f[3] === 'A').map((f) => [f[0], f[4]]), [[`up.${ORIGIN}.`, up.host]]);

  // The member's in-zone host is served from the zone; the balanced name has no other data.
  const host = await query(mxlb, `up.${ORIGIN}`, 'A');
  t.deepEqual(host.answer.map((f) => f[4]), [up.host]);
  const txt = await query(mxlb, `smtp.${ORIGIN}`, 'TXT');
  t.is(txt.status, 'NOERROR');
  t.is(txt.counts.answer, 0);
});

test('a broken YAML edit is logged with file:line and the last good zone keeps serving; a fixed edit loads', async (t) => {
  const { file, mxlb, up, downPort } = await setup(t);
  await settledA(mxlb, [up.host]);

  const good = readFileSync(file, 'utf8');
  const broken = good.replace('tiers: [primary, backup]', 'tiers: [primary, backpu]');
  const line = broken.split('\n').findIndex((l) => l.includes('backpu')) + 1;
  writeFileSync(file, broken);
  mxlb.child.kill('SIGHUP');
  const logged = await mxlb.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes(`${ORIGIN}.yaml:${line}:`), 15_000);
  t.regex(String(logged.msg), /unknown pool "backpu" \(did you mean "backup"\?\)/);
  const during = await query(mxlb, `smtp.${ORIGIN}`, 'A');
  t.deepEqual(during.answer.map((f) => f[4]), [up.host], 'the last good zone is still served');

  // The same problem, offline, from the CLI.
  const validate = await mxlbCli('zone', 'validate', file);
  t.is(validate.code, 1);
  t.true(validate.stderr.includes(`${file}:${line}: balanced name smtp tier 1: unknown pool "backpu" (did you mean "backup"?); pools: primary, backup\n`), validate.stderr);

  // A good edit: a second healthy MTA joins the primary pool and appears in the answers.
  const second = await startMta({ host: '127.0.0.32' });
  t.teardown(() => second.stop());
  writeFileSync(file, zoneYaml(up, downPort).replace('      - {name: down,', `      - {name: up2, address: ${second.host}, port: ${second.port}}\n      - {name: down,`));
  mxlb.child.kill('SIGHUP');
  await settledA(mxlb, [up.host, second.host].sort());
  const ok = await mxlbCli('zone', 'validate', file);
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout, new RegExp(`^${ORIGIN.replace('.', '\\.')}\\. +\\S+ +\\d+ records +serial 1 +2 pools, 4 members, 1 balanced name$`, 'm'));
});

test('a YAML zone with a sibling .zone: the sibling is served, and saving it reloads the zone (no SIGHUP)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-yaml-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sibling = join(dir, 'sib.test.zone');
  const master = (text: string) => `$TTL 300\n@ SOA ns1 hostmaster 1 1h 15m 1w 5m\n  NS ns1\nns1 A 127.0.0.1\n@ TXT "${text}"\n`;
  writeFileSync(sibling, master('before'));
  writeFileSync(join(dir, 'sib.test.yaml'), 'pools:\n  sib:\n    members: [{name: m1, address: 127.0.0.33, port: 9}]\nnames:\n  smtp: {tiers: sib}\n');
  const mxlb = await startMxlb(['--zones', dir, '--state-file', '']);
  t.teardown(() => mxlb.stop());

  const txt = async () => (await query(mxlb, 'sib.test', 'TXT')).answer.map((f) => f.slice(4).join(' '));
  t.deepEqual(await txt(), ['"before"']);
  const a = await query(mxlb, 'smtp.sib.test', 'A');
  t.deepEqual(a.answer.map((f) => f[4]), ['127.0.0.33'], 'fail-open or unknown: the only member is answered');

  writeFileSync(sibling, master('after'));
  const after = await eventually(async () => {
    const now = await txt();
    return now.includes('"after"') ? now : undefined;
  }, { timeoutMs: 15_000, what: 'the edited sibling served' });
  t.deepEqual(after, ['"after"']);
});
