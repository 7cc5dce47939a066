import test from 'ava';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editZoneFile } from '../../../src/cli/zone-edit-file.ts';
import { listZones } from '../../../src/cli/zone-list.ts';
import { showZone } from '../../../src/cli/zone-show.ts';

/** Edits raise the SOA serial to the next date-based one (src/cli/zone-serial.ts): a fixed day. */
const TODAY = new Date('2026-05-02T10:00:00Z');

/** `zone list`, `zone show` and the file side of `zone member …` over a temporary zones folder. */
const dirs: string[] = [];
test.after.always(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function zonesFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-zone-cli-'));
  dirs.push(dir);
  copyFileSync('test/fixtures/yaml-edit/input.yaml', join(dir, 'relay.test.yaml'));
  copyFileSync('test/fixtures/zones/valid/reverse.zone', join(dir, '2.0.192.in-addr.arpa.zone'));
  writeFileSync(join(dir, 'broken.test.zone'), '@ 60 IN SOA ns1 h 1 60 60 60 60\n@ 60 IN NS ns1\nns1 60 IN A 192.0.2.300\n');
  return dir;
}

test('zone list: one row per file, balanced counts, invalid files flagged with file:line on stderr, exit 1', (t) => {
  const dir = zonesFolder();
  const out = listZones(dir);
  t.is(out.exitCode, 1);
  t.deepEqual(out.stdout.split('\n'), [
    'ORIGIN                 FILE                       KIND      SERIAL      RECORDS  POOLS  MEMBERS  STATUS',
    '2.0.192.in-addr.arpa.  2.0.192.in-addr.arpa.zone  master    7           3        -      -        ok',
    '-                      broken.test.zone           master    -           -        -      -        invalid',
    'relay.test.            relay.test.yaml            balanced  2024060101  7        3      4        ok',
    '',
  ]);
  t.is(out.stderr, `${dir}/broken.test.zone:3: bad IPv4 address "192.0.2.300"\n`);
  rmSync(join(dir, 'broken.test.zone'));
  t.is(listZones(dir).exitCode, 0);
});

test('zone list --json and a missing folder (usage, exit 2)', (t) => {
  const dir = zonesFolder();
  const out = listZones(dir, { json: true });
  const report = JSON.parse(out.stdout) as { zones: Array<Record<string, unknown>> };
  t.deepEqual(report.zones.find((z) => z.origin === 'relay.test.'), {
    origin: 'relay.test.', file: join(dir, 'relay.test.yaml'), kind: 'balanced', serial: 2024060101, records: 7, pools: 3, members: 4, status: 'ok',
  });
  t.is(report.zones.find((z) => z.file === join(dir, 'broken.test.zone'))?.status, 'invalid');
  t.is(listZones(join(dir, 'nope')).exitCode, 2);
});

test('zone show: records, members, balanced names and MX; --json; unknown zone exit 1', (t) => {
  const dir = zonesFolder();
  const out = showZone(dir, 'relay.test.');
  t.is(out.exitCode, 0, out.stderr);
  t.regex(out.stdout, /^zone relay\.test\. {2}balanced {2}serial 2024060101 {2}/);
  t.regex(out.stdout, /^ {2}relay\.test\. +3600 +SOA +ns1\.relay\.test\. hostmaster\.relay\.test\. 2024060101 3600 600 86400 30$/m);
  t.regex(out.stdout, /^ {2}primary\/mta2 +192\.0\.2\.11 +2525 +100 +mta2\.relay\.test\.$/m);
  t.regex(out.stdout, /^ {2}smtp\.relay\.test\. +primary > backup +weighted +4 +30 +5 +all$/m);
  t.regex(out.stdout, /^ {2}relay\.test\. +smtp\.relay\.test\. +10 +30$/m);
  t.regex(out.stdout, /\(no members: spare\)/);
  const parsed = JSON.parse(showZone(dir, 'relay.test', { json: true }).stdout) as { pools: Array<{ name: string; members: unknown[] }>; names: Array<{ owner: string; tiers: unknown }> };
  t.deepEqual(parsed.pools.map((p) => [p.name, p.members.length]), [['primary', 3], ['backup', 1], ['spare', 0]]);
  t.deepEqual(parsed.names[0]?.tiers, [{ pools: ['primary'], minHealthy: 1 }, { pools: ['backup'], minHealthy: 1 }]);
  const master = showZone(dir, '2.0.192.in-addr.arpa');
  t.is(master.exitCode, 0);
  t.notRegex(master.stdout, /Pools/);
  const missing = showZone(dir, 'nowhere.test');
  t.is(missing.exitCode, 1);
  t.regex(missing.stderr, /^no zone nowhere\.test\. in .* \(zones: 2\.0\.192\.in-addr\.arpa\., relay\.test\.\)$/m);
  const broken = showZone(dir, 'broken.test');
  t.is(broken.exitCode, 1);
  t.regex(broken.stderr, /broken\.test\.zone:3: bad IPv4 address/);
});

