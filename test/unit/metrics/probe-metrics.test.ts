/**
 * Probe metrics (no sockets): results and transitions per member, latency histograms per pool
 * (one series per pool and phase however many members the pool has), and a zone reload that drops
 * departed members' counters and departed pools' histograms. Read back through the strict parser.
 */
import test from 'ava';
import { MxlbMetrics } from '../../../src/metrics/index.ts';
import type { ProbeResult } from '../../../src/probe/index.ts';
import type { Snapshot } from '../../../src/snapshot.ts';
import type { ZoneReloadReport } from '../../../src/zone/index.ts';
import { counterOf, parseProm, series, valueOf } from '../../helpers/prom-parse.ts';

const EMPTY: Snapshot = { version: 1, zones: { zones: new Map() }, members: new Map() };
const metrics = () => new MxlbMetrics({ snapshot: () => EMPTY, processMetrics: false, version: 'test' });
const HEALTH = { state: 'up' as const, since: 0, successes: 1, failures: 0, probes: 1 };
const pass = (ms: number): ProbeResult => ({ ok: true, phases: [{ phase: 'connect', ms }, { phase: 'banner', ms }], startedAt: 0, totalMs: 2 * ms });
const refused: ProbeResult = { ok: false, reason: 'connect-refused', phases: [{ phase: 'connect', ms: 1 }], startedAt: 0, totalMs: 1 };

test('latency histograms are per pool and phase; results and transitions per member', async (t) => {
  const m = metrics();
  for (let i = 0; i < 50; i++) m.probeResult(`p/m${i}`, pass(4), HEALTH);
  m.probeResult('q/a', refused, HEALTH, { from: 'up', to: 'down', reason: 'connect-refused', detail: '', at: 0 });
  const f = parseProm(await m.text());
  t.is(valueOf(f, 'mxlb_probe_phase_seconds_count', { pool: 'p', phase: 'banner' }), 50);
  t.is(valueOf(f, 'mxlb_probe_phase_seconds_bucket', { pool: 'p', phase: 'connect', le: '0.005' }), 50);
  t.is(valueOf(f, 'mxlb_probe_phase_seconds_bucket', { pool: 'p', phase: 'connect', le: '0.0025' }), 0);
  t.is(valueOf(f, 'mxlb_probe_duration_seconds_count', { pool: 'p', result: 'pass' }), 50);
  t.is(valueOf(f, 'mxlb_probe_duration_seconds_count', { pool: 'q', result: 'fail' }), 1);
  // 2 pools: 3 phase series and 2 duration series in all, not 5 per member.
  t.is(series(f, 'mxlb_probe_phase_seconds_count').length, 3);
  t.is(series(f, 'mxlb_probe_duration_seconds_count').length, 2);
  t.deepEqual(series(f, 'mxlb_probe_phase_seconds_count').filter((s) => 'member' in s.labels), []);
  t.is(counterOf(f, 'mxlb_probe_results_total', { member: 'p/m7', result: 'pass', reason: 'ok' }), 1);
  t.is(counterOf(f, 'mxlb_probe_results_total', { member: 'q/a', result: 'fail', reason: 'connect-refused' }), 1);
  t.is(counterOf(f, 'mxlb_member_transitions_total', { member: 'q/a', to: 'down' }), 1);
});

test('a zone reload drops departed members\' counters and departed pools\' histograms, and keeps the rest', async (t) => {
  const m = metrics();
  m.probeResult('p/a', pass(1), HEALTH);
  m.probeResult('p/gone', refused, HEALTH, { from: 'up', to: 'down', reason: 'connect-refused', detail: '', at: 0 });
  m.probeResult('q/a', pass(1), HEALTH);
  const report: ZoneReloadReport = { reason: 'SIGHUP', changed: true, removed: [], zones: new Map(), errors: [], files: [] };
  const zones = { zones: new Map([['x', { balancing: { pools: new Map([['p', { name: 'p', members: [{ id: 'p/a' }] }]]) } }]]) } as unknown as Parameters<typeof m.zoneReloaded>[0];
  m.zoneReloaded(zones, report);
  const f = parseProm(await m.text());
  t.deepEqual([...f.values()].flatMap((family) => family.samples).filter((s) => s.labels.member === 'p/gone' || s.labels.member === 'q/a' || s.labels.pool === 'q'), []);
  t.is(counterOf(f, 'mxlb_probe_results_total', { member: 'p/a', result: 'pass', reason: 'ok' }), 1);
  t.is(valueOf(f, 'mxlb_probe_duration_seconds_count', { pool: 'p', result: 'pass' }), 1);
  // p/gone's failure was observed in pool p, which stays: its observation stays in the pool's histogram.
  t.is(valueOf(f, 'mxlb_probe_duration_seconds_count', { pool: 'p', result: 'fail' }), 1);
});
