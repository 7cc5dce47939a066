/**
 * Query-path cost of the metrics hooks (in process, no sockets): the Answerer answering cached
 * queries with (1) no hooks, (2) the hub feeding answer shares only, (3) the hub feeding answer
 * shares and the /metrics counters. Rounds alternate between the three; prints the median ns per
 * query of each and the difference the /metrics counters add.
 *
 *   node --import=tsx bench/metrics-hooks.ts [--rounds 7] [--queries 400000]
 */
import { Answerer, type DnsMetrics } from '../src/dns/answer.ts';
import { DnsMetricsHub } from '../src/dns/metrics-hooks.ts';
import { resolve } from '../src/dns/resolve.ts';
import { AnswerShares } from '../src/http/shares.ts';
import { silentLogger } from '../src/log.ts';
import { MxlbMetrics } from '../src/metrics/index.ts';
import { buildQuery } from '../test/helpers/dns-client.ts';
import { snapshotWith } from '../test/helpers/balanced-zone.ts';
import { relayZone, POOL_A, POOL_B } from '../test/unit/dns/resolve-balanced-fixtures.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const ROUNDS = flag('rounds', 7);
const QUERIES = flag('queries', 400_000);

const snapshot = snapshotWith(relayZone(), {}, 1, [...POOL_A, ...POOL_B]);
/** Balanced A and MX (served() fires), a static A, an NXDOMAIN: the mix a relay name sees. */
const queries = [
  buildQuery({ name: 'smtp.relay.example.com', type: 1 }),
  buildQuery({ name: 'relay.example.com', type: 15 }),
  buildQuery({ name: 'ns1.relay.example.com', type: 1 }),
  buildQuery({ name: 'nx.relay.example.com', type: 1 }),
];

function answerer(kind: 'none' | 'shares' | 'shares+metrics'): Answerer {
  let metrics: DnsMetrics | undefined;
  if (kind !== 'none') {
    const hub = new DnsMetricsHub();
    const shares = new AnswerShares();
    hub.subscribe({ served: (members) => shares.add(members) });
    if (kind === 'shares+metrics') hub.subscribe(new MxlbMetrics({ snapshot: () => snapshot, processMetrics: false }).dns);
    metrics = hub;
  }
  return new Answerer({ getSnapshot: () => snapshot, resolve, logger: silentLogger, ...(metrics ? { metrics } : {}) });
}

const kinds = ['none', 'shares', 'shares+metrics'] as const;
const answerers = Object.fromEntries(kinds.map((k) => [k, answerer(k)])) as Record<(typeof kinds)[number], Answerer>;
const samples: Record<string, number[]> = Object.fromEntries(kinds.map((k) => [k, []]));

for (let round = 0; round <= ROUNDS; round++) {
  for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) {
    const a = answerers[kind];
    const start = process.hrtime.bigint();
    let bytes = 0;
    for (let i = 0; i < QUERIES; i++) bytes += a.answer(queries[i & 3]!, i & 8 ? 'tcp' : 'udp')?.length ?? 0;
    const ns = Number(process.hrtime.bigint() - start) / QUERIES;
    if (bytes === 0) throw new Error('no replies');
    if (round > 0) samples[kind]!.push(ns); // round 0 warms up the JIT and the caches
  }
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
for (const kind of kinds) console.log(`${kind.padEnd(15)} ${median(samples[kind]!).toFixed(1)} ns/query  (rounds: ${samples[kind]!.map((x) => x.toFixed(0)).join(' ')})`);
const added = median(samples['shares+metrics']!) - median(samples['shares']!);
console.log(`/metrics counters add ${added.toFixed(1)} ns/query (${((added / median(samples['shares']!)) * 100).toFixed(1)} %)`);
