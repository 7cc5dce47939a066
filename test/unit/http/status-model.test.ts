/**
 * The pure /status builder: every member once under its pool, states straight from the snapshot,
 * probe details from the prober (else the store), shares and history folded in, JSON-clean.
 */
import test from 'ava';
import { buildStatus } from '../../../src/http/status-model.ts';
import { snapshotWith } from '../../helpers/balanced-zone.ts';
import { inputs, NOW, ORIGIN, STARTED, zone } from './status-fixture.ts';

test('server block: version, uptime, snapshot version, store, zone errors', (t) => {
  const doc = buildStatus(inputs());
  t.deepEqual(doc.server, {
    version: '9.9.9',
    startedAt: new Date(STARTED).toISOString(),
    uptimeSeconds: 90,
    now: new Date(NOW).toISOString(),
    snapshotVersion: 42,
    firstProbeRoundDone: true,
    store: { kind: 'memory', ok: true },
    zoneErrors: ['bad.zone:3: unknown type FOO'],
  });
  t.deepEqual(doc.totals, { zones: 1, names: 1, pools: 2, members: 4, byState: { up: 2, down: 1, drained: 1 } });
});

test('every member appears once under its pool with observed, override and effective state', (t) => {
  const doc = buildStatus(inputs());
  const z = doc.zones[0]!;
  t.like(z, { origin: ORIGIN, file: `test:${ORIGIN}`, serial: 2024010101, balanced: true });
  t.deepEqual(z.pools.map((p) => [p.name, p.members.map((m) => m.id)]), [['a', ['a/a1', 'a/a2', 'a/a6']], ['b', ['b/b1']]]);
  const [m1, m2, m6] = z.pools[0]!.members;
  t.like(m1, { observed: 'up', effective: 'up', since: new Date(NOW - 60_000).toISOString(), sinceSeconds: 60, weight: 100, effectiveWeight: 100 });
  t.like(m2, { observed: 'down', effective: 'down', observedReason: '2 consecutive failures (fall 2): connect-refused', lastFailure: { reason: 'connect-refused' } });
  t.like(m6, { observed: 'up', effective: 'drained', override: { kind: 'drained', reason: 'maintenance', author: 'alice' } });
  t.is(m6!.since, undefined, 'no verdict time known for a member neither the prober nor the store has');
  const bb = z.pools[1]!.members[0]!;
  t.like(bb, { weight: 50, effectiveWeight: 10, weightOverride: { weight: 10, author: 'bob' } });
  t.is(bb.since, new Date(NOW - 3_600_000).toISOString(), 'the store verdict stands in for a member probed elsewhere');
  t.is(bb.lastProbe, undefined);
  t.false(bb.probedHere, 'b/b1 is probed by another instance');
  t.true(m1!.probedHere);
});

