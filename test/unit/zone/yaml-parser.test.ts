/**
 * The YAML balanced-zone parser on valid input: every key and its default, the shapes tiers may
 * take, IPv6 members, member hosts inside and outside the zone, probe settings merged
 * defaults ← zone ← pool, MX bindings, and the static records of a `records: |` block.
 * Errors: yaml-errors.test.ts; files on disk (sibling .zone, loader): yaml-loader.test.ts.
 */
import test from 'ava';
import { DEFAULT_BALANCED, type BalancedName, type Pool } from '../../../src/pool/model.ts';
import { DEFAULT_PROBE_SETTINGS } from '../../../src/probe/settings.ts';
import { RRType, type Zone } from '../../../src/zone/model.ts';
import { parseYamlZone } from '../../../src/zone/yaml/yaml-parser.ts';

const RECORDS = `records: |
  $TTL 300
  @    SOA ns1 hostmaster 7 1h 15m 1w 5m
       NS  ns1
  ns1  A   192.0.2.53
`;

function parse(body: string, origin = 'mail.test'): Zone {
  return parseYamlZone(RECORDS + body, { file: 'zones/mail.test.yaml', origin }).zone;
}

function pool(zone: Zone, name: string): Pool {
  const p = zone.balancing?.pools.get(name);
  if (!p) throw new Error(`no pool ${name}`);
  return p;
}

function balanced(zone: Zone, owner: string): BalancedName {
  const n = zone.balancing?.names.get(owner);
  if (!n) throw new Error(`no balanced name ${owner}`);
  return n;
}

function rrset(zone: Zone, owner: string, type: number) {
  return zone.nodes.get(owner)?.get(type);
}

const ONE_POOL = `pools:
  primary:
    members:
      - name: mta1
        address: 127.0.0.11
names:
  smtp:
    tiers: [primary]
`;

test('defaults: port 25, weight 100, host <member>.<origin>, round-robin, max 8, TTL 30, degraded 5, min-healthy 1, all-down all', (t) => {
  const zone = parse(ONE_POOL);
  t.is(zone.origin, 'mail.test');
  t.is(zone.source, 'zones/mail.test.yaml');
  t.deepEqual(pool(zone, 'primary').members, [
    { id: 'primary/mta1', pool: 'primary', name: 'mta1', address: '127.0.0.11', family: 4, port: 25, weight: 100, host: 'mta1.mail.test' },
  ]);
  t.deepEqual(pool(zone, 'primary').probe, DEFAULT_PROBE_SETTINGS);
  const name = balanced(zone, 'smtp.mail.test');
  t.is(name.policy, 'round-robin');
  t.is(name.max, 8);
  t.is(name.ttl, 30);
  t.is(name.degradedTtl, 5);
  t.is(name.allDown, 'all');
  t.is(DEFAULT_BALANCED.minHealthy, 1);
  t.deepEqual(name.tiers.map((tier) => ({ pools: tier.pools, members: tier.members.map((m) => m.id), minHealthy: tier.minHealthy })), [
    { pools: ['primary'], members: ['primary/mta1'], minHealthy: 1 },
  ]);
  t.is(zone.balancing?.mx.size, 0);
});

test('every balanced-name key is read', (t) => {
  const zone = parse(`pools:
  a:
    members:
      - {name: m1, address: 127.0.0.1}
      - {name: m2, address: 127.0.0.2}
names:
  smtp:
    tiers: [a]
    policy: weighted
    max: 3
    ttl: 1m
    degraded-ttl: 10
    host-ttl: 2h
    min-healthy: 2
    all-down: servfail
`);
  const name = balanced(zone, 'smtp.mail.test');
  t.like(name, { policy: 'weighted', max: 3, ttl: 60, degradedTtl: 10, allDown: 'servfail' });
  t.is(name.tiers[0]!.minHealthy, 2);
  // host-ttl is the TTL of the A records served at the members' own host names.
  t.is(rrset(zone, 'm1.mail.test', RRType.A)?.ttl, 7200);
});

test('the default degraded TTL never exceeds a lower TTL', (t) => {
  const zone = parse(ONE_POOL.replace('tiers: [primary]', 'tiers: [primary]\n    ttl: 3'));
  t.like(balanced(zone, 'smtp.mail.test'), { ttl: 3, degradedTtl: 3 });
});