test('member edits write the file atomically and leave no temporary file behind', (t) => {
  const dir = zonesFolder();
  const file = join(dir, 'relay.test.yaml');
  const out = editZoneFile(dir, 'relay.test', { op: 'add', pool: 'primary', member: 'mta4', fields: { address: '192.0.2.13' } }, { today: TODAY });
  t.is(out.exitCode, 0, out.stderr);
  t.is(out.stdout, `${file}: added member primary/mta4 (address 192.0.2.13); SOA serial 2024060101 → 2026050201\n`);
  t.is(readFileSync(file, 'utf8'), readFileSync('test/fixtures/yaml-edit/add-after-flow-item.yaml', 'utf8').replace('2024060101', '2026050201'));
  t.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.')), []);
});

test('a refused edit leaves the file byte-identical and says file:line: reason (exit 1)', (t) => {
  const dir = zonesFolder();
  const file = join(dir, 'relay.test.yaml');
  const before = readFileSync(file);
  const cases = [
    { op: 'remove' as const, pool: 'backup', member: 'b1' },
    { op: 'add' as const, pool: 'primary', member: 'mta4', fields: { address: '192.0.2.12' } },
    { op: 'add' as const, pool: 'nope', member: 'x', fields: { address: '192.0.2.1' } },
    { op: 'set' as const, pool: 'primary', member: 'ghost', fields: { weight: 1 } },
  ];
  const messages = cases.map((edit) => {
    const out = editZoneFile(dir, 'relay.test', edit);
    t.is(out.exitCode, 1);
    t.true(readFileSync(file).equals(before));
    return out.stderr.split('\n')[0];
  });
  t.deepEqual(messages, [
    `${file}:36: balanced name smtp tier 1 has no members (pool backup is empty)`,
    `${file}:26: member primary/mta4 probes 192.0.2.12:25, like member mta3 of the same pool (in the edited lines)`,
    `${file}:13: no pool "nope" in the zone (pools: primary, backup, spare); add the pool by hand first`,
    `${file}:17: no member primary/ghost (members of primary: mta1, mta2, mta3)`,
  ]);
  t.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.')), []);
});

test('--dry-run prints a unified diff and writes nothing; master-file zones are refused', (t) => {
  const dir = zonesFolder();
  const file = join(dir, 'relay.test.yaml');
  const before = readFileSync(file, 'utf8');
  const out = editZoneFile(dir, 'relay.test', { op: 'set', pool: 'primary', member: 'mta1', fields: { weight: 70 } }, { dryRun: true, today: TODAY });
  t.is(out.exitCode, 0);
  t.is(out.stdout, [
    '--- a/relay.test.yaml',
    '+++ b/relay.test.yaml',
    '@@ -2,7 +2,7 @@',
    ' # Edited by hand and by `mxlb zone member`: keep these comments.',
    ' ',
    ' records: |',
    '-  @    3600 IN SOA ns1 hostmaster 2024060101 3600 600 86400 30',
    '+  @    3600 IN SOA ns1 hostmaster 2026050201 3600 600 86400 30',
    '   @    3600 IN NS  ns1',
    '   ns1  3600 IN A   192.0.2.53',
    ' ',
    '@@ -16,7 +16,7 @@',
    '     members:',
    '       - name: mta1          # the oldest box',
    '         address: 192.0.2.10',
    '-        weight: 100',
    '+        weight: 70',
    '       # mta2 joined in March; do not drain on Fridays.',
    '       - name: mta2',
    '         address: "192.0.2.11"',
    '',
  ].join('\n'));
  t.is(readFileSync(file, 'utf8'), before);
  const master = editZoneFile(dir, '2.0.192.in-addr.arpa', { op: 'remove', pool: 'p', member: 'm' });
  t.is(master.exitCode, 1);
  t.regex(master.stderr, /is a master file; members live in balanced zones/);
});
