/**
 * probeTargets (src/zone/probe-targets.ts): every member once, with its pool's settings; the
 * members of one pool share one frozen timeouts object and one scheduling-settings object.
 */
import test from 'ava';
import { DEFAULT_PROBE_SETTINGS } from '../../../src/probe/settings.ts';
import { probeTargets } from '../../../src/zone/probe-targets.ts';
import { parseYamlZone } from '../../../src/zone/yaml/yaml-parser.ts';

const ZONE = `records: |
  $TTL 300
  @    SOA ns1 hostmaster 7 1h 15m 1w 5m
       NS  ns1
  ns1  A   192.0.2.53
pools:
  a:
    members:
      - {name: m1, address: 127.0.0.1}
      - {name: m2, address: 127.0.0.2}
  b:
    probe: {rise: 5, timeouts: {connect: 250ms}}
    members:
      - {name: m3, address: 127.0.0.3}
names:
  smtp:
    tiers: [a, b]
`;

test('one target per member with its pool settings; a pool shares one frozen timeouts and settings object', (t) => {
  const zone = parseYamlZone(ZONE, { file: 'zones/mail.test.yaml', origin: 'mail.test' }).zone;
  const targets = probeTargets({ zones: new Map([[zone.origin, zone]]) }, 'probe.example.net');
  t.deepEqual(targets.map((x) => [x.memberId, x.target.address, x.target.ehloName]), [
    ['a/m1', '127.0.0.1', 'probe.example.net'],
    ['a/m2', '127.0.0.2', 'probe.example.net'],
    ['b/m3', '127.0.0.3', 'probe.example.net'],
  ]);
  const [m1, m2, m3] = targets as [typeof targets[0], typeof targets[0], typeof targets[0]];
  t.is(m1.target.timeouts, m2.target.timeouts);
  t.is(m1.settings, m2.settings);
  t.true(Object.isFrozen(m1.target.timeouts) && Object.isFrozen(m1.settings));
  t.deepEqual({ ...m1.target.timeouts }, { ...DEFAULT_PROBE_SETTINGS.timeouts });
  t.deepEqual({ ...m3.target.timeouts }, { ...DEFAULT_PROBE_SETTINGS.timeouts, connectMs: 250 });
  t.is(m3.settings.rise, 5);
  t.is(m1.settings.rise, DEFAULT_PROBE_SETTINGS.rise);
  t.not(m1.target, m2.target);
});
