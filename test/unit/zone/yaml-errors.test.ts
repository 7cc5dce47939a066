/**
 * Every problem in a YAML zone is one `file:line: reason` pointing at the line to fix (issue 3:
 * "a zone that fails to parse is reported with file, line and reason"). Table-driven: each case is
 * the YAML after a common head, the expected line and the exact reason.
 */
import test from 'ava';
import { SourceError } from '../../../src/errors.ts';
import { parseYamlZone } from '../../../src/zone/yaml/yaml-parser.ts';

const FILE = 'zones/mail.test.yaml';

// Lines 1–8. Static records a balanced name can collide with: a CNAME (www), a delegation (sub).
const HEAD = `records: |
  $TTL 300
  @    SOA ns1 hostmaster 1 1h 15m 1w 5m
       NS  ns1
  ns1  A   192.0.2.53
  www  CNAME ns1
  sub  NS  ns.elsewhere.test.
  info TXT "static"
`;

// Lines 9–13 when appended to HEAD.
const POOLS = `pools:
  primary:
    members:
      - {name: mta1, address: 127.0.0.11}
      - {name: mta2, address: 127.0.0.12}
`;

/** A balanced name `smtp` on line 15 (after HEAD + POOLS), with `extra` lines from line 17. */
const smtp = (extra = '') => `${HEAD}${POOLS}names:\n  smtp:\n    tiers: [primary]\n${extra}`;

/** The member list of pool p starting at line 12, after HEAD. */
const members = (...lines: string[]) => `${HEAD}pools:\n  p:\n    members:\n${lines.map((l) => `      - ${l}\n`).join('')}`;

