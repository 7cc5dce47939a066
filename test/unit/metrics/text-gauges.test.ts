/**
 * The per-member gauges written as text at scrape time (src/metrics/text-gauges.ts): the same
 * series the prom-client gauges had, in the exposition format (read back through the strict
 * parser, together with the registry's own metrics), label values escaped, and nothing kept
 * between scrapes (a member gone from the zones is gone from the next scrape).
 */
import test from 'ava';
import { MxlbMetrics, ReputationMetrics } from '../../../src/metrics/index.ts';
import { escapeLabelValue, GaugeText, label } from '../../../src/metrics/text-gauges.ts';
import type { Snapshot } from '../../../src/snapshot.ts';
import { balancedName, balancedZone, member, snapshotWith, tierOf } from '../../helpers/balanced-zone.ts';
import { parseProm, series, valueOf } from '../../helpers/prom-parse.ts';

const a = member('p', 'a', '192.0.2.1', { host: 'a.relay.test' });
const b = member('p', 'b', '192.0.2.2', { host: 'b.relay.test' });
const c = member('q', 'c', '192.0.2.3', { host: 'c.relay.test' });
const zoneOf = (...members: (typeof a)[]) => balancedZone('relay.test', ['@ 300 SOA ns.relay.test. h.relay.test. 1 3600 600 86400 60', '@ 300 NS ns.relay.test.'], [balancedName('out.relay.test', [tierOf(members)])]);

test('mxlb_member_state is one-hot over five states and mxlb_member_up the probes\' verdict, per configured member', async (t) => {
  const snapshot = snapshotWith(zoneOf(a, b, c), { [a.id]: 'up', [b.id]: ['up', 'drained'] });
  const metrics = new MxlbMetrics({ snapshot: () => snapshot, processMetrics: false, version: 'test' });
  const f = parseProm(await metrics.text());
  t.is(f.get('mxlb_member_state')?.type, 'gauge');
  for (const m of [a, b, c]) t.is(series(f, 'mxlb_member_state', { member: m.id }).length, 5);
  t.is(valueOf(f, 'mxlb_member_state', { member: a.id, pool: 'p', state: 'up' }), 1);
  t.is(valueOf(f, 'mxlb_member_state', { member: a.id, pool: 'p', state: 'down' }), 0);
  t.is(valueOf(f, 'mxlb_member_state', { member: b.id, pool: 'p', state: 'drained' }), 1);
  t.is(valueOf(f, 'mxlb_member_state', { member: c.id, pool: 'q', state: 'unknown' }), 1);
  t.is(valueOf(f, 'mxlb_member_up', { member: b.id, pool: 'p' }), 1, 'a drained member that passes its probes is up');
  t.is(valueOf(f, 'mxlb_member_up', { member: c.id, pool: 'q' }), 0, 'no verdict yet');
  t.is(valueOf(f, 'mxlb_build_info', { version: 'test' }), 1, "the registry's own metrics are still there");
});

test('a member gone from the zones is gone from the next scrape (nothing is kept between scrapes)', async (t) => {
  let snapshot: Snapshot = snapshotWith(zoneOf(a, b), { [a.id]: 'up', [b.id]: 'down' });
  const metrics = new MxlbMetrics({ snapshot: () => snapshot, processMetrics: false, version: 'test' });
  t.is(series(parseProm(await metrics.text()), 'mxlb_member_up').length, 2);
  snapshot = snapshotWith(zoneOf(a), { [a.id]: 'up' }, 2);
  const f = parseProm(await metrics.text());
  t.deepEqual(series(f, 'mxlb_member_up').map((s) => s.labels.member), [a.id]);
  t.is(series(f, 'mxlb_member_state', { member: b.id }).length, 0);
});