test('all-down policies: all, nodata, servfail', (t) => {
  for (const policy of ['all', 'nodata', 'servfail'] as const) {
    const zone = parse(ONE_POOL.replace('tiers: [primary]', `tiers: [primary]\n    all-down: ${policy}`));
    t.is(balanced(zone, 'smtp.mail.test').allDown, policy);
  }
});

test('tiers: a bare pool name, a list, a nested list of pools, and a map with its own min-healthy', (t) => {
  const pools = `pools:
  a:
    members: [{name: m1, address: 127.0.0.1}, {name: m2, address: 127.0.0.2}]
  b:
    members: [{name: m3, address: 127.0.0.3}]
  c:
    members: [{name: m4, address: 127.0.0.4}, {name: m5, address: 127.0.0.5}]
  d:
    members: [{name: m6, address: 127.0.0.6}]
`;
  const zone = parse(`${pools}names:
  one:
    tiers: a
  two:
    min-healthy: 1
    tiers:
      - a
      - [b, c]
      - {pools: d, min-healthy: 1}
  three:
    tiers: [{pools: [a, c], min-healthy: 3}, b]
`);
  const shape = (owner: string) =>
    balanced(zone, owner).tiers.map((tier) => ({ pools: tier.pools, members: tier.members.map((m) => m.name), minHealthy: tier.minHealthy }));
  t.deepEqual(shape('one.mail.test'), [{ pools: ['a'], members: ['m1', 'm2'], minHealthy: 1 }]);
  t.deepEqual(shape('two.mail.test'), [
    { pools: ['a'], members: ['m1', 'm2'], minHealthy: 1 },
    { pools: ['b', 'c'], members: ['m3', 'm4', 'm5'], minHealthy: 1 },
    { pools: ['d'], members: ['m6'], minHealthy: 1 },
  ]);
  t.deepEqual(shape('three.mail.test'), [
    { pools: ['a', 'c'], members: ['m1', 'm2', 'm4', 'm5'], minHealthy: 3 },
    { pools: ['b'], members: ['m3'], minHealthy: 1 },
  ]);
});

test('a name-level min-healthy applies to every tier that does not set its own', (t) => {
  const zone = parse(`pools:
  a:
    members: [{name: m1, address: 127.0.0.1}, {name: m2, address: 127.0.0.2}]
  b:
    members: [{name: m3, address: 127.0.0.3}, {name: m4, address: 127.0.0.4}, {name: m5, address: 127.0.0.5}]
names:
  smtp:
    min-healthy: 2
    tiers: [a, {pools: b, min-healthy: 3}]
`);
  t.deepEqual(balanced(zone, 'smtp.mail.test').tiers.map((tier) => tier.minHealthy), [2, 3]);
});

test('a pool whose name YAML reads as a number can be named in tiers', (t) => {
  const zone = parse(`pools:
  1:
    members: [{name: m1, address: 127.0.0.1}]
names:
  smtp:
    tiers: [1]
`);
  t.deepEqual(balanced(zone, 'smtp.mail.test').tiers[0]!.pools, ['1']);
  t.is(pool(zone, '1').members[0]!.id, '1/m1');
});

test('member keys: port, weight (0 = standby), host relative, absolute, in and out of the zone', (t) => {
  const zone = parse(`pools:
  p:
    members:
      - name: a
        address: 127.0.0.1
        port: 2525
        weight: 0
        host: relay-a
      - name: b
        address: 127.0.0.2
        port: "587"
        weight: 250
        host: relay-b.mail.test.
      - name: c
        address: 127.0.0.3
        host: mx.partner.example.
`);
  t.deepEqual(pool(zone, 'p').members.map(({ name, port, weight, host }) => ({ name, port, weight, host })), [
    { name: 'a', port: 2525, weight: 0, host: 'relay-a.mail.test' },
    { name: 'b', port: 587, weight: 250, host: 'relay-b.mail.test' },
    { name: 'c', port: 25, weight: 100, host: 'mx.partner.example' },
  ]);
  // In-zone hosts get their address served (TTL: the default balanced TTL when no name uses them).
  t.deepEqual(rrset(zone, 'relay-a.mail.test', RRType.A), { owner: 'relay-a.mail.test', type: RRType.A, ttl: 30, rdata: [{ type: RRType.A, address: '127.0.0.1' }] });
  t.truthy(rrset(zone, 'relay-b.mail.test', RRType.A));
  // A host outside the zone is someone else's name: nothing is served for it.
  t.false([...zone.nodes.keys()].some((owner) => owner.endsWith('partner.example')));
});

