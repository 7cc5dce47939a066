/**
 * The answer cache's byte bounds from flags and environment, its stats through a real DnsServer's
 * counters, across a worker's death (retiredLimits) and into /metrics.
 */
import test from 'ava';
import { serveConfig, type ServeFlags } from '../../../src/config.ts';
import { MxlbError } from '../../../src/errors.ts';
import { DnsServer } from '../../../src/dns/index.ts';
import { retiredLimits, sumLimits } from '../../../src/dns/worker-metrics.ts';
import { silentLogger } from '../../../src/log.ts';
import { MxlbMetrics } from '../../../src/metrics/index.ts';
import { fixtureSnapshot } from '../../helpers/dns-server.ts';

const config = (flags: ServeFlags, env: NodeJS.ProcessEnv = {}) => serveConfig({ stateFile: '', ...flags }, env);

test('serve config: cache byte bounds from flags, else the environment, else the DNS defaults', (t) => {
  t.deepEqual(config({}).dnsCache, {});
  t.deepEqual(config({ dnsCacheBytes: 1_000_000, dnsNegativeCacheBytes: 0 }).dnsCache, { maxBytes: 1_000_000, maxNegativeBytes: 0 });
  t.deepEqual(config({}, { MXLB_DNS_CACHE_BYTES: '2048', MXLB_DNS_NEGATIVE_CACHE_BYTES: '1024' }).dnsCache, { maxBytes: 2048, maxNegativeBytes: 1024 });
  t.deepEqual(config({ dnsCacheBytes: 4096 }, { MXLB_DNS_CACHE_BYTES: '2048' }).dnsCache, { maxBytes: 4096 });
  const usage = (flags: ServeFlags, env: NodeJS.ProcessEnv = {}): string => {
    try {
      config(flags, env);
    } catch (error) {
      if (error instanceof MxlbError && error.code === 'usage') return error.message;
      throw error;
    }
    return 'no usage error';
  };
  t.regex(usage({ dnsCacheBytes: -1 }), /--dns-cache-bytes must be a whole number/);
  t.regex(usage({}, { MXLB_DNS_NEGATIVE_CACHE_BYTES: '4M' }), /--dns-negative-cache-bytes must be a whole number/);
});

test('a DnsServer reports its cache, a dead worker leaves only evictions, and /metrics shows them by map', async (t) => {
  const server = new DnsServer({ getSnapshot: () => fixtureSnapshot(), logger: silentLogger, cache: { maxBytes: 1000 } });
  const stats = server.limitCounters().cache!;
  t.deepEqual(stats, { answer: { entries: 0, bytes: 0, evictions: 0 }, negative: { entries: 0, bytes: 0, evictions: 0 } });

  const live = { rrl: { limited: 0, slipped: 0, dropped: 0 }, tcp: { full: 0, perSource: 0, evicted: 0, idle: 0, queryTimeout: 0, lifetime: 0 } };
  const a = { ...live, cache: { answer: { entries: 3, bytes: 3000, evictions: 5 }, negative: { entries: 1, bytes: 400, evictions: 0 } } };
  const b = { ...live, cache: { answer: { entries: 2, bytes: 1000, evictions: 1 }, negative: { entries: 0, bytes: 0, evictions: 2 } } };
  const dead = retiredLimits(b);
  t.deepEqual(dead.cache, { answer: { entries: 0, bytes: 0, evictions: 1 }, negative: { entries: 0, bytes: 0, evictions: 2 } });
  const total = sumLimits(a, dead);
  t.deepEqual(total.cache, { answer: { entries: 3, bytes: 3000, evictions: 6 }, negative: { entries: 1, bytes: 400, evictions: 2 } });

  const metrics = new MxlbMetrics({ snapshot: () => fixtureSnapshot(), processMetrics: false });
  t.regex(await metrics.text(), /^mxlb_dns_cache_bytes\{map="answer"\} 0$/m, 'present before the server starts');
  metrics.dns.watchLimits(() => total);
  const text = await metrics.text();
  t.regex(text, /^mxlb_dns_cache_entries\{map="answer"\} 3$/m);
  t.regex(text, /^mxlb_dns_cache_bytes\{map="answer"\} 3000$/m);
  t.regex(text, /^mxlb_dns_cache_bytes\{map="negative"\} 400$/m);
  t.regex(text, /^mxlb_dns_cache_evictions_total\{map="answer"\} 6$/m);
  t.regex(text, /^mxlb_dns_cache_evictions_total\{map="negative"\} 2$/m);
});