const cases: Array<[title: string, yaml: string, line: number, reason: string]> = [
  // YAML syntax
  ['a YAML syntax error', `${HEAD}pools:\n  a: [\n`, 10, 'YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
  ['an unclosed quote, at the line it opens', `${HEAD}probe:\n  ehlo: "probe.mail.test\npools: {}\nnames: {}\n`, 10, 'YAML: Missing closing "quote'],
  ['an unclosed { in the middle, at the line it opens', `${HEAD}pools:\n  p: {members: []\nnames: {}\nmx: {}\n`, 10, 'YAML: Flow map in block collection must be sufficiently indented and end with a }'],
  ['a misindented list item', `${HEAD}pools:\n  p:\n    members:\n   - {name: a, address: 127.0.0.1}\n`, 11, 'YAML: A block sequence may not be used as an implicit map key'],
  ['a tab used as indentation', `${HEAD}pools:\n\tprimary: {}\n`, 10, 'YAML: Tabs are not allowed as indentation'],
  ['a duplicate key', `${HEAD}pools: {}\npools: {}\n`, 10, 'YAML: Map keys must be unique'],
  ['an alias', `${HEAD}probe: &p {rise: 3}\npools:\n  a:\n    probe: *p\n`, 12, 'YAML aliases (*p) are not supported: write the value out'],
  ['a merge key', `${HEAD}probe: &p {rise: 3}\npools:\n  a:\n    probe:\n      <<: *p\n`, 13, 'YAML aliases (*p) are not supported: write the value out'],
  ['a list instead of the zone map', '- records\n', 1, 'the zone must be a map of "key: value" lines'],

  // unknown keys, with did-you-mean
  ['an unknown top-level key', `${HEAD}pool: {}\n`, 9, 'unknown key "pool" in the zone (did you mean "pools"?); allowed: origin, records, probe, reputation, warm-up-schedules, pools, views, ecs, names, mx'],
  ['an unknown name key', smtp('    degraded_ttl: 5\n'), 17, 'unknown key "degraded_ttl" in balanced name smtp (did you mean "degraded-ttl"?); allowed: tiers, policy, max, ttl, degraded-ttl, host-ttl, min-healthy, all-down, provider, views, experiment'],
  ['a camel-case name key', smtp('    allDown: nodata\n'), 17, 'unknown key "allDown" in balanced name smtp (did you mean "all-down"?); allowed: tiers, policy, max, ttl, degraded-ttl, host-ttl, min-healthy, all-down, provider, views, experiment'],
  ['an unknown member key', members('{name: a, address: 127.0.0.1, wieght: 5}'), 12, 'unknown key "wieght" in a member of pool p (did you mean "weight"?); allowed: name, address, port, weight, host, warm-up'],
  ['an unknown pool key', `${HEAD}pools:\n  p:\n    member: []\n`, 11, 'unknown key "member" in pool p (did you mean "members"?); allowed: probe, reputation, slow-start, latency, agent, load, members'],
  ['an unknown probe key', `${HEAD}probe:\n  intervall: 1s\n`, 10, 'unknown key "intervall" in probe (did you mean "interval"?); allowed: interval, recheck, jitter, rise, fall, timeouts, ehlo, starttls, tls-verify, banner, min-cert-days'],
  ['an unknown timeout phase', `${HEAD}probe:\n  timeouts: {conect: 1s}\n`, 10, 'unknown key "conect" in probe timeouts (did you mean "connect"?); allowed: connect, banner, ehlo, tls, quit'],
  ['an unknown key without a close match', `${HEAD}weather: sunny\n`, 9, 'unknown key "weather" in the zone; allowed: origin, records, probe, reputation, warm-up-schedules, pools, views, ecs, names, mx'],
  ['an unknown tier key', `${HEAD}${POOLS}names:\n  smtp:\n    tiers: [{pool: primary}]\n`, 16, 'unknown key "pool" in balanced name smtp tier 0 (did you mean "pools"?); allowed: pools, min-healthy'],
  ['an unknown mx key', `${smtp()}mx:\n  "@": {from: smtp, prefrence: 5}\n`, 18, 'unknown key "prefrence" in mx @; allowed: from, step, ttl'],

  // pools and members
  ['a bad IPv4 address', members('{name: a, address: 127.0.0.300}'), 12, 'bad address "127.0.0.300" for member p/a: write an IPv4 or IPv6 address'],
  ['a host name as address', members('{name: a, address: mta1.example.net}'), 12, 'bad address "mta1.example.net" for member p/a: write an IPv4 or IPv6 address'],
  ['an IPv6 zone index', members('{name: a, address: "fe80::1%eth0"}'), 12, 'bad address "fe80::1%eth0" for member p/a: write an IPv4 or IPv6 address'],
  ['a member without a name', members('{address: 127.0.0.1}'), 12, 'a member of pool p has no name'],
  ['a member without an address', members('{name: a}'), 12, 'member p/a has no address'],
  ['a duplicate member', members('{name: a, address: 127.0.0.1}', '{name: a, address: 127.0.0.2}'), 13, 'pool p already has a member "a" (line 12)'],
  ['two members probing one endpoint', members('{name: a, address: "::1"}', '{name: b, address: "0::1", port: 25}'), 13, 'member p/b probes [::1]:25, like member a of the same pool'],
  ['an upper-case pool name', `${HEAD}pools:\n  Primary: {}\n`, 10, 'pool name "Primary" is not a DNS-safe label: use lower-case letters, digits and hyphens (not first or last), at most 63'],
  ['a member name with an underscore', members('{name: mta_1, address: 127.0.0.1}'), 12, 'member name "mta_1" is not a DNS-safe label: use lower-case letters, digits and hyphens (not first or last), at most 63'],
  ['port 0', members('{name: a, address: 127.0.0.1, port: 0}'), 12, 'member p/a port 0 is out of range (1–65535)'],
  ['a port that is not a number', members('{name: a, address: 127.0.0.1, port: smtp}'), 12, 'member p/a port must be a whole number, not "smtp"'],
  ['a negative weight', members('{name: a, address: 127.0.0.1, weight: -1}'), 12, 'member p/a weight -1 is out of range (0–1000000)'],
  ['a fractional weight', members('{name: a, address: 127.0.0.1, weight: 1.5}'), 12, 'member p/a weight must be a whole number, not 1.5'],
  ['a host with an underscore', members('{name: a, address: 127.0.0.1, host: mta_a}'), 12, 'member p/a host "mta_a" is not a host name (letters, digits and hyphens in each label)'],
  ['members as a map', `${HEAD}pools:\n  p:\n    members: {a: 127.0.0.1}\n`, 11, 'pool p members must be a list ("- item" lines or [a, b])'],

  // balanced names and tiers
  ['an unknown pool in a tier', `${HEAD}${POOLS}names:\n  smtp:\n    tiers: [primary, backpu]\n`, 16, 'balanced name smtp tier 1: unknown pool "backpu"; pools: primary'],
  ['a misspelt pool in a tier', `${HEAD}${POOLS}names:\n  smtp:\n    tiers: [primray]\n`, 16, 'balanced name smtp tier 0: unknown pool "primray" (did you mean "primary"?); pools: primary'],
  ['a tier with no pools defined at all', `${HEAD}names:\n  smtp:\n    tiers: [primary]\n`, 11, 'balanced name smtp tier 0: unknown pool "primary"; no pools are defined'],
  ['min-healthy above the members of a tier', smtp('    min-healthy: 3\n'), 17, 'balanced name smtp tier 0: min-healthy 3 is more than its 2 members'],
  ['a tier min-healthy above its members', `${HEAD}${POOLS}names:\n  smtp:\n    tiers:\n      - {pools: primary, min-healthy: 5}\n`, 17, 'balanced name smtp tier 0: min-healthy 5 is more than its 2 members'],
  ['min-healthy 0', smtp('    min-healthy: 0\n'), 17, 'balanced name smtp min-healthy 0 is out of range (1–65535)'],
  ['a bad policy', smtp('    policy: random\n'), 17, 'balanced name smtp policy must be round-robin, weighted or latency, not "random"'],
  ['a bad all-down policy', smtp('    all-down: none\n'), 17, 'balanced name smtp all-down must be all, nodata or servfail, not "none"'],
  ['max 0', smtp('    max: 0\n'), 17, 'balanced name smtp max 0 is out of range (1–1000)'],
  ['a bad TTL', smtp('    ttl: 1x\n'), 17, 'bad balanced name smtp ttl "1x": write seconds or numbers with units s, m, h, d, w (e.g. 1h30m)'],
  ['a degraded TTL above the TTL', smtp('    ttl: 10\n    degraded-ttl: 20\n'), 18, 'balanced name smtp degraded-ttl 20 is above its ttl 10: the degraded TTL is the lower one'],
  ['a name without tiers', `${HEAD}${POOLS}names:\n  smtp:\n    policy: weighted\n`, 15, 'balanced name smtp has no tiers: list its pools, e.g. "tiers: [primary]"'],
  ['empty tiers', `${HEAD}${POOLS}names:\n  smtp:\n    tiers: []\n`, 16, 'balanced name smtp tiers is empty: list at least one pool'],
  ['a pool in two tiers', `${HEAD}${POOLS}names:\n  smtp:\n    tiers: [primary, [primary]]\n`, 16, 'balanced name smtp: pool primary is already in tier 0; a pool belongs to one tier of a name'],
  ['a tier of an empty pool', `${HEAD}${POOLS}  empty: {}\nnames:\n  smtp:\n    tiers: [primary, empty]\n`, 17, 'balanced name smtp tier 1 has no members (pool empty is empty)'],
  ['a tier naming a pool by a map', `${HEAD}${POOLS}names:\n  smtp:\n    tiers: [[{a: b}]]\n`, 16, 'balanced name smtp tier 0: a pool is named by a word'],
  ['a balanced name outside the zone', `${HEAD}${POOLS}names:\n  smtp.other.test.:\n    tiers: [primary]\n`, 15, 'balanced name smtp.other.test. is outside the zone mail.test.'],
  ['a wildcard balanced name', `${HEAD}${POOLS}names:\n  "*.relay":\n    tiers: [primary]\n`, 15, 'balanced name *.relay cannot be a wildcard'],
  ['a balanced name twice (relative and absolute)', `${smtp()}  smtp.mail.test.:\n    tiers: [primary]\n`, 17, 'balanced name smtp.mail.test. is already defined at line 15'],

  // MX bindings
  ['mx from an unknown name', `${smtp()}mx:\n  "@": {from: smpt}\n`, 18, 'mx @ from: smpt.mail.test. is not a balanced name (did you mean "smtp"?); balanced names: smtp'],
  ['mx without from', `${smtp()}mx:\n  "@": {step: 10}\n`, 18, 'mx @ has no "from": name the balanced name its MX records come from'],
  ['an mx step that overflows the preference', `${HEAD}${POOLS}  backup:\n    members: [{name: b1, address: 127.0.0.21}]\nnames:\n  smtp:\n    tiers: [primary, backup]\nmx:\n  "@": {from: smtp, step: 40000}\n`, 20, 'mx @ step 40000 is out of range (1–32767)'],

  // probe settings
  ['a duration without a unit', `${HEAD}probe:\n  interval: 5\n`, 10, 'bad duration 5 for probe interval (write a unit: 5ms or 5s)'],
  ['a duration with a bad unit', `${HEAD}probe:\n  interval: 5 sec\n`, 10, 'bad duration "5 sec" for probe interval (write a number and a unit ms, s, m or h, e.g. 500ms or 2s)'],
  ['an interval below 100 ms', `${HEAD}probe:\n  interval: 50ms\n`, 10, 'probe interval 50ms is out of range (100ms–1h)'],
  ['a timeout above 2 minutes', `${HEAD}pools:\n  p:\n    probe:\n      timeouts: {banner: 3m}\n`, 12, 'pool p probe timeouts banner 3m is out of range (10ms–2m)'],
  ['jitter above 50 %', `${HEAD}probe:\n  jitter: 60%\n`, 10, 'probe jitter must be a fraction 0–0.5 or a percentage 0%–50% of the interval, not "60%"'],
  ['rise 0', `${HEAD}probe:\n  rise: 0\n`, 10, 'probe rise 0 is out of range (1–100)'],
  ['fall above 100', `${HEAD}pools:\n  p:\n    probe: {fall: 101}\n`, 11, 'pool p probe fall 101 is out of range (1–100)'],
  ['a bad STARTTLS mode', `${HEAD}probe:\n  starttls: yes\n`, 10, 'probe starttls must be off, try or require, not "yes"'],
  ['tls-verify as a string', `${HEAD}probe:\n  tls-verify: "yes"\n`, 10, 'probe tls-verify must be true or false, not "yes"'],
  ['an EHLO name with a blank', `${HEAD}probe:\n  ehlo: "probe host"\n`, 10, 'probe ehlo "probe host" must be a host name or [address] without blanks'],
  ['a bad banner pattern', `${HEAD}probe:\n  banner: "(["\n`, 10, 'bad regular expression for probe banner: Invalid regular expression: /([/: Unterminated character class'],
  ['min-cert-days out of range', `${HEAD}probe:\n  min-cert-days: 5000\n`, 10, 'probe min-cert-days 5000 is out of range (0–3650)'],
  ['probe as a list', `${HEAD}probe: [1s]\n`, 9, 'probe must be a map of "key: value" lines'],
  ['a key without a value', `${HEAD}probe:\n  rise:\n`, 10, 'probe rise needs a value'],

  // static records and collisions
  ['a broken static record, at its line in the YAML', `${HEAD.replace('info TXT "static"', 'info A 192.0.2.300')}`, 8, 'bad IPv4 address "192.0.2.300"'],
  ['records that are not a literal block', `origin: mail.test\nrecords: "@ SOA ns1 hostmaster 1 1h 15m 1w 5m"\n`, 2, 'records must be a literal block: "records: |" followed by indented master-file lines'],
  ['no SOA in the records', `records: |\n  $TTL 60\n  @ NS ns1\n  ns1 A 192.0.2.1\n`, 1, 'no SOA record at the apex mail.test. in the static records'],
  ['no NS at the apex', `records: |\n  @ 300 SOA ns1 hostmaster 1 1h 15m 1w 5m\n`, 1, 'no NS records at the apex mail.test. in the static records'],
  ['no static records at all', `pools: {}\n`, 1, 'no static records: a zone needs its SOA and NS records; add "records: |" with them, or put them in a .zone file of the same name next to this one'],
  ['a balanced name on a static CNAME', `${HEAD}${POOLS}names:\n  www:\n    tiers: [primary]\n`, 6, 'www.mail.test. is a balanced name (zones/mail.test.yaml:15), whose A/AAAA mxlb answers: remove its static CNAME record'],
  ['a balanced name on static A records', `${HEAD}  smtp A 192.0.2.25\n${POOLS}names:\n  smtp:\n    tiers: [primary]\n`, 9, 'smtp.mail.test. is a balanced name (zones/mail.test.yaml:16), whose A/AAAA mxlb answers: remove its static A record'],
  ['a balanced name below a delegation', `${HEAD}${POOLS}names:\n  relay.sub:\n    tiers: [primary]\n`, 15, 'balanced name relay.sub.mail.test. is below the delegation sub.mail.test. (NS records), where this zone is not authoritative'],
  ['a balanced name at a delegation', `${HEAD}${POOLS}names:\n  sub:\n    tiers: [primary]\n`, 15, 'balanced name sub.mail.test. is at the delegation sub.mail.test. (NS records), where this zone is not authoritative'],
  ['an MX binding over static MX records', `${HEAD}  @ MX 10 ns1\n${POOLS}names:\n  smtp:\n    tiers: [primary]\nmx:\n  "@": {from: smtp}\n`, 9, 'mail.test. has MX records from the balanced name smtp.mail.test. (zones/mail.test.yaml:19): remove its static MX record'],
  ['an MX binding on a static CNAME', `${smtp()}mx:\n  www: {from: smtp}\n`, 6, 'www.mail.test. has MX records from the balanced name smtp.mail.test. (zones/mail.test.yaml:18): remove its static CNAME record'],
  ['a member host on a static CNAME', members('{name: www, address: 127.0.0.1}'), 6, 'www.mail.test. is the host of member p/www (zones/mail.test.yaml:12), whose addresses mxlb serves there: remove its static CNAME record'],
  ['a member host on static A records', `${HEAD}  mta1 A 127.0.0.11\n${POOLS}`, 9, 'mta1.mail.test. is the host of member primary/mta1 (zones/mail.test.yaml:13), whose addresses mxlb serves there: remove its static A record'],
  ['a member host that is a balanced name', `${HEAD}${POOLS}      - {name: mta3, address: 127.0.0.13, host: smtp}\nnames:\n  smtp:\n    tiers: [primary]\n`, 14, 'member primary/mta3 host smtp.mail.test. is the balanced name of line 16: give the member a host name of its own (its address is served there)'],
  ['a member host below a delegation', members('{name: a, address: 127.0.0.1, host: a.sub}'), 12, 'member p/a host a.sub.mail.test. is below the delegation sub.mail.test. (NS records), where this zone is not authoritative'],
];

for (const [title, yaml, line, reason] of cases) {
  test(`${title} → line ${line}`, (t) => {
    const error = t.throws(() => parseYamlZone(yaml, { file: FILE, origin: 'mail.test' }), { instanceOf: SourceError });
    t.is(error.message, `${FILE}:${line}: ${reason}`);
  });
}

test('a file name that is not a domain needs origin:', (t) => {
  const error = t.throws(() => parseYamlZone('pools: {}\n', { file: 'zones/my zone.yaml' }), { instanceOf: SourceError });
  t.is(error.message, 'zones/my zone.yaml:1: this file name does not name a zone: call it <origin>.yaml or add "origin: <domain>"');
});

test('a bad origin: key', (t) => {
  const error = t.throws(() => parseYamlZone('\norigin: "a..b"\n', { file: FILE }), { instanceOf: SourceError });
  t.is(error.file, FILE);
  t.is(error.line, 2);
  t.regex(error.reason, /empty label/);
});

test('records: | and a sibling .zone at once', (t) => {
  const error = t.throws(
    () => parseYamlZone(`\n${HEAD}`, { file: FILE, origin: 'mail.test', sibling: { file: 'zones/mail.test.zone', text: '' } }),
    { instanceOf: SourceError },
  );
  t.is(error.message, `${FILE}:2: static records come from "records:" or from zones/mail.test.zone, not both: move them into one place`);
});

test('a problem in the sibling .zone names the sibling file and its line', (t) => {
  const sibling = { file: 'zones/mail.test.zone', text: '$TTL 60\n@ SOA ns1 hostmaster 1 1h 15m 1w 5m\n NS ns1\nns1 A 192.0.2.999\n' };
  const error = t.throws(() => parseYamlZone('pools: {}\n', { file: FILE, origin: 'mail.test', sibling }), { instanceOf: SourceError });
  t.is(error.message, 'zones/mail.test.zone:4: bad IPv4 address "192.0.2.999"');
});

test('a sibling .zone whose $ORIGIN is another zone', (t) => {
  const sibling = { file: 'zones/mail.test.zone', text: '; header\n$ORIGIN other.test.\n@ 60 SOA ns1 hostmaster 1 1h 15m 1w 5m\n NS ns1\n' };
  const error = t.throws(() => parseYamlZone('pools: {}\n', { file: FILE, origin: 'mail.test', sibling }), { instanceOf: SourceError });
  t.is(error.message, `zones/mail.test.zone:2: $ORIGIN other.test. does not match the zone mail.test. of ${FILE}`);
});

test('a collision with a static record of the sibling names the sibling file', (t) => {
  const sibling = { file: 'zones/mail.test.zone', text: '$TTL 60\n@ SOA ns1 hostmaster 1 1h 15m 1w 5m\n NS ns1\nsmtp CNAME ns1\n' };
  const error = t.throws(() => parseYamlZone(`${POOLS}names:\n  smtp:\n    tiers: [primary]\n`, { file: FILE, origin: 'mail.test', sibling }), { instanceOf: SourceError });
  t.is(error.message, `zones/mail.test.zone:4: smtp.mail.test. is a balanced name (${FILE}:7), whose A/AAAA mxlb answers: remove its static CNAME record`);
});

test('a broken static record keeps its YAML line whatever the block looks like (comment after |, | on its own line, CRLF, |+)', (t) => {
  const body = '  $TTL 300\n  @ SOA ns1 hostmaster 1 1h 15m 1w 5m\n    NS ns1\n  bad A 1.2.3.400\n';
  const shapes = {
    comment: `# zone\nrecords: |   # static records\n${body}`,
    ownLine: `# zone\nrecords:\n  |\n${body.replace(/^/gm, '  ')}`,
    crlf: `# zone\r\n\r\nrecords: |\r\n${body.replace(/\n/g, '\r\n')}`,
    keep: `# zone\nrecords: |+\n\n${body}\n\npools: {}\n`,
  };
  for (const [shape, yaml] of Object.entries(shapes)) {
    const line = yaml.split(/\r?\n/).findIndex((l) => l.includes('1.2.3.400')) + 1;
    const error = t.throws(() => parseYamlZone(yaml, { file: FILE, origin: 'mail.test' }), { instanceOf: SourceError });
    t.is(error.message, `${FILE}:${line}: bad IPv4 address "1.2.3.400"`, shape);
  }
});

test('every pool, name and MX is checked on its own: all their problems in one report, none repeated for what refers to a failed entry', (t) => {
  const text = [
    'records: |',
    '  @ 300 SOA ns1 h 1 2 3 4 5',
    '  @ NS ns1',
    '  ns1 A 127.0.0.1',
    'pools:',
    '  a:',
    '    members:',
    '      - {name: m1, address: 127.0.0.300, port: 25}',
    '  c:',
    '    members:',
    '      - {name: m3, address: 127.0.0.3}',
    'names:',
    '  smtp: {tiers: [[a]]}',
    '  other: {tiers: [[c], [nope]]}',
    'mx:',
    '  "@": {from: smtp}',
    '',
  ].join('\n');
  const error = t.throws(() => parseYamlZone(text, { file: 'multi.test.yaml', origin: 'multi.test' }), { instanceOf: SourceError });
  t.deepEqual(error.all.map((e) => `${e.line}: ${e.reason}`), [
    '8: bad address "127.0.0.300" for member a/m1: write an IPv4 or IPv6 address',
    '14: balanced name other tier 1: unknown pool "nope"; pools: c',
  ]);
});
