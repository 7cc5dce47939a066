/**
 * YAML zones through the loader on real files (temporary folders): static records from the sibling
 * `<origin>.zone` or from `records: |`, `.yml`, `$INCLUDE` from a records block, reloads that see a
 * change to the sibling, the last good zone kept on a broken edit, pool names unique across zones.
 */
import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateZones } from '../../../src/cli/zone.ts';
import { SourceError } from '../../../src/errors.ts';
import { formatSourceError, loadZoneFile, scanZoneDir } from '../../../src/zone/files/scan-dir.ts';
import { RRType } from '../../../src/zone/model.ts';

function tempDir(t: { teardown: (fn: () => void) => void }, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-yaml-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const masterText = (serial = 1) => `$TTL 300\n@ SOA ns1 hostmaster ${serial} 1h 15m 1w 5m\n  NS ns1\nns1 A 192.0.2.53\n`;
const inline = (serial = 1) => `records: |\n${masterText(serial).replace(/^/gm, '  ').trimEnd()}\n`;
const balancing = (pool = 'primary') => `pools:
  ${pool}:
    members:
      - {name: mta1, address: 127.0.0.11}
      - {name: mta2, address: "::1"}
names:
  smtp:
    tiers: [${pool}]
mx:
  "@": {from: smtp}
`;

test('a YAML zone takes its static records from the sibling .zone, which is then not a zone of its own', (t) => {
  const dir = tempDir(t, { 'mail.test.yaml': balancing(), 'mail.test.zone': masterText(5) });
  const result = scanZoneDir(dir);
  t.deepEqual(result.errors, []);
  t.deepEqual([...result.zones.keys()], ['mail.test']);
  t.deepEqual(result.files.map((f) => [f.file, f.status]), [[join(dir, 'mail.test.yaml'), 'loaded']]);
  const zone = result.zones.get('mail.test')!;
  t.is(zone.soa.serial, 5);
  t.is(zone.source, join(dir, 'mail.test.yaml'));
  t.deepEqual(result.files[0]!.balancing, { pools: 1, members: 2, names: 1, mx: 1 });
  t.deepEqual(zone.nodes.get('mta2.mail.test')?.get(RRType.AAAA)?.rdata, [{ type: RRType.AAAA, address: '::1' }]);
});

test('a YAML zone with records: | needs no sibling; .yml works too', (t) => {
  const dir = tempDir(t, { 'a.test.yaml': inline(2) + balancing('a'), 'b.test.yml': inline(3) + balancing('b') });
  const result = scanZoneDir(dir);
  t.deepEqual(result.errors, []);
  t.deepEqual([...result.zones.values()].map((z) => [z.origin, z.soa.serial]), [['a.test', 2], ['b.test', 3]]);
});

test('records: | beside a sibling .zone is an error at the records line', (t) => {
  const dir = tempDir(t, { 'mail.test.yaml': `# zone\n${inline()}`, 'mail.test.zone': masterText() });
  const error = t.throws(() => loadZoneFile(join(dir, 'mail.test.yaml')), { instanceOf: SourceError });
  t.is(error.message, `${join(dir, 'mail.test.yaml')}:2: static records come from "records:" or from ${join(dir, 'mail.test.zone')}, not both: move them into one place`);
});

test('$INCLUDE inside records: | reads from the zones folder and reports the included file', (t) => {
  const dir = tempDir(t, {
    'mail.test.yaml': `${inline()}  $INCLUDE parts/hosts.inc\n${balancing()}`,
    'parts/hosts.inc': 'www A 192.0.2.80\n',
  });
  const zone = loadZoneFile(join(dir, 'mail.test.yaml'));
  t.truthy(zone.nodes.get('www.mail.test')?.get(RRType.A));
  writeFileSync(join(dir, 'parts/hosts.inc'), '; hosts\nwww A 192.0.2.800\n');
  const error = t.throws(() => loadZoneFile(join(dir, 'mail.test.yaml')), { instanceOf: SourceError });
  t.is(error.message, `${join(dir, 'parts/hosts.inc')}:2: bad IPv4 address "192.0.2.800"`);
});

test('reload: a change to the sibling .zone reloads the YAML zone; no change keeps the same Zone object', (t) => {
  const dir = tempDir(t, { 'mail.test.yaml': balancing(), 'mail.test.zone': masterText(1) });
  const first = scanZoneDir(dir);
  const same = scanZoneDir(dir, { lastGood: first.lastGood });
  t.is(same.files[0]!.status, 'unchanged');
  t.is(same.zones.get('mail.test'), first.zones.get('mail.test'));
  writeFileSync(join(dir, 'mail.test.zone'), masterText(2));
  const changed = scanZoneDir(dir, { lastGood: same.lastGood });
  t.is(changed.files[0]!.status, 'loaded');
  t.is(changed.zones.get('mail.test')?.soa.serial, 2);
});

test('reload: a broken YAML edit keeps the last good zone and reports file:line', (t) => {
  const dir = tempDir(t, { 'mail.test.yaml': inline() + balancing() });
  const first = scanZoneDir(dir);
  const good = first.zones.get('mail.test')!;
  const broken = (inline() + balancing()).replace('address: 127.0.0.11', 'address: 127.0.0.311');
  writeFileSync(join(dir, 'mail.test.yaml'), broken);
  const next = scanZoneDir(dir, { lastGood: first.lastGood });
  const line = broken.split('\n').findIndex((l) => l.includes('127.0.0.311')) + 1;
  t.deepEqual(next.errors.map((e) => e.message), [`${join(dir, 'mail.test.yaml')}:${line}: bad address "127.0.0.311" for member primary/mta1: write an IPv4 or IPv6 address`]);
  t.is(next.files[0]!.status, 'kept');
  t.is(next.zones.get('mail.test'), good);
});

test('pool names are unique across zones: the second zone with the pool fails', (t) => {
  const dir = tempDir(t, { 'a.test.yaml': inline() + balancing('shared'), 'b.test.yaml': inline() + balancing('shared') });
  const result = scanZoneDir(dir);
  t.deepEqual([...result.zones.keys()], ['a.test']);
  t.deepEqual(result.errors.map((e) => formatSourceError(e)), [`${join(dir, 'b.test.yaml')}: pool shared is already defined in ${join(dir, 'a.test.yaml')}; pool names are unique across all zones`]);
});

test('zone validate on a YAML zone, and on its sibling .zone (which validates the YAML zone)', (t) => {
  const dir = tempDir(t, { 'mail.test.yaml': balancing(), 'mail.test.zone': masterText(4) });
  const folder = validateZones(dir);
  t.is(folder.exitCode, 0, folder.stderr);
  t.regex(folder.stdout, /^mail\.test\. +\S+mail\.test\.yaml +\d+ records +serial 4  1 pool, 2 members, 1 balanced name$/m);
  t.regex(folder.stdout, /^1 zone file valid$/m);
  const sibling = validateZones(join(dir, 'mail.test.zone'));
  t.is(sibling.exitCode, 0, sibling.stderr);
  t.regex(sibling.stdout, /mail\.test\.yaml/);
  writeFileSync(join(dir, 'mail.test.yaml'), balancing().replace('tiers: [primary]', 'tiers: [primry]'));
  const broken = validateZones(dir);
  t.is(broken.exitCode, 1);
  t.is(broken.stderr, `${join(dir, 'mail.test.yaml')}:8: balanced name smtp tier 0: unknown pool "primry" (did you mean "primary"?); pools: primary\n1 of 1 zone file invalid\n`);
});