test('IPv6 members: canonical RFC 5952 text, AAAA at the host; members may share a host (A + AAAA)', (t) => {
  const zone = parse(`pools:
  p:
    members:
      - {name: v4, address: 127.0.0.1, host: dual}
      - {name: v6, address: "0:0:0:0:0:0:0:1", host: dual}
      - name: doc
        address: 2001:DB8:0:0:0:0:0:25
names:
  smtp:
    tiers: [p]
`);
  t.deepEqual(pool(zone, 'p').members.map(({ address, family }) => ({ address, family })), [
    { address: '127.0.0.1', family: 4 },
    { address: '::1', family: 6 },
    { address: '2001:db8::25', family: 6 },
  ]);
  t.deepEqual(rrset(zone, 'dual.mail.test', RRType.A)?.rdata, [{ type: RRType.A, address: '127.0.0.1' }]);
  t.deepEqual(rrset(zone, 'dual.mail.test', RRType.AAAA)?.rdata, [{ type: RRType.AAAA, address: '::1' }]);
  t.deepEqual(rrset(zone, 'doc.mail.test', RRType.AAAA)?.rdata, [{ type: RRType.AAAA, address: '2001:db8::25' }]);
});

test('host records take the smallest host-ttl of the names that use the member', (t) => {
  const zone = parse(`pools:
  p:
    members: [{name: m1, address: 127.0.0.1}]
  q:
    members: [{name: m2, address: 127.0.0.2}]
names:
  a:
    tiers: [p]
    ttl: 60
  b:
    tiers: [p, q]
    host-ttl: 20
`);
  t.is(rrset(zone, 'm1.mail.test', RRType.A)?.ttl, 20);
  t.is(rrset(zone, 'm2.mail.test', RRType.A)?.ttl, 20);
});

test('probe: every zone-level key, and pool overrides merged field by field over it', (t) => {
  const zone = parse(`probe:
  interval: 2s
  recheck: 500ms
  jitter: 20%
  rise: 3
  fall: 4
  timeouts:
    connect: 1.5s
    banner: 4s
    ehlo: 2500ms
    tls: 5s
    quit: 1s
  ehlo: probe.mail.test
  starttls: try
  tls-verify: true
  banner: "^mta[0-9]+ ESMTP"
  min-cert-days: 14
pools:
  plain:
    members: [{name: m1, address: 127.0.0.1}]
  tuned:
    probe:
      interval: 1m
      jitter: 0.05
      fall: 1
      timeouts: {banner: 10s}
      starttls: require
      banner: Postfix
    members: [{name: m2, address: 127.0.0.2}]
`);
  const zoneLevel = {
    intervalMs: 2000,
    recheckMs: 500,
    jitter: 0.2,
    rise: 3,
    fall: 4,
    timeouts: { connectMs: 1500, bannerMs: 4000, ehloMs: 2500, tlsMs: 5000, quitMs: 1000 },
    ehloName: 'probe.mail.test',
    starttls: 'try',
    tlsVerify: true,
    bannerPattern: /^mta[0-9]+ ESMTP/,
    minCertDays: 14,
  };
  t.deepEqual(pool(zone, 'plain').probe, zoneLevel);
  t.deepEqual(pool(zone, 'tuned').probe, {
    ...zoneLevel,
    intervalMs: 60_000,
    jitter: 0.05,
    fall: 1,
    timeouts: { ...zoneLevel.timeouts, bannerMs: 10_000 },
    starttls: 'require',
    bannerPattern: /Postfix/,
  });
});

test('probe: a pool override alone layers over the defaults', (t) => {
  const zone = parse(`pools:
  p:
    probe: {rise: 5, timeouts: {connect: 250ms}, ehlo: "[127.0.0.1]"}
    members: [{name: m1, address: 127.0.0.1}]
`);
  t.deepEqual(pool(zone, 'p').probe, {
    ...DEFAULT_PROBE_SETTINGS,
    rise: 5,
    ehloName: '[127.0.0.1]',
    timeouts: { ...DEFAULT_PROBE_SETTINGS.timeouts, connectMs: 250 },
  });
});

