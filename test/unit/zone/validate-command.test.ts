import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateZones } from '../../../src/cli/zone.ts';

const F = 'test/fixtures/zones';

test('a valid folder: one line per zone, exit 0', (t) => {
  t.deepEqual(validateZones(`${F}/valid`), {
    exitCode: 0,
    stdout: [
      `example.com.           ${F}/valid/example.com.zone  6 records  serial 2024060101`,
      `2.0.192.in-addr.arpa.  ${F}/valid/reverse.zone      3 records  serial 7`,
      '2 zone files valid',
      '',
    ].join('\n'),
    stderr: '',
  });
});

test('a broken folder: valid zones on stdout, each file:line: reason on stderr, exit 1', (t) => {
  t.deepEqual(validateZones(`${F}/broken`), {
    exitCode: 1,
    stdout: `good.example.  ${F}/broken/good.example.zone  3 records  serial 1\n`,
    stderr: [
      `${F}/broken/bad.example.zone:4: bad IPv4 address "192.0.2.300"`,
      `${F}/broken/z-duplicate.zone: zone good.example. is already loaded from ${F}/broken/good.example.zone`,
      '2 of 3 zone files invalid',
      '',
    ].join('\n'),
  });
});

test('one file, valid and broken', (t) => {
  const good = validateZones(`${F}/broken/good.example.zone`);
  t.is(good.exitCode, 0);
  t.is(good.stdout, `good.example.  ${F}/broken/good.example.zone  3 records  serial 1\n1 zone file valid\n`);
  const bad = validateZones(`${F}/broken/bad.example.zone`);
  t.is(bad.exitCode, 1);
  t.is(bad.stderr, `${F}/broken/bad.example.zone:4: bad IPv4 address "192.0.2.300"\n1 of 1 zone file invalid\n`);
});

test('--json: the same facts, machine-readable', (t) => {
  const valid = validateZones(`${F}/valid/reverse.zone`, { json: true });
  t.is(valid.exitCode, 0);
  t.deepEqual(JSON.parse(valid.stdout), {
    valid: true,
    zones: [{ origin: '2.0.192.in-addr.arpa', file: `${F}/valid/reverse.zone`, records: 3, serial: 7 }],
    errors: [],
  });
  const broken = validateZones(`${F}/broken`, { json: true });
  t.is(broken.exitCode, 1);
  t.is(broken.stderr, '');
  const report = JSON.parse(broken.stdout) as { valid: boolean; zones: Array<{ origin: string }>; errors: Array<{ file: string; line: number; reason: string; message: string }> };
  t.false(report.valid);
  t.deepEqual(report.zones.map((z) => z.origin), ['good.example']);
  t.deepEqual(report.errors[0], {
    file: `${F}/broken/bad.example.zone`,
    line: 4,
    reason: 'bad IPv4 address "192.0.2.300"',
    message: `${F}/broken/bad.example.zone:4: bad IPv4 address "192.0.2.300"`,
  });
  t.is(report.errors[1]?.line, 0);
});

test('usage errors exit 2: a missing path, a file that is not a zone file', (t) => {
  t.deepEqual(validateZones(`${F}/nope`), { exitCode: 2, stdout: '', stderr: `mxlb zone validate: ${F}/nope: no such file or folder\n` });
  t.deepEqual(validateZones(`${F}/valid/inc/hosts.inc`), { exitCode: 2, stdout: '', stderr: `mxlb zone validate: ${F}/valid/inc/hosts.inc: not a zone file (expected *.zone, *.yaml, *.yml)\n` });
});

test('a folder without zone files is invalid (probably the wrong path)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-empty-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'README'), 'not a zone');
  t.deepEqual(validateZones(dir), { exitCode: 1, stdout: '', stderr: `${dir}: no zone files (*.zone, *.yaml, *.yml)\n` });
});

test('the example zone shipped in zones/ is valid', (t) => {
  const out = validateZones('zones', { json: true });
  t.is(out.exitCode, 0, out.stdout);
  const report = JSON.parse(out.stdout) as { zones: Array<{ origin: string; records: number; pools?: number; members?: number; balancedNames?: number }> };
  // A master file, a YAML zone with inline records, a YAML zone with its sibling .zone.
  t.deepEqual(report.zones.map((z) => z.origin), ['mail.example.net', 'outbound.example.org', 'relay.example.com']);
  // Balanced zones also report what they balance; a plain master file does not.
  t.deepEqual(report.zones.map((z) => [z.pools, z.members, z.balancedNames]), [[3, 8, 4], [1, 2, 1], [undefined, undefined, undefined]]);
  const text = validateZones('zones');
  t.regex(text.stdout, /^mail\.example\.net\. +zones\/mail\.example\.net\.yaml +15 records +serial \d+ +3 pools, 8 members, 4 balanced names$/m);
  t.regex(text.stdout, /^relay\.example\.com\. +zones\/relay\.example\.com\.zone +16 records +serial \d+$/m);
  // DNSBL monitoring is shown where a zone configures it.
  t.regex(text.stdout, /^outbound\.example\.org\. .* 1 pool, 2 members, 1 balanced name, DNSBL dnsbl\.example\.invalid second-dnsbl\.example\.invalid$/m);
  t.deepEqual(report.zones.map((z) => (z as { dnsblLists?: string[] }).dnsblLists), [undefined, ['dnsbl.example.invalid', 'second-dnsbl.example.invalid'], undefined]);
});