test('mxlb_reputation_state per provider group and "all", and mxlb_reputation_applied', async (t) => {
  const empty: Snapshot = { version: 1, zones: { zones: new Map() }, members: new Map() };
  const metrics = new MxlbMetrics({ snapshot: () => empty, processMetrics: false, version: 'test' });
  const states = new Map([
    ['p/a', { level: 'quarantined', applied: true, providers: { gmail: { level: 'quarantined' }, yahoo: { level: 'good' } } }],
    ['p/b', { level: 'suspect', applied: true, heldBack: 'min-healthy', providers: {} }],
  ]);
  new ReputationMetrics(metrics).source({ states: () => states });
  const f = parseProm(await metrics.text());
  t.is(f.get('mxlb_reputation_state')?.type, 'gauge');
  t.is(series(f, 'mxlb_reputation_state', { member: 'p/a' }).length, 9, '3 levels for all, gmail and yahoo');
  t.is(valueOf(f, 'mxlb_reputation_state', { member: 'p/a', provider: 'all', state: 'quarantined' }), 1);
  t.is(valueOf(f, 'mxlb_reputation_state', { member: 'p/a', provider: 'yahoo', state: 'good' }), 1);
  t.is(valueOf(f, 'mxlb_reputation_state', { member: 'p/a', provider: 'gmail', state: 'good' }), 0);
  t.is(valueOf(f, 'mxlb_reputation_applied', { member: 'p/a' }), 1);
  t.is(valueOf(f, 'mxlb_reputation_applied', { member: 'p/b' }), 0, 'held back below min-healthy');
});

test('label values are escaped as the exposition format says (backslash, double quote, line feed)', (t) => {
  t.is(escapeLabelValue('plain/value'), 'plain/value');
  t.is(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  const out = new GaugeText();
  out.gauge('x_gauge', 'help with a \\ backslash\nand a line feed');
  out.sample('x_gauge', label('member', 'we"ird\\name\n'), 1);
  const f = parseProm(out.text());
  t.is(valueOf(f, 'x_gauge', { member: 'we"ird\\name\n' }), 1);
  t.is(f.get('x_gauge')?.help, 'help with a \\ backslash\nand a line feed');
});

test('thousands of members come out whole across the 256 KB pieces', async (t) => {
  const many = Array.from({ length: 3000 }, (_, i) => member('p', `m${i}`, `192.0.2.${i % 250}`, { host: `m${i}.relay.test` }));
  const snapshot = snapshotWith(zoneOf(...many), Object.fromEntries(many.map((m, i) => [m.id, i % 3 === 0 ? 'down' : 'up'])));
  const metrics = new MxlbMetrics({ snapshot: () => snapshot, processMetrics: false, version: 'test' });
  const f = parseProm(await metrics.text());
  t.is(series(f, 'mxlb_member_state').length, 15_000);
  t.is(series(f, 'mxlb_member_up').filter((s) => s.value === 1).length, 2000);
  t.is(valueOf(f, 'mxlb_member_state', { member: 'p/m2999', state: 'up' }), 1);
});

test('the per-member probe counters are typed counters, listed before any probe, and count per reason', async (t) => {
  const empty: Snapshot = { version: 1, zones: { zones: new Map() }, members: new Map() };
  const metrics = new MxlbMetrics({ snapshot: () => empty, processMetrics: false, version: 'test' });
  let f = parseProm(await metrics.text());
  t.is(f.get('mxlb_probe_results_total')?.type, 'counter');
  t.is(f.get('mxlb_member_transitions_total')?.type, 'counter');
  t.deepEqual(series(f, 'mxlb_probe_results_total'), []);
  const refused = (reason: string) => ({ ok: false, reason, phases: [{ phase: 'connect' as const, ms: 1 }], startedAt: 0, totalMs: 1 });
  const health = { state: 'down' as const, since: 0, successes: 0, failures: 2, probes: 2 };
  metrics.probeResult('p/a', refused('connect-refused'), health);
  metrics.probeResult('p/a', refused('connect-refused'), health, { from: 'up', to: 'down', reason: 'connect-refused', detail: '', at: 0 });
  metrics.probeResult('p/a', refused('banner-timeout'), health);
  f = parseProm(await metrics.text());
  t.is(valueOf(f, 'mxlb_probe_results_total', { member: 'p/a', result: 'fail', reason: 'connect-refused' }), 2);
  t.is(valueOf(f, 'mxlb_probe_results_total', { member: 'p/a', result: 'fail', reason: 'banner-timeout' }), 1);
  t.deepEqual(series(f, 'mxlb_probe_results_total', { result: 'pass' }), [], 'no pass series before a pass');
  t.deepEqual(series(f, 'mxlb_member_transitions_total').map((s) => [s.labels.to, s.value]), [['down', 1]]);
});
