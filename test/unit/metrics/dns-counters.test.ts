/**
 * The query-path counters (pure, no sockets): label values are bounded whatever the network
 * sends, answer counts per members array fold into per-member totals, and departed members'
 * series go away. Read back through the strict exposition parser.
 */
import test from 'ava';
import { MxlbMetrics } from '../../../src/metrics/index.ts';
import { qtypeSlot, QTYPE_LABELS, rcodeSlot, RCODE_LABELS } from '../../../src/metrics/labels.ts';
import type { Snapshot } from '../../../src/snapshot.ts';
import type { ZoneReloadReport } from '../../../src/zone/index.ts';
import { counterOf, parseProm, series } from '../../helpers/prom-parse.ts';

const EMPTY: Snapshot = { version: 1, zones: { zones: new Map() }, members: new Map() };
const metrics = () => new MxlbMetrics({ snapshot: () => EMPTY, processMetrics: false, version: 'test' });

test('every qtype and rcode maps into a small fixed label set', (t) => {
  const qtypes = new Set<string>();
  for (let q = 0; q < 65536; q++) qtypes.add(QTYPE_LABELS[qtypeSlot(q)]!);
  t.is(qtypes.size, QTYPE_LABELS.length);
  t.true(qtypes.size < 32);
  t.is(QTYPE_LABELS[qtypeSlot(1)], 'A');
  t.is(QTYPE_LABELS[qtypeSlot(257)], 'CAA');
  t.is(QTYPE_LABELS[qtypeSlot(4000)], 'other');
  t.is(RCODE_LABELS[rcodeSlot(3)], 'NXDOMAIN');
  t.is(RCODE_LABELS[rcodeSlot(16)], 'BADVERS');
  t.is(RCODE_LABELS[rcodeSlot(4095)], 'other');
});

test('queries, cache hits and drops are counted by transport with named labels', async (t) => {
  const m = metrics();
  m.dns.answered('udp', 0, false, 1);
  m.dns.answered('udp', 0, true, 1);
  m.dns.answered('tcp', 3, false, 28);
  m.dns.answered('udp', 1, false, 12345);
  m.dns.dropped('udp', 'QR=1: a response, not a query');
  m.dns.dropped('tcp', 'message of 3 octets is shorter than a header');
  const f = parseProm(await m.text());
  t.is(counterOf(f, 'mxlb_dns_queries_total', { transport: 'udp', qtype: 'A', rcode: 'NOERROR' }), 2);
  t.is(counterOf(f, 'mxlb_dns_queries_total', { transport: 'tcp', qtype: 'AAAA', rcode: 'NXDOMAIN' }), 1);
  t.is(counterOf(f, 'mxlb_dns_queries_total', { transport: 'udp', qtype: 'other', rcode: 'FORMERR' }), 1);
  t.is(series(f, 'mxlb_dns_queries_total').length, 3, 'no zero series for combinations never seen');
  t.is(counterOf(f, 'mxlb_dns_cache_hits_total', { transport: 'udp' }), 1);
  t.is(counterOf(f, 'mxlb_dns_cache_hits_total', { transport: 'tcp' }), 0);
  t.is(counterOf(f, 'mxlb_dns_dropped_total', { transport: 'udp', reason: 'response' }), 1);
  t.is(counterOf(f, 'mxlb_dns_dropped_total', { transport: 'tcp', reason: 'runt' }), 1);
  t.is(series(f, 'mxlb_build_info', { version: 'test' }).length, 1);
});

test('answer counts per members array add up per member across scrapes and past the pending cap', async (t) => {
  const m = metrics();
  const ab = ['p/a', 'p/b'];
  for (let i = 0; i < 3; i++) m.dns.served(ab);
  m.dns.served(['p/b', 'p/a']);
  let f = parseProm(await m.text());
  t.is(counterOf(f, 'mxlb_answers_member_total', { member: 'p/a', pool: 'p' }), 4);
  t.is(counterOf(f, 'mxlb_answers_member_total', { member: 'p/b' }), 4);
  // 5000 distinct arrays (as after many snapshot swaps) with nobody scraping: nothing is lost.
  for (let i = 0; i < 5000; i++) m.dns.served(['q/c']);
  m.dns.served(ab);
  f = parseProm(await m.text());
  t.is(counterOf(f, 'mxlb_answers_member_total', { member: 'q/c', pool: 'q' }), 5000);
  t.is(counterOf(f, 'mxlb_answers_member_total', { member: 'p/a' }), 5);
  t.is(counterOf(f, 'mxlb_answers_balanced_total'), 5005);
});

test('a zone reload without a member removes its answer and probe series', async (t) => {
  const m = metrics();
  m.dns.served(['p/a', 'p/gone']);
  m.probeResult('p/gone', { ok: true, phases: [{ phase: 'connect', ms: 1 }], startedAt: 0, totalMs: 1 }, { state: 'up', since: 0, successes: 1, failures: 0, probes: 1 }, { from: 'unknown', to: 'up', reason: 'ok', detail: '', at: 0 });
  t.is(series(parseProm(await m.text()), 'mxlb_probe_results_total', { member: 'p/gone' }).length, 1);
  const report: ZoneReloadReport = { reason: 'SIGHUP', changed: true, removed: [], zones: new Map(), errors: [], files: [] };
  const zones = { zones: new Map([['x', { balancing: { pools: new Map([['p', { name: 'p', members: [{ id: 'p/a' }] }]]) } }]]) } as unknown as Parameters<typeof m.zoneReloaded>[0];
  m.zoneReloaded(zones, report);
  const f = parseProm(await m.text());
  t.deepEqual([...f.values()].flatMap((family) => family.samples).filter((s) => s.labels.member === 'p/gone'), []);
  t.is(counterOf(f, 'mxlb_answers_member_total', { member: 'p/a' }), 1);
  t.is(counterOf(f, 'mxlb_zone_reloads_total', { result: 'ok' }), 1);
});