test('durations: ms, s, fractional s, m, h', (t) => {
  const intervals = { '150ms': 150, '1s': 1000, '1.5s': 1500, '2m': 120_000, '1h': 3_600_000 };
  for (const [text, ms] of Object.entries(intervals)) {
    t.is(pool(parse(`probe: {interval: ${text}}\npools:\n  p:\n    members: [{name: m, address: 127.0.0.1}]\n`), 'p').probe.intervalMs, ms, text);
  }
});

test('mx: one binding per owner, step default 10, TTL default the balanced name TTL', (t) => {
  const zone = parse(`pools:
  a:
    members: [{name: m1, address: 127.0.0.1}]
  b:
    members: [{name: m2, address: 127.0.0.2}]
names:
  smtp:
    tiers: [a, b]
    ttl: 45
mx:
  "@":
    from: smtp
  relay:
    from: smtp.mail.test.
    step: 5
    ttl: 2m
`);
  t.deepEqual([...zone.balancing!.mx.values()], [
    { owner: 'mail.test', balanced: 'smtp.mail.test', step: 10, ttl: 45 },
    { owner: 'relay.mail.test', balanced: 'smtp.mail.test', step: 5, ttl: 120 },
  ]);
});

test('balanced and MX owners exist as names (with their empty non-terminals) without static data', (t) => {
  const zone = parse(`pools:
  p:
    members: [{name: m1, address: 127.0.0.1, host: m1.hosts}]
names:
  smtp.out:
    tiers: [p]
mx:
  deep.in.side: {from: smtp.out}
`);
  for (const name of ['smtp.out.mail.test', 'out.mail.test', 'deep.in.side.mail.test', 'in.side.mail.test', 'side.mail.test', 'm1.hosts.mail.test', 'hosts.mail.test']) {
    t.true(zone.names.has(name), name);
  }
  t.false(zone.nodes.has('smtp.out.mail.test'), 'no static data at the balanced owner');
});

test('static data of other types may sit at a balanced owner', (t) => {
  const zone = parseYamlZone(
    `${RECORDS}  smtp TXT "v=spf1 -all"\n  @ TXT "hello"\npools:\n  p:\n    members: [{name: m1, address: 127.0.0.1}]\nnames:\n  smtp:\n    tiers: [p]\nmx:\n  "@": {from: smtp}\n`,
    { file: 'z.yaml', origin: 'mail.test' },
  ).zone;
  t.truthy(rrset(zone, 'smtp.mail.test', RRType.TXT));
  t.truthy(balanced(zone, 'smtp.mail.test'));
});

test('records: | block: master-file text with $TTL, relative names and the SOA', (t) => {
  const zone = parse('');
  t.is(zone.soa.serial, 7);
  t.is(zone.soaTtl, 300);
  t.deepEqual(rrset(zone, 'ns1.mail.test', RRType.A)?.rdata, [{ type: RRType.A, address: '192.0.2.53' }]);
  t.deepEqual(zone.balancing, { pools: new Map(), names: new Map(), mx: new Map() });
});

test('origin: the key wins over the file name, with or without the final dot', (t) => {
  for (const origin of ['Other.Test', 'other.test.']) {
    const zone = parseYamlZone(`origin: ${origin}\n${RECORDS}`, { file: 'x.yaml', origin: 'mail.test' }).zone;
    t.is(zone.origin, 'other.test');
  }
  t.is(parseYamlZone(`origin: other.test\n${RECORDS}`, { file: 'my zone.yaml' }).zone.origin, 'other.test');
});

test('comments, anchors without aliases, quoted keys and an empty section are fine', (t) => {
  const zone = parse(`# a comment
probe: &defaults   # an anchor alone is harmless
  rise: 2
pools:
  "p":
    members:
      # the only member
      - {name: m1, address: 127.0.0.1}
names:
mx: {}
`);
  t.is(pool(zone, 'p').members.length, 1);
  t.is(zone.balancing?.names.size, 0);
});

test('sibling text supplies the static records when there is no records: block', (t) => {
  const zone = parseYamlZone(`pools:\n  p:\n    members: [{name: m1, address: 127.0.0.1}]\n`, {
    file: 'zones/mail.test.yaml',
    origin: 'mail.test',
    sibling: { file: 'zones/mail.test.zone', text: '$TTL 60\n@ SOA ns1 hostmaster 9 1h 15m 1w 5m\n NS ns1\nns1 A 192.0.2.1\n' },
  }).zone;
  t.is(zone.soa.serial, 9);
  t.is(rrset(zone, 'm1.mail.test', RRType.A)?.rdata.length, 1);
});
