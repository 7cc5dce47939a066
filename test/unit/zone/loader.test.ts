import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceError } from '../../../src/errors.ts';
import { formatSourceError, loadZoneDir, loadZoneFile, scanZoneDir } from '../../../src/zone/files/scan-dir.ts';
import { RRType } from '../../../src/zone/model.ts';

const FIXTURES = 'test/fixtures/zones';
const zoneText = (serial = 1, extra = '') => `$TTL 300\n@ SOA ns1 hostmaster ${serial} 1h 15m 1w 5m\n  NS ns1\nns1 A 192.0.2.1\n${extra}`;

function tempDir(t: { teardown: (fn: () => void) => void }, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-zones-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

test('loadZoneFile: origin from the file name, $INCLUDE from the zones folder', (t) => {
  const zone = loadZoneFile(`${FIXTURES}/valid/example.com.zone`);
  t.is(zone.origin, 'example.com');
  t.is(zone.soa.serial, 2024060101);
  t.is(zone.source, `${FIXTURES}/valid/example.com.zone`);
  const smtp = zone.nodes.get('smtp.example.com')?.get(RRType.A);
  t.deepEqual(smtp?.rdata, [{ type: RRType.A, address: '192.0.2.25' }, { type: RRType.A, address: '192.0.2.26' }]);
});

test('loadZoneFile: a leading $ORIGIN names the zone whatever the file is called', (t) => {
  t.is(loadZoneFile(`${FIXTURES}/valid/reverse.zone`).origin, '2.0.192.in-addr.arpa');
});

test('loadZoneFile: a file name that is not a domain needs $ORIGIN', (t) => {
  const dir = tempDir(t, { 'my zone.zone': zoneText() });
  const error = t.throws(() => loadZoneFile(join(dir, 'my zone.zone')), { instanceOf: SourceError });
  t.regex(error.reason, /does not name a zone/);
});

test('loadZoneFile: zone rules from buildZone come with the file and line', (t) => {
  const dir = tempDir(t, { 'a.test.zone': zoneText(1, 'www CNAME ns1\nwww A 192.0.2.2\n') });
  const error = t.throws(() => loadZoneFile(join(dir, 'a.test.zone')), { instanceOf: SourceError });
  t.is(error.message, `${join(dir, 'a.test.zone')}:6: www.a.test. has a CNAME and other data (RFC 1034 §3.6.2)`);
});

test('loadZoneFile: a zone rule broken in an included file names that file', (t) => {
  const dir = tempDir(t, { 'a.test.zone': zoneText(1, '$INCLUDE parts/x.inc\n'), 'parts/x.inc': '; x\nelsewhere.org. A 192.0.2.1\n' });
  const error = t.throws(() => loadZoneFile(join(dir, 'a.test.zone')), { instanceOf: SourceError });
  t.is(error.message, `${join(dir, 'parts/x.inc')}:2: elsewhere.org. is outside the zone a.test.`);
});

type Ctx = Parameters<typeof tempDir>[0];
/** Each case makes a zones folder and returns the $INCLUDE argument to try from it. */
const includeErrors: Array<[string, (t: Ctx) => { dir: string; target: string }, RegExp]> = [
  ['a path escaping the folder', (t) => {
    const parent = tempDir(t, { 'outside.inc': 'x A 192.0.2.9\n', 'zones/.keep': '' });
    return { dir: join(parent, 'zones'), target: '../outside.inc' };
  }, /^\$INCLUDE \.\.\/outside\.inc: outside the zones folder$/],
  ['an absolute path', (t) => ({ dir: tempDir(t, {}), target: '/etc/hostname' }), /must be relative to the zones folder/],
  ['a missing file', (t) => ({ dir: tempDir(t, {}), target: 'nope.inc' }), /^\$INCLUDE nope\.inc: no such file or folder$/],
  ['a folder', (t) => ({ dir: tempDir(t, { 'sub/x.inc': '' }), target: 'sub' }), /^\$INCLUDE sub: cannot read: is a folder$/],
];
for (const [title, setup, reason] of includeErrors) {
  test(`$INCLUDE refuses ${title}, at the $INCLUDE line`, (t) => {
    const { dir, target } = setup(t);
    writeFileSync(join(dir, 'a.test.zone'), zoneText(1, `\n$INCLUDE ${target}\n`));
    const error = t.throws(() => loadZoneFile(join(dir, 'a.test.zone')), { instanceOf: SourceError });
    t.is(error.file, join(dir, 'a.test.zone'));
    t.is(error.line, 6);
    t.regex(error.reason, reason);
  });
}

test('$INCLUDE refuses a symbolic link that leads outside the zones folder', (t) => {
  const outside = tempDir(t, { 'secret.inc': 'x A 192.0.2.9\n' });
  const dir = tempDir(t, { 'a.test.zone': zoneText(1, '$INCLUDE link.inc\n') });
  symlinkSync(join(outside, 'secret.inc'), join(dir, 'link.inc'));
  const error = t.throws(() => loadZoneFile(join(dir, 'a.test.zone')), { instanceOf: SourceError });
  t.is(error.line, 5);
  t.regex(error.reason, /outside the zones folder \(through a link\)/);
});

test('$INCLUDE loop across files in the folder is refused', (t) => {
  const dir = tempDir(t, { 'a.test.zone': zoneText(1, '$INCLUDE inc/one.inc\n'), 'inc/one.inc': '$INCLUDE inc/two.inc\n', 'inc/two.inc': '\n$INCLUDE ./inc/one.inc\n' });
  const error = t.throws(() => loadZoneFile(join(dir, 'a.test.zone')), { instanceOf: SourceError });
  t.is(error.file, join(dir, 'inc/two.inc'));
  t.is(error.line, 2);
  t.regex(error.reason, /\$INCLUDE loop: .*a\.test\.zone -> .*inc\/one\.inc -> .*inc\/two\.inc -> .*inc\/one\.inc$/);
});

test('loadZoneDir: every zone of a valid folder, included files are not zones', (t) => {
  const result = loadZoneDir(`${FIXTURES}/valid`);
  t.deepEqual(result.errors, []);
  t.deepEqual([...result.zones.keys()].sort(), ['2.0.192.in-addr.arpa', 'example.com']);
  t.deepEqual(result.files, [
    { file: `${FIXTURES}/valid/example.com.zone`, status: 'loaded', origin: 'example.com', records: 6, serial: 2024060101 },
    { file: `${FIXTURES}/valid/reverse.zone`, status: 'loaded', origin: '2.0.192.in-addr.arpa', records: 3, serial: 7 },
  ]);
});

test('loadZoneDir: a broken folder reports each file:line and still loads the good zones', (t) => {
  const result = loadZoneDir(`${FIXTURES}/broken`);
  t.deepEqual(result.errors.map(formatSourceError), [
    `${FIXTURES}/broken/bad.example.zone:4: bad IPv4 address "192.0.2.300"`,
    `${FIXTURES}/broken/z-duplicate.zone: zone good.example. is already loaded from ${FIXTURES}/broken/good.example.zone`,
  ]);
  t.deepEqual([...result.zones.keys()], ['good.example']);
  t.is(result.zones.get('good.example')?.source, `${FIXTURES}/broken/good.example.zone`);
  t.deepEqual(result.files.map((f) => f.status), ['failed', 'loaded', 'failed']);
});

test('loadZoneDir: dot-files, editor backups and other extensions are not zone files', (t) => {
  const dir = tempDir(t, { 'a.test.zone': zoneText(), '.#a.test.zone': 'junk', 'a.test.zone~': 'junk', 'a.test.zone.swp': 'junk', 'notes.txt': 'junk' });
  const result = loadZoneDir(dir);
  t.deepEqual(result.errors, []);
  t.deepEqual(result.files.map((f) => f.file), [join(dir, 'a.test.zone')]);
});

test('loadZoneDir: a missing folder is an error, not a crash', (t) => {
  const result = loadZoneDir('/nonexistent/mxlb-zones');
  t.is(result.zones.size, 0);
  t.deepEqual(result.errors.map(formatSourceError), ['/nonexistent/mxlb-zones: cannot read the zones folder: no such file or folder']);
});

test('scanZoneDir: a broken file keeps its last good zone; unchanged files keep their Zone object', (t) => {
  const dir = tempDir(t, { 'a.test.zone': zoneText(1), 'b.test.zone': zoneText(5) });
  const first = scanZoneDir(dir);
  writeFileSync(join(dir, 'a.test.zone'), zoneText(2, 'oops A 1.2.3\n'));
  const second = scanZoneDir(dir, { lastGood: first.lastGood });
  t.is(second.zones.get('a.test'), first.zones.get('a.test'));
  t.is(second.zones.get('b.test'), first.zones.get('b.test'));
  t.deepEqual(second.files.map((f) => [f.status, f.serial]), [['kept', 1], ['unchanged', 5]]);
  t.deepEqual(second.errors.map(formatSourceError), [`${join(dir, 'a.test.zone')}:5: bad IPv4 address "1.2.3"`]);

  writeFileSync(join(dir, 'a.test.zone'), zoneText(3));
  const third = scanZoneDir(dir, { lastGood: second.lastGood });
  t.is(third.zones.get('a.test')?.soa.serial, 3);
  t.deepEqual(third.files.map((f) => f.status), ['loaded', 'unchanged']);
});

test('scanZoneDir: a change in an included file is a change of the zone', (t) => {
  const dir = tempDir(t, { 'a.test.zone': zoneText(1, '$INCLUDE inc/h.inc\n'), 'inc/h.inc': 'h A 192.0.2.1\n' });
  const first = scanZoneDir(dir);
  t.deepEqual([...first.folders].sort(), [dir, join(dir, 'inc')]);
  writeFileSync(join(dir, 'inc/h.inc'), 'h A 192.0.2.2\n');
  const second = scanZoneDir(dir, { lastGood: first.lastGood });
  t.not(second.zones.get('a.test'), first.zones.get('a.test'));
  t.deepEqual(second.zones.get('a.test')?.nodes.get('h.a.test')?.get(RRType.A)?.rdata, [{ type: RRType.A, address: '192.0.2.2' }]);
});

test('scanZoneDir: the file that served an origin keeps it when a new file claims it', (t) => {
  const dir = tempDir(t, { 'b.test.zone': zoneText(1) });
  const first = scanZoneDir(dir);
  writeFileSync(join(dir, 'a-copy.zone'), `$ORIGIN b.test.\n${zoneText(9)}`);
  const second = scanZoneDir(dir, { lastGood: first.lastGood });
  t.is(second.zones.get('b.test')?.soa.serial, 1);
  t.deepEqual(second.errors.map(formatSourceError), [`${join(dir, 'a-copy.zone')}: zone b.test. is already loaded from ${join(dir, 'b.test.zone')}`]);
});

test('scanZoneDir: a deleted file drops its zone', (t) => {
  const dir = tempDir(t, { 'a.test.zone': zoneText(), 'b.test.zone': zoneText() });
  const first = scanZoneDir(dir);
  rmSync(join(dir, 'a.test.zone'));
  const second = scanZoneDir(dir, { lastGood: first.lastGood });
  t.deepEqual([...second.zones.keys()], ['b.test']);
  t.deepEqual([...second.lastGood.keys()], [join(dir, 'b.test.zone')]);
});

test('scanZoneDir: parsers are chosen by extension', (t) => {
  const dir = tempDir(t, { 'a.test.zone': zoneText(), 'c.test.fake': 'whatever' });
  const fake = new Map([['.fake', () => { throw new SourceError('c.test.fake', 3, 'fake parser says no'); }]]);
  const result = scanZoneDir(dir, { parsers: fake });
  t.deepEqual(result.files.map((f) => f.file), [join(dir, 'c.test.fake')]);
  t.deepEqual(result.errors.map(formatSourceError), ['c.test.fake:3: fake parser says no']);
});

test('the example zone zones/relay.example.com.zone has what its comments promise', (t) => {
  const zone = loadZoneFile('zones/relay.example.com.zone');
  const rdata = (owner: string, type: number) => zone.nodes.get(owner)?.get(type)?.rdata ?? [];
  t.is(zone.origin, 'relay.example.com');
  t.deepEqual(rdata('relay.example.com', RRType.NS), [{ type: RRType.NS, target: 'ns1.relay.example.com' }, { type: RRType.NS, target: 'ns2.relay.example.com' }]);
  t.deepEqual(rdata('relay.example.com', RRType.MX), [{ type: RRType.MX, preference: 10, exchange: 'smtp.relay.example.com' }]);
  t.is(rdata('smtp.relay.example.com', RRType.A).length, 3);
  t.is(rdata('smtp.relay.example.com', RRType.AAAA).length, 1);
  t.is(zone.nodes.get('smtp.relay.example.com')?.get(RRType.A)?.ttl, 60);
  const dmarc = rdata('_dmarc.relay.example.com', RRType.TXT)[0] as { strings: Uint8Array[] };
  t.is(dmarc.strings.map((s) => Buffer.from(s).toString()).join(''), 'v=DMARC1; p=reject; adkim=s; aspf=s; rua=mailto:dmarc-reports@example.com');
  t.deepEqual(rdata('_submission._tcp.relay.example.com', RRType.SRV), [{ type: RRType.SRV, priority: 0, weight: 1, port: 587, target: 'smtp.relay.example.com' }]);
  t.is(zone.soa.minimum, 60);
});
