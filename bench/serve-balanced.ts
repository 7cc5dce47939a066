/**
 * Serves the balanced relay test zone (test/unit/dns/resolve-balanced-fixtures.ts, every member up)
 * with DnsServer behind the metrics hub, as `mxlb serve` wires it: answer shares always, the
 * /metrics counters only with `--metrics`. Prints `port <n>`; stops on SIGTERM. For measuring the
 * hooks end to end with dnsperf, alternating the two variants and comparing server CPU per query:
 *
 *   taskset -c 1 node --import=tsx bench/serve-balanced.ts [--metrics] &
 *   taskset -c 0 dnsperf -s 127.0.0.1 -p PORT -d queries.txt -l 5 -c 4 -q 200
 *   # queries.txt: smtp.relay.example.com A / relay.example.com MX / mta1.relay.example.com A / nx.relay.example.com A
 *   # CPU: fields 14+15 of /proc/PID/stat before and after, in clock ticks
 */
import { findNativeUdp, loadNativeUdp, DnsServer } from '../src/dns/index.ts';
import { DnsMetricsHub } from '../src/dns/metrics-hooks.ts';
import { AnswerShares } from '../src/http/shares.ts';
import { silentLogger } from '../src/log.ts';
import { MxlbMetrics } from '../src/metrics/index.ts';
import { snapshotWith } from '../test/helpers/balanced-zone.ts';
import { POOL_A, POOL_B, relayZone } from '../test/unit/dns/resolve-balanced-fixtures.ts';

const snapshot = snapshotWith(relayZone(), {}, 1, [...POOL_A, ...POOL_B]);
const hub = new DnsMetricsHub();
const shares = new AnswerShares();
hub.subscribe({ served: (members) => shares.add(members) });
// Built in both variants (default process metrics included), so only the subscription differs.
const metrics = new MxlbMetrics({ snapshot: () => snapshot });
if (process.argv.includes('--metrics')) hub.subscribe(metrics.dns);
// UDP as `mxlb serve` answers it: in batches through the addon when built (MXLB_NATIVE_UDP=0: dgram).
const native = findNativeUdp();
const server = new DnsServer({ getSnapshot: () => snapshot, logger: silentLogger, metrics: hub, ...(native.path ? { nativeUdp: loadNativeUdp(native.path) } : {}) });
const [bound] = await server.listen([{ host: '127.0.0.1', port: 0 }]);
process.stdout.write(`port ${bound!.udp.port}\n`);
process.once('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
