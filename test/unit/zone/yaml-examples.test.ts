/**
 * The example balanced zones in zones/ (what `npm start` serves and operators copy): they load, they
 * use every key the parser knows (so a new key without an example fails here), every member is on
 * loopback, and they hold what their comments promise.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { isPair, isScalar, parseDocument, visit } from 'yaml';
import { loadZoneDir, loadZoneFile } from '../../../src/zone/files/scan-dir.ts';
import { RRType } from '../../../src/zone/model.ts';
import { MX_KEYS, NAME_KEYS, TIER_KEYS } from '../../../src/zone/yaml/yaml-names.ts';
import { ARM_KEYS, EXPERIMENT_KEYS } from '../../../src/zone/yaml/yaml-experiment.ts';
import { TOP_KEYS } from '../../../src/zone/yaml/yaml-parser.ts';
import { MEMBER_KEYS, POOL_KEYS } from '../../../src/zone/yaml/yaml-pools.ts';
import { PROBE_KEYS, TIMEOUT_KEYS } from '../../../src/zone/yaml/yaml-probe.ts';

const EXAMPLES = ['zones/mail.example.net.yaml', 'zones/outbound.example.org.yaml'];

/** Every map key written in the examples (keys of the pools: and names:/mx: maps are names, not keys, but harmless). */
function keysUsed(): Set<string> {
  const keys = new Set<string>();
  for (const file of EXAMPLES) {
    visit(parseDocument(readFileSync(file, 'utf8')), {
      Pair: (_key, pair) => {
        if (isPair(pair) && isScalar(pair.key)) keys.add(String(pair.key.value));
      },
    });
  }
  return keys;
}

test('the examples use every YAML zone key (origin: shown as a comment, since the file name gives it)', (t) => {
  const used = keysUsed();
  const all = new Set<string>([...TOP_KEYS, ...PROBE_KEYS, ...TIMEOUT_KEYS.map(([k]) => k), ...POOL_KEYS, ...MEMBER_KEYS, ...NAME_KEYS, ...TIER_KEYS, ...MX_KEYS, ...EXPERIMENT_KEYS, ...ARM_KEYS]);
  all.delete('origin');
  t.deepEqual([...all].filter((key) => !used.has(key)), []);
  t.regex(readFileSync(EXAMPLES[0]!, 'utf8'), /^# origin: mail\.example\.net\b/m);
});

test('the examples load together with the master-file example, each member on loopback', (t) => {
  const { zones, errors } = loadZoneDir('zones');
  t.deepEqual(errors, []);
  const members = [...zones.values()].flatMap((z) => [...(z.balancing?.pools.values() ?? [])].flatMap((p) => p.members));
  t.true(members.length >= 8);
  for (const m of members) t.true(isIPv4(m.address) ? m.address.startsWith('127.') : m.address === '::1', `${m.id} ${m.address}`);
});

test('mail.example.net.yaml: inline records, three pools, weighted smtp with a backup tier, MX at the apex', (t) => {
  const zone = loadZoneFile('zones/mail.example.net.yaml');
  const b = zone.balancing!;
  t.deepEqual([...b.pools.keys()], ['primary', 'backup', 'bulk']);
  const primary = b.pools.get('primary')!;
  t.deepEqual(primary.members.map((m) => [m.id, m.address, m.port, m.weight, m.host]), [
    ['primary/mta1', '127.0.0.11', 2525, 100, 'mta1.mail.example.net'],
    ['primary/mta2', '127.0.0.12', 2525, 100, 'mta2.mail.example.net'],
    ['primary/mta2-v6', '::1', 2526, 100, 'mta2.mail.example.net'],
    ['primary/mta3', '127.0.0.13', 25, 50, 'mta3.mail.example.net'],
  ]);
  t.is(primary.probe.ehloName, 'mxlb-probe.mail.example.net');
  const backup = b.pools.get('backup')!;
  t.like(backup.probe, { intervalMs: 5000, starttls: 'try', minCertDays: 14, rise: 2, ehloName: 'mxlb-probe.mail.example.net' });
  t.is(backup.probe.timeouts.bannerMs, 5000);
  t.is(backup.probe.timeouts.connectMs, 1000);
  t.deepEqual(backup.members.map((m) => [m.host, m.weight]), [['dr1.backup.example.org', 100], ['dr2.mail.example.net', 0]]);

  t.like(b.names.get('smtp.mail.example.net'), { policy: 'weighted', max: 3, ttl: 30, degradedTtl: 5, allDown: 'all' });
  t.deepEqual(b.names.get('smtp.mail.example.net')!.tiers.map((tier) => [tier.pools, tier.minHealthy]), [[['primary'], 2], [['backup'], 2]]);
  t.like(b.names.get('bulk.mail.example.net'), { policy: 'round-robin', max: 8, ttl: 60, degradedTtl: 5, allDown: 'servfail' });
  t.deepEqual(b.names.get('bulk.mail.example.net')!.tiers.map((tier) => [tier.pools, tier.minHealthy]), [[['bulk'], 2], [['primary', 'backup'], 1]]);
  t.deepEqual([...b.mx.values()], [{ owner: 'mail.example.net', balanced: 'smtp.mail.example.net', step: 10, ttl: 60 }]);

  // In-zone hosts are served (host-ttl 5m); mta2 has A and AAAA; the out-of-zone dr1 host is not.
  t.deepEqual(zone.nodes.get('mta2.mail.example.net')?.get(RRType.AAAA)?.rdata, [{ type: RRType.AAAA, address: '::1' }]);
  t.is(zone.nodes.get('mta1.mail.example.net')?.get(RRType.A)?.ttl, 300);
  t.false(zone.nodes.has('smtp.mail.example.net'));
});

test('outbound.example.org.yaml: static records from the sibling .zone, a one-pool name with all-down nodata', (t) => {
  const zone = loadZoneFile('zones/outbound.example.org.yaml');
  t.is(zone.soa.serial, 2026112501);
  t.truthy(zone.nodes.get('_submission._tcp.outbound.example.org')?.get(RRType.SRV));
  t.like(zone.balancing!.names.get('relay.outbound.example.org'), { max: 1, allDown: 'nodata', policy: 'round-robin' });
  t.deepEqual(zone.balancing!.pools.get('outbound')!.members.map((m) => m.host), ['a.relays.example.org', 'b.relays.example.org']);
  t.like(zone.balancing!.pools.get('outbound')!.probe.timeouts, { connectMs: 500 });
});
