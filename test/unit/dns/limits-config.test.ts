import test from 'ava';
import { serveConfig, type ServeFlags } from '../../../src/config.ts';
import { MxlbError } from '../../../src/errors.ts';
import { MxlbMetrics } from '../../../src/metrics/index.ts';
import { fixtureSnapshot } from '../../helpers/dns-server.ts';

const config = (flags: ServeFlags) => serveConfig({ stateFile: '', ...flags }, {});

const usage = (flags: ServeFlags): string => {
  try {
    config(flags);
  } catch (error) {
    if (error instanceof MxlbError && error.code === 'usage') return error.message;
    throw error;
  }
  throw new Error('no usage error');
};

test('serve config: RRL and TCP limits keep the DNS defaults unless given', (t) => {
  const plain = config({});
  t.deepEqual(plain.rrl, {});
  t.deepEqual(plain.tcp, {});
  t.is(config({ rrl: false }).rrl, false);
  t.is(config({ rrlRate: 0 }).rrl, false, 'rate 0 is off');
  t.deepEqual(
    config({ rrlRate: 20, rrlErrorRate: 5, rrlBurst: 40, rrlSlip: 1, rrlIpv4Prefix: 32, rrlIpv6Prefix: 64, rrlAmplification: 0, rrlWhitelist: ['192.0.2.0/24,2001:db8::/48', '198.51.100.7'] }).rrl,
    { rate: 20, errorRate: 5, burst: 40, slip: 1, ipv4Prefix: 32, ipv6Prefix: 64, amplification: 0, whitelist: ['192.0.2.0/24', '2001:db8::/48', '198.51.100.7'] },
  );
  t.deepEqual(config({ rrlWhitelist: ['none'] }).rrl, { whitelist: [] });
  t.deepEqual(config({ tcpIdleTimeout: '5s', tcpQueryTimeout: '500ms', tcpLifetime: '0s', tcpMaxConnections: 512, tcpMaxPerSource: 0 }).tcp, {
    idleTimeoutMs: 5000, queryTimeoutMs: 500, maxLifetimeMs: 0, maxConnections: 512, maxPerSource: 0,
  });
  t.is(config({ tcpLifetime: '1.5m' }).tcp.maxLifetimeMs, 90_000);
});

test('serve config: bad limits are usage errors naming the flag', (t) => {
  t.regex(usage({ rrlSlip: 11 }), /--rrl-slip must be a whole number from 0 to 10/);
  t.regex(usage({ rrlRate: 1.5 }), /--rrl-rate/);
  t.regex(usage({ rrlIpv4Prefix: 33 }), /--rrl-ipv4-prefix/);
  t.regex(usage({ rrlWhitelist: ['192.0.2.0/33'] }), /--rrl-whitelist expects/);
  t.regex(usage({ rrlWhitelist: ['resolver.example'] }), /--rrl-whitelist expects/);
  t.regex(usage({ rrlAmplification: -1 }), /--rrl-amplification/);
  t.regex(usage({ tcpQueryTimeout: '2' }), /--tcp-query-timeout expects a duration/);
  t.regex(usage({ tcpIdleTimeout: '10ms' }), /at least 100 ms/);
  t.regex(usage({ tcpMaxConnections: 0 }), /--tcp-max-connections/);
});

test('/metrics: RRL counters and TCP closes by reason come from the DNS server at scrape time', async (t) => {
  const metrics = new MxlbMetrics({ snapshot: () => fixtureSnapshot(), processMetrics: false });
  let text = await metrics.text();
  t.regex(text, /^mxlb_dns_rrl_limited_total 0$/m, 'present before the server starts');
  metrics.dns.watchLimits(() => ({
    rrl: { limited: 7, slipped: 3, dropped: 4 },
    tcp: { full: 1, perSource: 2, evicted: 3, idle: 4, queryTimeout: 5, lifetime: 6 },
  }));
  text = await metrics.text();
  t.regex(text, /^mxlb_dns_rrl_limited_total 7$/m);
  t.regex(text, /^mxlb_dns_rrl_slipped_total 3$/m);
  t.regex(text, /^mxlb_dns_rrl_dropped_total 4$/m);
  t.regex(text, /^mxlb_dns_tcp_closed_total\{reason="per-source"\} 2$/m);
  t.regex(text, /^mxlb_dns_tcp_closed_total\{reason="query-timeout"\} 5$/m);
});
