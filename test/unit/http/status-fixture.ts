/**
 * Status inputs shared by the /status builder tests and the `mxlb status` layout tests: zone
 * relay.test with pool a (a1 up, a2 down with a transition, a6 IPv6 drained) in tier 0 (min 2) and
 * pool b (b1, probed elsewhere: store verdict only, weight override 10) in tier 1.
 */
import { AnswerShares } from '../../../src/http/shares.ts';
import type { StatusInputs } from '../../../src/http/status-model.ts';
import type { MemberHealth } from '../../../src/probe/health.ts';
import { ProbeHistory } from '../../../src/probe/history.ts';
import type { ProbeResult } from '../../../src/probe/types.ts';
import type { PersistedHealth } from '../../../src/state/store.ts';
import { balancedName, balancedZone, member, snapshotWith, tierOf } from '../../helpers/balanced-zone.ts';

export const ORIGIN = 'relay.test';
const a1 = member('a', 'a1', '192.0.2.1', { host: 'mta1.relay.test' });
const a2 = member('a', 'a2', '192.0.2.2', { host: 'mta2.relay.test' });
const a6 = member('a', 'a6', '2001:db8::6', { host: 'mta2.relay.test' });
const b1 = member('b', 'b1', '198.51.100.1', { host: 'mtb1.relay.test', weight: 50 });
export const zone = balancedZone(
  ORIGIN,
  ['@ 3600 SOA ns1 hostmaster 2024010101 7200 900 1209600 60', '@ NS ns1', 'ns1 A 192.0.2.53'],
  [balancedName('smtp.relay.test', [tierOf([a1, a2, a6], 2), tierOf([b1])], { max: 4 })],
);
export const NOW = Date.parse('2026-11-25T12:00:00Z');
export const STARTED = NOW - 90_000;

function okResult(at: number): ProbeResult {
  return {
    ok: true,
    phases: [{ phase: 'connect', ms: 0.4 }, { phase: 'banner', ms: 2.25 }, { phase: 'ehlo', ms: 1.1 }, { phase: 'starttls', ms: 0.5 }, { phase: 'tls', ms: 7 }, { phase: 'ehlo-tls', ms: 1 }, { phase: 'quit', ms: 0.2 }],
    banner: 'mta1.relay.test ESMTP ready',
    capabilities: ['PIPELINING', 'SIZE 10240000', 'STARTTLS'],
    tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', certNotAfter: '2026-12-05T12:00:00.000Z', certSubject: 'CN=mta1', authorized: false, authorizationError: 'SELF_SIGNED' },
    startedAt: at,
    totalMs: 12.45,
  };
}

function refused(at: number): ProbeResult {
  return { ok: false, reason: 'connect-refused', detail: 'connect ECONNREFUSED 192.0.2.2:25', phases: [{ phase: 'connect', ms: 0.3 }], startedAt: at, totalMs: 0.3 };
}

export function inputs(extra: Partial<StatusInputs> = {}): StatusInputs {
  const history = new ProbeHistory({ perMember: 5 });
  history.record('a/a1', okResult(NOW - 2000));
  history.record('a/a1', okResult(NOW - 1000));
  history.record('a/a2', refused(NOW - 1500), { from: 'up', to: 'down', reason: 'connect-refused', detail: '2 consecutive failures (fall 2): connect-refused', at: NOW - 1500 });
  const shares = new AnswerShares({ now: () => NOW });
  shares.add(['a/a1', 'b/b1']);
  shares.add(['b/b1', 'a/a1']);
  const health = new Map<string, MemberHealth>([
    ['a/a1', { state: 'up', since: NOW - 60_000, successes: 5, failures: 0, probes: 5, lastResult: okResult(NOW - 1000), lastProbeAt: NOW - 1000 }],
    ['a/a2', { state: 'down', since: NOW - 1500, successes: 0, failures: 2, probes: 9, lastResult: refused(NOW - 1500), reason: '2 consecutive failures (fall 2): connect-refused', lastFailure: { at: NOW - 1500, reason: 'connect-refused', detail: 'connect ECONNREFUSED 192.0.2.2:25' } }],
  ]);
  const stored = new Map<string, PersistedHealth>([['b/b1', { state: 'up', since: NOW - 3_600_000, reason: '2 consecutive successes (rise 2)' }]]);
  return {
    now: NOW,
    version: '9.9.9',
    startedAt: STARTED,
    snapshot: snapshotWith(zone, { 'a/a1': 'up', 'a/a2': 'down', 'a/a6': ['up', 'drained'], 'b/b1': ['up', { weight: 10 }] }, 42),
    health,
    stored,
    history,
    shares: shares.report(),
    store: { kind: 'memory', ok: true },
    zoneErrors: ['bad.zone:3: unknown type FOO'],
    firstRoundDone: true,
    ...extra,
  };
}

