import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dig } from '../helpers/dig.ts';
import { startMta, type Mta } from '../helpers/mta.ts';
import { BIN, startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

/**
 * `mxlb zone …` through bin/mxlb.js against a real `mxlb serve`: a member added with the CLI is
 * picked up by the server's folder watcher and, once its real MTA passes the probe, answered.
 */
const cleanups: Array<() => unknown> = [];
test.after.always(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function mxlbCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function zoneText(mta1: Mta): string {
  return [
    '# Test relay zone (comments must survive CLI edits).',
    'records: |',
    '  @   60 IN SOA ns1 hostmaster 1 60 60 60 5',
    '  @   60 IN NS  ns1',
    '  ns1 60 IN A   127.0.0.1',
    'probe:',
    '  interval: 200ms   # quick, for the test',
    'pools:',
    '  primary:',
    '    members:',
    `      - name: mta1        # the first relay`,
    `        address: ${mta1.host}`,
    `        port: ${mta1.port}`,
    'names:',
    '  smtp:',
    '    tiers: [primary]',
    '',
  ].join('\n');
}

async function answers(server: MxlbProcess): Promise<string[]> {
  const result = await dig(server.dns[0]!.host, server.dns[0]!.port, ['smtp.relay.test', 'A', '+norecurse']);
  return result.answer.map((r) => r[4]!).sort();
}

test('zone member add reaches a running server through its reload; a refused edit changes nothing', async (t) => {
  const mta1 = await startMta({ host: '127.0.0.31' });
  const mta2 = await startMta({ host: '127.0.0.32' });
  cleanups.push(() => mta1.stop(), () => mta2.stop());
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-zone-cli-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'relay.test.yaml');
  writeFileSync(file, zoneText(mta1));
  const server = await startMxlb(['--zones', dir, '--state-file', '']);
  cleanups.push(() => server.stop());
  await eventually(async () => (await answers(server)).join(',') === '127.0.0.31', { timeoutMs: 15_000, what: 'mta1 answered' });

  const add = await mxlbCli(['zone', 'member', 'add', 'relay.test', 'primary', 'mta2', '--address', mta2.host, '--port', String(mta2.port), '--zones', dir]);
  t.is(add.code, 0, add.stderr);
  t.is(add.stdout, `${file}: added member primary/mta2 (address 127.0.0.32, port ${mta2.port}); SOA serial 1 → 2\n`);
  // Only the SOA serial (raised by the edit) and the inserted lines differ from the original.
  t.true(readFileSync(file, 'utf8').startsWith(zoneText(mta1).replace('hostmaster 1 60', 'hostmaster 2 60').trimEnd().split('\nnames:')[0]!), 'lines before the insertion are unchanged but the serial');
  t.regex(readFileSync(file, 'utf8'), /# the first relay\n {8}address: 127\.0\.0\.31\n {8}port: \d+\n {6}- name: mta2\n {8}address: 127\.0\.0\.32\n/);
  await eventually(async () => (await answers(server)).join(',') === '127.0.0.31,127.0.0.32', { timeoutMs: 15_000, what: 'mta2 answered after the CLI edit' });
  // A member without a verdict yet is answered (src/pool/effective.ts), so the answer can come
  // before the first probe does: wait for the probe, with a deadline.
  await eventually(() => mta2.connections > 0, { timeoutMs: 15_000, what: 'the new member probed over SMTP' });
  t.true(mta2.connections > 0, 'the new member was probed over SMTP');

  // A second member on the same address and port is refused and the file stays byte-identical.
  const before = readFileSync(file);
  const same = await mxlbCli(['zone', 'member', 'add', 'relay.test', 'primary/mta3', '--address', mta2.host, '--port', String(mta2.port), '--zones', dir]);
  t.is(same.code, 1);
  t.regex(same.stderr, /relay\.test\.yaml:\d+: member primary\/mta3 probes 127\.0\.0\.32:\d+, like member mta2 of the same pool/);
  t.true(readFileSync(file).equals(before));
});

test('zone list/show over the CLI (--zones and MXLB_ZONES)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-zone-cli-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'relay.test.yaml'), readFileSync('test/fixtures/yaml-edit/input.yaml'));
  const list = await mxlbCli(['zone', 'list', '--zones', dir]);
  t.is(list.code, 0, list.stderr);
  t.regex(list.stdout, /^relay\.test\. +relay\.test\.yaml +balanced +2024060101 +7 +3 +4 +ok$/m);
  const listEnv = await new Promise<string>((resolve) => execFile(process.execPath, [BIN, 'zone', 'list', '--json'], { env: { ...process.env, MXLB_ZONES: dir } }, (_e, out) => resolve(out)));
  t.is((JSON.parse(listEnv) as { zones: unknown[] }).zones.length, 1);
  const show = await mxlbCli(['zone', 'show', 'relay.test', '--zones', dir, '--json']);
  t.is(show.code, 0);
  t.is((JSON.parse(show.stdout) as { origin: string }).origin, 'relay.test.');

});

test('zone usage errors exit 2 before touching the file; --help works on subcommands', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-zone-cli-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'relay.test.yaml'), readFileSync('test/fixtures/yaml-edit/input.yaml'));
  const usageCases = [
    ['zone', 'member', 'add', 'relay.test', 'primary', 'x', '--zones', dir],
    ['zone', 'member', 'add', 'relay.test', 'primary', 'x', '--address', '300.1.1.1', '--zones', dir],
    ['zone', 'member', 'set', 'relay.test', 'primary-mta1', '--weight', '5', '--zones', dir],
    ['zone', 'member', 'set', 'relay.test', 'primary/mta1', '--weight', 'lots', '--zones', dir],
    ['zone', 'show', 'relay.test', '--zones', join(dir, 'missing')],
    ['zone', 'lsit'],
  ];
  for (const args of usageCases) {
    const run = await mxlbCli(args);
    t.is(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    t.regex(run.stderr, /^mxlb: /, args.join(' '));
  }
  t.true(readFileSync(join(dir, 'relay.test.yaml')).equals(readFileSync('test/fixtures/yaml-edit/input.yaml')));
  for (const sub of [['show'], ['member', 'add'], ['push']]) {
    const help = await mxlbCli(['zone', ...sub, '--help']);
    t.is(help.code, 0, sub.join(' '));
    t.regex(help.stdout, /--help/, sub.join(' '));
  }
});