test('last probe: per-phase latency, banner, EHLO capabilities, TLS and certificate expiry', (t) => {
  const m1 = buildStatus(inputs()).zones[0]!.pools[0]!.members[0]!;
  t.deepEqual(m1.lastProbe, {
    at: new Date(NOW - 1000).toISOString(),
    ok: true,
    totalMs: 12.5,
    phases: { connect: 0.4, banner: 2.3, ehlo: 1.1, starttls: 0.5, tls: 7, 'ehlo-tls': 1, quit: 0.2 },
    banner: 'mta1.relay.test ESMTP ready',
    capabilities: ['PIPELINING', 'SIZE 10240000', 'STARTTLS'],
    tls: { authorized: false, protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', subject: 'CN=mta1', authorizationError: 'SELF_SIGNED' },
    certExpires: '2026-12-05T12:00:00.000Z',
    certDaysLeft: 10,
  });
  const m2 = buildStatus(inputs()).zones[0]!.pools[0]!.members[1]!;
  t.like(m2.lastProbe, { ok: false, reason: 'connect-refused', detail: 'connect ECONNREFUSED 192.0.2.2:25', phases: { connect: 0.3 } });
});

test('recent samples, shares and transitions', (t) => {
  const doc = buildStatus(inputs());
  const [m1, m2, m6] = doc.zones[0]!.pools[0]!.members;
  t.like(m1!.recent, { samples: 2, failures: 0, avgMs: 12.5, maxMs: 12.5 });
  t.is(m1!.recent.series.length, 2);
  t.like(m2!.recent, { samples: 1, failures: 1 });
  t.is(m2!.recent.series[0]!.reason, 'connect-refused');
  t.deepEqual(m6!.recent, { samples: 0, failures: 0, avgMs: null, maxMs: null, series: [] });
  t.deepEqual(m1!.share, { answers: 2, first: 1, fraction: 1, firstFraction: 0.5 });
  t.deepEqual(m6!.share, { answers: 0, first: 0, fraction: 0, firstFraction: 0 });
  t.is(doc.answersInWindow, 2);
  t.is(doc.sharesWindowSeconds, 60);
  t.deepEqual(doc.recentTransitions, [
    { member: 'a/a2', from: 'up', to: 'down', reason: 'connect-refused', detail: '2 consecutive failures (fall 2): connect-refused', at: new Date(NOW - 1500).toISOString() },
  ]);
});

test('names: tiers with healthy counts, which tier each family uses, degraded reasons', (t) => {
  const name = buildStatus(inputs()).zones[0]!.names[0]!;
  t.like(name, { owner: 'smtp.relay.test', policy: 'round-robin', max: 4, ttl: 30, degradedTtl: 5, allDown: 'all' });
  // Tier 0 has a1 usable only (a2 down, a6 drained): below its minimum of 2, so tier 1 serves A.
  t.deepEqual(name.tiers, [
    { index: 0, pools: ['a'], members: 3, minHealthy: 2, healthy: 1, used: false },
    { index: 1, pools: ['b'], members: 1, minHealthy: 1, healthy: 1, used: true },
  ]);
  t.deepEqual(name.answers.map((a) => a.type), ['A', 'AAAA']);
  t.like(name.answers[0], { outcome: 'answer', tier: 1, mode: 'normal', degraded: true, candidates: ['b/b1'] });
  t.true(name.answers[0]!.degradedBecause.includes('backup tier 1 in use'));
  // AAAA: a6 (the only IPv6 member) is drained while IPv4 members serve: NODATA, not the all-down
  // fail-open (plan.ts rule 4) — dual-stack senders use IPv4.
  t.like(name.answers[1], { type: 'AAAA', outcome: 'nodata', allDown: false, tier: -1, candidates: [] });
});

test('all up: tier 0 serves every member; unknown members count as usable', (t) => {
  const doc = buildStatus(inputs({ snapshot: snapshotWith(zone, {}, 1) }));
  const name = doc.zones[0]!.names[0]!;
  t.like(name.answers[0], { tier: 0, degraded: false, candidates: ['a/a1', 'a/a2'] });
  t.deepEqual(name.tiers.map((tier) => tier.used), [true, false]);
  const members = doc.zones[0]!.pools.flatMap((p) => p.members);
  t.true(members.every((m) => m.observed === 'unknown' && m.effective === 'unknown'));
  t.true(members.every((m) => m.observedReason === undefined && m.since === undefined));
});

test('the document is plain JSON (no Maps, no shared objects)', (t) => {
  const doc = buildStatus(inputs());
  t.deepEqual(JSON.parse(JSON.stringify(doc)), doc);
  t.deepEqual(doc.zones[0]!.pools[0]!.probe, {
    interval: '1000 ms ±10 %, recheck 250 ms', rise: 2, fall: 2, starttls: 'off', tlsVerify: false, ehloName: 'mxlb-probe.invalid',
    timeouts: { connectMs: 1000, bannerMs: 3000, ehloMs: 2000, tlsMs: 3000, quitMs: 500 },
  });
});

test('an empty server: no zones, zero totals', (t) => {
  const doc = buildStatus(inputs({ snapshot: { version: 0, zones: { zones: new Map() }, members: new Map() }, firstRoundDone: false, zoneErrors: [] }));
  t.deepEqual(doc.zones, []);
  t.deepEqual(doc.totals, { zones: 0, names: 0, pools: 0, members: 0, byState: {} });
  t.false(doc.server.firstProbeRoundDone);
});
