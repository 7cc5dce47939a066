import test from 'ava';
import { DEFAULT_PROBE_SETTINGS, mergeProbeSettings, probeTarget } from '../../../src/probe/settings.ts';
import { m } from './fixture.ts';

test('layers merge field by field over the defaults; undefined does not erase', (t) => {
  const zone = { intervalMs: 2000, ehloName: 'ns1.relay.test', timeouts: { bannerMs: 8000 } };
  const pool = { intervalMs: undefined, fall: 3, timeouts: { connectMs: 500 } };
  const s = mergeProbeSettings(zone, pool);
  t.is(s.intervalMs, 2000);
  t.is(s.fall, 3);
  t.is(s.rise, DEFAULT_PROBE_SETTINGS.rise);
  t.is(s.ehloName, 'ns1.relay.test');
  t.deepEqual(s.timeouts, { ...DEFAULT_PROBE_SETTINGS.timeouts, bannerMs: 8000, connectMs: 500 });
  t.is(DEFAULT_PROBE_SETTINGS.timeouts.connectMs, 1000, 'defaults are not modified');
});

test('probeTarget carries address, port and settings; TLS verification names the member host', (t) => {
  const member = m('a', 1);
  const plain = probeTarget(member, mergeProbeSettings({ bannerPattern: /ESMTP/ }));
  t.is(plain.address, '192.0.2.1');
  t.is(plain.port, 25);
  t.is(plain.tlsServername, undefined);
  t.deepEqual(plain.bannerPattern, /ESMTP/);
  const tls = probeTarget(member, mergeProbeSettings({ starttls: 'require', tlsVerify: true, minCertDays: 14 }));
  t.is(tls.tlsServername, 'm1.relay.test');
  t.is(tls.minCertDays, 14);
  t.is(tls.starttls, 'require');
});
